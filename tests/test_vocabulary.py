"""The one vocabulary type: id layout, unknown-token policies, size limits, the Keras lookup."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import vocabulary
from course_lib.data import dates
from course_lib.vocabulary import SPECIALS, CaptionTokenizer, Vocabulary

WORDS = ["the", "cat", "sat", "on", "the", "mat", "the", "cat"]


def test_specials_sit_at_their_named_ids_then_the_tokens_sorted():
    vocab = Vocabulary(WORDS)
    assert [vocab.tokens[i] for i in (vocab.PAD_ID, vocab.UNK_ID, vocab.START_ID, vocab.END_ID)] == list(SPECIALS)
    assert vocab.tokens[len(SPECIALS):] == sorted(set(WORDS))
    assert len(vocab) == vocab.size == len(SPECIALS) + len(set(WORDS))
    assert "cat" in vocab and "dog" not in vocab and vocabulary._START not in vocab


def test_encode_adds_start_and_end_pads_and_decodes_back():
    vocab = Vocabulary(WORDS)
    rows = [["the", "cat"], ["on", "the", "mat"]]
    ids = vocab.encode(rows, 6, start=True, end=True)
    assert ids.shape == (2, 6) and ids.dtype == np.int32
    assert ids[:, 0].tolist() == [vocab.START_ID] * 2
    assert ids[0, 3] == vocab.END_ID and (ids[0, 4:] == vocab.PAD_ID).all()
    assert vocab.decode(ids) == rows


@pytest.mark.parametrize("policy, expected", [("unk", ["the", "[UNK]", "sat"]), ("drop", ["the", "sat"])])
def test_unknown_tokens_follow_the_policy(policy, expected):
    vocab = Vocabulary(WORDS, unknown=policy)
    assert vocab.decode(vocab.encode([["the", "dog", "sat"]])) == [expected]


def test_unknown_error_names_the_token_and_the_row():
    vocab = Vocabulary(WORDS, unknown="error")
    with pytest.raises(ValueError, match=r"token_lists\[0\]: token\(s\) \['dog'\] not in the vocabulary"):
        vocab.encode([["the", "dog"]])


def test_min_count_and_max_size_keep_the_frequent_tokens():
    assert Vocabulary(WORDS, min_count=2).tokens[len(SPECIALS):] == ["cat", "the"]
    # max_size counts the specials; ties are broken alphabetically
    assert Vocabulary(WORDS, max_size=len(SPECIALS) + 1).tokens[len(SPECIALS):] == ["the"]
    assert Vocabulary(WORDS, max_size=len(SPECIALS) + 3).tokens[len(SPECIALS):] == ["cat", "mat", "the"]
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary(WORDS, max_size=len(SPECIALS))
    with pytest.raises(ValueError, match="tokens"):
        Vocabulary(WORDS, min_count=5)


def test_the_keras_lookup_layer_gives_the_same_ids_both_ways():
    vocab = Vocabulary(WORDS)
    rows = [["the", "cat", "sat"], ["mat", "dog", ""]]
    ids = np.asarray(vocab.lookup_layer()(np.array(rows)))
    expected = vocab.encode([["the", "cat", "sat"], ["mat", "dog"]], 3)
    assert ids.tolist() == expected.tolist()  # "dog" -> UNK_ID, "" -> PAD_ID
    back = np.asarray(vocab.lookup_layer(invert=True)(expected))
    assert [t.decode() for t in back[0]] == ["the", "cat", "sat"]
    with pytest.raises(ValueError, match="tokens"):
        vocabulary.string_lookup(["a", "b"])


def test_dates_and_captions_use_the_same_type_and_layout():
    src, tgt = dates._vocabularies()
    captions = CaptionTokenizer(["a red circle"])
    for vocab in (src, tgt, captions):
        assert isinstance(vocab, Vocabulary)
        assert tuple(vocab.tokens[: len(SPECIALS)]) == SPECIALS


def test_teacher_forcing_pairs_shift_the_same_rows_by_one():
    vocab = Vocabulary(["a", "b", "c"])
    rows = [["a", "b", "c"], ["c"]]
    target_in, target_out = vocab.teacher_forcing_pairs(rows)
    assert target_in.shape == target_out.shape == (2, 4)
    assert vocab.decode(target_in) == rows and vocab.decode(target_out) == rows
    assert (target_in[:, 0] == vocab.START_ID).all()
    assert target_out[0, 3] == vocab.END_ID and target_out[1, 1] == vocab.END_ID
    words = ~np.isin(target_out[:, :-1], (vocab.PAD_ID, vocab.END_ID))  # the words: target_in has them one later
    assert (target_in[:, 1:][words] == target_out[:, :-1][words]).all()
    assert not (target_in == vocab.END_ID).any(), "the decoder never reads <end>"
    assert vocab.teacher_forcing_pairs(rows, 6)[0].shape == (2, 6)
    with pytest.raises(ValueError, match="target_len"):
        vocab.teacher_forcing_pairs(rows, 3, length_name="target_len")

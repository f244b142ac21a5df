"""Tests of course_lib.data.text: corpora, the character vocabulary, the Shakespeare parser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib.data import text as T
from course_lib.data.download import ChecksumError, sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "tinyshakespeare_head.txt"


def test_shakespeare_parser_on_fixture_in_the_real_format():
    # the fixture is the start of the real input.txt: plain ASCII, "\n" line ends,
    # a speaker's name with a colon, the speech, a blank line between speeches
    text = T._read_text_file(FIXTURE)
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\n")
    assert "\r" not in text
    vocab = T.CharVocab(text)
    assert vocab.decode(vocab.encode(text)) == text


def test_read_text_file_normalises_windows_line_ends(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"All:\r\nSpeak, speak.\r\n")
    assert T._read_text_file(p) == "All:\nSpeak, speak.\n"
    with pytest.raises(FileNotFoundError):
        T._read_text_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="non-empty"):
        T._read_text_file(tmp_path / "empty.txt")


def test_load_shakespeare_uses_the_pinned_checksum(tmp_path, monkeypatch):
    assert len(T.SHAKESPEARE_SHA256) == 64
    # a cached file with the wrong bytes is rejected (re-fetch fails offline)
    seen = {}

    def fake_fetch(url, sha256, filename=None, cache=None):
        seen.update(url=url, sha256=sha256)
        if sha256_file(FIXTURE) != sha256:
            raise ChecksumError("not the pinned file")
        return FIXTURE

    import course_lib.data.download as download

    monkeypatch.setattr(download, "fetch", fake_fetch)
    with pytest.raises(ChecksumError):
        T.load_shakespeare(cache=tmp_path)
    assert seen == {"url": T.SHAKESPEARE_URL, "sha256": T.SHAKESPEARE_SHA256}


def test_python_docs_text_is_real_english_and_deterministic():
    text = T.python_docs_text()
    assert len(text) > 200_000
    assert text == T.python_docs_text()
    assert " the " in text and "def " in text
    assert set(text) <= T._KEEP
    assert len(T.python_docs_text(max_chars=1000)) == 1000


def test_stdlib_source_text(tmp_path):
    code = T.stdlib_source_text(20_000)
    assert len(code) == 20_000 and "def " in code and "import" in code
    (tmp_path / "b.py").write_text("x = 1\n")
    (tmp_path / "a.py").write_text("y = 'é'\n")
    (tmp_path / "_private.py").write_text("z = 0\n")
    assert T.stdlib_source_text(100, stdlib_dir=tmp_path) == "y = '?'\n\nx = 1\n\n"
    with pytest.raises(FileNotFoundError):
        T.stdlib_source_text(100, stdlib_dir=tmp_path / "nope")


def test_char_vocab_hello():
    vocab = T.CharVocab("hello")
    assert vocab.chars == ["e", "h", "l", "o"] and len(vocab) == 4
    ids = vocab.encode("hello")
    np.testing.assert_array_equal(ids, [1, 0, 2, 2, 3])
    assert vocab.decode(ids) == "hello"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("help")
    with pytest.raises(ValueError, match=r"ids in \[0, 4\)"):
        vocab.decode([0, 4])
    with pytest.raises(ValueError, match="non-empty"):
        T.CharVocab("")
    with pytest.raises(TypeError):
        T.CharVocab(b"hello")


def test_unigram_nll_and_one_hot():
    vocab = T.CharVocab("ab")
    ids = vocab.encode("aaab")
    # add-one counts: a=4, b=2 -> p(a)=2/3, p(b)=1/3
    expected = -(3 * np.log(2 / 3) + np.log(1 / 3)) / 4
    assert vocab.unigram_nll(ids, ids) == pytest.approx(expected)
    oh = T.one_hot(np.array([[0, 1]]), 2)
    np.testing.assert_array_equal(oh, [[[1, 0], [0, 1]]])
    with pytest.raises(ValueError, match=r"ids in \[0, 2\)"):
        T.one_hot([2], 2)


def _ngram_losses_by_hand(train, ev, V, n, strength):
    """The interpolated n-gram of char_ngram_losses, counted with dictionaries."""
    from collections import Counter

    grams, contexts = Counter(), Counter()
    for m in range(1, n + 1):
        for i in range(len(train) - m + 1):
            grams[tuple(train[i:i + m])] += 1
            contexts[tuple(train[i:i + m - 1])] += 1
    losses = []
    for t in range(1, len(ev)):
        p = 1 / V
        for m in range(1, min(n, t + 1) + 1):
            h = tuple(ev[t - m + 1:t])
            p = (grams[(*h, ev[t])] + strength * p) / (contexts[h] + strength)
        losses.append(-np.log(p))
    return np.array(losses)


@pytest.mark.parametrize("V, n, strength", [(3, 1, 1.0), (3, 2, 0.5), (4, 3, 2.0), (5, 4, 0.3), (2, 6, 1.0)])
def test_char_ngram_losses_match_counting_by_hand(V, n, strength):
    rng = np.random.default_rng(n)
    train, ev = rng.integers(0, V, 200), rng.integers(0, V, 40)
    np.testing.assert_allclose(T.char_ngram_losses(train, ev, V, n, strength),
                               _ngram_losses_by_hand(train.tolist(), ev.tolist(), V, n, strength), rtol=1e-12)


def test_char_ngram_losses_properties():
    V, rng = 4, np.random.default_rng(0)
    train = rng.integers(0, V, 300)
    # the probabilities of the V possible next characters after any context sum to one
    for context in ([0, 1], [3, 3], [2]):
        p = [np.exp(-T.char_ngram_losses(train, np.array([*context, c]), V, n=3)[-1]) for c in range(V)]
        assert sum(p) == pytest.approx(1.0)
    # order 1 is the smoothed unigram: (count + strength / V) / (total + strength)
    counts = np.bincount(train, minlength=V)
    expected = -np.log((counts[[1, 2]] + 2.0 / V) / (len(train) + 2.0))
    np.testing.assert_allclose(T.char_ngram_losses(train, np.array([0, 1, 2]), V, n=1, strength=2.0), expected)
    # context helps on a text with structure: after "ab" always "c"
    abc = np.tile([0, 1, 2], 50)
    assert T.char_ngram_losses(abc, abc, 3, n=3)[2:].mean() < 0.05 < T.char_ngram_losses(abc, abc, 3, n=1).mean()
    # a longer n than the training text: the orders it cannot count fall back to the ones below
    short, ev = [0, 1], [0, 1, 0]
    np.testing.assert_allclose(T.char_ngram_losses(short, ev, 2, n=5), T.char_ngram_losses(short, ev, 2, n=2))
    with pytest.raises(ValueError, match="2 \\*\\* 62"):
        T.char_ngram_losses(train, train, 100, n=10)
    with pytest.raises(ValueError, match="at least 2 ids"):
        T.char_ngram_losses(train, [1], V, n=2)
    with pytest.raises(ValueError, match="ids in"):
        T.char_ngram_losses(train, [1, 4], V, n=2)
    with pytest.raises(ValueError, match="strength"):
        T.char_ngram_losses(train, train, V, n=2, strength=0.0)


def test_split_and_normalize():
    train, val = T.split_text("abcdefghij", 0.2)
    assert (train, val) == ("abcdefgh", "ij")
    with pytest.raises(ValueError, match=r"val_fraction: expected a number in \(0, 1\)"):
        T.split_text("abcdefghij", 1.0)
    with pytest.raises(ValueError, match="enough characters"):
        T.split_text("abc", 0.1)
    assert T._normalize_text("a\r\nb\u00e9\x0c") == "a\nb??"
    with pytest.raises(ValueError, match="replacement"):
        T._normalize_text("x", "??")


def test_tbptt_batches_continue_each_stream_across_batches():
    ids = np.arange(101)
    x, y = T.tbptt_batches(ids, batch_size=2, chunk_len=5)
    # 2 streams of 50 ids each, 10 chunks of 5 per stream
    assert x.shape == y.shape == (20, 5)
    np.testing.assert_array_equal(x[0], [0, 1, 2, 3, 4])     # chunk 0, stream 0
    np.testing.assert_array_equal(x[1], [50, 51, 52, 53, 54])  # chunk 0, stream 1
    np.testing.assert_array_equal(x[2], [5, 6, 7, 8, 9])     # chunk 1, stream 0 continues
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="more than batch_size"):
        T.tbptt_batches(np.arange(10), 4, 5)
    with pytest.raises(ValueError, match=r"ids: expected shape \(L,\)"):
        T.tbptt_batches(np.zeros((2, 50), int), 2, 5)


def test_python_string_mask():
    code = "x = 'ab' + f(\"\"\"doc\nmore\"\"\")\n# 'no'\n"
    mask = T.python_string_mask(code)
    marked = "".join(c for c, m in zip(code, mask) if m)
    assert marked == "'ab'\"\"\"doc\nmore\"\"\""
    assert not mask[code.index("# 'no'"):].any()  # a quote inside a comment is not a string
    assert T.python_string_mask("s = 'ok'\nt = (1,\n").sum() == 4  # cut code: tail unmarked
    with pytest.raises(TypeError):
        T.python_string_mask(b"x")


def test_python_bracket_depth_ignores_strings_and_comments():
    code = "f(a, [b, '(' ], {c: (d)})  # (\nx = 1\n"
    depth = T.python_bracket_depth(code)
    got = {ch: int(depth[code.index(ch)]) for ch in "fa[b'cdx"}
    assert got == {"f": 0, "a": 1, "[": 1, "b": 2, "'": 2, "c": 2, "d": 3, "x": 0}
    assert depth[code.index("(d")] == 2
    assert depth[code.index("#"):].max() == 0
    assert depth[code.index(")  #")] == 0  # the closing bracket is outside its pair
    assert T.python_bracket_depth(")))x").tolist() == [0, 0, 0, 0]  # clamped at zero

"""Date translation pairs: CLDR text, tokenisation round trip, true alignment, vocabularies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from course_lib.data import dates as D


def test_text_is_babels_cldr_format():
    from babel.dates import format_date

    rng = np.random.default_rng(0)
    for lang in D.LANGUAGES:
        for style in D._STYLES:
            for o in rng.integers(dt.date(1900, 1, 1).toordinal(), dt.date(2100, 1, 1).toordinal(), 40):
                day = dt.date.fromordinal(int(o))
                assert D.format_date_fields(day, lang, style)[0] == format_date(day, style, locale=lang)


def test_examples_from_the_lesson():
    day = dt.date(2021, 3, 3)
    expected = {
        "ko": "2021년 3월 3일 수요일",
        "fr": "mercredi 3 mars 2021",
        "de": "Mittwoch, 3. März 2021",
        "es": "miércoles, 3 de marzo de 2021",
        "ja": "2021年3月3日水曜日",
        "en": "Wednesday, March 3, 2021",
    }
    for lang, text in expected.items():
        assert D.format_date_fields(day, lang)[0] == text
    assert D.tokenize(expected["ja"]) == ["2021年", "3月", "3日", "水曜日"]
    assert D.tokenize(expected["de"]) == ["Mittwoch", ",", "3", ".", "März", "2021"]
    assert D.tokenize(expected["ko"]) == ["2021년", "3월", "3일", "수요일"]


def test_english_round_trip():
    pairs = D.make_date_pairs(200, n_dates=(1, 3), seed=1)
    for text, tokens in zip(pairs.target, pairs.target_tokens):
        assert D.tokenize(text) == tokens
        assert D.detokenize(tokens) == text


def test_true_alignment_by_hand():
    pairs = D.make_date_pairs(60, languages=("ko",), seed=2)
    for src, tgt, align in zip(pairs.source_tokens, pairs.target_tokens, pairs.alignment):
        # ko: year month day weekday  ->  en: Weekday , Month day , year
        np.testing.assert_array_equal(align, [3, -1, 1, 2, -1, 0])
        assert src[2].rstrip("일") == tgt[3] and src[0].rstrip("년") == tgt[5]
    pairs = D.make_date_pairs(20, languages=("es",), n_dates=2, style="long", seed=3)
    for src, align in zip(pairs.source_tokens, pairs.alignment):
        # es long: d de MMMM de y ; d de MMMM de y  ->  en: MMMM d , y ; MMMM d , y
        assert src[5] == ";"
        np.testing.assert_array_equal(align, [2, 0, -1, 4, 5, 8, 6, -1, 10])


def test_aligned_tokens_translate_each_other():
    from babel.dates import get_day_names, get_month_names

    pairs = D.make_date_pairs(300, n_dates=(1, 3), seed=4)
    en_days = {v: k for k, v in get_day_names("wide", locale="en").items()}
    en_months = {v: k for k, v in get_month_names("wide", locale="en").items()}
    for lang, src, tgt, align in zip(pairs.lang, pairs.source_tokens, pairs.target_tokens, pairs.alignment):
        assert len(align) == len(tgt)
        days = {v: k for k, v in get_day_names("wide", locale=lang).items()}
        for t, a in zip(tgt, align):
            if t == ",":
                assert a == -1
                continue
            assert a >= 0
            s = src[a]
            if t in en_days:
                assert days[s] == en_days[t]
            elif t in en_months:
                month = en_months[t]
                assert s in (get_month_names("wide", locale=lang)[month], f"{month}월", f"{month}月")
            elif t == ";":
                assert s == ";"
            else:  # a number: day or year
                assert s.rstrip("年月日년월일") == t


def test_make_date_pairs_counts_and_seed():
    a = D.make_date_pairs(50, n_dates=(2, 4), languages=("fr", "ja"), seed=5)
    b = D.make_date_pairs(50, n_dates=(2, 4), languages=("fr", "ja"), seed=5)
    assert a.source == b.source and len(a) == 50
    assert set(a.lang) <= {"fr", "ja"} and a.n_dates.min() >= 2 and a.n_dates.max() <= 4
    for text, k in zip(a.target, a.n_dates):
        assert text.count(";") == k - 1
    sub = a.subset(a.n_dates == 2)
    assert len(sub) == int((a.n_dates == 2).sum()) and all(t.count(";") == 1 for t in sub.target)


def test_vocabulary_round_trip_and_ids():
    src_vocab, tgt_vocab = D._vocabularies()
    pairs = D.make_date_pairs(100, n_dates=(1, 3), seed=6)
    for vocab, lists in ((src_vocab, pairs.source_tokens), (tgt_vocab, pairs.target_tokens)):
        ids = vocab.encode(lists, end=True)
        assert ids.dtype == np.int32 and ids.shape[0] == 100
        assert (ids == vocab.unk_id).sum() == 0  # every token is in the vocabulary
        assert vocab.decode(ids) == lists
        assert vocab.tokens[:4] == ["", "[UNK]", "<start>", "<end>"]
    # the Keras layer agrees with the wrapper
    layer = tgt_vocab.lookup_layer()
    assert layer.get_vocabulary() == tgt_vocab.tokens
    inverse = tgt_vocab.lookup_layer(invert=True)
    ids = tgt_vocab.encode([["March", "3", ",", "2021"]])
    assert [t.decode() for t in np.asarray(inverse(ids))[0]] == ["March", "3", ",", "2021"]
    assert tgt_vocab.encode([["Marsch"]])[0, 0] == tgt_vocab.unk_id


def test_encode_pairs_shapes_and_alignment():
    src_vocab, tgt_vocab = D._vocabularies()
    pairs = D.make_date_pairs(30, n_dates=(1, 2), seed=7, style="long")
    arrays = D.encode_pairs(pairs, src_vocab, tgt_vocab)
    n, t = arrays["target_out"].shape
    assert arrays["target_in"].shape == (n, t) and arrays["alignment"].shape == (n, t)
    assert np.all(arrays["target_in"][:, 0] == tgt_vocab.start_id)
    # target_in is target_out shifted right by one
    np.testing.assert_array_equal(arrays["target_in"][:, 1:][arrays["target_out"][:, 1:] > 0],
                                  arrays["target_out"][:, :-1][arrays["target_out"][:, 1:] > 0])
    for i in range(n):
        length = len(pairs.target_tokens[i])
        assert arrays["target_out"][i, length] == tgt_vocab.end_id
        np.testing.assert_array_equal(arrays["alignment"][i, :length], pairs.alignment[i])
        assert np.all(arrays["alignment"][i, length:] == -1)


def test_bad_inputs():
    with pytest.raises(ValueError, match="lang"):
        D.format_date_fields(dt.date(2020, 1, 1), "xx")
    with pytest.raises(TypeError, match="date"):
        D.format_date_fields("2020-01-01", "fr")
    with pytest.raises(ValueError, match="style"):
        D.make_date_pairs(3, style="short")
    with pytest.raises(ValueError, match="n_dates"):
        D.make_date_pairs(3, n_dates=(3, 1))
    with pytest.raises(ValueError, match="n_dates"):
        D.make_date_pairs(3, n_dates=0)
    with pytest.raises(ValueError, match="years"):
        D.make_date_pairs(3, years=(2030, 2000))
    with pytest.raises(ValueError, match="n"):
        D.make_date_pairs(0)
    with pytest.raises(TypeError, match="text"):
        D.tokenize(3)
    src_vocab, _ = D._vocabularies()
    with pytest.raises(ValueError, match="length"):
        src_vocab.encode([["a", "b", "c"]], length=2)
    with pytest.raises(ValueError, match="ids"):
        src_vocab.decode(np.array([[len(src_vocab)]]))
    with pytest.raises(ValueError, match="ids"):
        src_vocab.decode(np.array([1, 2]))
    with pytest.raises(TypeError, match="pairs"):
        D.encode_pairs([], src_vocab, src_vocab)


def test_load_task_splits_vocabularies_and_arrays():
    task = D.load_task("lesson", seed=3, n_train=60, n_test=25)
    assert len(task.train) == 60 and len(task.test) == 25 and task.max_dates == D.TASK_SIZES["lesson"]["max_dates"]
    assert set(task.train.n_dates) <= {1, 2, 3} and set(task.test.n_dates) <= {1, 2, 3}
    # the same draws as make_date_pairs with the documented seeds (test = seed + 1000)
    again = D.make_date_pairs(25, n_dates=(1, 3), style="long", seed=1003)
    assert task.test.source == again.source and task.test.target == again.target
    assert task.train.source != task.test.source[:25]
    tr, te = task.train_arrays, task.test_arrays
    # test arrays are padded at least to the training lengths, so one model takes both
    assert te["source"].shape[1] >= tr["source"].shape[1]
    assert te["target_out"].shape[1] >= tr["target_out"].shape[1]
    assert task.target_vocab.decode(te["target_out"]) == task.test.target_tokens
    assert task.source_vocab.decode(te["source"]) == task.test.source_tokens
    assert te["target_in"].shape == te["target_out"].shape == te["alignment"].shape
    # the same seed gives the same task
    assert D.load_task("lesson", seed=3, n_train=60, n_test=25).train.source == task.train.source


def test_load_task_bad_inputs():
    with pytest.raises(ValueError, match="scale"):
        D.load_task("huge")
    with pytest.raises(ValueError, match="seed"):
        D.load_task("lesson", seed=-1)
    with pytest.raises(TypeError, match="n_train"):
        D.load_task("lesson", n_train=2.5)

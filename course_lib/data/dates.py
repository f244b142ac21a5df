"""Dates written in six languages, to translate into English, with the true alignment.

The text comes from the Unicode CLDR data that babel ships: real month and weekday
names and each language's own word order for a full date::

    ko  2021년 3월 3일 수요일            fr  mercredi 3 mars 2021
    de  Mittwoch, 3. März 2021          es  miércoles, 3 de marzo de 2021
    ja  2021年3月3日水曜日               en  Wednesday, March 3, 2021

Because source and target are written from the same date, we know which source token
every English token translates (``Wednesday`` <- ``수요일``, ``2021`` <- ``2021년``):
the *true alignment* that lessons compare attention weights with. Longer inputs are made
of several dates joined by ``"; "``, to measure how translation quality depends on the
input's length.

Tokens: runs of letters, numbers (with a following 年/月/日/년/월/일 attached, so
``2021年`` is one token), and single punctuation marks. Token ids come from a
``course_lib.vocabulary.Vocabulary`` (padding, unknown, ``<start>``, ``<end>``, then the
tokens).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re

import numpy as np

from course_lib.checks import check_choice, check_positive_int, check_seed
from course_lib.vocabulary import Vocabulary

__all__ = [
    "LANGUAGES",
    "DatePairs",
    "DateTask",
    "TASK_SIZES",
    "detokenize",
    "encode_pairs",
    "format_date_fields",
    "load_task",
    "make_date_pairs",
    "tokenize",
]

LANGUAGES = ("ko", "fr", "de", "es", "ja", "en")
#: joins several dates into one longer input (and output)
_SEPARATOR = "; "
DEFAULT_YEARS = (1990, 2029)

_TOKEN = re.compile(r"\d+[年月日년월일]?|[^\W\d_]+|[^\w\s]")
_NO_SPACE_BEFORE = re.compile(r" ([,.;])")
# which component of the date each CLDR pattern letter shows
_FIELD_NAMES = {"E": "weekday", "M": "month", "L": "month", "d": "day", "y": "year"}


def tokenize(text: str) -> list[str]:
    """Split a date string into tokens.

    Example:
        >>> tokenize("Mittwoch, 3. März 2021")
        ['Mittwoch', ',', '3', '.', 'März', '2021']
        >>> tokenize("2021년 3월 3일")
        ['2021년', '3월', '3일']
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return _TOKEN.findall(text)


def _token_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def detokenize(tokens) -> str:
    """Join English (or French, German, Spanish) tokens back into text.

    ``detokenize(tokenize(s)) == s`` for every English date string this module writes.
    """
    if isinstance(tokens, str) or not isinstance(tokens, (list, tuple, np.ndarray)):
        raise TypeError(f"tokens: expected a list of token strings, got {type(tokens).__name__}")
    tokens = list(tokens)
    if not all(isinstance(t, str) for t in tokens):
        raise TypeError("tokens: expected a sequence of str")
    return _NO_SPACE_BEFORE.sub(r"\1", " ".join(tokens))


_STYLES = ("full", "long")


@functools.cache
def _pattern(lang: str, style: str = "full"):
    from babel import Locale
    from babel.dates import get_date_format, tokenize_pattern

    locale = Locale.parse(lang)
    return locale, tokenize_pattern(get_date_format(style, locale=locale).pattern)


@functools.cache
def _field_text(lang: str, letters: str, field: str, value: int) -> str:
    """CLDR text of one field (e.g. ``"MMMM"``) of a date whose ``field`` is ``value``."""
    from babel.dates import DateTimeFormat

    locale, _ = _pattern(lang)
    if field == "weekday":  # 2001-01-01 was a Monday (weekday 0)
        date = dt.date(2001, 1, 1) + dt.timedelta(days=value)
    elif field == "month":
        date = dt.date(2001, value, 1)
    elif field == "day":
        date = dt.date(2001, 1, value)
    else:
        date = dt.date(value, 1, 1)
    return DateTimeFormat(date, locale)[letters]


def format_date_fields(date: dt.date, lang: str, style: str = "full") -> tuple[str, list[tuple[str, int, int]]]:
    """Write ``date`` in one of CLDR's formats for ``lang`` and say where each field is.

    Args:
        date: a ``datetime.date``.
        lang: one of ``LANGUAGES``.
        style: ``"full"`` (with the weekday) or ``"long"`` (without).

    Returns:
        ``(text, spans)``: the string (as ``babel.dates.format_date(date, style)``) and a
        list of ``(field, start, end)`` character spans, field in
        ``{"weekday", "month", "day", "year"}``.
    """
    if not isinstance(date, dt.date):
        raise TypeError(f"date: expected a datetime.date, got {type(date).__name__}")
    check_choice(lang, "lang", LANGUAGES)
    check_choice(style, "style", _STYLES)
    _, parts = _pattern(lang, style)
    values = {"weekday": date.weekday(), "month": date.month, "day": date.day, "year": date.year}
    text, spans = "", []
    for kind, value in parts:
        if kind == "chars":
            text += value
            continue
        letter, count = value
        field = _FIELD_NAMES.get(letter)
        if field is None:
            raise ValueError(f"unexpected field {letter!r} in the {lang} date pattern")
        piece = _field_text(lang, letter * count, field, values[field])
        spans.append((field, len(text), len(text) + len(piece)))
        text += piece
    return text, spans


@functools.lru_cache(maxsize=1 << 17)
def _date_tokens(date: dt.date, lang: str, style: str) -> tuple[str, tuple[str, ...], tuple[str | None, ...]]:
    """Text and tokens of one date, and the field each token shows (None for literal text)."""
    text, spans = format_date_fields(date, lang, style)
    tokens, fields = [], []
    for tok, start, end in _token_spans(text):
        hits = [f for f, s, e in spans if s < end and start < e]
        tokens.append(tok)
        fields.append(hits[0] if len(hits) == 1 else None)
    return text, tuple(tokens), tuple(fields)


_SEPARATOR_TOKENS = tuple(tokenize(_SEPARATOR))


def _tokens_and_fields(dates, lang, style):
    """Tokens of several dates joined by ``_SEPARATOR``, and each token's (date index, field).

    Tokens never straddle a date and the separator, so the dates are tokenised one by one.
    """
    texts, tokens, fields = [], [], []
    for i, date in enumerate(dates):
        if i:
            tokens += _SEPARATOR_TOKENS
            fields += [(i - 1, "separator")] * len(_SEPARATOR_TOKENS)
        text, toks, flds = _date_tokens(date, lang, style)
        texts.append(text)
        tokens += toks
        fields += [(i, f) if f is not None else None for f in flds]
    return _SEPARATOR.join(texts), tokens, fields


@dataclasses.dataclass
class DatePairs:
    """Translation pairs: ``n`` inputs in various languages and their English outputs.

    Attributes:
        source, target: the texts, ``n`` strings each.
        source_tokens, target_tokens: the token lists.
        alignment: for every target token, the index of the source token it translates,
            or -1 for a token with no counterpart (English commas).
        lang: the source language of each pair.
        n_dates: how many dates each pair holds.
    """

    source: list[str]
    target: list[str]
    source_tokens: list[list[str]]
    target_tokens: list[list[str]]
    alignment: list[np.ndarray]
    lang: np.ndarray
    n_dates: np.ndarray

    def __len__(self) -> int:
        return len(self.source)

    def subset(self, index) -> DatePairs:
        """The pairs at ``index`` (a boolean mask or integer indices)."""
        idx = np.arange(len(self))[np.asarray(index)]
        pick = lambda xs: [xs[i] for i in idx]  # noqa: E731
        return DatePairs(
            pick(self.source), pick(self.target), pick(self.source_tokens),
            pick(self.target_tokens), pick(self.alignment), self.lang[idx], self.n_dates[idx],
        )


def _pair(dates, lang, style):
    source, s_tokens, s_fields = _tokens_and_fields(dates, lang, style)
    target, t_tokens, t_fields = _tokens_and_fields(dates, "en", style)
    where = {f: i for i, f in enumerate(s_fields) if f is not None}
    if len(where) != sum(f is not None for f in s_fields):
        raise ValueError(f"a field appears twice in the {lang} text {source!r}")
    align = np.array([where.get(f, -1) if f is not None else -1 for f in t_fields], dtype="int64")
    return source, target, s_tokens, t_tokens, align


MAX_DATES = 20  # dates in one input: more would be a typo (the lessons use 1 to 4)


def _check_languages(languages) -> tuple:
    if isinstance(languages, str) or not isinstance(languages, (list, tuple)) or not languages:
        raise TypeError(f"languages: expected a non-empty tuple of language codes from {LANGUAGES}, "
                        f"got {languages!r}")
    for lang in languages:
        check_choice(lang, "languages", LANGUAGES)
    return tuple(languages)


def _check_years(years) -> tuple[int, int]:
    if not isinstance(years, (list, tuple)) or len(years) != 2:
        raise TypeError(f"years: expected a pair (first, last), got {years!r}")
    first, last = (check_positive_int(y, "years") for y in years)
    if not first <= last <= 9999:
        raise ValueError(f"years: expected (first, last) with 1 <= first <= last <= 9999, got {years}")
    return first, last


def make_date_pairs(
    n: int,
    *,
    languages=LANGUAGES,
    n_dates=1,
    years=DEFAULT_YEARS,
    style: str = "full",
    seed: int = 0,
) -> DatePairs:
    """Random dates written in the ``languages``, each paired with its English form.

    Args:
        n: number of pairs.
        languages: source languages, drawn uniformly.
        n_dates: dates per pair: an int, or ``(low, high)`` to draw uniformly in
            ``low..high`` (inclusive).
        years: ``(first, last)`` year of the dates, inclusive.
        style: ``"full"`` (``Wednesday, March 3, 2021``) or ``"long"`` (``March 3, 2021``).
        seed: seed of the random draws.

    Returns:
        a ``DatePairs`` with ``n`` pairs.
    """
    n = check_positive_int(n, "n")
    check_choice(style, "style", _STYLES)
    languages = _check_languages(languages)
    if isinstance(n_dates, (int, np.integer)) and not isinstance(n_dates, bool):
        n_dates = (n_dates, n_dates)
    if not isinstance(n_dates, (list, tuple)) or len(n_dates) != 2:
        raise TypeError(f"n_dates: expected an int or a pair (low, high), got {n_dates!r}")
    low, high = (check_positive_int(v, "n_dates", maximum=MAX_DATES) for v in n_dates)
    if high < low:
        raise ValueError(f"n_dates: expected (low, high) with low <= high, got {n_dates}")
    first, last = _check_years(years)
    rng = np.random.default_rng(check_seed(seed))
    start = dt.date(first, 1, 1).toordinal()
    span = dt.date(last, 12, 31).toordinal() - start + 1
    langs = rng.choice(np.array(languages), size=n)
    counts = rng.integers(low, high + 1, size=n)
    ordinals = start + rng.integers(0, span, size=counts.sum())
    rows, k = [], 0
    for lang, c in zip(langs, counts):
        dates = [dt.date.fromordinal(int(o)) for o in ordinals[k : k + c]]
        k += c
        rows.append(_pair(dates, str(lang), style))
    cols = list(zip(*rows))
    return DatePairs(
        list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]), list(cols[4]),
        langs.astype(str), counts.astype("int64"),
    )


def _vocabularies(languages=LANGUAGES, years=DEFAULT_YEARS) -> tuple[Vocabulary, Vocabulary]:
    """Source and target vocabularies holding every token a date in ``years`` can give
    (in either style).

    Returns:
        ``(source_vocab, target_vocab)``.
    """
    languages = _check_languages(languages)
    first, last = _check_years(years)
    dates = [dt.date(2001, 1, d) for d in range(1, 32)]  # every day and weekday
    dates += [dt.date(2001, m, 1) for m in range(1, 13)]  # every month
    dates += [dt.date(y, 1, 1) for y in range(first, last + 1)]  # every year
    source = set()
    for lang in languages:
        check_choice(lang, "languages", LANGUAGES)
        source |= set(_tokens_and_fields(dates, lang, "full")[1])
    target = set(_tokens_and_fields(dates, "en", "full")[1])
    return Vocabulary(source), Vocabulary(target)


def encode_pairs(pairs: DatePairs, source_vocab: Vocabulary, target_vocab: Vocabulary,
                 source_len: int | None = None, target_len: int | None = None) -> dict:
    """Model-ready arrays for teacher forcing.

    Returns:
        a dict with
        ``source``: (n, S) int32 source ids, padded with ``PAD_ID``;
        ``target_in``: (n, T) int32, ``<start>`` then the target tokens (decoder input);
        ``target_out``: (n, T) int32, the target tokens then ``<end>`` (what to predict);
        ``alignment``: (n, T) int64, for every ``target_out`` position the index of the
        true source token, -1 where there is none (commas, ``<end>``, padding).
    """
    if not isinstance(pairs, DatePairs):
        raise TypeError(f"pairs: expected a DatePairs, got {type(pairs).__name__}")
    for name, vocab in (("source_vocab", source_vocab), ("target_vocab", target_vocab)):
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"{name}: expected a course_lib.vocabulary.Vocabulary, got {type(vocab).__name__}")
    source = source_vocab.encode(pairs.source_tokens, source_len)
    target_in, target_out = target_vocab.teacher_forcing_pairs(pairs.target_tokens, target_len,
                                                                 length_name="target_len")
    alignment = np.full(target_out.shape, -1, dtype="int64")
    for i, a in enumerate(pairs.alignment):
        alignment[i, : len(a)] = a
    return {"source": source, "target_in": target_in, "target_out": target_out, "alignment": alignment}


#: the translation task of lessons 07 and 08 at each scale: training pairs, test pairs,
#: the most dates in one input, and the date style
TASK_SIZES = {
    "lesson": {"n_train": 10_000, "n_test": 600, "max_dates": 3, "style": "long"},
    "full": {"n_train": 100_000, "n_test": 2_000, "max_dates": 5, "style": "full"},
}


@dataclasses.dataclass
class DateTask:
    """Everything a date-translation lesson trains and tests on.

    Attributes:
        train, test: the ``DatePairs`` (1 to ``max_dates`` dates per pair).
        source_vocab, target_vocab: the ``Vocabulary`` of each side.
        train_arrays, test_arrays: ``encode_pairs`` of each split: ``source`` (n, S),
            ``target_in`` and ``target_out`` (n, T), ``alignment`` (n, T); the test
            arrays are padded to the training lengths S and T.
        max_dates: the most dates in one input.
    """

    train: DatePairs
    test: DatePairs
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    train_arrays: dict
    test_arrays: dict
    max_dates: int


def load_task(scale: str = "lesson", *, seed: int = 0, n_train: int | None = None,
              n_test: int | None = None) -> DateTask:
    """The date-translation task shared by lessons 07 and 08, at ``scale``.

    Training pairs are drawn with ``seed``, test pairs with ``seed + 1000``, each with
    1 to ``TASK_SIZES[scale]["max_dates"]`` dates, in every language of ``LANGUAGES``.

    Args:
        scale: ``"lesson"`` or ``"full"`` (sizes in ``TASK_SIZES``).
        seed: seed of the training draw (a non-negative int).
        n_train, n_test: override the number of pairs.

    Returns:
        a ``DateTask``.
    """
    check_choice(scale, "scale", tuple(TASK_SIZES))
    seed = check_seed(seed)
    sizes = TASK_SIZES[scale]
    n_train = check_positive_int(sizes["n_train"] if n_train is None else n_train, "n_train")
    n_test = check_positive_int(sizes["n_test"] if n_test is None else n_test, "n_test")
    span = (1, sizes["max_dates"])
    train = make_date_pairs(n_train, n_dates=span, style=sizes["style"], seed=seed)
    test = make_date_pairs(n_test, n_dates=span, style=sizes["style"], seed=seed + 1000)
    source_vocab, target_vocab = _vocabularies()
    train_arrays = encode_pairs(train, source_vocab, target_vocab)
    source_len, target_len = train_arrays["source"].shape[1], train_arrays["target_out"].shape[1]
    longest_source = max(len(t) for t in test.source_tokens)
    longest_target = max(len(t) for t in test.target_tokens) + 1
    test_arrays = encode_pairs(test, source_vocab, target_vocab, max(source_len, longest_source),
                               max(target_len, longest_target))
    return DateTask(train, test, source_vocab, target_vocab, train_arrays, test_arrays, sizes["max_dates"])

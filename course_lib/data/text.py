"""Character-level text corpora and a character vocabulary.

Lesson scale (no network, real text nobody here wrote):

* ``python_docs_text`` — the English reference documentation that ships with Python
  itself (``pydoc_data.topics``, about 460 k characters of prose and examples);
* ``stdlib_source_text`` — source code of the Python standard library's ``.py`` files.

Full scale: ``load_shakespeare`` downloads Karpathy's *tiny Shakespeare* (1,115,394
characters of plays) with a pinned SHA-256 and caches it.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import numpy as np

from course_lib.checks import (
    check_ids,
    check_path,
    check_positive,
    check_positive_int,
    check_probability,
    check_result_size,
    check_seed,
)

__all__ = [
    "SHAKESPEARE_SHA256",
    "SHAKESPEARE_URL",
    "CharVocab",
    "char_ngram_losses",
    "load_shakespeare",
    "one_hot",
    "python_docs_text",
    "python_bracket_depth",
    "python_string_mask",
    "random_windows",
    "split_text",
    "stdlib_source_text",
    "tbptt_batches",
]

# Karpathy's char-rnn corpus, 1,115,394 bytes. The SHA-256 is the one TensorFlow Datasets
# pins for this exact URL in tensorflow_datasets/url_checksums/tiny_shakespeare.txt.
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"

_KEEP = set(string.printable) - set("\r\x0b\x0c")


def _normalize_text(text: str, replacement: str = "?") -> str:
    """Keep printable ASCII, newlines and tabs; replace every other character.

    Keeps the vocabulary small (at most 98 symbols) so a tiny model learns quickly.

    Args:
        text: any string.
        replacement: a single printable ASCII character used for the others.

    Returns:
        a string of the same length.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not isinstance(replacement, str) or len(replacement) != 1 or replacement not in _KEEP:
        raise ValueError(f"replacement: expected one printable ASCII character, got {replacement!r}")
    text = text.replace("\r\n", "\n")
    return "".join(c if c in _KEEP else replacement for c in text)


def python_docs_text(max_chars: int | None = None) -> str:
    """The English documentation text that ships with Python (``pydoc_data.topics``).

    The topics are joined in sorted order with blank lines between them, normalised to
    printable ASCII (other characters become ``?``), so the result is the same on every
    run of one Python version.

    Args:
        max_chars: keep at most this many characters (None: all).

    Returns:
        the text (about 460,000 characters for Python 3.11).
    """
    from pydoc_data.topics import topics

    text = _normalize_text("\n\n".join(topics[k].strip("\n") for k in sorted(topics)))
    if max_chars is not None:
        text = text[: check_positive_int(max_chars, "max_chars")]
    return text


def stdlib_source_text(max_chars: int = 300_000, *, stdlib_dir: str | os.PathLike | None = None) -> str:
    """Source code of the standard library's top-level ``.py`` modules, concatenated.

    Files are read in sorted order (skipping private ``_*.py`` modules) until
    ``max_chars`` are collected, each separated by a blank line.

    Args:
        max_chars: number of characters to collect.
        stdlib_dir: directory to read (default: this Python's standard library).

    Returns:
        the code, normalised to printable ASCII, exactly ``max_chars`` long unless the
        directory holds less.
    """
    import sysconfig

    max_chars = check_positive_int(max_chars, "max_chars")
    root = check_path(stdlib_dir, "stdlib_dir") if stdlib_dir is not None else Path(sysconfig.get_paths()["stdlib"])
    if not root.is_dir():
        raise FileNotFoundError(f"stdlib_dir: expected a directory of .py files, got {root}")
    files = sorted(p for p in root.glob("*.py") if not p.name.startswith("_"))
    if not files:
        raise FileNotFoundError(f"stdlib_dir: no .py files in {root}")
    parts, total = [], 0
    for path in files:
        code = _normalize_text(path.read_text(encoding="utf-8", errors="replace")).strip("\n") + "\n\n"
        parts.append(code)
        total += len(code)
        if total >= max_chars:
            break
    return "".join(parts)[:max_chars]


def _read_text_file(path: str | os.PathLike) -> str:
    """Read a plain UTF-8 text corpus (e.g. tiny Shakespeare's ``input.txt``).

    Windows line endings are turned into ``\\n``.

    Args:
        path: file path.

    Returns:
        the text.
    """
    path = check_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"path: expected a text file at {path}")
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as err:
        raise ValueError(f"path: {path} is not UTF-8 text ({err})") from None
    if not text:
        raise ValueError(f"{path}: expected a non-empty text file")
    return text


def load_shakespeare(cache: str | os.PathLike | None = None) -> str:
    """Tiny Shakespeare (full scale): downloaded once with a pinned SHA-256, then cached.

    Returns:
        the 1,115,394-character text.
    """
    from course_lib.data.download import fetch

    path = fetch(SHAKESPEARE_URL, SHAKESPEARE_SHA256, "tinyshakespeare.txt", cache=cache)
    return _read_text_file(path)


def split_text(text: str, val_fraction: float = 0.1):
    """Split a text into a training head and a held-out tail (no shuffling: the tail is
    text the model never saw, as a language model is evaluated).

    Args:
        text: the corpus.
        val_fraction: share of characters held out, in (0, 1).

    Returns:
        ``(train_text, val_text)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    check_probability(val_fraction, "val_fraction")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction: expected a number in (0, 1), got {val_fraction}")
    cut = int(round(len(text) * (1 - val_fraction)))
    if cut < 2 or len(text) - cut < 2:
        raise ValueError(f"text: expected enough characters to split, got {len(text)}")
    return text[:cut], text[cut:]


class CharVocab:
    """A character vocabulary: sorted distinct characters <-> ids ``0..V-1``.

    >>> vocab = CharVocab("hello")
    >>> vocab.chars, vocab.encode("hell").tolist()
    (['e', 'h', 'l', 'o'], [1, 0, 2, 2])
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        if not text:
            raise ValueError("text: expected a non-empty string to build the vocabulary from")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def size(self) -> int:
        """V, the number of distinct characters."""
        return len(self.chars)

    def __len__(self) -> int:
        return self.size

    def encode(self, text: str) -> np.ndarray:
        """``text`` (length L) -> ids: (L,) int64; unknown characters raise ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"text: expected a str, got {type(text).__name__}")
        unknown = sorted(set(text) - self.index.keys())
        if unknown:
            raise ValueError(f"text: characters not in the vocabulary: {unknown[:10]!r}")
        return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        """ids: (L,) ints in [0, V) -> a string of length L."""
        ids = check_ids(ids, "ids", self.size, ("L",), allow_empty=True)
        return "".join(self.chars[i] for i in ids)

    def unigram_nll(self, ids_train, ids_eval) -> float:
        """Mean cross-entropy (nats) on ``ids_eval`` of the character frequencies of
        ``ids_train`` (add-one smoothed): the baseline a language model must beat.

        Args:
            ids_train: (L1,) ids. ids_eval: (L2,) ids.
        """
        ids_train = check_ids(ids_train, "ids_train", self.size, ("L",))
        ids_eval = check_ids(ids_eval, "ids_eval", self.size, ("L",))
        counts = np.bincount(ids_train, minlength=self.size) + 1.0
        return float(-np.log(counts[ids_eval] / counts.sum()).mean())


def one_hot(ids, vocab_size: int) -> np.ndarray:
    """ids: (...) ints in [0, V) -> (..., V) float64 one-hot vectors."""
    V = check_positive_int(vocab_size, "vocab_size")
    ids = check_ids(ids, "ids", V)
    check_result_size((*ids.shape, V), np.float64, "ids, vocab_size")
    out = np.zeros((*ids.shape, V))
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


def _ngram_codes(ids: np.ndarray, m: int, V: int) -> np.ndarray:
    """ids: (L,) -> (L - m + 1,) int64: each window of m ids read as one base-V number."""
    windows = np.lib.stride_tricks.sliding_window_view(ids.astype(np.int64, copy=False), m)
    return windows @ (V ** np.arange(m - 1, -1, -1, dtype=np.int64))


def _count_of(keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The count of each query in sorted, distinct ``keys`` (0 where it is absent)."""
    i = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[i] == queries, counts[i], 0.0)


def char_ngram_losses(ids_train, ids_eval, vocab_size: int, n: int, strength: float = 1.0) -> np.ndarray:
    """Cross-entropy (nats) of every character of ``ids_eval`` under a smoothed character
    n-gram (Markov) model counted on ``ids_train``: the classical baseline of a character
    language model.

    Each order is interpolated with the order below it (additive smoothing towards the
    shorter context)::

        p_m(c | h) = (N(h c) + strength * p_{m-1}(c | h')) / (N(h) + strength)

    where h is the m - 1 characters before c, h' the last m - 2 of them, N counts in
    ``ids_train`` (N(h): how often h is followed by a character), and p_0 is uniform over
    the vocabulary. A context never seen in training falls back to the order below;
    ``strength`` is how many pseudo-counts the order below is worth.

    Scored like a language model's shifted targets: every character of ``ids_eval`` after
    the first, each given up to n - 1 characters before it (fewer at the start).

    Args:
        ids_train: (L1,) ids in [0, vocab_size). ids_eval: (L2,) ids, L2 >= 2.
        vocab_size: V. n: the order (1 = unigram, 3 = trigram: two characters of context).
        strength: the smoothing pseudo-count, > 0.

    Returns:
        (L2 - 1,) float64, ``-log p`` of ``ids_eval[1:]`` in nats (``.mean()``: nats per character).

    >>> ids = CharVocab("ab").encode("ab" * 50)
    >>> round(float(char_ngram_losses(ids, ids, 2, n=2).mean()), 3)  # after "a" always "b"
    0.01
    """
    V = check_positive_int(vocab_size, "vocab_size")
    n = check_positive_int(n, "n", maximum=20)
    if V ** n >= 2**62:
        raise ValueError(f"n: vocab_size ** n must be < 2 ** 62 to code an n-gram as an int64, got {V} ** {n}")
    strength = check_positive(strength, "strength")
    ids_train = check_ids(ids_train, "ids_train", V, ("L",))
    ids_eval = check_ids(ids_eval, "ids_eval", V, ("L",))
    if ids_eval.size < 2:
        raise ValueError(f"ids_eval: expected at least 2 ids (one is scored), got {ids_eval.size}")
    p = np.full(ids_eval.size, 1.0 / V)  # p[t]: probability of ids_eval[t], order 0
    for m in range(1, min(n, ids_train.size) + 1):
        grams, counts = np.unique(_ngram_codes(ids_train, m, V), return_counts=True)
        contexts, which = np.unique(grams // V, return_inverse=True)  # an m-gram's code // V: its context
        context_counts = np.bincount(which, weights=counts)
        queries = _ngram_codes(ids_eval, m, V) if m <= ids_eval.size else np.zeros(0, np.int64)
        n_hc = _count_of(grams, counts.astype(float), queries)
        n_h = _count_of(contexts, context_counts, queries // V)
        p[m - 1:] = (n_hc + strength * p[m - 1:]) / (n_h + strength)  # earlier positions keep a lower order
    return -np.log(p[1:])


def _token_masks(code: str):
    """(string mask, comment mask), each (L,) bool, from the standard ``tokenize``."""
    import io
    import tokenize

    if not isinstance(code, str):
        raise TypeError(f"code: expected a str, got {type(code).__name__}")
    line_starts = np.cumsum([0] + [len(line) for line in code.splitlines(keepends=True)])
    string_types = {tokenize.STRING}
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):  # Python >= 3.12
        if hasattr(tokenize, name):
            string_types.add(getattr(tokenize, name))
    strings = np.zeros(len(code), dtype=bool)
    comments = np.zeros(len(code), dtype=bool)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in string_types or tok.type == tokenize.COMMENT:
                start = line_starts[tok.start[0] - 1] + tok.start[1]
                end = line_starts[tok.end[0] - 1] + tok.end[1]
                (strings if tok.type in string_types else comments)[start:end] = True
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return strings, comments


def python_string_mask(code: str) -> np.ndarray:
    """Which characters of Python source lie inside a string literal (docstrings included).

    Uses the standard library's ``tokenize``; if the code ends in the middle of a
    statement (e.g. cut at a fixed length) the characters after the last complete token
    are marked ``False``.

    Args:
        code: Python source, length L.

    Returns:
        ``mask: (L,)`` bool, True for the characters of every string token (quotes and
        prefixes included).
    """
    return _token_masks(code)[0]


def python_bracket_depth(code: str) -> np.ndarray:
    """How many brackets ``( [ {`` enclose each character of Python source.

    Brackets inside string literals and comments do not count. An opening bracket
    itself is outside the pair it opens; a closing bracket is outside the pair it closes.

    Args:
        code: Python source, length L.

    Returns:
        ``depth: (L,)`` int64, >= 0.
    """
    strings, comments = _token_masks(code)
    code_chars = ~(strings | comments)
    chars = np.frombuffer(code.encode("utf-32-le"), dtype=np.uint32)
    opens = np.isin(chars, [ord(c) for c in "([{"]) & code_chars
    closes = np.isin(chars, [ord(c) for c in ")]}"]) & code_chars
    depth = np.zeros(len(code), dtype=np.int64)
    level = 0
    for i in np.flatnonzero(opens | closes):  # walk only the brackets, clamp at zero
        if opens[i]:
            level += 1
            depth[i + 1:] = level
        else:
            level = max(level - 1, 0)
            depth[i:] = level
    return depth


def tbptt_batches(ids, batch_size: int, chunk_len: int):
    """Lay a long id sequence out for truncated BPTT with a carried (stateful) state.

    The text is cut into ``batch_size`` equal, consecutive streams; batch ``k`` holds the
    ``k``-th chunk of every stream, so row ``i`` of batch ``k + 1`` continues row ``i`` of
    batch ``k`` and a stateful RNN can carry its state from one batch to the next.
    Targets are the inputs shifted by one character.

    Args:
        ids: (L,) integer ids.
        batch_size: B, the number of parallel streams.
        chunk_len: the truncation length (time steps per chunk).

    Returns:
        ``(x, y)``, each ``(K * B, chunk_len)`` int64 with ``K`` chunks per stream;
        ``x[k * B + i]`` is chunk ``k`` of stream ``i``. Feed them in order, unshuffled,
        with batch size ``B``.
    """
    from course_lib.checks import check_array

    ids = check_array(ids, "ids", ("L",), dtype="int")
    B = check_positive_int(batch_size, "batch_size")
    T = check_positive_int(chunk_len, "chunk_len")
    per_stream = (ids.size - 1) // (B * T) * T
    if per_stream == 0:
        raise ValueError(
            f"ids: expected more than batch_size * chunk_len = {B * T} ids, got {ids.size}"
        )
    x = ids[: B * per_stream].reshape(B, per_stream)
    y = ids[1 : B * per_stream + 1].reshape(B, per_stream)

    def lay_out(a):
        return a.reshape(B, -1, T).transpose(1, 0, 2).reshape(-1, T).astype(np.int64)

    return lay_out(x), lay_out(y)


def random_windows(ids, count: int, length: int, seed: int = 0):
    """``count`` windows of ``length + 1`` consecutive ids from random places in ``ids``.

    Args:
        ids: (L,) integer ids, L > length.
        count: how many windows; length: T, the input length of each.
        seed: seed of the window starts (``numpy.random.default_rng``).

    Returns:
        ``(x, y)``, each ``(count, length)`` int64: the inputs and the same window
        shifted by one, the next ids to predict.
    """
    from course_lib.checks import check_array

    ids = check_array(ids, "ids", ("L",), dtype="int")
    count = check_positive_int(count, "count")
    T = check_positive_int(length, "length")
    seed = check_seed(seed)
    if ids.size <= T:
        raise ValueError(f"ids: expected more than length = {T} ids, got {ids.size}")
    check_result_size((count, T + 1), np.int64, "count, length")
    starts = np.random.default_rng(seed).integers(0, ids.size - T, count)
    every_window = np.lib.stride_tricks.sliding_window_view(ids.astype(np.int64, copy=False), T + 1)
    windows = every_window[starts]  # (count, T + 1), copied: no (count, T + 1) index array
    return windows[:, :-1], windows[:, 1:]

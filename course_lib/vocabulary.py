"""Vocabularies: tokens <-> integer ids, with the special tokens sequence models need.

One type for every word-level mapping in the course: the date translator (lessons 07
and 08), the Anki translator (full scale) and the captioners (lessons 09 and 10, through
``CaptionTokenizer``, a ``Vocabulary`` built from caption strings).
Every ``Vocabulary`` lays its ids out the same way::

    id 0   ""         padding (PAD_ID): fills an id row after its end
    id 1   "[UNK]"    a token the vocabulary does not hold (UNK_ID)
    id 2   "<start>"  fed to a decoder at its first step (START_ID)
    id 3   "<end>"    written by a decoder when it is done (END_ID)
    id 4…  the tokens, in sorted order

Code that builds or reads id rows takes the special ids from these names, never from the
numbers. The layout is the one ``keras.layers.StringLookup`` gives with mask token ``""``
and one OOV token ``"[UNK]"`` (``string_lookup``), so a model can look tokens up inside
its graph and the ids agree.

A token the vocabulary does not hold is handled by the ``unknown`` policy: ``"unk"``
(it becomes ``[UNK]``), ``"drop"`` (it is left out) or ``"error"`` (``ValueError`` naming
it). ``min_count`` and ``max_size`` decide which tokens of the training text are kept.

Character language models (lessons 03–06) use ``course_lib.data.text.CharVocab``
instead: raw text needs no padding, start or end token, and every character is known.

>>> vocab = Vocabulary(["b", "a", "b"])
>>> vocab.tokens[vocab.START_ID], len(vocab), vocab.encode([["a", "b"]], end=True).tolist()
('<start>', 6, [[4, 5, 3]])
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from course_lib.checks import (
    check_array,
    check_choice,
    check_ids,
    check_positive_int,
    check_sequence,
)

__all__ = [
    "SPECIALS", "CaptionTokenizer", "Vocabulary", "string_lookup",
]

_PAD, _UNK, _START, _END = "", "[UNK]", "<start>", "<end>"
SPECIALS = (_PAD, _UNK, _START, _END)  # at ids 0, 1, 2, 3
_UNKNOWN_POLICIES = ("unk", "drop", "error")


def string_lookup(tokens, *, invert: bool = False, name: str | None = None):
    """A ``keras.layers.StringLookup`` for a ``Vocabulary``'s full token list.

    Args:
        tokens: the list ``Vocabulary.tokens`` (the four specials first).
        invert: ids -> tokens instead of tokens -> ids.
    """
    import keras

    if not isinstance(tokens, (list, tuple)) or tuple(tokens[: len(SPECIALS)]) != SPECIALS:
        raise ValueError(f"tokens: expected a Vocabulary's token list starting with {list(SPECIALS)}")
    # StringLookup puts the mask token at 0 and its one OOV token at 1 itself
    return keras.layers.StringLookup(vocabulary=list(tokens[2:]), mask_token=_PAD, oov_token=_UNK,
                                     num_oov_indices=1, invert=invert, name=name)


class Vocabulary:
    """Tokens <-> ids: ``PAD_ID``, ``UNK_ID``, ``START_ID``, ``END_ID``, then sorted tokens.

    Args:
        tokens: the tokens of the training text (an iterable of str); repeats count
            towards ``min_count``.
        min_count: keep tokens seen at least this often.
        max_size: at most this many ids, the four specials included: the most frequent
            tokens are kept (ties: alphabetical). ``None``: no limit.
        unknown: what ``encode`` does with a token not kept: ``"unk"``, ``"drop"`` or
            ``"error"`` (see the module docstring).

    Attributes:
        tokens: list of str, the token of every id.
        index: dict str -> id.
    """

    PAD, UNK, START, END = _PAD, _UNK, _START, _END
    PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3  # where those four tokens sit

    def __init__(self, tokens, *, min_count: int = 1, max_size: int | None = None, unknown: str = "unk"):
        if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__iter__"):
            raise TypeError(f"tokens: expected an iterable of token strings, got {type(tokens).__name__}")
        min_count = check_positive_int(min_count, "min_count")
        if max_size is not None:
            max_size = check_positive_int(max_size, "max_size", minimum=len(SPECIALS) + 1)
        self.unknown = check_choice(unknown, "unknown", _UNKNOWN_POLICIES)
        counts = Counter()
        for t in tokens:
            if not isinstance(t, str):
                raise TypeError(f"tokens: expected token strings, got a {type(t).__name__}: {t!r}")
            counts[t] += 1
        for special in SPECIALS:
            counts.pop(special, None)
        kept = [t for t, n in counts.items() if n >= min_count]
        if max_size is not None and len(kept) > max_size - len(SPECIALS):
            kept = sorted(kept, key=lambda t: (-counts[t], t))[: max_size - len(SPECIALS)]
        if not kept:
            raise ValueError(f"tokens: expected at least one token seen {min_count} or more times")
        self.tokens = [*SPECIALS, *sorted(kept)]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad_id, self.unk_id, self.start_id, self.end_id = self.PAD_ID, self.UNK_ID, self.START_ID, self.END_ID

    @property
    def size(self) -> int:
        """V, the number of ids (specials included)."""
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token) -> bool:
        return isinstance(token, str) and token in self.index and token not in SPECIALS

    def lookup_layer(self, invert: bool = False):
        """A ``keras.layers.StringLookup`` giving the same ids as ``encode``.

        In a graph there is no policy: a token not in the vocabulary becomes ``UNK_ID``.
        """
        return string_lookup(self.tokens, invert=invert)

    def token_ids(self, tokens, name: str = "tokens") -> list[int]:
        """One token list -> its ids, unknown tokens handled by the ``unknown`` policy."""
        if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
            raise TypeError(f"{name}: expected a list of token strings, got {type(tokens).__name__}")
        ids = []
        for t in tokens:
            if not isinstance(t, str):
                raise TypeError(f"{name}: expected token strings, got a {type(t).__name__}: {t!r}")
            i = self.index.get(t)
            if i is not None and t not in SPECIALS:
                ids.append(i)
            elif self.unknown == "unk":
                ids.append(self.UNK_ID)
            elif self.unknown == "error":
                missing = [u for u in tokens if u not in self]
                raise ValueError(f"{name}: token(s) {missing[:10]!r} not in the vocabulary "
                                 f"(unknown='error'; build it with unknown='unk' or 'drop' to accept them)")
        return ids

    def encode(self, token_lists, length: int | None = None, *, start: bool = False, end: bool = False,
               name: str = "token_lists", length_name: str = "length") -> np.ndarray:
        """Token lists -> one padded id row each.

        Args:
            token_lists: ``n`` lists of str tokens.
            length: columns T of the result (default: the longest row, specials included).
            start: prepend ``<start>``; end: append ``<end>``.
            name, length_name: the argument names the errors use (for callers that
                pass their own arguments on).

        Returns:
            ids: (n, T) int32, ``PAD_ID`` after the end of each row.
        """
        if isinstance(token_lists, str) or not isinstance(token_lists, (list, tuple)):
            raise TypeError(f"{name}: expected a list of token lists, got {type(token_lists).__name__}")
        rows = [[self.START_ID] * bool(start) + self.token_ids(t, f"{name}[{k}]") + [self.END_ID] * bool(end)
                for k, t in enumerate(token_lists)]
        if not rows:
            raise ValueError(f"{name}: expected at least one token list")
        longest = max(len(r) for r in rows)
        length = longest if length is None else check_positive_int(length, length_name)
        if longest > length:
            raise ValueError(f"{length_name}: a row needs {longest} ids, more than {length_name}={length}")
        out = np.full((len(rows), length), self.PAD_ID, "int32")
        for k, r in enumerate(rows):
            out[k, : len(r)] = r
        return out

    def teacher_forcing_pairs(self, token_lists, length: int | None = None, *, name: str = "token_lists",
                              length_name: str = "length") -> tuple[np.ndarray, np.ndarray]:
        """A decoder's inputs and targets for teacher forcing, from the same token lists.

        Args:
            token_lists: ``n`` lists of str tokens (``w1 … wk``, no specials).
            length: columns T of both arrays (default: the longest row plus one).
            name, length_name: the argument names the errors use.

        Returns:
            ``(target_in, target_out)``, both (n, T) int32 and padded with ``PAD_ID``:
            ``target_in`` is ``<start> w1 … wk`` (what the decoder reads) and
            ``target_out`` is ``w1 … wk <end>`` (what it must predict at each step).
        """
        target_out = self.encode(token_lists, length, end=True, name=name, length_name=length_name)
        target_in = self.encode(token_lists, target_out.shape[1], start=True, name=name, length_name=length_name)
        return target_in, target_out

    def decode(self, ids) -> list[list[str]]:
        """Id rows -> token lists, stopping at ``<end>`` and dropping padding and ``<start>``.

        Args:
            ids: (n, T) ints in [0, V).
        """
        ids = check_array(ids, "ids", ("n", "T"), dtype="int", allow_empty=True)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids: expected ids in [0, {len(self)}), got [{ids.min()}, {ids.max()}]")
        out = []
        for row in ids.tolist():
            tokens = []
            for i in row:
                if i == self.END_ID:
                    break
                if i not in (self.PAD_ID, self.START_ID):
                    tokens.append(self.tokens[i])
            out.append(tokens)
        return out


class CaptionTokenizer(Vocabulary):
    """A word ``Vocabulary`` built from caption strings (lessons 09 and 10).

    Captions are lower-cased and split on whitespace (``split``). The ids are the
    ``Vocabulary`` layout: ``PAD_ID``, ``UNK_ID``, ``START_ID``, ``END_ID``, then the words;
    code that builds or reads id rows uses those names, never the numbers.

    Args:
        captions: iterable of caption strings to build the vocabulary from.
        min_count: keep words seen at least this often.
        max_size: at most this many ids, specials included (the most frequent words).
        unknown: what ``encode_captions`` does with a word not kept: ``"error"``
            (default: a caption with an unknown word is a mistake here, not a silent
            ``[UNK]``), ``"unk"`` or ``"drop"``.
    """

    def __init__(self, captions, min_count: int = 1, *, max_size: int | None = None, unknown: str = "error"):
        if isinstance(captions, str):
            raise TypeError("captions: expected a list of caption strings, got one string")
        captions = check_sequence(captions, "captions", "caption strings")
        if not all(isinstance(c, str) for c in captions):
            raise TypeError("captions: expected a list of caption strings")
        words = [w for c in captions for w in self.split(c)]
        if not words:
            raise ValueError("captions: expected at least one non-empty caption")
        super().__init__(words, min_count=min_count, max_size=max_size, unknown=unknown)

    @staticmethod
    def split(caption: str) -> list[str]:
        """Lower-case and split a caption on whitespace."""
        if not isinstance(caption, str):
            raise TypeError(f"caption: expected a string, got {type(caption).__name__}")
        return caption.lower().split()

    def encode_captions(self, captions, max_len: int | None = None) -> np.ndarray:
        """Captions → id rows ``<start> w… <end>``, padded with ``PAD_ID``.

        Args:
            captions: list of N caption strings.
            max_len: row length T including ``<start>`` and ``<end>``; default: the
                longest caption + 2. A longer caption raises ``ValueError``.

        Returns:
            (N, T) int32 ids.
        """
        if isinstance(captions, str):
            raise TypeError("captions: expected a list of caption strings, got one string")
        captions = check_sequence(captions, "captions", "caption strings")
        if max_len is not None:
            max_len = check_positive_int(max_len, "max_len", minimum=2)
        return self.encode([self.split(c) for c in captions], max_len, start=True, end=True,
                           name="captions", length_name="max_len")

    def decode_caption(self, ids) -> str:
        """One id row → caption text: skips ``<start>`` and padding, stops at ``<end>``.

        Args:
            ids: (T,) ints in [0, V).
        """
        ids = check_ids(ids, "ids", self.size, ("time",), allow_empty=True)
        return " ".join(self.decode(ids[None])[0])

    def decode_captions(self, ids) -> list[str]:
        """(N, T) ids → N captions."""
        ids = check_ids(ids, "ids", self.size, ("batch", "time"), allow_empty=True)
        return [" ".join(words) for words in self.decode(ids)]

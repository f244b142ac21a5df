"""The machinery of a check: run the student's function, compare, print a verdict.

A check never raises, so a student can run every cell of an exercise notebook before
finishing it. It prints one of four verdicts:

- ``✓ 02.1 One RNN step: correct``
- ``· 02.1 One RNN step: not done yet`` — the function still raises
  ``NotImplementedError`` (the stub the student version starts with) or returns ``None``;
- ``✗ 02.1 One RNN step: not yet right`` — what was expected, what was got, and a hint;
- ``✗ 02.1 One RNN step: your function raised ...`` — the error, and the hint.

Tests run the two versions of a notebook strictly: with ``COURSE_EXERCISES=solutions`` in
the environment a check that is not correct raises ``AssertionError``; with
``COURSE_EXERCISES=student`` a check that is not "not done yet" does.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course_lib.gradcheck import rel_error

__all__ = [
    "NotRight",
    "Verdict",
    "answer",
    "exercise",
    "expect_between",
    "expect_close",
    "expect_equal",
    "expect_tuple",
    "summary",
]

#: Every check the course has, by exercise number ("02.1"): filled in as modules are imported.
_EXERCISES: dict[str, Callable] = {}
#: The last verdict of each exercise checked in this Python process.
RESULTS: dict[str, Verdict] = {}
MODE_VARIABLE = "COURSE_EXERCISES"
MODES = ("", "solutions", "student")
MARKS = {"correct": "✓", "not done": "·", "wrong": "✗", "error": "✗"}
STUB_MESSAGE = "replace the stub (raise NotImplementedError()) with your code"


class _NotDone(Exception):
    """The exercise has not been attempted yet (its stub is still there)."""


class NotRight(Exception):
    """The answer was checked and is wrong; the message says how."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``status`` is "correct", "not done", "wrong" or "error"."""

    exercise: str
    title: str
    status: str
    message: str = ""

    def __str__(self) -> str:
        head = {"correct": "correct", "not done": "not done yet", "wrong": "not yet right",
                "error": "your function raised an error"}[self.status]
        text = f"{MARKS[self.status]} {self.exercise} {self.title}: {head}"
        return f"{text}\n  {self.message}" if self.message else text


def _judge(number: str, title: str, hint: str, body: Callable, answers: tuple) -> Verdict:
    try:
        body(*answers)
    except _NotDone as not_done:
        return Verdict(number, title, "not done", str(not_done) or STUB_MESSAGE)
    except NotImplementedError:
        return Verdict(number, title, "not done", STUB_MESSAGE)
    except NotRight as wrong:
        return Verdict(number, title, "wrong", f"{wrong}\n  hint: {hint}")
    except Exception as error:  # the student's code failed: say how, never a bare traceback
        return Verdict(number, title, "error", f"{type(error).__name__}: {error}\n  hint: {hint}")
    return Verdict(number, title, "correct")


def _enforce(verdict: Verdict) -> None:
    mode = os.environ.get(MODE_VARIABLE, "")
    if mode not in MODES:
        raise ValueError(f"{MODE_VARIABLE}: expected one of {MODES[1:]} or unset, got {mode!r}")
    if mode == "solutions" and verdict.status != "correct":
        raise AssertionError(f"the solution of exercise {verdict.exercise} should pass its check: {verdict}")
    if mode == "student" and verdict.status != "not done":
        raise AssertionError(f"the student version of exercise {verdict.exercise} should say 'not done yet': {verdict}")


def exercise(number: str, title: str, hint: str) -> Callable:
    """Make ``body(*answers)`` a check: it raises ``NotRight`` for a wrong answer.

    The check prints its ``Verdict`` (kept in ``RESULTS[number]``) and is registered in
    ``_EXERCISES``.
    """
    if number in _EXERCISES:
        raise ValueError(f"number: exercise {number} is defined twice")

    def decorate(body: Callable) -> Callable:
        @functools.wraps(body)
        def check(*answers) -> None:
            verdict = _judge(number, title, hint, body, answers)
            RESULTS[number] = verdict
            print(verdict)
            _enforce(verdict)

        check.number, check.title = number, title
        _EXERCISES[number] = check
        return check

    return decorate


def answer(fn, *args, **kwargs):
    """Call the student's function ``fn``; ``None`` (or ``...``) as a result means not done."""
    if not callable(fn):
        raise NotRight(f"expected your function, got {type(fn).__name__}")
    result = fn(*args, **kwargs)
    if result is None or result is Ellipsis:
        raise _NotDone(f"your function returned {result!r}: replace the stub with your code and return the result")
    return result


def expect_close(got, expected, what: str, tol: float = 1e-7) -> None:
    """``got`` should equal ``expected`` (arrays) to a relative error below ``tol``."""
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise NotRight(f"{what}: expected numbers of shape {expected.shape}, got {type(got).__name__}") from error
    if got.shape != expected.shape:
        raise NotRight(f"{what}: expected shape {expected.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        raise NotRight(f"{what}: expected finite numbers, got {int(np.sum(~np.isfinite(got)))} NaN or infinite "
                       f"entries of {got.size}")
    error = rel_error(got, expected)
    if error > tol:
        where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        index = f" at index {tuple(int(i) for i in where)}" if where else ""
        raise NotRight(f"{what}: relative error {error:.1e}, needs < {tol:.0e}; largest difference{index}: "
                       f"expected {expected[where]:.6g}, got {got[where]:.6g}")


def expect_equal(got, expected, what: str) -> None:
    """``got`` should equal ``expected`` exactly (ints, strings, lists of them, int or bool arrays;
    for an array, the first entry that differs is named)."""
    if not isinstance(expected, np.ndarray) and not isinstance(got, np.ndarray):
        if got != expected:
            raise NotRight(f"{what}: expected {_short(expected)}, got {_short(got)}")
        return
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        raise NotRight(f"{what}: expected shape {expected.shape}, got {got.shape}")
    wrong = np.argwhere(got != expected)
    if len(wrong):
        where = tuple(int(i) for i in wrong[0])
        raise NotRight(f"{what}: {len(wrong)} of {expected.size} entries differ; at index {where} "
                       f"expected {expected[where].item()!r}, got {got[where].item()!r}")


def expect_tuple(got, names: tuple[str, ...]) -> tuple:
    """The student's result should be a tuple (or list) of ``len(names)`` items; returns it as a tuple."""
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        size = f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""
        raise NotRight(f"expected a tuple ({', '.join(names)}), got {type(got).__name__}{size}")
    return tuple(got)


def _short(value) -> str:
    """A value on one line (arrays as lists), cut to 200 characters."""
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value).replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."


def expect_between(value, low: float, high: float, what: str) -> None:
    """A measured ``value`` should lie in the plausible range [low, high]."""
    try:
        value = float(value)
    except (TypeError, ValueError) as error:
        raise NotRight(f"{what}: expected a number, got {type(value).__name__}") from error
    if not low <= value <= high:
        raise NotRight(f"{what}: expected a value between {low:.4g} and {high:.4g}, got {value:.4g}")


def summary(lesson: str) -> None:
    """Print the status of every exercise of ``lesson`` ("02") checked so far."""
    numbers = sorted(n for n in _EXERCISES if n.split(".")[0] == lesson)
    if not numbers:
        raise ValueError(f"lesson: no exercises for lesson {lesson!r}; import its checks first")
    status = {n: RESULTS[n].status if n in RESULTS else "not run" for n in numbers}
    correct = sum(s == "correct" for s in status.values())
    print(f"lesson {lesson}: {correct} of {len(numbers)} exercises correct")
    for number, state in status.items():
        print(f"  {MARKS.get(state, ' ')} {number} {_EXERCISES[number].title}: {state}")

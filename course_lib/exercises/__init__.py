"""Checked exercises: one module of checks per lesson (``lesson02`` for lesson 02, ...).

An exercise notebook (``exercises/NN_topic.ipynb``) asks for a function; its check calls
that function on inputs of its own, compares the answer with the course's reference and
prints a verdict (``core.Verdict``). Import a lesson's checks in its exercise notebook:

    from course_lib.exercises import lesson02 as check
    check.rnn_step_forward(rnn_step_forward)
"""

from course_lib.exercises.core import Verdict, summary

__all__ = ["Verdict", "summary"]

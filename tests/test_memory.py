"""course_lib.memory: the peak resident memory of a call, on Linux."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from course_lib import memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak_memory measures Linux's VmHWM")


def test_it_works_on_linux_where_the_lessons_are_tested():
    # lesson 05 measures BPTT memory only where this holds: it must hold on the test machine
    assert memory.can_measure_peak()


def test_the_peak_of_a_large_array_is_measured_and_a_small_call_costs_little():
    size = 64 * 2**20

    def allocate():
        a = np.ones(size // 8)  # touched: every page becomes resident
        return float(a.sum())

    for _ in range(2):  # the same allocation measured twice: freed memory is handed back in between
        total, extra = memory.peak_memory(allocate)
        assert total == size // 8
        assert 0.9 * size < extra < 1.5 * size
    assert memory.peak_memory(lambda: 1)[1] < 8 * 2**20


def test_arguments_are_passed_and_a_non_function_is_refused():
    assert memory.peak_memory(np.zeros, 3, dtype="int32")[0].tolist() == [0, 0, 0]
    with pytest.raises(TypeError, match="fn: expected a function"):
        memory.peak_memory("np.zeros")

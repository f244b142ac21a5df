"""Huge but valid sizes get a clear error before anything is allocated.

Every size argument of these functions passes its own check (an int up to 2**31 - 1), yet
together they can ask for far more memory than a machine has. ``check_result_size`` refuses
such a result up front: ``ValueError`` naming the arguments, the number of values and the
size in GiB. Each huge call runs in a subprocess under an address-space limit
(``RLIMIT_AS``) and a timeout, so a regression is a ``MemoryError`` or a timeout there, a
failed test here, not a machine that swaps for minutes. The small calls check that the
results are the same values as before the guard (pinned or computed the old way).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import course_lib
from course_lib import numpy_rnn, recipe
from course_lib.data import cluttered, digits, tasks, text

ROOT = Path(course_lib.__file__).resolve().parent.parent
LIMIT_GIB = 3  # address space the subprocess may add to what its imports already use
TIMEOUT_S = 60

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")

_PRELUDE = """\
import re, resource, sys
import numpy as np
from course_lib import numpy_rnn, recipe
from course_lib.data import cluttered, digits, tasks, text

with open("/proc/self/status") as status:
    used = int(re.search(r"VmSize:\\s+(\\d+) kB", status.read()).group(1)) * 1024
limit = used + {limit_gib} * 2**30
resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
try:
    result = {call}
except ValueError as err:
    print("ValueError:", err)
else:
    print("returned", np.shape(result), float(np.sum(result)))
print("tensorflow imported:", "tensorflow" in sys.modules)
"""


def run_limited(call: str) -> str:
    """Run ``call`` in a fresh interpreter with at most LIMIT_GIB more GiB; return its stdout."""
    code = _PRELUDE.format(limit_gib=LIMIT_GIB, call=call)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 0, f"{call} died:\n{proc.stderr[-1500:]}"
    assert "tensorflow imported: False" in proc.stdout, "these modules must not import TensorFlow"
    return proc.stdout


HUGE_CALLS = {
    "one_hot": ("text.one_hot(np.zeros(50_000, dtype=int), 50_000)",
                r"ids, vocab_size: .*2,500,000,000 values \(18\.6 GiB\)"),
    "grid_search_points": ('recipe.grid_search_points({"lr": (1e-4, 1e-1), "wd": (1e-6, 1e-2)}, 100_000)',
                           r"space, per_axis: .*10,000,000,000 points"),
    "random_search_points": ('recipe.random_search_points({"lr": (1e-4, 1e-1)}, 2**31 - 1)',
                             r"n_trials: .*2,147,483,647 points"),
    "log_uniform": ("recipe.log_uniform(1e-4, 1e-1, 2**31 - 1)", r"size: .*2,147,483,647 values \(16\.0 GiB\)"),
    "cycle_ends": ("recipe._cycle_ends(2, 2**31 - 1)", r"total_steps.*1,073,741,823 cycle ends"),
    "cycle_ends_growing": ("recipe._cycle_ends(2, 2**31 - 1, t_mul=1 + 1e-9)", r"t_mul: .*cycle ends"),
    "adding_problem": ("tasks.adding_problem(100_000, 100_000)", r"n, T: .*20,000,000,000 values \(74\.5 GiB\)"),
    "recall_task": ("tasks.recall_task(100_000, 100_000)", r"n, T: .*10,000,000,000 values \(37\.3 GiB\)"),
    "upsample": ("digits.upsample(np.zeros((1, 8, 8), np.float32), 2**16)", r"images, factor: .*\(1,024\.0 GiB\)"),
    "init_rnn_lm": ("numpy_rnn.init_rnn_lm(50, 16, 100_000)", r"hidden_dim: .*parameters \(74\.6 GiB\)"),
    "rnn_lm_sample": ("numpy_rnn.rnn_lm_sample(numpy_rnn.init_rnn_lm(5, 3, 4), [1], 2**31 - 1)",
                      r"length: .*2,147,483,647 ids \(16\.0 GiB\)"),
    "random_windows": ("text.random_windows(np.arange(100), 2**31 - 1, 8)", r"count, length: .*\(144\.0 GiB\)"),
    "clutter": ("cluttered.clutter(np.zeros((2, 8, 8)), np.zeros(2, int), 100_000)",
                r"size, copies: .*20,000,000,000 pixels \(74\.5 GiB\)"),
}


@linux_only
@pytest.mark.parametrize("name", sorted(HUGE_CALLS))
def test_a_huge_valid_size_gets_a_clear_error_before_allocating(name):
    call, message = HUGE_CALLS[name]
    out = run_limited(call)
    assert "ValueError:" in out and "ask for fewer" in out, out
    assert re.search(message, out), out


@linux_only
def test_one_hot_of_a_large_vocabulary_builds_only_the_result():
    out = run_limited("text.one_hot([3], 100_000)")  # 0.8 MB, not a 74.5 GiB identity
    assert "returned (1, 100000) 1.0" in out, out


# -- the same values as before ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)])
def test_one_hot_equals_rows_of_the_identity(shape):
    ids = np.random.default_rng(0).integers(0, 7, size=shape)
    out = text.one_hot(ids, 7)
    assert out.dtype == np.float64 and np.array_equal(out, np.eye(7)[ids])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_random_windows_as_before(dtype):
    ids = (np.arange(60) % 13).astype(dtype)
    x, y = text.random_windows(ids, 9, 5, seed=3)
    starts = np.random.default_rng(3).integers(0, ids.size - 5, 9)
    windows = ids[starts[:, None] + np.arange(6)].astype(np.int64)
    assert x.dtype == y.dtype == np.int64
    assert np.array_equal(x, windows[:, :-1]) and np.array_equal(y, windows[:, 1:])


def test_log_uniform_as_before():
    rng = np.random.default_rng(3)
    expected = np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), 7))
    assert np.array_equal(recipe.log_uniform(1e-4, 1e-1, 7, np.random.default_rng(3)), expected)


def test_adding_problem_as_before():
    n, T = 5, 9
    rng = np.random.default_rng(2)
    values = rng.random((n, T), dtype=np.float32)
    first, second = rng.integers(0, T // 2, size=n), rng.integers(T // 2, T, size=n)
    markers = np.zeros((n, T), dtype=np.float32)
    markers[np.arange(n), first] = markers[np.arange(n), second] = 1.0
    x, y = tasks.adding_problem(n, T, seed=2)
    assert x.dtype == y.dtype == np.float32 and y.shape == (n, 1)
    assert np.array_equal(x, np.stack([values, markers], axis=-1))
    assert np.array_equal(y[:, 0], values[np.arange(n), first] + values[np.arange(n), second])


def test_recall_task_as_before():
    x, y = tasks.recall_task(3, 5, num_symbols=4, seed=0)
    assert x.tolist() == [[3, 2, 2, 1, 1], [0, 0, 0, 0, 3], [2, 3, 2, 2, 3]] and y.tolist() == [3, 0, 2]
    x, y = tasks.recall_task(3, 6, num_symbols=4, seed=1, marked=True)
    assert x.tolist() == [[5, 2, 3, 3, 0, 0], [7, 3, 0, 1, 3, 1], [1, 3, 5, 1, 2, 2]] and y.tolist() == [1, 3, 1]


def test_upsample_as_before():
    images = np.random.default_rng(0).random((2, 3, 4)).astype("float32")
    out = digits.upsample(images, 3)
    assert out.dtype == np.float32 and np.array_equal(out, np.kron(images, np.ones((1, 3, 3), "float32")))


def test_init_rnn_lm_as_before():
    V, D, H = 6, 3, 4
    rng = np.random.default_rng(1)
    expected = {"W_embed": rng.normal(0.0, 1.0, size=(V, D)), "Wx": rng.normal(0.0, 1 / np.sqrt(D), size=(D, H)),
                "Wh": rng.normal(0.0, 1 / np.sqrt(H), size=(H, H)), "b": np.zeros(H),
                "W_out": rng.normal(0.0, 1 / np.sqrt(H), size=(H, V)) * 0.1, "b_out": np.zeros(V)}
    params = numpy_rnn.init_rnn_lm(V, D, H, seed=1)
    assert params.keys() == expected.keys()
    assert all(np.array_equal(params[k], expected[k]) for k in expected)


def test_rnn_lm_sample_as_before():
    params = numpy_rnn.init_rnn_lm(6, 3, 4, seed=0)
    out = numpy_rnn.rnn_lm_sample(params, [1, 2], 8, rng=np.random.default_rng(0))
    assert out.dtype == np.int64 and out.tolist() == [3, 1, 0, 0, 4, 5, 3, 4]


def test_clutter_as_before():
    source = np.random.default_rng(0).random((3, 4, 4)).astype("float32")
    out = cluttered.clutter(source, np.array([0, 1, 2]), 7, pieces=2, piece_size=2, copies=2, seed=0)
    assert out.boxes.tolist() == [[2, 3, 6, 7], [2, 0, 6, 4], [0, 2, 4, 6], [2, 2, 6, 6], [3, 2, 7, 6], [1, 1, 5, 5]]
    assert out.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert out.images.shape == (6, 7, 7) and float(out.images.sum()) == pytest.approx(72.8122787475586, rel=1e-6)


SPACE = {"lr": (1e-4, 1e-1), "drop": (0.0, 0.5, "linear")}


def test_search_points_as_before():
    grid = recipe.grid_search_points(SPACE, 3)
    assert grid == [{"lr": lr, "drop": drop} for lr in (1e-4, pytest.approx(10**-2.5), 0.1)
                    for drop in (0.0, 0.25, 0.5)]
    points = recipe.random_search_points(SPACE, 3, seed=0)
    assert points == [
        {"lr": pytest.approx(0.008144886973076106), "drop": pytest.approx(0.008263817764264547)},
        {"lr": pytest.approx(0.0006447036682716466), "drop": pytest.approx(0.4066351196001362)},
        {"lr": pytest.approx(0.0001327151712530881), "drop": pytest.approx(0.45637778863886086)},
    ]


def _cycle_ends_before(first, total, t_mul):
    ends, start, length = [], 0, float(first)
    while start + length <= total:
        ends.append(start + int(round(length)) - 1)
        start += int(round(length))
        length *= t_mul
    return ends


@pytest.mark.parametrize("t_mul", [1.0, 1 + 1e-9, 1.0001, 1.3, 1.5, 2.0, 3.0, 1e10])
@pytest.mark.parametrize("first, total", [(2, 1), (2, 2), (3, 30), (4, 40), (2, 5000), (17, 4321)])
def test_cycle_ends_as_before(first, total, t_mul):
    assert recipe._cycle_ends(first, total, t_mul) == _cycle_ends_before(first, total, t_mul)


def test_cycle_ends_up_to_the_limit_are_built():
    ends = recipe._cycle_ends(2, 4_000_000)
    assert len(ends) == 2_000_000 and ends[:2] == [1, 3] and ends[-1] == 3_999_999

"""course_lib.checks and course_lib.data.digits: bad inputs raise errors that say what was expected.

Property-based: hypothesis generates arrays of every rank, size and dtype, and each
check must either accept the input unchanged or raise ValueError/TypeError naming the
argument and the expectation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib import checks
from course_lib.data import digits

FAST = settings(max_examples=40, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
dtypes = st.sampled_from(["float32", "float64", "int32", "int64", "uint8", "bool", "complex64"])
arrays = st.builds(lambda shape, dtype: np.zeros(shape, dtype), shapes, dtypes)


# -- check_array ----------------------------------------------------------------------------


@FAST
@given(arrays, st.integers(0, 4))
def test_check_array_rank_is_enforced(x, ndim):
    axes = tuple(f"a{i}" for i in range(ndim))
    if x.ndim != ndim:
        with pytest.raises(ValueError, match=r"^x: expected shape \(.*\), got "):
            checks.check_array(x, "x", axes, allow_empty=True)
    else:
        assert checks.check_array(x, "x", axes, allow_empty=True) is x


@FAST
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), st.integers(1, 5))
def test_check_array_fixed_sizes_are_enforced(shape, size):
    x = np.ones(shape, "float32")
    axes = ("batch",) * (len(shape) - 1) + (size,)
    if shape[-1] != size:
        with pytest.raises(ValueError, match=rf"axis {len(shape) - 1} of size {size}"):
            checks.check_array(x, "x", axes)
    else:
        checks.check_array(x, "x", axes)


@FAST
@given(arrays)
def test_check_array_refuses_empty_arrays_unless_allowed(x):
    if x.size == 0:
        with pytest.raises(ValueError, match="[xy]: expected a non-empty array"):
            checks.check_array(x, "x")
    else:
        checks.check_array(x, "x")
    checks.check_array(x, "x", allow_empty=True)


@FAST
@given(arrays.filter(lambda a: a.size > 0), st.sampled_from(["float", "int", "number"]))
def test_check_array_dtype_kinds(x, kind):
    ok = {"float": "f", "int": "iu", "number": "fiu"}[kind]
    if x.dtype.kind in ok:
        checks.check_array(x, "x", dtype=kind)
    else:
        with pytest.raises(TypeError, match=rf"x: expected a {kind} array, got dtype {x.dtype}"):
            checks.check_array(x, "x", dtype=kind)


@pytest.mark.parametrize("bad", [[[1, 2], [3]], {"a": 1}, object(), [None, 1]])
def test_check_array_refuses_ragged_and_non_numeric_input(bad):
    with pytest.raises(TypeError, match="x: expected"):
        checks.check_array(bad, "x")


def test_check_array_refuses_an_unknown_dtype_kind():
    with pytest.raises(ValueError, match="dtype: expected one of"):
        checks.check_array(np.ones(3), "x", dtype="double")


def test_check_array_reads_tensors_and_lists():
    class FakeTensor:
        def numpy(self):
            return np.ones((2, 3), "float32")

    assert checks.check_array(FakeTensor(), "x", ("batch", 3)).shape == (2, 3)
    assert checks.check_array([[1, 2]], "x", ndim=2, dtype="int").dtype.kind == "i"


# -- check_finite -----------------------------------------------------------------------------


@FAST
@given(
    hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
               elements=st.floats(width=32, allow_nan=True, allow_infinity=True))
)
def test_check_finite_catches_every_nan_and_inf(x):
    if np.all(np.isfinite(x)):
        assert checks.check_finite(x, "x") is x
    else:
        with pytest.raises(ValueError, match="x: expected finite values, found NaN or infinity"):
            checks.check_finite(x, "x")


# -- check_ids --------------------------------------------------------------------------------


@FAST
@given(
    hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
               elements=st.integers(-3, 12)),
    st.integers(1, 10),
)
def test_check_ids_refuses_out_of_vocabulary_ids(ids, vocab_size):
    if ids.min() < 0 or ids.max() >= vocab_size:
        with pytest.raises(ValueError, match=rf"ids: expected ids in \[0, {vocab_size}\).*out-of-vocabulary"):
            checks.check_ids(ids, "ids", vocab_size)
    else:
        assert checks.check_ids(ids, "ids", vocab_size) is ids


def test_check_ids_refuses_float_ids_and_empty_sequences():
    with pytest.raises(TypeError, match="ids: expected a int array"):
        checks.check_ids(np.array([0.0, 1.0]), "ids", 5)
    with pytest.raises(ValueError, match="ids: expected a non-empty array"):
        checks.check_ids(np.zeros((2, 0), "int64"), "ids", 5)
    assert checks.check_ids(np.zeros((2, 0), "int64"), "ids", 5, allow_empty=True).shape == (2, 0)


# -- scalars ----------------------------------------------------------------------------------


@FAST
@given(st.integers(-5, 5), st.integers(-2, 3))
def test_check_positive_int_bounds(value, minimum):
    if value >= minimum:
        assert checks.check_positive_int(value, "n", minimum=minimum) == value
    else:
        with pytest.raises(ValueError, match=rf"n: expected an int >= {minimum}, got {value}"):
            checks.check_positive_int(value, "n", minimum=minimum)


@pytest.mark.parametrize("bad", [True, 1.0, "3", None, np.float32(2), np.True_])
def test_check_positive_int_refuses_non_ints(bad):
    with pytest.raises(TypeError, match="n: expected an int"):
        checks.check_positive_int(bad, "n")


def test_check_nonnegative_int_takes_zero_and_refuses_negatives_bools_and_too_large():
    assert checks.check_nonnegative_int(0, "k") == 0 and checks.check_nonnegative_int(np.int64(7), "k") == 7
    with pytest.raises(ValueError, match=r"k: expected an int >= 0, got -1"):
        checks.check_nonnegative_int(-1, "k")
    with pytest.raises(TypeError, match="k: expected an int"):
        checks.check_nonnegative_int(True, "k")
    with pytest.raises(ValueError, match=r"k: expected an int <= 3, got 4"):
        checks.check_nonnegative_int(4, "k", maximum=3)
    assert checks.check_seed(2**32 - 1) == 2**32 - 1
    with pytest.raises(ValueError, match=r"seed: expected an int <= 4294967295"):
        checks.check_seed(2**32)


@FAST
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10)))
def test_check_positive_and_probability(value):
    finite = math.isfinite(value)
    if finite and value > 0:
        assert checks.check_positive(value, "lr") == float(value)
    else:
        with pytest.raises(ValueError, match="lr: expected a finite number > 0"):
            checks.check_positive(value, "lr")
    if finite and 0 <= value <= 1:
        assert checks.check_probability(value, "p") == float(value)
    else:
        with pytest.raises(ValueError, match="p: expected a (finite number >= 0|number in \\[0, 1\\])"):
            checks.check_probability(value, "p")


@pytest.mark.parametrize("bad", [True, "0.5", None, [0.5]])
def test_check_positive_refuses_non_numbers(bad):
    with pytest.raises(TypeError, match="lr: expected a number"):
        checks.check_positive(bad, "lr")


def test_check_same_size_and_choice():
    checks.check_same_size("x", 3, "y", 3)
    with pytest.raises(ValueError, match="x and y must have the same batch size, got 3 and 4"):
        checks.check_same_size("x", 3, "y", 4, "batch size")
    assert checks.check_choice("gru", "cell", ("lstm", "gru")) == "gru"
    with pytest.raises(ValueError, match=r"cell: expected one of \['lstm', 'gru'\], got 'rnn'"):
        checks.check_choice("rnn", "cell", ("lstm", "gru"))


# -- check_result_size ------------------------------------------------------------------------


def test_check_result_size_allows_up_to_the_limit_and_refuses_one_more():
    largest = checks._MAX_RESULT_BYTES // 8
    assert checks.check_result_size((largest,), "float64", "n") == largest  # only counted, never allocated
    with pytest.raises(ValueError, match=r"n: the result would hold 536,870,913 values \(4\.0 GiB\).*ask for fewer"):
        checks.check_result_size((largest + 1,), "float64", "n")
    assert checks.check_result_size(checks._MAX_RESULT_ITEMS, None, "n_trials") == checks._MAX_RESULT_ITEMS
    with pytest.raises(ValueError, match=r"n_trials: the result would hold 2,000,001 points, more than the limit"):
        checks.check_result_size(checks._MAX_RESULT_ITEMS + 1, None, "n_trials", what="points")


@pytest.mark.parametrize("shape, message", [
    ((2**31 - 1,) * 3, r"x, y, z: the result would hold 9\.9e\+27 values \(7\.4e\+19 GiB\)"),
    ((np.int64(2**40), np.int64(2**40)), r"1\.2e\+24 values \(9\.0e\+15 GiB\)"),  # int64 would overflow
    ((2**40,) * 40, r"over 1e\+300 values \(over 1e\+300 GiB\)"),
    ((2**20, 2**20), r"1,099,511,627,776 values \(8,192\.0 GiB\)"),
])
def test_check_result_size_computes_sizes_without_overflow(shape, message):
    with pytest.raises(ValueError, match=message):
        checks.check_result_size(shape, np.float64, "x, y, z")


def test_check_result_size_counts_empty_and_scalar_results():
    assert checks.check_result_size((), np.int8, "x") == 1
    assert checks.check_result_size((0, 2**40), np.float64, "x") == 0
    assert checks.check_result_size(5, np.dtype("int32"), "x") == 5


@pytest.mark.parametrize("shape", [None, 2.5, True, "3", (2, -1), (2, 2.0), [[1, 2]], (True, 2)])
def test_check_result_size_refuses_a_bad_shape(shape):
    with pytest.raises(TypeError, match="shape: expected a count or a sequence of sizes"):
        checks.check_result_size(shape, "float32", "x")


@pytest.mark.parametrize("dtype", ["floaty", 3, object()])
def test_check_result_size_refuses_a_bad_dtype(dtype):
    with pytest.raises(TypeError, match="dtype: expected a NumPy dtype or None"):
        checks.check_result_size((2, 3), dtype, "x")


# -- course_lib.data.digits -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_digits():
    (x, y), _ = digits.load_digits(test_fraction=0.5, seed=0)
    return x[:200], y[:200]


def test_load_digits_shapes_and_ranges():
    (x_tr, y_tr), (x_te, y_te) = digits.load_digits(test_fraction=0.25, seed=1)
    assert x_tr.shape[1:] == (8, 8) and x_tr.dtype == np.float32 and y_tr.dtype == np.int64
    assert len(x_tr) + len(x_te) == 1797 and abs(len(x_te) / 1797 - 0.25) < 0.01
    assert 0.0 <= x_tr.min() and x_tr.max() <= 1.0 and set(y_te) == set(range(10))


@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, ValueError), (1, ValueError), (1.5, ValueError), (-0.1, ValueError),
     (float("nan"), ValueError), ("0.2", TypeError), (None, TypeError)],
)
def test_load_digits_refuses_a_bad_test_fraction(bad, error):
    with pytest.raises(error, match="test_fraction: expected"):
        digits.load_digits(test_fraction=bad)


def test_split_by_class_relabels_and_refuses_bad_inputs(small_digits):
    x, y = small_digits
    xs, ys = digits.split_by_class(x, y, [7, 3])
    assert set(ys) == {0, 1} and len(xs) == int(np.sum((y == 7) | (y == 3)))
    np.testing.assert_array_equal(xs[ys == 0], x[y == 7])
    with pytest.raises(ValueError, match="same number of examples"):
        digits.split_by_class(x[:10], y, [1])
    with pytest.raises(ValueError, match="classes: expected distinct labels"):
        digits.split_by_class(x, y, [1, 1])
    with pytest.raises(ValueError, match="classes: expected distinct labels"):
        digits.split_by_class(x, y, [])
    with pytest.raises(TypeError, match="y: expected a int array"):
        digits.split_by_class(x, y.astype("float32"), [1])
    with pytest.raises(ValueError, match=r"y: expected shape \(n,\)"):
        digits.split_by_class(x, y[:, None], [1])
    with pytest.raises(ValueError, match="[xy]: expected a non-empty array"):
        digits.split_by_class(x[:0], y[:0], [1])  # y is checked first


@FAST
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
                  elements=st.floats(0, 1, width=32)),
       st.integers(1, 4))
def test_upsample_repeats_every_pixel(images, factor):
    out = digits.upsample(images, factor)
    assert out.shape == (images.shape[0], images.shape[1] * factor, images.shape[2] * factor)
    np.testing.assert_array_equal(out, np.kron(images, np.ones((1, factor, factor), "float32")))


@FAST
@given(arrays, st.one_of(st.integers(-2, 3), st.floats(0.5, 3.5), st.booleans()))
def test_upsample_refuses_bad_images_and_factors(images, factor):
    good_images = images.ndim == 3 and images.size > 0 and images.dtype.kind in "fiu"
    good_factor = isinstance(factor, int) and not isinstance(factor, bool) and factor >= 1
    assume(not (good_images and good_factor))
    with pytest.raises((ValueError, TypeError), match="images: expected|factor: expected"):
        digits.upsample(images, factor)


def test_split_by_class_refuses_labels_that_do_not_occur(small_digits):
    x, y = small_digits
    with pytest.raises(ValueError, match=r"\[11\] do not occur in y"):
        digits.split_by_class(x, y, [11])

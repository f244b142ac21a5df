"""course_lib.show prints a function's teaching code: no docstring, no argument checks."""

import doctest

import pytest

from course_lib import numpy_rnn, seq2seq, show


def test_the_docstring_and_the_checks_are_left_out_and_the_maths_kept():
    text = show.teaching_source(numpy_rnn.temporal_softmax_loss)
    assert text.startswith("def temporal_softmax_loss(x, y, mask=None):\n")
    assert '"""' not in text and "check_" not in text and "raise" not in text
    assert "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))" in text
    assert "if mask is None:" in text  # an if that does more than raise stays


def test_comments_and_methods_survive():
    text = show.teaching_source(seq2seq.Decoder.call)
    assert "# (batch, T, C)" in text and "check_tensor" not in text
    assert text.splitlines()[0] == "def call(self, tokens, state, context):"


def test_a_check_wrapped_in_a_conversion_is_dropped_and_other_calls_kept():
    def f(x, n):
        """Doc."""
        x = check_array(x, "x").astype("float32")  # noqa: F821
        n = int(check_positive_int(n, "n"))  # noqa: F821
        y = float(x.sum())
        if n > 3:
            raise ValueError("n")
        return y * n

    assert show.teaching_source(f) == "def f(x, n):\n    y = float(x.sum())\n    return y * n\n"


def test_show_prints_it(capsys):
    show.show(numpy_rnn.rnn_step_forward)
    assert capsys.readouterr().out == show.teaching_source(numpy_rnn.rnn_step_forward)


def test_the_module_example_runs():
    result = doctest.testmod(show)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize("bad", [None, 3, "rnn_step_forward", print])
def test_what_has_no_source_is_refused(bad):
    with pytest.raises(TypeError, match="obj"):
        show.teaching_source(bad)

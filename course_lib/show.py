"""Print a course_lib function the way a lesson teaches it: the maths, not the checks.

Every public function of course_lib starts by checking its arguments (``check_array``,
``check_positive_int``, ``if ...: raise ValueError(...)``), so that a student's mistake
gives a clear message. Those lines matter for the library and distract in a lesson.
``teaching_source`` returns a function's source without its docstring, without the
statements that only check arguments, and without ``if`` blocks that only raise; the
comments and the formatting of the rest are kept. ``show`` prints it.

    >>> from course_lib import numpy_rnn, show
    >>> print(show.teaching_source(numpy_rnn.rnn_step_forward).splitlines()[0])
    def rnn_step_forward(x, prev_h, Wx, Wh, b):
"""

from __future__ import annotations

import ast
import inspect
import textwrap

__all__ = ["show", "teaching_source"]


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_check(node: ast.stmt) -> bool:
    """A statement that only checks arguments: a call of ``check_*`` / ``_check*`` (alone,
    assigned, or converted with ``.astype`` / ``int`` / ``float``), or an ``if`` whose whole
    body raises."""
    value = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    while isinstance(value, ast.Call) and _call_name(value) in ("astype", "int", "float"):
        inner = value.func.value if isinstance(value.func, ast.Attribute) else (value.args or [None])[0]
        value = inner
    if isinstance(value, ast.Call) and _call_name(value).startswith(("check_", "_check")):
        return True
    if isinstance(node, ast.If) and not node.orelse:
        return all(isinstance(s, ast.Raise) for s in node.body)
    return False


def teaching_source(obj) -> str:
    """The source of a function or method without its docstring and argument checks.

    Args:
        obj: a function, method or class defined in a file (not a builtin).

    Returns:
        the source text, dedented.
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise TypeError(f"obj: expected a function, method or class, got {type(obj).__name__}")
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError) as err:
        raise TypeError(f"obj: its source is not available ({err})") from None
    lines = source.splitlines()
    drop: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not body:
            continue
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            drop.update(range(first.lineno - 1, first.end_lineno))
        for stmt in body:
            if _is_check(stmt):
                drop.update(range(stmt.lineno - 1, stmt.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    out: list[str] = []
    for line in kept:  # no run of blank lines left where checks were
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    return "\n".join(out).rstrip() + "\n"


def show(obj) -> None:
    """Print ``teaching_source(obj)``."""
    print(teaching_source(obj), end="")

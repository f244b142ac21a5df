"""tools/relink.py rewrites badges and install lines to course_lib.REPO / REF."""

import importlib.util
from pathlib import Path

import course_lib

spec = importlib.util.spec_from_file_location(
    "relink", Path(__file__).resolve().parents[1] / "tools" / "relink.py"
)
relink = importlib.util.module_from_spec(spec)
spec.loader.exec_module(relink)


def test_relink_rewrites_badge_and_install_line():
    old = (
        "[![b](x)](https://colab.research.google.com/github/someone/fork/blob/v0.9/"
        "notebooks/03_char_language_model.ipynb)\n"
        '"course-lib @ git+https://github.com/someone/fork@v0.9"'
    )
    new = relink.relink(old)
    assert course_lib.colab_url("notebooks/03_char_language_model.ipynb") in new
    assert course_lib.install_url() in new
    assert "someone/fork" not in new


def test_relink_leaves_other_text_alone():
    text = "see https://github.com/keras-team/keras and notebooks/03_x.ipynb"
    assert relink.relink(text) == text

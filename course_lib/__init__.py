"""course_lib: the small shared library of the sequence-models course.

Importing the package is cheap: no module imports TensorFlow until it needs it.
"""

__version__ = "0.1.0"

#: GitHub repository the notebooks' Colab badges and install cells point at.
REPO = "seqmodels-course/sequence-models-keras"
#: Branch or tag that Colab installs course_lib from. Change it here only, then run
#: ``python tools/relink.py`` to rewrite every notebook's badge and install cell.
REF = "main"


def colab_url(notebook_path: str) -> str:
    """Colab URL that opens ``notebook_path`` (e.g. ``notebooks/00_setup_and_tour.ipynb``)."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{REF}/{notebook_path}"


def install_url() -> str:
    """pip requirement that installs this package from the repository at ``REF``."""
    return f"course-lib @ git+https://github.com/{REPO}@{REF}"

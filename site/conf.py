"""Sphinx configuration of the course website (``make site``; sources staged by tools/site.py).

The pages are the notebooks exactly as rendered and tested: myst-nb shows their stored
outputs and never executes them. MathJax is served from the site itself (no CDN).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_lib  # noqa: E402

project = "Sequence models with Keras 3"
author = "the course authors"
copyright = "the course authors, MIT license"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx_togglebutton"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = [("Call args", "params_style")]
autodoc_inherit_docstrings = False  # Keras' own docstrings are not the course's to render
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"  # the outputs are the ones nbval checked
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# MathJax 2 from the site's own _static/mathjax (copied there by tools/site.py).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML"
mathjax3_config = None  # MathJax 2 reads its own configuration below
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processClass": "tex2jax_process|mathjax_process|math|output_area",
                "processEscapes": True},
    "messageStyle": "none",
}

html_theme = "sphinx_book_theme"
html_title = "Sequence models with Keras 3"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
html_theme_options = {
    "repository_url": f"https://github.com/{course_lib.REPO}",
    "repository_branch": course_lib.REF,
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com", "notebook_interface": "jupyterlab"},
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
}
html_last_updated_fmt = None
html_show_sourcelink = False
html_context = {"default_mode": "light"}  # a fixed theme mode (no console error on first visit)

"""Stage the course website's sources in build/site-src and build it into build/site.

    python tools/site.py          (``make site``)

The landing page is for students (``site/index.md``: what the course is, how to start
in Colab or locally, the lessons with their Colab buttons); the README is the page for
instructors and contributors. Every lesson page is its rendered ``.ipynb`` as committed
(no re-execution), with the setup cell folded away and each ``module.function`` it names
linked to the library's reference; the glossary of lesson 00 is also its own page; the
reference has a page per ``course_lib`` module, from its docstrings (Sphinx autodoc).
The site serves NanumGothic (SIL Open Font License 1.1), cut to the characters its pages
use, so Korean text reads on a machine without a Korean font. Sphinx runs with warnings
as errors, offline.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The reference imports course_lib, hence TensorFlow: no log lines (nothing is computed,
# so TensorFlow's oneDNN notice, which no log level silences, is turned off with oneDNN).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "site"
MATHJAX_DIRS = [Path("/usr/share/javascript/mathjax"), Path("/usr/share/mathjax")]
GLOSSARY_HEADING = "## 5. Glossary"
#: the Colab badge the notebooks show on GitHub; the site serves its own copy (site/)
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def stage_notebook(path: Path, out: Path, names: dict[str, str]) -> None:
    """Copy a rendered notebook, folding its setup cell (the one calling setup_notebook) and
    linking each library name its text mentions (``decoding.generate``) to the reference."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "setup_notebook(" in "".join(cell["source"]):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
            break
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":  # the site's exercise page holds the folded solutions
            text = "".join(cell["source"]).replace("](../exercises/solutions/", "](../exercises/")
            text = text.replace(BADGE, "../colab-badge.svg")  # the title's and the exercises' buttons
            cell["source"] = link_library_names(text, names)
    out.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def exercises() -> list[Path]:
    """The student versions of the exercise notebooks (their solutions are beside them)."""
    return sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


EXERCISE_NOTE = ("The solutions are folded: try each exercise first, in the notebook (the Colab button "
                 "above, or `exercises/` in JupyterLab), where a check tells you whether your function is right.")
ANSWER_STUB = "YOUR ANSWER HERE"


def _fold_answer(question: str, solved: str) -> str:
    """A model answer inside a dropdown, where the student version has ``ANSWER_STUB``."""
    before, after = question.split(ANSWER_STUB, 1)
    answer = solved[len(before):len(solved) - len(after)].strip()
    return f"{before}```{{admonition}} Model answer\n:class: dropdown\n\n{answer}\n```\n{after}"


def stage_exercises(student: Path, out: Path) -> None:
    """An exercise page: the executed solutions with every solution folded, under the student
    version's title (its Colab badge opens the student version)."""
    handout = json.loads(student.read_text(encoding="utf-8"))["cells"]
    solved = json.loads((student.parent / "solutions" / student.name).read_text(encoding="utf-8"))
    cells = solved["cells"][2:]  # after its title and the note that points back to the exercises
    if len(cells) != len(handout) - 1:
        raise SystemExit(f"{student.name}: the solutions have other cells than the exercises: run make exercises")
    for cell, given in zip(cells, handout[1:]):
        text, question = "".join(cell["source"]), "".join(given["source"])
        if text == question:
            continue
        if cell["cell_type"] == "code":
            cell.setdefault("metadata", {}).setdefault("tags", []).append("hide-input")
        else:
            cell["source"] = _fold_answer(question, text)
    setup = next(cell for cell in cells if cell["cell_type"] == "code")  # folded, as on the lesson pages
    setup.setdefault("metadata", {}).setdefault("tags", []).append("hide-input")
    title = handout[0]
    title["source"] = "".join(title["source"]).replace(BADGE, "../colab-badge.svg") + f"\n\n{EXERCISE_NOTE}"
    solved["cells"] = [title, *cells]
    out.write_text(json.dumps(solved, ensure_ascii=False, indent=1), encoding="utf-8")


def library_names() -> dict[str, str]:
    """``"module.name"`` as lessons write it → its full name, for every public function and class."""
    sys.path.insert(0, str(ROOT))
    import importlib

    names = {}
    for module in library_modules():
        mod = importlib.import_module(module)
        short = module.removeprefix("course_lib.")
        for name in getattr(mod, "__all__", []):
            if callable(getattr(mod, name, None)):
                names[f"{short}.{name}"] = f"{module}.{name}"
    # a package's re-exported names (`full_scale.imdb_sentiment`) link to where they are documented
    for package in sorted({m.rsplit(".", 1)[0] for m in library_modules()} - {"course_lib"}):
        pkg = importlib.import_module(package)
        for name in getattr(pkg, "__all__", []):
            full = f"{getattr(getattr(pkg, name), '__module__', '')}.{name}"
            if full in names.values():
                names.setdefault(f"{package.removeprefix('course_lib.')}.{name}", full)
    return names


#: `module.name`, `course_lib.module.name` or `module.name(...)` in inline code, not inside a link
LIBRARY_NAME = re.compile(r"(?<![\[\w])`(?:course_lib\.)?((?:data\.)?[a-z_]+\.[A-Za-z_]+)(\([^`]*\))?`(?!\])")


def link_library_names(text: str, names: dict[str, str]) -> str:
    """Turn `module.name` (inline code naming a library function) into a reference link."""
    def link(match: re.Match) -> str:
        full = names.get(match.group(1))
        return f"{{py:obj}}`{match.group(0)[1:-1]} <{full}>`" if full else match.group(0)
    return LIBRARY_NAME.sub(link, text)


def glossary_page(lesson_00: Path) -> str:
    nb = json.loads(lesson_00.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and text.startswith(GLOSSARY_HEADING):
            body = text.split("\n", 1)[1]
            return ("# Glossary · 용어집\n\nThe glossary of "
                    f"[lesson 00](notebooks/{lesson_00.name}), on its own page.\n{body}\n")
    raise SystemExit(f"{lesson_00.name}: no markdown cell starting with {GLOSSARY_HEADING!r}")


def library_modules() -> list[str]:
    """Every module of course_lib, as full dotted names (``course_lib.data.download``)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from lesson_modules import library_modules as short_names

    return [f"course_lib.{m}" for m in short_names()]


def library_page() -> str:
    """A page listing course_lib's modules: first docstring line, reference page, source."""
    sys.path.insert(0, str(ROOT))
    import course_lib

    base = f"https://github.com/{course_lib.REPO}/blob/{course_lib.REF}"
    rows = ["# The course library: `course_lib`", "",
            "Every lesson imports these modules; each is one concept, with shape docstrings and "
            "tests in `tests/`. Each module has a reference page made from its docstrings; the "
            "source links open the code on GitHub.", "",
            "| module | what it holds | source |", "|---|---|---|"]
    for module in library_modules():
        rel = module.replace(".", "/") + ".py"
        doc = ast.get_docstring(ast.parse((ROOT / rel).read_text(encoding="utf-8"))) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        rows.append(f"| [`{module}`](api/{module}.md) | {first.replace('|', '/')} | [source]({base}/{rel}) |")
    toc = ["", "```{toctree}", ":hidden:", "", *[f"api/{m}" for m in library_modules()], "```", ""]
    return "\n".join(rows + toc)


def reference_page(module: str) -> str:
    """The reference page of one module: its docstrings, by Sphinx autodoc."""
    return (f"# `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n   :members:\n"
            f"   :show-inheritance:\n```\n")


def lesson_table() -> str:
    """The lessons as the README's table lists them, each with its Colab button."""
    import course_lib

    rows = ["| | lesson | what it covers | |", "|---|---|---|---|"]
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"\d\d", cells[0]):
            nb = re.search(r"\((notebooks/[^)]+\.ipynb)\)", cells[1]).group(1)
            button = f"[![Open in Colab](colab-badge.svg)]({course_lib.colab_url(nb)})"
            rows.append(f"| {cells[0]} | {cells[1]} | {cells[2]} | {button} |")
    if len(rows) - 2 != len(lessons()):
        raise SystemExit(f"README.md's lesson table lists {len(rows) - 2} lessons, notebooks/ has {len(lessons())}")
    return "\n".join(rows)


def landing_page() -> str:
    import course_lib

    text = (ROOT / "site" / "index.md").read_text(encoding="utf-8")
    return (text.replace("{repo}", course_lib.REPO).replace("{name}", course_lib.REPO.split("/")[1])
            .replace("{lessons}", lesson_table()))


def subset_font(text: str, source: Path, out: Path) -> None:
    """The font ``source`` cut to the characters of ``text`` past Latin, as a WOFF file at ``out``."""
    from fontTools import subset

    chars = sorted({c for c in text if ord(c) > 0x10FF})
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it lists the hinting tables it drops
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False  # the font's hinting programs draw some cut glyphs as boxes at text sizes
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars))
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(out), options)


def stage() -> None:
    shutil.rmtree(SRC, ignore_errors=True)
    (SRC / "notebooks").mkdir(parents=True)
    (SRC / "exercises").mkdir()
    (SRC / "_static").mkdir()
    (SRC / "api").mkdir()
    mathjax = next((d for d in MATHJAX_DIRS if (d / "MathJax.js").is_file()), None)
    if mathjax is None:
        raise SystemExit("MathJax not found: install Debian's libjs-mathjax (apt-get install libjs-mathjax)")
    # the packed files only (its "unpacked" sources are a second copy of the same code)
    shutil.copytree(mathjax, SRC / "_static" / "mathjax", ignore=shutil.ignore_patterns("unpacked"))
    shutil.copy(ROOT / "site" / "conf.py", SRC / "conf.py")
    for name in ("colab-badge.svg",):
        shutil.copy(ROOT / "site" / name, SRC / name)
    for name in ("course.css", "course.js"):
        shutil.copy(ROOT / "site" / name, SRC / "_static" / name)
    names = library_names()
    for path in lessons():
        stage_notebook(path, SRC / "notebooks" / path.name, names)
    for path in exercises():
        stage_exercises(path, SRC / "exercises" / path.name)
    (SRC / "glossary.md").write_text(glossary_page(lessons()[0]), encoding="utf-8")
    shutil.copy(ROOT / "CONTRIBUTING.md", SRC / "CONTRIBUTING.md")
    (SRC / "course_lib.md").write_text(library_page(), encoding="utf-8")
    for module in library_modules():
        (SRC / "api" / f"{module}.md").write_text(reference_page(module), encoding="utf-8")
    toc = ["", "```{toctree}", ":hidden:", ":caption: Lessons", ""]
    toc += [f"notebooks/{p.stem}" for p in lessons()]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: Exercises", ""]
    toc += [f"exercises/{p.stem}" for p in exercises()]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: Reference", "",
            "glossary", "course_lib", "instructors", "CONTRIBUTING", "```", ""]
    (SRC / "index.md").write_text(landing_page() + "\n".join(toc), encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace(BADGE, "colab-badge.svg")
    (SRC / "instructors.md").write_text(readme, encoding="utf-8")
    pages = "".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*") if p.suffix in (".md", ".ipynb"))
    from course_lib.env import cjk_font_path

    regular = cjk_font_path()
    if regular is None:
        raise SystemExit("NanumGothic not found: install the course's packages (make setup)")
    for source in (regular, regular.with_name("NanumGothicBold.ttf")):
        subset_font(pages, source, SRC / "_static" / "fonts" / f"{source.stem}-subset.woff")


def main() -> int:
    stage()
    shutil.rmtree(OUT, ignore_errors=True)
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(SRC), str(OUT)]
    code = subprocess.call(cmd)
    if code == 0:
        print(f"The course website: {OUT / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main())

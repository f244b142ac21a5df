"""Stage the course website's sources in build/site-src and build it into build/site.

    python tools/site.py          (``make site``)

The landing page is the README with a hidden table of contents (the lessons, in order,
then the glossary, the course library's modules with links to their source, and the
contributor guide); every lesson page is its rendered
``.ipynb`` as committed (no re-execution), with the setup cell folded away; the glossary
of lesson 00 is also its own page. Sphinx runs with warnings as errors, offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "site"
MATHJAX_DIRS = [Path("/usr/share/javascript/mathjax"), Path("/usr/share/mathjax")]
GLOSSARY_HEADING = "## 5. Glossary"
#: the Colab badge the notebooks show on GitHub; the site serves its own copy (site/)
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def stage_notebook(path: Path, out: Path) -> None:
    """Copy a rendered notebook, folding its setup cell (the one calling setup_notebook)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = nb["cells"][0]
    first["source"] = "".join(first["source"]).replace(BADGE, "../colab-badge.svg")
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "setup_notebook(" in "".join(cell["source"]):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")
            break
    out.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def glossary_page(lesson_00: Path) -> str:
    nb = json.loads(lesson_00.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and text.startswith(GLOSSARY_HEADING):
            body = text.split("\n", 1)[1]
            return ("# Glossary · 용어집\n\nThe glossary of "
                    f"[lesson 00](notebooks/{lesson_00.name}), on its own page.\n{body}\n")
    raise SystemExit(f"{lesson_00.name}: no markdown cell starting with {GLOSSARY_HEADING!r}")


def library_page() -> str:
    """A page listing course_lib's modules, each with its first docstring line and source link."""
    import ast

    sys.path.insert(0, str(ROOT))
    import course_lib

    base = f"https://github.com/{course_lib.REPO}/blob/{course_lib.REF}"
    rows = ["# The course library: `course_lib`", "",
            "Every lesson imports these modules; each is one concept, with shape docstrings and "
            "tests in `tests/`. The links open the source on GitHub.", "",
            "| module | what it holds |", "|---|---|"]
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if path.name == "__init__.py" and path.parent.name != "course_lib":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        rows.append(f"| [`{module}`]({base}/{rel}) | {first.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def stage() -> None:
    shutil.rmtree(SRC, ignore_errors=True)
    (SRC / "notebooks").mkdir(parents=True)
    (SRC / "_static").mkdir()
    mathjax = next((d for d in MATHJAX_DIRS if (d / "MathJax.js").is_file()), None)
    if mathjax is None:
        raise SystemExit("MathJax not found: install Debian's libjs-mathjax (apt-get install libjs-mathjax)")
    # the packed files only (its "unpacked" sources are a second copy of the same code)
    shutil.copytree(mathjax, SRC / "_static" / "mathjax", ignore=shutil.ignore_patterns("unpacked"))
    shutil.copy(ROOT / "site" / "conf.py", SRC / "conf.py")
    shutil.copy(ROOT / "site" / "colab-badge.svg", SRC / "colab-badge.svg")
    for path in lessons():
        stage_notebook(path, SRC / "notebooks" / path.name)
    (SRC / "glossary.md").write_text(glossary_page(lessons()[0]), encoding="utf-8")
    shutil.copy(ROOT / "CONTRIBUTING.md", SRC / "CONTRIBUTING.md")
    (SRC / "course_lib.md").write_text(library_page(), encoding="utf-8")
    toc = ["", "```{toctree}", ":hidden:", ":caption: Lessons", ""]
    toc += [f"notebooks/{p.stem}" for p in lessons()]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: Reference", "",
            "glossary", "course_lib", "CONTRIBUTING", "```", ""]
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace(BADGE, "colab-badge.svg")
    (SRC / "index.md").write_text(readme + "\n".join(toc), encoding="utf-8")


def main() -> int:
    stage()
    shutil.rmtree(OUT, ignore_errors=True)
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(SRC), str(OUT)]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())

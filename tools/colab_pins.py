"""Write requirements-colab.txt: Colab's own versions of what the course runs on.

    python tools/colab_pins.py BACKEND_INFO > requirements-colab.txt

``BACKEND_INFO`` is a git clone of https://github.com/googlecolab/backend-info, where
Colab publishes the packages of its runtime (``pip-freeze.gpu.txt``) and its Python
(``os-info-gpu.txt``). The pins are the packages the course and its notebooks import,
the notebook kernel and pytest, and everything those need (read from the installed
packages' metadata, so run this with the course's ``.venv``), each at the version of
Colab's freeze. Packages Colab does not ship (sacrebleu, koreanize-matplotlib) are left
to ``pip install course_lib``, as the lessons' setup cell leaves them on Colab.
TensorFlow becomes ``tensorflow-cpu`` of the same version on Linux x86_64 (no GPU here).

``make test-colab`` installs these pins in ``.venv-colab`` and runs the lessons there.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

#: What the course imports (course_lib's dependencies, TensorFlow and Keras) and what
#: runs the notebooks under test (the kernel, nbclient, jupytext, pytest).
ROOTS = ("tensorflow", "keras", "numpy", "scipy", "pandas", "matplotlib", "scikit-learn",
         "threadpoolctl", "statsmodels", "babel", "pillow", "h5py", "ipykernel", "ipython",
         "jupyter-client", "nbformat", "nbclient", "jupytext", "pytest")
#: Installed by venv and pip themselves: not pinned.
SKIP = {"pip", "setuptools", "wheel"}
FREEZE = "pip-freeze.gpu.txt"
OS_INFO = "os-info-gpu.txt"


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def parse_freeze(text: str) -> dict[str, str]:
    """``name==version`` lines of a pip freeze -> {canonical name: version}; others skipped."""
    pins = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def closure(roots, available: dict[str, str]) -> set[str]:
    """The roots and every package they require (installed metadata), kept to ``available``."""
    seen, todo = set(), [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen or name not in available:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here (e.g. plain tensorflow): its pin is kept, its needs not read
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    if "tensorflow" in seen:  # installed here as tensorflow-cpu, which carries the requirements
        seen |= closure(["tensorflow-cpu"], {**available, "tensorflow-cpu": available["tensorflow"]}) - {
            "tensorflow-cpu"}
    return seen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend_info", help="a git clone of googlecolab/backend-info")
    parser.add_argument("--ref", default="HEAD", help="the commit of backend-info to read (default HEAD)")
    args = parser.parse_args(argv)
    commit, date = _git(args.backend_info, "log", "-1", "--format=%H %cs", args.ref).split()
    freeze = parse_freeze(_git(args.backend_info, "show", f"{args.ref}:{FREEZE}"))
    python = re.search(r"^Python (\S+)$", _git(args.backend_info, "show", f"{args.ref}:{OS_INFO}"), re.M)
    if python is None:
        raise SystemExit(f"{OS_INFO}: no 'Python X.Y.Z' line")
    names = closure(ROOTS, freeze) - SKIP
    print("# Colab's versions of the packages the course runs on: what `make test-colab` installs.")
    print(f"# source: https://github.com/googlecolab/backend-info/blob/{commit}/{FREEZE}")
    print(f"# commit date: {date}")
    print(f"# python: {python.group(1)}")
    print("# written by tools/colab_pins.py; tensorflow is tensorflow-cpu of the same version")
    print("# on Linux x86_64 (the course's CI has no GPU).")
    for name in sorted(names):
        if name == "tensorflow":
            print(f'tensorflow-cpu=={freeze[name]}; sys_platform == "linux" and platform_machine == "x86_64"')
            print(f'tensorflow=={freeze[name]}; sys_platform != "linux" or platform_machine != "x86_64"')
        else:
            print(f"{name}=={freeze[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

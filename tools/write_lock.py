"""Print a lock file: the exact version of every package installed in this environment.

    python tools/write_lock.py > requirements.lock      (``make lock`` does this)

Run it in a virtual environment that holds ``requirements.txt`` and nothing else. The
output is a pip constraints file: ``make setup`` installs ``-r requirements.txt -c
requirements.lock``, so every fresh install (``make test``, CI) resolves the same builds.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

# Installed by venv/pip themselves or the editable course_lib: not part of the lock.
SKIP = {"pip", "setuptools", "wheel", "course-lib"}


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main() -> int:
    pins = {}
    for dist in metadata.distributions():
        name = canonical(dist.metadata["Name"])
        if name not in SKIP:
            pins[name] = dist.version
    print("# Exact versions used by `make test` and CI: a pip constraints file, written by")
    print("# `make lock` (tools/write_lock.py) from the ranges in requirements.txt.")
    print(f"# platform: {sys.platform} {platform.machine()}")
    print(f"# python: {platform.python_version()}")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

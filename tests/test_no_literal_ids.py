"""No code outside ``course_lib.vocabulary`` writes a special token id as a number.

Padding, unknown, ``<start>`` and ``<end>`` ids are read from a ``Vocabulary``
(``PAD_ID``, ``UNK_ID``, ``START_ID``, ``END_ID``): a literal 0, 1, 2 or 3 in their place
silently breaks when a vocabulary's layout changes. The scan covers the library and
every lesson's twin and exercise source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for p in [*(ROOT / "course_lib").rglob("*.py"), *(ROOT / "notebooks").glob("*.py"),
                           *(ROOT / "exercises" / "source").glob("*.py")]
               if p.name != "vocabulary.py")
LITERAL_ID = re.compile(
    r"(?<![A-Za-z0-9_])(?:start|end|pad|unk)_id\s*=\s*\d"  # start_id=2, pad_id=0
    r"|ignore_class\s*=\s*\d"  # ignore_class=0
    r"|(?:==|!=)\s*\d\s*\)?\s*#\s*<(?:start|end|pad|unk)>"  # ids == 3  # <end>
    r"|#\s*<(?:start|end|pad)>\s*$"  # ops.full(..., 2)  # <start>
)


def test_the_scan_finds_the_patterns_it_is_for():
    for bad in ("greedy_decode(f, s, start_id=2, end_id=3)", "Loss(ignore_class=0)",
                "done = ids == 3  # <end>", "token = ops.full((b, 1), 2)  # <start>"):
        assert LITERAL_ID.search(bad), bad
    assert not LITERAL_ID.search("start_id=vocab.START_ID, pad_id=Vocabulary.PAD_ID")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_literal_special_ids(path):
    hits = [f"{path.name}:{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1)
            if LITERAL_ID.search(line)]
    assert not hits, "special ids written as numbers; use the Vocabulary's names:\n" + "\n".join(hits)

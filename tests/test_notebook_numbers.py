"""Every number in a lesson's prose comes from its own run, its code, or a cited constant.

For each rendered notebook, the numbers in its markdown cells (outside maths, code spans
and link targets) must appear in the same notebook's code or printed output. A number
written as an approximation (``≈ 400``, ``about 3``) may be within 10 % of a printed one.
Lesson numbers (``07``), years and single digits are not checked; the remaining
exceptions are facts about datasets and models or arithmetic the text does itself, listed
in ``CONSTANTS`` with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NUMBER = re.compile(r"(?<![\w.\-/#])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w/])")
APPROX = re.compile(r"(≈|~|about|roughly|around|nearly)\s*$")
PRINTED = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")

CONSTANTS = {
    "00_setup_and_tour": {"0.0125": "¼ / 20, worked out in the sentence"},
    "03_char_language_model": {"8,000": "the number of steps an exercise suggests"},
    "05_lstm_gru": {"30": "the lengths an exercise asks for (T = 30, 45, 60)"},
    "06_deep_and_bidirectional": {"1,797": "the size of scikit-learn's digits data set"},
    "09_image_captioning": {
        "8,000": "Flickr8k's size (8,091 photos)",
        "6,000": "Flickr8k's train split",
        "1280": "the size of MobileNetV2's pooled feature vector",
        "2.5": "Lin et al. (2014): COCO's 2.5 million labelled object instances",
        "328,000": "Lin et al. (2014): COCO's 328k images",
        "250": "a number of training scenes an exercise asks for",
    },
    "10_attention_captioning": {"18": "the scene CNN's receptive field, 3 + 2·2 + 2·4 pixels"},
    "11_transfer_learning": {"3,670": "the size of the tf_flowers data set"},
    "12_training_recipe": {
        "1,797": "the size of scikit-learn's digits data set",
        "70": "each member's share of the training images, 0.7 in the code",
        "0.999": "a momentum an exercise asks for",
    },
    "13_rnns_beyond_sequences": {"60,000": "the size of MNIST's training set"},
    "14_cell_search": {"62.4": "Zoph & Le (2017): their cell's test perplexity on Penn Treebank",
                       "3.6": "Zoph & Le (2017): its gain over the previous best model"},
}


def _texts(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown, evidence = [], []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            markdown.append(source)
            continue
        evidence.append(source)
        for out in cell.get("outputs", []):
            evidence.append("".join(out.get("text", "")))
            evidence.append("".join(out.get("data", {}).get("text/plain", "")))
    return markdown, "\n".join(evidence)


def _prose(markdown: str) -> str:
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", markdown, flags=re.S)  # maths
    text = re.sub(r"`[^`]*`", " ", text)  # code spans
    return re.sub(r"\]\([^)]*\)", "]", text)  # link targets


def unbacked_numbers(path: Path) -> list[str]:
    """The numbers in ``path``'s markdown that its code and outputs do not contain."""
    markdown, evidence = _texts(path)
    printed = [float(v) for v in PRINTED.findall(evidence.replace(",", ""))]
    allowed = CONSTANTS.get(path.stem, {})
    missing = []
    for cell in markdown:
        text = _prose(cell)
        for match in NUMBER.finditer(text):
            number = match.group(1)
            plain = number.replace(",", "")
            if "." not in number and len(plain) < 2:
                continue  # single digits: counts, section numbers
            if re.fullmatch(r"0\d|1[0-4]", number) or re.fullmatch(r"1[6-9]\d\d|20\d\d", plain):
                continue  # a lesson number, a year
            if number in allowed or number in evidence or plain in evidence:
                continue
            if APPROX.search(text[:match.start()]):
                value = float(plain)
                if any(abs(p - value) <= 0.1 * abs(value) for p in printed):
                    continue
            missing.append(number)
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_number_in_the_prose_is_printed_or_a_cited_constant(path):
    missing = unbacked_numbers(path)
    assert not missing, (
        f"{path.name}: numbers in the text that no output or code of the lesson contains: "
        f"{missing} (print them above the text, remove them, or list a cited constant)"
    )


def test_the_check_finds_a_number_that_is_not_printed(tmp_path):
    nb = {"cells": [
        {"cell_type": "code", "source": ["print(0.25)"], "outputs": [{"text": ["0.25\n"]}]},
        {"cell_type": "markdown", "source": ["The loss fell to 0.25, about 0.26, and then to 0.19."]},
    ]}
    path = tmp_path / "99_fake.ipynb"
    path.write_text(json.dumps(nb))
    assert unbacked_numbers(path) == ["0.19"]


def test_every_constant_is_still_used():
    for stem, numbers in CONSTANTS.items():
        markdown, _ = _texts(Path(__file__).parents[1] / "notebooks" / f"{stem}.ipynb")
        prose = " ".join(_prose(m) for m in markdown)
        stale = [n for n in numbers if n not in prose]
        assert not stale, f"{stem}: listed constants no longer in the text: {stale}"

"""requirements.lock pins exactly one version of every range in requirements.txt."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> tuple[dict[str, Version], dict[str, str]]:
    text = (ROOT / "requirements.lock").read_text()
    platform = re.search(r"^# platform: (\S+) (\S+)$", text, re.M)
    assert platform, "requirements.lock records the platform it was resolved on"
    pins = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"requirements.lock: expected name==version, got {line!r}"
            pins[canonicalize_name(name)] = Version(version)
    return pins, {"sys_platform": platform.group(1), "platform_machine": platform.group(2)}


def _requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(ln) for ln in lines if ln.strip() and not ln.startswith("#")]


def test_every_range_has_a_pin_inside_it():
    pins, where = _lock()
    checked = 0
    for req in _requirements():
        if req.marker is not None and not req.marker.evaluate(where):
            continue  # e.g. plain tensorflow, for machines other than the lock's
        name = canonicalize_name(req.name)
        assert name in pins, f"requirements.txt asks for {req}; requirements.lock has no pin"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {req}: run `make lock`"
        )
        checked += 1
    assert checked >= 20, f"only {checked} requirements checked"


def test_this_environment_was_installed_from_the_lock():
    pins, where = _lock()
    if where != {"sys_platform": __import__("sys").platform,
                 "platform_machine": __import__("platform").machine()}:
        pytest.skip(f"the lock was resolved on {where}; this machine differs")
    for req in _requirements():
        if req.marker is not None and not req.marker.evaluate(where):
            continue
        name = canonicalize_name(req.name)
        installed = Version(metadata.version(req.name))
        assert installed == pins[name], (
            f"{name} {installed} is installed, the lock pins {pins[name]}: run `make setup`"
        )

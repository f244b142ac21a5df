"""Shared fixtures: the loopback mirror of the full-scale datasets."""

from __future__ import annotations

import os
import socket

import loopback_mirror
import pytest

from course_lib import env


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    manifest, stop = loopback_mirror.serve(tmp_path_factory.mktemp("mirror"))
    yield manifest
    stop()


@pytest.fixture
def mirror_cache(mirror, tmp_path, monkeypatch):
    """Full scale against the mirror: a fresh data cache, the internet blocked."""
    monkeypatch.setenv("COURSE_MIRROR", str(mirror))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "cache"))
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, getattr(socket.socket, name))
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    env._block_network()  # loopback only: the mirror works, the internet does not
    return tmp_path / "cache"


@pytest.fixture(scope="session", autouse=True)
def gpu_jit_rule():
    """``COURSE_GPU_JIT_RULE=1`` (``make test-colab``): every test runs under Keras' GPU jit rule."""
    if os.environ.get("COURSE_GPU_JIT_RULE") != "1":
        yield False
        return
    from gpu_jit_rule import keras_sees_a_gpu

    with keras_sees_a_gpu():
        yield True

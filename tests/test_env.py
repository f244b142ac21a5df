"""course_lib.env: the scale switch, seed validation, the network guard, repeatable seeds."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from course_lib import env


@pytest.fixture
def restore_sockets(monkeypatch):
    """Let monkeypatch put the real socket functions back after _block_network patches them."""
    monkeypatch.setattr(socket.socket, "connect", socket.socket.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", socket.socket.connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)


def test_scale_defaults_to_lesson_and_accepts_full(monkeypatch):
    monkeypatch.delenv("COURSE_SCALE", raising=False)
    assert env._resolve_scale() == "lesson"
    assert env._resolve_scale("lesson") == "lesson"
    assert env._resolve_scale("full") == "full"


def test_course_scale_overrides_the_notebook(monkeypatch):
    monkeypatch.setenv("COURSE_SCALE", "full")
    assert env._resolve_scale("lesson") == "full"
    monkeypatch.setenv("COURSE_SCALE", "lesson")
    assert env._resolve_scale("full") == "lesson"
    monkeypatch.setenv("COURSE_SCALE", "")  # empty means unset
    assert env._resolve_scale("full") == "full"


@pytest.mark.parametrize("bad", ["Full", "small", "fulll", " lesson", 1])
def test_a_bad_scale_names_the_choices(monkeypatch, bad):
    monkeypatch.delenv("COURSE_SCALE", raising=False)
    with pytest.raises(ValueError, match=r"SCALE: expected one of \['lesson', 'full'\]"):
        env._resolve_scale(bad)


def test_a_bad_course_scale_variable_is_refused(monkeypatch):
    monkeypatch.setenv("COURSE_SCALE", "huge")
    with pytest.raises(ValueError, match="SCALE: expected one of.*'huge'"):
        env._resolve_scale("lesson")


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("0", TypeError),
                                         (None, TypeError), (True, TypeError), (np.float64(2.0), TypeError)])
def test_setup_notebook_refuses_a_bad_seed(seed, error):
    with pytest.raises(error, match="seed: expected an int"):
        env.setup_notebook(seed=seed)


def test_setup_notebook_refuses_a_bad_scale(monkeypatch):
    monkeypatch.delenv("COURSE_SCALE", raising=False)
    with pytest.raises(ValueError, match="SCALE: expected one of"):
        env.setup_notebook(seed=0, scale="medium")


def test_block_network_refuses_other_hosts_and_allows_loopback(restore_sockets):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        env._block_network()
        env._block_network()  # idempotent
        with socket.create_connection(server.getsockname(), timeout=5):
            pass  # loopback works
        assert socket.getaddrinfo("localhost", 80)
        for address in [("10.255.255.1", 80), ("8.8.8.8", 53), ("192.168.0.1", 443)]:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                with pytest.raises(OSError, match="network access is disabled"):
                    s.connect(address)
                with pytest.raises(OSError, match="network access is disabled"):
                    s.connect_ex(address)
        with pytest.raises(OSError, match="network access is disabled.*example.org"):
            socket.getaddrinfo("example.org", 443)
        with pytest.raises(OSError, match="network access is disabled"):
            socket.create_connection(("pypi.org", 443), timeout=5)
    finally:
        server.close()


def test_setup_notebook_seeds_everything_the_same_way_twice(monkeypatch, restore_sockets):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("COURSE_SCALE", raising=False)
    import keras

    draws = []
    for _ in range(2):
        # deterministic=False: op determinism is process-wide and would outlive this test
        info = env.setup_notebook(seed=7, scale="lesson", deterministic=False)
        # the global NumPy generator is what setup_notebook seeds (legacy API on purpose)
        draws.append((np.random.rand(3), keras.random.uniform((3,)).numpy()))  # noqa: NPY002
    assert info.seed == 7 and info.scale == "lesson" and info.offline
    assert info.keras.startswith("3.")
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    env.setup_notebook(seed=8, scale="lesson", deterministic=False)
    assert not np.array_equal(np.random.rand(3), draws[0][0]), "another seed"  # noqa: NPY002


def test_in_colab_follows_the_runtime_marker(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert env._in_colab() is False
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20250101-060000_RC00")
    assert env._in_colab() is True


def test_setup_notebook_refuses_negative_numpy_seed():
    with pytest.raises(ValueError, match="seed"):
        env.setup_notebook(seed=np.int64(-1))


TF_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796113263.422647    2627 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results.",
    "I0000 00:00:1796113197.209113    2562 cpu_feature_guard.cc:227] This TensorFlow binary "
    "is optimized to use available CPU instructions",
    "E0000 00:00:1721.123  12 cuda_dnn.cc:8310] Unable to register cuDNN factory",
    "W1201 08:16:47.123456  77 device_compiler.h:186] Compiled cluster using XLA!",
]
NOT_NOISE = [
    "E0000 00:00:1721.123  12 op_kernel.cc:1830] OP_REQUIRES failed: out of memory",
    "F0000 00:00:1721.123  12 check.cc:1] Check failed: x == y",
    "Traceback (most recent call last):",
    "RNN test MSE 0.012",
    "",
]


@pytest.mark.parametrize("line", TF_NOISE)
def test_tensorflow_startup_lines_are_recognised(line):
    assert env._is_tensorflow_startup_noise(line)
    assert env._is_tensorflow_startup_noise(line + "\n")


@pytest.mark.parametrize("line", NOT_NOISE)
def test_real_errors_and_other_text_are_not_noise(line):
    assert not env._is_tensorflow_startup_noise(line)


def test_startup_noise_refuses_non_text():
    with pytest.raises(TypeError, match="line: expected a str"):
        env._is_tensorflow_startup_noise(b"I0000")


def _run_python(code: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ)
    environ.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the worst case: nothing set by the user
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=120
    )


def test_native_stderr_is_filtered_but_real_lines_pass_through():
    code = (
        "import os\n"
        "from course_lib.env import _quiet_native_stderr\n"
        "with _quiet_native_stderr():\n"
        "    os.write(2, b'I0000 00:00:1796113263.422647  1 port.cc:153] oneDNN on\\n')\n"
        "    os.write(2, b'a real native error\\n')\n"
        "print('done')\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr == "a real native error\n"


def test_setup_notebook_prints_no_tensorflow_startup_lines():
    # A fresh interpreter, as a student's kernel: TensorFlow's start-up (import, thread
    # pools, runtime) and a first training step write nothing to stderr.
    code = (
        "from course_lib.env import setup_notebook\n"
        "info = setup_notebook(seed=0, scale='lesson')\n"
        "import keras, numpy as np\n"
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "m.compile('sgd', 'mse')\n"
        "m.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)\n"
        "print(info.deterministic)\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")
    assert result.stderr == "", f"stderr not empty: {result.stderr[:500]!r}"


def test_untested_versions_warn():
    with pytest.warns(UserWarning, match=r"tensorflow 2.99.0 with keras 3.15.0 is not a tested configuration "
                                         r"\(TensorFlow 2.21 / Keras 3.15 \(requirements.lock\) and TensorFlow "
                                         r"2.20 / Keras 3.13 \(Colab's runtime\)\)"):
        env._check_versions("2.99.0", env._TESTED_VERSIONS["keras"] + ".0")
    with pytest.warns(UserWarning, match="not a tested configuration"):
        env._check_versions("2.20.0", "3.15.1")  # each version tested, but not together
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env._check_versions(env._TESTED_VERSIONS["tensorflow"] + ".3", env._TESTED_VERSIONS["keras"] + ".1")
        env._check_versions("2.20.0", "3.13.2")


def test_the_tested_configurations_are_the_pinned_ones():
    root = Path(__file__).resolve().parents[1]
    for where, pins in (("requirements.lock", "requirements.lock"), ("Colab's runtime", "requirements-colab.txt")):
        text = (root / pins).read_text()
        for name in ("tensorflow", "keras"):
            pinned = re.search(rf"^{name}(?:-cpu)?==(\d+\.\d+)\.", text, re.M)
            assert pinned, f"{pins} pins {name}"
            assert env.TESTED_CONFIGURATIONS[where][name] == pinned.group(1), (
                f"env.TESTED_CONFIGURATIONS[{where!r}][{name!r}] is "
                f"{env.TESTED_CONFIGURATIONS[where][name]}, {pins} pins {pinned.group(1)}")


@pytest.mark.parametrize("bad", ["yes", 1, 0.0])
def test_setup_notebook_refuses_a_bad_deterministic(bad):
    with pytest.raises(TypeError, match="deterministic: expected True, False or None"):
        env.setup_notebook(seed=0, deterministic=bad)


@pytest.mark.parametrize("bad", ["0", "two", "-1"])
def test_a_bad_course_threads_variable_is_refused(monkeypatch, bad):
    monkeypatch.setenv("COURSE_THREADS", bad)
    with pytest.raises(ValueError, match="COURSE_THREADS: expected a positive integer"):
        env.setup_notebook(seed=0)

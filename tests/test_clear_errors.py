"""Bad files and paths where the README promises a clear error (reliability, item 10).

Each case is what a student can meet: a file where the cache folder should be, a folder
where a cached file should be, odd names, damaged archives, a crafted or half-copied run
directory. Each must end in the course's own error naming what is wrong, never a raw
``OSError``/``BadZipFile``/``NotImplementedError``, and never a silent success.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import zipfile

import keras
import numpy as np
import pytest

from course_lib import run_files, training
from course_lib.data import archives, download

DATA = b"x" * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def test_a_file_where_the_cache_folder_belongs(source, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="cache: expected a folder"):
        download.fetch(source.as_uri(), SHA, cache=blocker)
    monkeypatch.setenv("COURSE_DATA_DIR", str(blocker))
    with pytest.raises(ValueError, match="COURSE_DATA_DIR: expected a folder"):
        download.fetch(source.as_uri(), SHA)


def test_a_folder_where_the_cached_file_belongs(source, tmp_path):
    cache = tmp_path / "cache"
    (cache / "data.bin").mkdir(parents=True)
    with pytest.raises(ValueError, match="cache: .* is a folder where the cached file data.bin belongs"):
        download.fetch(source.as_uri(), SHA, cache=cache)


def test_a_read_only_cache_still_serves_its_verified_file(source, tmp_path):
    cache = tmp_path / "cache"
    first = download.fetch(source.as_uri(), SHA, cache=cache, progress=False)
    for path in [cache, *cache.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        assert download.fetch(source.as_uri(), SHA, cache=cache, progress=False) == first
    finally:
        for path in [cache, *cache.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("name", ["a\0b", "a" * 300])
def test_a_cache_name_with_nul_or_too_long_is_refused(source, tmp_path, name):
    with pytest.raises(ValueError, match="filename: expected a plain file name of at most 200"):
        download.fetch(source.as_uri(), SHA, name, cache=tmp_path / "cache")


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_cut_off_tar_gz_is_refused_and_leaves_nothing(tmp_path):
    whole = _tar_gz({"a/b.bin": np.random.default_rng(0).bytes(200_000)})
    for cut in (len(whole) - 8, len(whole) // 2):  # only the gzip trailer missing; half the data
        archive = tmp_path / f"cut{cut}.tar.gz"
        archive.write_bytes(whole[:cut])
        with pytest.raises(ValueError, match="archive: .* is damaged or cut off"):
            archives.safe_extract(archive, tmp_path / f"out{cut}")
        assert not (tmp_path / f"out{cut}").exists()
        assert not list(tmp_path.glob(f"out{cut}.*")), "the temporary folder is removed"


def test_a_zip_whose_headers_lie_is_refused(tmp_path):
    raw = bytearray(_zip({"a/b.txt": b"hello" * 1000}))
    at = raw.find(b"PK\x01\x02")
    raw[at + 16:at + 20] = (12345).to_bytes(4, "little")  # the CRC-32 the central directory records
    archive = tmp_path / "lie.zip"
    archive.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="archive: .* is damaged or cut off"):
        archives.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_file_and_a_folder_of_one_name_in_an_archive_are_refused(tmp_path):
    for kind, data in (("zip", _zip({"a": b"file", "a/b.txt": b"x"})),
                       ("tar.gz", _tar_gz({"a": b"file", "a/b.txt": b"x"}))):
        archive = tmp_path / f"both.{kind}"
        archive.write_bytes(data)
        with pytest.raises(archives.UnsafeArchiveError, match="'a' is both a file and a folder"):
            archives.safe_extract(archive, tmp_path / f"out-{kind}")


def _model(optimizer="sgd"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer, "mse")
    return model


X, Y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")


def test_a_run_dir_with_nul_is_refused(tmp_path):
    with pytest.raises(ValueError, match="run_dir: a path cannot hold a NUL"):
        training.fit_resumable(_model(), X, Y, run_dir=str(tmp_path / "a\0b"), epochs=1)


def test_a_schedule_without_get_config_is_refused_by_name(tmp_path):
    class Constant(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.01

    with pytest.raises(TypeError, match="optimizer: its settings cannot be recorded .*get_config"):
        training.fit_resumable(_model(keras.optimizers.SGD(Constant())), X, Y, run_dir=tmp_path / "run", epochs=1)


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "run"
    training.fit_resumable(_model(), X, Y, run_dir=run, epochs=1, validation_data=(X, Y))
    return run


@pytest.mark.parametrize("change, message", [
    (lambda s: s["best"].__setitem__("value", float("nan")), "best must describe"),
    (lambda s: s["best"].__setitem__("value", "0.1"), "best must describe"),
    (lambda s: s.__setitem__("history", {}), "history must hold the loss"),
])
def test_a_crafted_state_with_wrong_values_is_refused(saved_run, tmp_path, change, message):
    run = tmp_path / "run"
    shutil.copytree(saved_run, run)
    state = json.loads((run / "state.json").read_text())
    change(state)
    state["state_sha256"] = run_files.state_digest(state)  # crafted to pass its own checksum
    (run / "state.json").write_text(json.dumps(state))
    with pytest.raises(run_files.CheckpointError, match=message):
        training.fit_resumable(_model(), X, Y, run_dir=run, epochs=2, validation_data=(X, Y))


def test_a_half_copied_run_without_its_best_model_is_a_checkpoint_error(saved_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(saved_run, run)
    (run / "best.keras").unlink()
    for attempt in (lambda: training.fit_resumable(_model(), X, Y, run_dir=run, epochs=2, validation_data=(X, Y)),
                    lambda: training.load_best(run)):
        with pytest.raises(run_files.CheckpointError, match="best.keras is missing: the run directory is incomplete"):
            attempt()
    assert os.listdir(run / run_files.BACKUP_DIR), "nothing of the run was removed"

"""course_lib.training: a killed run resumes exactly; damaged checkpoints fail clearly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import keras
import numpy as np
import pytest

from course_lib import run_files, training
from course_lib.files import sha256_file

ROOT = Path(__file__).resolve().parents[1]

# A tiny recurrent classifier with dropout (so the random-generator state matters),
# trained for 6 epochs into WORKDIR/run. When WORKDIR/pause-once exists, the run deletes
# it and sleeps in the middle of epoch 4 (index 3, batch 2); when WORKDIR/pause-in-first-save
# exists, it sleeps inside the first epoch's save, after the weights and the random state
# are written and before state.json is: the test kills it there with SIGKILL and starts the
# very same command again. After the run finishes, the same
# process trains a fresh model without interruption into WORKDIR/reference (saving one
# TensorFlow start-up) so the two can be compared.
CHILD = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras, numpy as np, tensorflow as tf
import course_lib.training as training_module
from course_lib.training import fit_resumable

work = sys.argv[1]
write_state = training_module.atomic_write_text

def pausing_write(path, text, *args, **kwargs):
    marker = os.path.join(work, "pause-in-first-save")
    if os.path.basename(str(path)) == "state.json" and os.path.exists(marker):
        os.remove(marker)
        print("paused", flush=True)
        time.sleep(300)
    return write_state(path, text, *args, **kwargs)

training_module.atomic_write_text = pausing_write
tf.config.experimental.enable_op_determinism()
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 6, 3)).astype("float32")
y = (x[:, :, 0].sum(1) > 0).astype("float32")

class PauseOnce(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
    def on_train_batch_begin(self, batch, logs=None):
        marker = os.path.join(work, "pause-once")
        if self.epoch == 3 and batch == 2 and os.path.exists(marker):
            os.remove(marker)
            print("paused", flush=True)
            time.sleep(300)

def train(name):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.GRU(8),
                              keras.layers.Dropout(0.3),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    run = fit_resumable(model, x, y, run_dir=os.path.join(work, name), epochs=6,
                        batch_size=32, validation_data=(x[:64], y[:64]),
                        callbacks=[PauseOnce()])
    np.savez(os.path.join(work, name + ".npz"), *[np.asarray(w) for w in model.get_weights()])
    return {"initial_epoch": run.initial_epoch, "history": run.history}

result = {"run": train("run"), "reference": train("reference")}
print(json.dumps(result), flush=True)
"""


def _start(script: Path, work: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen(
        [sys.executable, str(script), str(work)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )


@pytest.mark.parametrize("marker, done", [("pause-once", 3), ("pause-in-first-save", 0)])
def test_a_killed_run_resumes_from_its_last_epoch_and_matches_an_uninterrupted_run(tmp_path, marker, done):
    script = tmp_path / "train.py"
    script.write_text(CHILD)
    work = tmp_path / "work"
    work.mkdir()
    (work / marker).touch()
    killed = _start(script, work)
    guard = threading.Timer(240, killed.kill)  # never wait forever on a stuck child
    guard.start()
    try:
        line = killed.stdout.readline()  # blocks until the run pauses mid-epoch (or dies)
        assert line.strip() == "paused", f"the run did not reach the instant {marker} stands for: {line!r}"
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
    finally:
        guard.cancel()
        if killed.poll() is None:
            killed.kill()
        killed.stdout.close()
    assert killed.returncode == -signal.SIGKILL
    saved = work / "run" / "state.json"
    epochs = json.loads(saved.read_text())["epoch"] if saved.exists() else 0
    assert epochs == done, f"{done} epochs were saved when the run was killed, state.json says {epochs}"
    if done == 0:
        assert any((work / "run").rglob(".pending-*")), "killed inside the first save: its files are pending"
    assert not (work / "reference").exists()

    again = _start(script, work)  # the very same command
    stdout, _ = again.communicate(timeout=300)
    assert again.returncode == 0, f"the resumed run failed:\n{stdout}"
    result = json.loads(stdout.strip().splitlines()[-1])
    resumed, uninterrupted = result["run"], result["reference"]
    assert uninterrupted["initial_epoch"] == 0
    assert resumed["initial_epoch"] == done, f"resumed after the last completed epoch, {done}"
    assert len(resumed["history"]["loss"]) == 6
    assert resumed["history"] == uninterrupted["history"], "same metrics, epoch by epoch"
    a, b = np.load(work / "reference.npz"), np.load(work / "run.npz")
    assert a.files == b.files
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"final weight {key}")


# -- in-process tests on a tiny dense model ---------------------------------------------



def _data(n=64):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x @ np.arange(1.0, 5.0, dtype="float32"))[:, None]


def _model(units=4, dropout=0.2):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(units), keras.layers.Dropout(dropout),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def _fit(model, run_dir, epochs=3, **kw):
    x, y = _data()
    kw.setdefault("validation_data", (x[:16], y[:16]))
    return training.fit_resumable(model, x, y, run_dir=run_dir, epochs=epochs, batch_size=16, **kw)


def test_the_callback_alone_resumes_model_fit_after_restore(tmp_path):
    x, y = _data()
    model = _model()
    cb = training.ResumableBackup(tmp_path / "run", monitor="loss")
    assert cb.restore(model) == 0
    model.fit(x, y, epochs=2, batch_size=16, callbacks=[cb], verbose=0)
    model2 = _model()
    cb2 = training.ResumableBackup(tmp_path / "run", monitor="loss")
    done = cb2.restore(model2)
    hist = model2.fit(x, y, epochs=5, initial_epoch=done, batch_size=16, callbacks=[cb2], verbose=0)
    assert hist.epoch == [2, 3, 4], "epochs 1-2 were restored, not trained again"
    assert training.read_run_state(tmp_path / "run")["epoch"] == 5
    with pytest.raises(ValueError, match=r"restore\(model\) before fit"):
        model2.fit(x, y, epochs=1, callbacks=[training.ResumableBackup(tmp_path / "run")], verbose=0)


def _corrupt(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a half-copied file


@pytest.fixture(scope="module")
def one_epoch_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("trained") / "run"
    _fit(_model(), run_dir, epochs=1)
    return run_dir


@pytest.fixture
def run_copy(one_epoch_run, tmp_path):
    shutil.copytree(one_epoch_run, tmp_path / "run")
    return tmp_path / "run"


def test_resume_continues_the_history_and_a_finished_run_trains_nothing(run_copy):
    before = training.read_run_state(run_copy)["history"]
    model = _model()
    run = _fit(model, run_copy, epochs=3)
    assert run.initial_epoch == 1 and len(run.history["loss"]) == 3
    assert {k: v[:1] for k, v in run.history.items()} == before, "epoch 1 is kept, not redone"
    again = _model()
    done = _fit(again, run_copy, epochs=3)
    assert done.initial_epoch == 3 and done.history == run.history
    for w1, w2 in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(w1, w2)  # restored, not trained further
    with pytest.raises(ValueError, match="already holds 3 trained epochs, more than epochs=2"):
        _fit(_model(), run_copy, epochs=2)
    assert done.best["epoch"] == int(np.argmin(run.history["val_loss"])) + 1
    best = training.load_best(run_copy)
    x, y = _data()
    assert best.evaluate(x[:16], y[:16], verbose=0) == pytest.approx(done.best["value"], rel=1e-5)


def test_a_partial_weights_file_is_reported_clearly(run_copy):
    weights = run_copy / training.read_run_state(run_copy)["weights"]
    _corrupt(weights)
    with pytest.raises(training.CheckpointError, match=r"corrupted or partial.*delete"):
        _fit(_model(), run_copy, epochs=2)
    weights.unlink()
    with pytest.raises(training.CheckpointError, match="is missing"):
        _fit(_model(), run_copy, epochs=2)


def test_a_partial_random_state_file_is_reported_clearly(run_copy):
    _corrupt(run_copy / training.read_run_state(run_copy)["rng"])
    with pytest.raises(training.CheckpointError, match=r"rng.npz is corrupted or partial"):
        _fit(_model(), run_copy, epochs=2)


def test_a_partial_state_file_is_reported_clearly(run_copy):
    _corrupt(run_copy / "state.json")
    with pytest.raises(training.CheckpointError, match="state.json is corrupted or partial"):
        _fit(_model(), run_copy, epochs=2)
    (run_copy / "state.json").write_text('{"epoch": 1}')
    with pytest.raises(training.CheckpointError, match="not a course_lib run state"):
        training.read_run_state(run_copy)


def test_a_partial_best_model_is_reported_clearly(run_copy, tmp_path):
    assert isinstance(training.load_best(run_copy), keras.Model)
    _corrupt(run_copy / "best.keras")
    with pytest.raises(training.CheckpointError, match="best.keras is corrupted"):
        training.load_best(run_copy)
    with pytest.raises(FileNotFoundError, match="no best model"):
        training.load_best(tmp_path / "elsewhere")


def test_a_kill_around_saving_the_best_model_leaves_a_consistent_one(run_copy):
    state = training.read_run_state(run_copy)
    best, tmp = run_copy / "best.keras", run_copy / ".best.tmp.keras"
    # killed after state.json recorded a new best model, before the rename
    best.rename(tmp)
    best.write_bytes(b"the previous best model")
    model = training.load_best(run_copy)
    assert not tmp.exists() and sha256_file(best) == state["best"]["sha256"]
    assert isinstance(model, keras.Model)
    # killed after saving a candidate, before state.json was written: it is dropped
    tmp.write_bytes(b"a candidate from an epoch that never finished")
    training.load_best(run_copy)
    assert not tmp.exists() and sha256_file(best) == state["best"]["sha256"]


def test_resuming_with_other_settings_or_another_model_is_refused(run_copy):
    x, y = _data()
    with pytest.raises(training.CheckpointError, match="batch_size"):
        training.fit_resumable(_model(), x, y, run_dir=run_copy, epochs=2, batch_size=8)
    with pytest.raises(training.CheckpointError, match="differs in model"):
        _fit(_model(units=5), run_copy, epochs=2)
    other_rate = _model()
    other_rate.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    with pytest.raises(training.CheckpointError, match="learning_rate"):
        _fit(other_rate, run_copy, epochs=2)
    other_optimizer = _model()
    other_optimizer.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    with pytest.raises(training.CheckpointError, match="SGD"):
        _fit(other_optimizer, run_copy, epochs=2)
    with pytest.raises(training.CheckpointError, match="differs in model"):
        _fit(_model(dropout=0.0), run_copy, epochs=2)  # another dropout rate
    without = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    without.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    with pytest.raises(training.CheckpointError, match="differs in model"):
        _fit(without, run_copy, epochs=2)


def test_bad_inputs_name_what_was_expected(tmp_path):
    x, y = _data()
    model = _model()
    fit = training.fit_resumable
    with pytest.raises(ValueError, match="same number of examples"):
        fit(model, x[:10], y, run_dir=tmp_path / "r", epochs=1)
    with pytest.raises(ValueError, match="epochs: expected an int >= 1"):
        fit(model, x, y, run_dir=tmp_path / "r", epochs=0)
    with pytest.raises(TypeError, match="batch_size: expected an int"):
        fit(model, x, y, run_dir=tmp_path / "r", epochs=1, batch_size=2.5)
    with pytest.raises(TypeError, match="model: expected a keras.Model"):
        fit("model", x, y, run_dir=tmp_path / "r", epochs=1)
    uncompiled = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compiled model"):
        fit(uncompiled, x, y, run_dir=tmp_path / "r", epochs=1)
    with pytest.raises(TypeError, match="run_dir: expected a directory path"):
        fit(model, x, y, run_dir=None, epochs=1)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="run_dir: expected a directory"):
        fit(model, x, y, run_dir=tmp_path / "file", epochs=1)
    with pytest.raises(ValueError, match="monitor: expected one of the logged metrics"):
        fit(model, x, y, run_dir=tmp_path / "r", epochs=1, monitor="val_accuracy")
    with pytest.raises(ValueError, match="mode: expected one of"):
        fit(model, x, y, run_dir=tmp_path / "r2", epochs=1, mode="lowest")


def _recompiled(**settings):
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(0.05, **settings.get("adam", {})),
                  loss=settings.get("loss", "mse"))
    return model


def test_a_run_with_the_same_shapes_but_other_settings_or_data_is_refused(run_copy):
    relu = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dropout(0.2), keras.layers.Dense(1)])
    relu.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    with pytest.raises(training.CheckpointError, match="differs in model"):
        _fit(relu, run_copy, epochs=2)  # same weight shapes, another activation
    with pytest.raises(training.CheckpointError, match="differs in loss"):
        _fit(_recompiled(loss="mae"), run_copy, epochs=2)
    with pytest.raises(training.CheckpointError, match="differs in optimizer.*clipnorm"):
        _fit(_recompiled(adam={"clipnorm": 1.0}), run_copy, epochs=2)
    with pytest.raises(training.CheckpointError, match="differs in optimizer.*beta_1"):
        _fit(_recompiled(adam={"beta_1": 0.8}), run_copy, epochs=2)
    x, y = _data()
    with pytest.raises(training.CheckpointError, match="differs in data"):
        training.fit_resumable(_model(), x, y + 1.0, run_dir=run_copy, epochs=2, batch_size=16,
                               validation_data=(x[:16], y[:16]))
    assert _fit(_model(), run_copy, epochs=2).initial_epoch == 1, "the same run still resumes"


def test_the_model_fingerprint_ignores_automatic_names_only():
    first, second = _model(), _model()
    assert first.name != second.name
    assert training.model_fingerprint(first) == training.model_fingerprint(second)
    assert training.model_fingerprint(first) != training.model_fingerprint(_model(units=5))
    with pytest.raises(TypeError, match="model: expected a keras.Model"):
        training.model_fingerprint("model")


def test_a_run_directory_without_its_state_file_is_refused_not_restarted(run_copy):
    best_before = (run_copy / "best.keras").read_bytes()
    (run_copy / "state.json").unlink()  # a half-copied Drive folder: backup/ and best.keras only
    with pytest.raises(training.CheckpointError, match="no state.json: the run directory is incomplete"):
        _fit(_model(), run_copy, epochs=2)
    assert (run_copy / "best.keras").read_bytes() == best_before, "best.keras was not overwritten"


def _edit_state(run_dir, **changes):
    path = run_dir / "state.json"
    state = json.loads(path.read_text())
    state.update(changes)
    path.write_text(json.dumps(state))


def test_an_edited_state_file_fails_its_own_checksum(run_copy):
    _edit_state(run_copy, epoch=0)
    with pytest.raises(training.CheckpointError, match="do not match its own checksum"):
        _fit(_model(), run_copy, epochs=2)


def test_every_single_byte_change_of_the_state_file_is_caught(run_copy):
    original = (run_copy / "state.json").read_bytes()
    rng = np.random.default_rng(0)
    for position in rng.choice(len(original), size=200, replace=False):
        for bit in (1, 4, 64):
            data = bytearray(original)
            data[position] ^= bit
            (run_copy / "state.json").write_bytes(bytes(data))
            try:
                state = training.read_run_state(run_copy)
            except training.CheckpointError:
                continue
            # a flip that leaves the same JSON (e.g. in indentation) is harmless
            assert state == json.loads(original), f"byte {position} bit {bit} changed the state"
    (run_copy / "state.json").write_bytes(original)


def test_malformed_values_give_a_checkpoint_error_not_a_raw_one(run_copy):
    for changes in ({"epoch": "2"}, {"history": {"loss": [1.0, 2.0]}}, {"best": {"epoch": 9}},
                    {"weights": "../../etc/passwd"}, {"format": 1}):
        path = run_copy / "state.json"
        saved = path.read_text()
        state = json.loads(saved)
        state.update(changes)
        state["state_sha256"] = run_files.state_digest(state)  # a well-formed checksum
        path.write_text(json.dumps(state))
        with pytest.raises(training.CheckpointError):
            training.read_run_state(run_copy)
        path.write_text(saved)


@pytest.mark.parametrize("callback", [keras.callbacks.EarlyStopping(patience=1),
                                      keras.callbacks.ReduceLROnPlateau(patience=1)])
def test_stateful_callbacks_are_refused_with_the_reason(tmp_path, callback):
    with pytest.raises(ValueError, match=f"callbacks: {type(callback).__name__} keeps state"):
        _fit(_model(), tmp_path / "run", epochs=2, callbacks=[callback])


def test_callbacks_that_would_lose_or_overwrite_on_resume_are_refused(tmp_path):
    best_only = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)
    with pytest.raises(ValueError, match=r"ModelCheckpoint\(save_best_only=True\) forgets its best score"):
        _fit(_model(), tmp_path / "run", epochs=2, callbacks=[best_only])
    with pytest.raises(ValueError, match=r"CSVLogger\(append=False\) empties its file"):
        _fit(_model(), tmp_path / "run", epochs=2, callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "a.csv"))])
    assert not (tmp_path / "run" / "state.json").exists(), "refused before training"
    # the resume-safe forms are accepted, and an appending log keeps every epoch across a resume
    log = tmp_path / "log.csv"
    _fit(_model(), tmp_path / "run", epochs=1, callbacks=[keras.callbacks.CSVLogger(str(log), append=True)])
    _fit(_model(), tmp_path / "run", epochs=3, callbacks=[keras.callbacks.CSVLogger(str(log), append=True),
                                                           keras.callbacks.ModelCheckpoint(str(tmp_path / "e.keras"))])
    epochs = [line.split(",")[0] for line in log.read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2"], f"the log holds each epoch once: {epochs}"


class _Killed(BaseException):
    """Stands for SIGKILL at one instant of a save: nothing after it runs."""


#: The steps of saving an epoch, in order; the test stops a run at each of them in turn.
SAVE_STEPS = ("save_weights", "savez", "atomic_write_text", "finish_backups", "finish_best")


def _stop_at(patch, step: str, epoch: int) -> None:
    """Raise ``_Killed`` at ``step`` of the save of ``epoch`` (1-based): right after the
    two backup files are written or the state is written, right before the renames."""
    saves = {"count": 0}
    real_save = keras.Model.save_weights

    def save_weights(self, *args, **kwargs):
        saves["count"] += 1
        out = real_save(self, *args, **kwargs)
        if step == "save_weights" and saves["count"] == epoch:
            raise _Killed(step)
        return out

    patch.setattr(keras.Model, "save_weights", save_weights)
    if step == "save_weights":
        return
    owner, after = {"savez": (np, True), "atomic_write_text": (training, True),
                    "finish_backups": (training, False), "finish_best": (training, False)}[step]
    real = getattr(owner, step)

    def stopped(*args, **kwargs):
        if saves["count"] == epoch and not after:
            raise _Killed(step)
        out = real(*args, **kwargs)
        if saves["count"] == epoch and after:
            raise _Killed(step)
        return out

    patch.setattr(owner, step, stopped)


@pytest.fixture(scope="module")
def three_epochs(tmp_path_factory):
    model = _model()
    run = _fit(model, tmp_path_factory.mktemp("reference") / "run", epochs=3)
    return run, model.get_weights()


@pytest.mark.parametrize("epoch", [1, 2])
@pytest.mark.parametrize("step", SAVE_STEPS)
def test_a_run_stopped_at_any_instant_of_a_save_resumes_exactly(tmp_path, monkeypatch, step, epoch, three_epochs):
    ref, reference_weights = three_epochs
    with monkeypatch.context() as patch:
        _stop_at(patch, step, epoch)
        with pytest.raises(_Killed):
            _fit(_model(), tmp_path / "run", epochs=3)
    resumed = _model()
    run = _fit(resumed, tmp_path / "run", epochs=3)  # no CheckpointError, no restart of saved epochs
    assert run.initial_epoch in (epoch - 1, epoch), f"resumed after epoch {run.initial_epoch}"
    assert run.history == ref.history
    for a, b in zip(resumed.get_weights(), reference_weights):
        np.testing.assert_array_equal(a, b)
    assert not [p.name for p in (tmp_path / "run" / "backup").iterdir() if p.name.startswith(".pending-")]


def test_a_second_process_in_the_same_run_directory_gets_a_clear_error(tmp_path):
    """Two Colab tabs, or a double-clicked cell: one trains, the other is told why not."""
    from course_lib.files import exclusive_lock

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    other = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from course_lib.files import exclusive_lock\n"
        "with exclusive_lock(sys.argv[1]):\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(60)\n"), str(run_dir / ".lock")],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert other.stdout.readline().strip() == "holding"
        with pytest.raises(training.CheckpointError, match=rf"run is in use by process {other.pid}, which is "
                                                           r"training this run .* or train into another run_dir"):
            _fit(_model(), run_dir, epochs=1)
        assert not (run_dir / "state.json").exists(), "the second one trained nothing"
    finally:
        other.kill()
        other.wait(timeout=30)
    run = _fit(_model(), run_dir, epochs=1)  # the holder is gone: training goes ahead
    assert run.initial_epoch == 0 and len(run.history["loss"]) == 1
    with exclusive_lock(run_dir / ".lock", wait=0):
        pass  # released when fit_resumable returned

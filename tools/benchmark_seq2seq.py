"""How soon does each seq2seq recipe reach lesson 07's target? A benchmark, not a test.

    .venv/bin/python tools/benchmark_seq2seq.py [--max-epochs 30]

The task is lesson 07's lesson-scale date translation (``dates.load_task("lesson")``).
The target is the level lesson 07 asserts for its encoder-decoder: exact match of at
least 0.9 on the one-date test inputs. Each recipe trains one epoch at a time and is
scored after every epoch; the script prints the epochs, optimizer steps and training
seconds it needed (seconds depend on the machine; steps do not).

Recipes:

* ``course``: ``seq2seq.SETTINGS["lesson"]`` as lesson 07 trains it: GRU encoder and
  decoder (64 units), teacher forcing, masked loss, Adam 1e-2, clipnorm 1, batch 128,
  greedy decoding.
* ``keras-io``: the recipe of the keras-io example "Sequence to sequence learning for
  performing number addition" (LSTM encoder of 128 units, ``RepeatVector`` of the output
  length, LSTM decoder of 128 units returning sequences, a softmax ``Dense`` per step,
  Adam with Keras' default rate, batch 32), fed one-hot characters as in the example,
  here one-hot tokens of the same vocabularies; its output is read as the argmax at
  every step up to ``<end>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_date_exact_match(predicted_ids, task, vocab) -> float:
    from course_lib.metrics import exact_match

    one = task.test.n_dates == 1
    hyps = vocab.decode(predicted_ids[one])
    refs = [t for t, keep in zip(task.test.target_tokens, one) if keep]
    return exact_match(hyps, refs)


def course_recipe(task, max_epochs: int):
    import keras

    from course_lib import seq2seq, translation
    from course_lib.vocabulary import Vocabulary

    tr, te, R = task.train_arrays, task.test_arrays, seq2seq.SETTINGS["lesson"]
    parts = seq2seq.build_seq2seq(len(task.source_vocab), len(task.target_vocab), embed_dim=R.embed_dim,
                                  units=R.units, seed=0, source_len=tr["source"].shape[1],
                                  target_len=tr["target_in"].shape[1])
    model = parts["model"]
    model.compile(optimizer=keras.optimizers.Adam(R.learning_rate, clipnorm=R.clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=Vocabulary.PAD_ID))
    steps_per_epoch = -(-len(tr["source"]) // R.batch_size)
    seconds = 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        model.fit([tr["source"], tr["target_in"]], tr["target_out"], batch_size=R.batch_size, epochs=1, verbose=0)
        seconds += time.perf_counter() - start
        ids, _ = translation.greedy_translate(parts["encoder"], parts["decoder"], te["source"],
                                              max_len=te["target_out"].shape[1])
        score = one_date_exact_match(ids, task, task.target_vocab)
        yield epoch, epoch * steps_per_epoch, seconds, score


def keras_io_recipe(task, max_epochs: int):
    import keras
    import numpy as np

    tr, te = task.train_arrays, task.test_arrays
    S, T = tr["source"].shape[1], tr["target_out"].shape[1]
    V_in, V_out = len(task.source_vocab), len(task.target_vocab)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((S, V_in)),
        keras.layers.LSTM(128),
        keras.layers.RepeatVector(T),
        keras.layers.LSTM(128, return_sequences=True),
        keras.layers.Dense(V_out, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    x_train = np.eye(V_in, dtype="float32")[tr["source"]]
    y_train = np.eye(V_out, dtype="float32")[tr["target_out"]]
    x_test = np.eye(V_in, dtype="float32")[te["source"]]
    steps_per_epoch = -(-len(x_train) // 32)
    seconds = 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0)
        seconds += time.perf_counter() - start
        ids = model.predict(x_test, batch_size=512, verbose=0).argmax(axis=-1)
        yield epoch, epoch * steps_per_epoch, seconds, one_date_exact_match(ids, task, task.target_vocab)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--target", type=float, default=0.9, help="exact match on one-date inputs")
    args = parser.parse_args()
    from course_lib.env import setup_notebook

    info = setup_notebook(seed=0, scale="lesson")
    from course_lib.data import dates

    task = dates.load_task("lesson", seed=0)
    print(f"{info.device}, TensorFlow {info.tensorflow}; {len(task.train)} training pairs; "
          f"target: exact match >= {args.target} on one-date test inputs")
    rows = []
    for name, recipe in (("course", course_recipe), ("keras-io", keras_io_recipe)):
        reached = None
        for epoch, steps, seconds, score in recipe(task, args.max_epochs):
            print(f"  {name:>8} epoch {epoch:2d}: {steps:6d} steps, {seconds:6.1f} s, exact match {score:.3f}",
                  flush=True)
            if score >= args.target:
                reached = (epoch, steps, seconds, score)
                break
        rows.append((name, reached))
    print("\n| recipe | epochs | steps | seconds | exact match (1 date) |\n|---|---|---|---|---|")
    for name, reached in rows:
        if reached is None:
            print(f"| {name} | not within {args.max_epochs} | | | |")
        else:
            epoch, steps, seconds, score = reached
            print(f"| {name} | {epoch} | {steps} | {seconds:.0f} | {score:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

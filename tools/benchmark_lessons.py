"""How soon does each lesson's main training reach the level its asserts require? A benchmark.

    .venv/bin/python tools/benchmark_lessons.py            # every entry
    .venv/bin/python tools/benchmark_lessons.py 06 11      # the entries of lessons 06 and 11

Each entry is one training of a lesson, at lesson scale and seed 0, with the level that
the lesson asserts (for example "test accuracy at least 0.95"). Each of its recipes trains
one epoch at a time, is scored after every epoch, and stops at the first epoch that
reaches the level or at the lesson's budget. The table gives, per recipe, the lesson's
budget, the epochs, optimizer steps and training seconds it needed (seconds depend on the
machine and its load; steps do not), and the score. "before" is the recipe a lesson used
until its training was made faster, "lesson" the one it uses now; the seq2seq entry adds
the keras-io LSTM–RepeatVector–LSTM recipe from ``tools/benchmark_seq2seq.py``.

A recipe that needs only a fraction of its budget is a candidate for a shorter one; but a
lesson's budget also has to hold on other seeds, so a change is checked on seeds 0 and 1
in the lesson itself, not here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

SEED = 0


def _train(model, x, y, *, batch_size, max_epochs, score):
    """Fit one epoch at a time, scoring after each: yields (epoch, steps, seconds, score)."""
    steps_per_epoch = -(-len(y) // batch_size)
    seconds = 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        seconds += time.perf_counter() - start
        yield epoch, epoch * steps_per_epoch, seconds, score(model)


def _compiled(model, lr, metrics=("accuracy",)):
    import keras

    from course_lib import fitting

    model.compile(keras.optimizers.Adam(lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=list(metrics))
    return fitting.build_optimizer(model)


def digits_gru():
    """06, section 4: a GRU reads the 8×8 digits row by row; asserted: test accuracy >= 0.95."""
    import keras

    from course_lib.data.digits import load_digits

    (x, y), (x_te, y_te) = load_digits(test_fraction=0.25, seed=SEED)

    def run(lr, batch_size, epochs):
        keras.utils.set_random_seed(SEED)
        model = keras.Sequential([keras.Input((8, 8)), keras.layers.GRU(64), keras.layers.Dense(10)])
        _compiled(model, lr)
        return epochs, _train(model, x, y, batch_size=batch_size, max_epochs=epochs,
                              score=lambda m: m.evaluate(x_te, y_te, verbose=0)[1])

    return 0.95, {"before": lambda: run(5e-3, 32, 40), "lesson": lambda: run(1e-2, 64, 20)}


def rising_tagger(bidirectional=True):
    """06, section 3: the GRU taggers; asserted: per-step test accuracy > 0.97 (bidirectional),
    and above the causal ceiling minus 0.05 (unidirectional: it learns what the past allows)."""
    import keras

    from course_lib import fitting
    from course_lib.data.tasks import rising_tags, rising_tags_causal_ceiling

    (x, y), (x_te, y_te) = rising_tags(6000, 20, seed=SEED), rising_tags(2000, 20, seed=SEED + 1)
    y, y_te = y[..., None], y_te[..., None]

    def run(epochs):
        keras.utils.set_random_seed(SEED)
        rnn = keras.layers.GRU(32, return_sequences=True)
        model = keras.Sequential([keras.Input((20,), dtype="int32"), keras.layers.Embedding(10, 8),
                                  keras.layers.Bidirectional(rnn) if bidirectional else rnn,
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
        fitting.build_optimizer(model)
        return epochs, _train(model, x, y, batch_size=64, max_epochs=epochs,
                              score=lambda m: m.evaluate(x_te, y_te, batch_size=1000, verbose=0)[1])

    level = 0.97 if bidirectional else rising_tags_causal_ceiling(20) - 0.05
    return level, {"before": lambda: run(6), "lesson": lambda: run(2)}


def date_translator():
    """07: the GRU encoder–decoder; asserted: exact match >= 0.9 on one-date test inputs."""
    from benchmark_seq2seq import course_recipe, keras_io_recipe

    from course_lib.data import dates

    task = dates.load_task("lesson", seed=SEED)
    return 0.9, {"lesson": lambda: (6, course_recipe(task, 6)), "keras-io": lambda: (30, keras_io_recipe(task, 30))}


def question_answerer():
    """10, section 7: the attend-and-answer model; asserted: held-out accuracy > 0.95."""
    import keras

    from course_lib import answering, fitting, vision
    from course_lib.data.scenes import make_scenes

    train, test = make_scenes(2000, image_size=32, seed=SEED), make_scenes(400, image_size=32, seed=SEED + 1000)
    cnn, _ = vision.pretrained_scene_cnn(train.images, train.labels(), width=24, epochs=5, seed=SEED)
    encoder = vision.cnn_encoder(cnn)
    g, g_te = vision.extract_features(train.images, encoder), vision.extract_features(test.images, encoder)
    q, q_te = answering.make_questions(train), answering.make_questions(test)
    vocab = answering.question_vocabulary()
    x, x_te = [g[q.image], vocab.encode(q.words)], [g_te[q_te.image], vocab.encode(q_te.words)]

    def run(epochs):
        keras.utils.set_random_seed(SEED)
        model = answering.AttendAndAnswer(vocab.size, len(answering.ANSWERS), units=32)
        model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        fitting.build_optimizer(model, [x[0][:1], x[1][:1]])
        return epochs, _train(model, x, q.answer, batch_size=64, max_epochs=epochs,
                              score=lambda m: (m.predict(x_te, batch_size=512, verbose=0).argmax(-1)
                                               == q_te.answer).mean())

    return 0.95, {"lesson": lambda: run(10)}


ENTRIES = {
    "06 digits GRU": digits_gru,
    "06 bidirectional tagger": rising_tagger,
    "06 unidirectional tagger": lambda: rising_tagger(bidirectional=False),
    "07 date translator": date_translator,
    "10 question answering": question_answerer,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all entries)")
    args = parser.parse_args()
    from course_lib.env import setup_notebook

    info = setup_notebook(seed=SEED, scale="lesson")
    print(f"{info.device}, TensorFlow {info.tensorflow}, seed {SEED}")
    table = []
    for name, make in ENTRIES.items():
        if args.lessons and name[:2] not in args.lessons:
            continue
        level, recipes = make()
        for recipe, run in recipes.items():
            budget, epochs = run()
            for epoch, steps, seconds, score in epochs:
                print(f"  {name} / {recipe}: epoch {epoch:2d}, {steps:6d} steps, {seconds:6.1f} s, "
                      f"score {score:.3f} (level {level})", flush=True)
                if score >= level:
                    break
            reached = str(epoch) if score >= level else f"not within {budget}"
            table.append((name, recipe, budget, reached, steps, seconds, score))
    print("\n| training | recipe | budget (epochs) | epochs to the level | steps | seconds | score |")
    print("|---|---|---|---|---|---|---|")
    for name, recipe, budget, reached, steps, seconds, score in table:
        print(f"| {name} | {recipe} | {budget} | {reached} | {steps} | {seconds:.1f} | {score:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

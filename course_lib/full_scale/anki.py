"""Lesson 08 at full scale: the attention seq2seq model on the Anki Spanish → English pairs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from course_lib.checks import check_positive_int, check_seed
from course_lib.full_scale.skeleton import CPU_SECONDS_PER_STEP, train_run

if TYPE_CHECKING:  # names for the annotations only: importing Keras waits for the first run
    import keras

    from course_lib.seq2seq import AttentionDecoder, Encoder
    from course_lib.training import TrainingRun
    from course_lib.vocabulary import Vocabulary

__all__ = ["TranslationRun", "anki_translation", "translation_attention"]


@dataclasses.dataclass(frozen=True)
class TranslationRun:
    """What ``anki_translation`` trained, and its translations of the N held-out sentences.

    The models are ``seq2seq.build_seq2seq``'s, holding the best epoch's weights
    (S: source ids per sentence, T: target ids, V: target vocabulary size).

    Attributes:
        model: the trained model, ``[source (batch, S), target_in (batch, T)]`` ->
            logits (batch, T, V).
        encoder: ``model``'s ``seq2seq.Encoder`` layer (the same weights).
        decoder: ``model``'s ``seq2seq.AttentionDecoder`` layer (the same weights).
        attention_model: same inputs as ``model`` -> attention weights (batch, T, S).
        reloaded: ``best.keras`` loaded with safe mode on (a copy of ``model``), or
            ``None`` when the run saved no best model.
        history: metric name (``"loss"``, ``"val_loss"``) -> one value per epoch, from epoch 1.
        bleu: corpus BLEU-4 of ``hypotheses`` against ``references``, in [0, 100].
        hypotheses: N greedy translations, words joined by spaces.
        references: N reference translations, words joined by spaces.
        sources: N source sentences, each a list of its words.
        x_test: (N, S) int source ids of the held-out sentences, padded with ``PAD_ID``.
        source_vocab: the source ``Vocabulary`` (built from the training pairs).
        target_vocab: the target ``Vocabulary`` (built from the training pairs).
        run: the ``training.TrainingRun`` (``run.initial_epoch > 0``: a resumed run).
    """

    model: keras.Model
    encoder: Encoder
    decoder: AttentionDecoder
    attention_model: keras.Model
    reloaded: keras.Model | None
    history: dict[str, list[float]]
    bleu: float
    hypotheses: list[str]
    references: list[str]
    sources: list[list[str]]
    x_test: np.ndarray
    source_vocab: Vocabulary
    target_vocab: Vocabulary
    run: TrainingRun


def anki_translation(path, *, epochs: int = 10, seed: int = 0, limit: int | None = 60_000,
                     max_words: int = 20, embed_dim: int = 128, units: int = 256, sha256: str | None = None,
                     run_root=None) -> TranslationRun:
    """Lesson 08 at full scale: the attention seq2seq model on Spanish -> English pairs.

    The pairs are shuffled; the first 90 % train (their first 5 % validate) and the last
    10 % are held out for BLEU. The run is ``runs/08_anki``.

    Args:
        path: the Anki file (``course_lib.data.anki.locate_anki`` finds or downloads it).
        epochs: total epochs of the run.
        seed: the shuffle of the pairs, the model's initial weights and each epoch's order.
        limit: the first ``limit`` pairs (the file is sorted short to long), or ``None`` for all.
        max_words: words kept per sentence (longer sentences are cut).
        embed_dim: the embeddings' width (``seq2seq.build_seq2seq``).
        units: the encoder's and decoder's recurrent units.
        sha256: the file's expected SHA-256 (hex), or ``None`` not to check it.
        run_root: folder of the run directories; ``None``: ``runs/`` in the data cache.

    Returns:
        a ``TranslationRun``: the models with the best epoch's weights, and their greedy
        translations of the held-out 10 % with its corpus BLEU-4 (``metrics.bleu_scores``).
    """
    import keras

    from course_lib import metrics, seq2seq, translation
    from course_lib.data import anki as anki_data
    from course_lib.vocabulary import Vocabulary

    epochs = check_positive_int(epochs, "epochs")
    pairs = anki_data.load_anki(path, sha256=sha256, limit=limit)
    order = np.random.default_rng(check_seed(seed)).permutation(len(pairs))
    src_tok = [anki_data.tokenize_sentence(pairs[i].other)[:max_words] for i in order]
    tgt_tok = [anki_data.tokenize_sentence(pairs[i].english)[:max_words] for i in order]
    split = max(1, int(0.9 * len(order)))
    # words seen only in the held-out 10 % become [UNK] (the default unknown="unk")
    src_vocab = Vocabulary(t for s in src_tok[:split] for t in s)
    tgt_vocab = Vocabulary(t for s in tgt_tok[:split] for t in s)
    x = src_vocab.encode(src_tok)
    y_in, y_out = tgt_vocab.teacher_forcing_pairs(tgt_tok)
    parts = seq2seq.build_seq2seq(len(src_vocab), len(tgt_vocab), embed_dim=embed_dim, units=units,
                                  attention=True, seed=seed)
    parts["model"].compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                           ignore_class=tgt_vocab.pad_id))
    n_val = max(1, split // 20)
    run, reloaded = train_run(parts["model"], [x[n_val:split], y_in[n_val:split]], y_out[n_val:split],
                              name="08_anki", epochs=epochs, batch_size=128, seed=seed,
                              validation_data=([x[:n_val], y_in[:n_val]], y_out[:n_val]), warn_as="Anki",
                              cpu_seconds_per_step=CPU_SECONDS_PER_STEP["anki"], run_root=run_root)
    if reloaded is not None:  # the best epoch's weights, from best.keras (safe mode)
        parts["model"].set_weights(reloaded.get_weights())
    ids, _ = translation.greedy_translate(parts["encoder"], parts["decoder"], x[split:], max_len=max_words + 2)
    hyps = [" ".join(t) for t in tgt_vocab.decode(ids)]
    refs = [" ".join(t) for t in tgt_tok[split:]]
    bleu = metrics.bleu_scores(hyps, [[r] for r in refs])[4]
    return TranslationRun(model=parts["model"], encoder=parts["encoder"], decoder=parts["decoder"],
                          attention_model=parts["attention_model"], reloaded=reloaded, history=run.history,
                          bleu=bleu, hypotheses=hyps, references=refs, sources=src_tok[split:], x_test=x[split:],
                          source_vocab=src_vocab, target_vocab=tgt_vocab, run=run)


def translation_attention(result: TranslationRun, index: int):
    """Where the Anki model looked while writing its own translation of test sentence ``index``.

    Args:
        result: the ``TranslationRun`` that ``anki_translation`` returned.
        index: a held-out sentence, in [0, ``len(result.sources)``).

    Returns:
        ``(weights, source_tokens, output_tokens)``: weights (T, S) of the model
        teacher-forced on its own greedy output (row t produced output token t); S source
        tokens; T output tokens, the last one ``"<end>"``.
    """
    if not isinstance(result, TranslationRun):
        raise TypeError(f"result: expected the TranslationRun of anki_translation, got {type(result).__name__}")
    n = len(result.sources)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ValueError(f"index: expected an int in [0, {n}), got {index!r}")
    source = result.sources[index]
    words = result.hypotheses[index].split()
    target_in = result.target_vocab.encode([words], start=True)
    x = result.x_test[index : index + 1]
    weights = np.asarray(result.attention_model.predict([x, target_in], verbose=0))[0]
    return weights[: len(words) + 1, : len(source)], source, [*words, "<end>"]

# %% [markdown]
# # 00 · Setup and a tour of the course
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/seqmodels-course/sequence-models-keras/blob/main/notebooks/00_setup_and_tour.ipynb)
#
# **Goals.** Check that your environment works, learn how every lesson is run (on a laptop
# CPU or in Colab, at *lesson* or *full* scale), see the map of the course, and meet its
# vocabulary in English and Korean.
#
# **Covers:** the course's setup; every seed topic appears in the map below.

# %% tags=["parameters"]
SCALE = "lesson"  # "lesson": small, offline, about a minute on a CPU. "full": real datasets, use a GPU.
SEED = 0

# %%
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install course_lib; TensorFlow is already there
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "course-lib @ git+https://github.com/seqmodels-course/sequence-models-keras@main"], check=True)

from course_lib.env import setup_notebook

info = setup_notebook(seed=SEED, scale=SCALE)
SCALE = info.scale
print(info)

# %% [markdown]
# ## 1. How every lesson is run
#
# Each notebook starts with the same three cells:
#
# 1. a **title** with an *Open in Colab* badge;
# 2. a **parameters cell** — `SCALE = "lesson"` runs a small version of the lesson that
#    needs no network and finishes in about a minute on a laptop CPU; `SCALE = "full"`
#    trains on the real datasets (downloaded once, checked against a pinned SHA-256 and
#    cached) and wants a GPU. The environment variable `COURSE_SCALE` overrides the cell;
# 3. a **setup cell** — on Colab it installs `course_lib` (the small library shared by the
#    lessons) without touching Colab's TensorFlow; everywhere it calls `setup_notebook`,
#    which silences TensorFlow's start-up chatter, seeds Python, NumPy and TensorFlow,
#    asks for deterministic kernels (except at full scale on a GPU, where they cost
#    speed; `deterministic=True` asks for them anyway), and sets the plotting style.
#
# | where | how |
# |---|---|
# | laptop | `make lab` once (creates `.venv`, opens JupyterLab), then *Run → Run All Cells* |
# | Colab | click the badge (the notebook asks for a GPU runtime; check *Runtime → Change runtime type*), set `SCALE = "full"`, *Run all* |
# | instructor | `make test` runs the unit tests and executes every notebook; green = every lesson still shows its point |
#
# What a lesson demonstrates with its own numbers is checked by an `assert` in the
# notebook, with a margin, so if a lesson stops demonstrating what it says, its test
# fails.

# %% [markdown]
# ## 2. Your environment

# %%
import keras
import numpy as np
import tensorflow as tf

from course_lib import fitting
from course_lib.data import download
from course_lib.env import get_strategy

print("Keras backend:", keras.backend.backend())
print("strategy     :", type(get_strategy()).__name__, "with", get_strategy().num_replicas_in_sync, "replica(s)")
print("data cache   :", download.cache_dir(), "(full-scale downloads go here; set COURSE_DATA_DIR to move it)")
assert keras.__version__.startswith("3."), f"the course needs Keras 3: got Keras {keras.__version__}"
assert keras.backend.backend() == "tensorflow", f"the course runs on the TensorFlow backend: got {keras.backend.backend()!r}"
assert tuple(int(v) for v in tf.__version__.split(".")[:2]) >= (2, 16), f"TensorFlow 2.16 or newer: got {tf.__version__}"

# %% [markdown]
# ## 3. A ten-second sanity fit
#
# A first recurrent network, to prove the whole stack trains. The task: read a sequence of
# 20 random bits and output the fraction of them that are ones (the count divided by 20, so
# the target is on the scale of the network's outputs). A dense layer looking at one step
# could not do it; the RNN has to carry a running count in its hidden state. The baseline
# to beat is always predicting the average, whose mean squared error is the variance of
# the fraction, ¼ / 20 = 0.0125.
#
# One line after `compile` is there for speed: `fitting.build_optimizer(counter)` creates
# Adam's variables (two moments per weight) before training. Left to itself, Keras creates
# them while it traces the first training step into a TensorFlow graph, and TensorFlow then
# traces the whole step a second time, now without creating variables. For the recurrent
# models of later lessons one trace takes seconds, so every lesson builds the optimizer
# first; the training itself is the same.

# %%
rng = np.random.default_rng(SEED)
T = 20
bits = rng.integers(0, 2, size=(4096, T, 1)).astype("float32")  # x: (batch, time, features)
fraction = bits.mean(axis=(1, 2))  # y: (batch,)

counter = keras.Sequential(
    [keras.Input((T, 1)), keras.layers.SimpleRNN(16), keras.layers.Dense(1)], name="bit_counter"
)
counter.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
fitting.build_optimizer(counter)  # Adam's variables now, so fit traces its training step once
history = counter.fit(bits[:3584], fraction[:3584], epochs=6, batch_size=64, verbose=0)

test_mse = counter.evaluate(bits[3584:], fraction[3584:], verbose=0)
baseline_mse = float(np.var(fraction[3584:]))
print(f"baseline MSE (predict the mean) {baseline_mse:.4f}   RNN test MSE {test_mse:.5f}")
example = "11010011101100000111"
x_example = np.array([[[int(c)] for c in example]], "float32")  # (1, 20, 1)
predicted = float(counter.predict(x_example, verbose=0)[0, 0])
print(f"{example}: {example.count('1')} ones, the RNN says {predicted * T:.2f}")
assert test_mse < 0.05 * baseline_mse, (
    f"the RNN should learn to count far better than the mean (MSE < 0.05 x baseline {baseline_mse:.4f}): got {test_mse:.5f}"
)

# %% [markdown]
# ## 4. The course map
#
# | # | lesson | what you will see working | seed topic |
# |---|---|---|---|
# | 00 | setup and tour | this notebook | — |
# | 01 | sequence tasks | one-to-one, one-to-many, many-to-one, many-to-many (aligned and seq2seq); padding and masking | sequence types (CS231n L10, week-4 note) |
# | 02 | RNN from scratch | Elman RNN in NumPy, weight sharing, backpropagation through time, gradient check, parity with `SimpleRNN` | RNN equations, BPTT |
# | 03 | character language model | the "hello" model, embeddings, a NumPy char-RNN, truncated BPTT, sampling with temperature, bits per character, a hidden unit that tracks code structure | min-char-rnn, interpretable cells |
# | 04 | gradient flow | ‖∂h_T/∂h_t‖ vs. distance, singular values of W_hh, tanh/sigmoid derivatives, exploding gradients and clipping | vanishing / exploding gradients |
# | 05 | LSTM and GRU | cells from scratch with parity to Keras, gates over time, parameter counts, time per update and training memory per step, the adding and recall tasks vs. length | LSTM, GRU, peepholes |
# | 06 | deep and bidirectional | stacked RNNs, their state shapes and their memory per layer, what depth buys a narrow stack against one wider layer, bidirectional tagging (also with only the bottom layer bidirectional), why a language model cannot be bidirectional, digits read row by row, sunspot forecasting | multi-layer and bidirectional RNNs |
# | 07 | seq2seq | encoder–decoder translation of dates between languages, teacher forcing, greedy and beam search, the bottleneck, teacher forcing vs free running and scheduled sampling | sequence-to-sequence |
# | 08 | attention | Bahdanau attention from scratch, alignment heatmaps checked against the truth, quality vs. length | attention in seq2seq |
# | 09 | image captioning | CNN features + RNN decoder, `<start>`/`<end>`, beam search, BLEU, failure cases | captioning |
# | 10 | attention captioning | Show, Attend and Tell: where the decoder looks, scored against object masks; a question as the query of the attention (visual question answering) | spatial attention |
# | 11 | transfer learning | feature extraction vs. fine-tuning vs. scratch as the target data shrinks; the learning rate and a head start for fine-tuning; better source models transfer better; augmentation before feature extraction; BatchNorm in inference mode | transfer learning |
# | 12 | training recipe | initial loss, overfitting a batch, LR range test, random vs. grid search, dropout on a linear scale, training longer, learning-curve diagnosis, ensembles, snapshots, EMA | the training recipe |
# | 13 | RNNs beyond sequences | classifying a cluttered digit from a few glimpses an RNN places, DRAW's read/write window, an RNN that draws a digit step by step | RNNs on non-sequential data |
# | 14 | searching for a better cell | a space of cell update rules, dozens of rules trained side by side, the forget-gate bias, whether any beats the GRU | search over RNN architectures |
#
# Data at lesson scale is either generated by `course_lib` (with known ground truth, e.g.
# the true word alignment between two languages, or the pixel mask of every object in a
# scene) or real data that installed packages already ship: scikit-learn's handwritten
# digits, statsmodels' sunspot series, the English documentation bundled with Python,
# the standard library's source code, and the CLDR calendar data in `babel`.

# %% [markdown]
# ## 5. Glossary · 용어집
#
# | English | 한국어 | in one line |
# |---|---|---|
# | sequence | 시퀀스 | ordered inputs `x_1 … x_T`; a batch of them has shape `(batch, time, features)` |
# | recurrent neural network (RNN) | 순환 신경망 | applies the same cell at every step, feeding its state back in |
# | hidden state | 은닉 상태 | the vector `h_t` the RNN carries from step to step |
# | weight sharing | 가중치 공유 | the same `W_xh`, `W_hh` at every time step |
# | backpropagation through time (BPTT) | 시간 역전파 | backprop through the unrolled graph; shared weights sum their gradients |
# | truncated BPTT | 잘린 시간 역전파 | carry the state forward, but backprop only within chunks |
# | vanishing / exploding gradient | 기울기 소실 / 폭발 | gradients shrink or grow geometrically with distance in time |
# | gradient clipping | 기울기 클리핑 | rescale the gradient when its norm exceeds a threshold |
# | long short-term memory (LSTM) | 장단기 메모리 | an RNN with a cell state updated additively through gates |
# | cell state | 셀 상태 | the LSTM's memory `c_t`, the "gradient highway" |
# | forget / input / output gate | 망각 / 입력 / 출력 게이트 | sigmoids deciding what to erase, write and reveal |
# | gated recurrent unit (GRU) | 게이트 순환 유닛 | update and reset gates, no separate cell state |
# | bidirectional RNN | 양방향 RNN | one RNN reads forward, another backward; outputs concatenated |
# | embedding | 임베딩 | a learned vector per token; a lookup equals one-hot × matrix |
# | language model | 언어 모델 | predicts the next token from the ones before |
# | temperature | 온도 | divides logits before softmax: low → greedy, high → random |
# | perplexity / bits per character | 퍼플렉서티 / 문자당 비트 | `exp` / `log2` of the average cross-entropy |
# | encoder / decoder | 인코더 / 디코더 | reads the input / writes the output sequence |
# | context vector | 컨텍스트 벡터 | the summary of the input the decoder conditions on |
# | teacher forcing | 교사 강요 | feed the true previous token to the decoder while training |
# | beam search | 빔 서치 | keep the k most probable partial outputs at each step |
# | attention | 어텐션 | a new weighted average of encoder states at every decoder step |
# | alignment score | 배정 점수 | `e_{t,i}`: how well decoder step t matches input position i |
# | transfer learning | 전이 학습 | reuse a network trained on a large task for a new one |
# | fine-tuning | 미세 조정 | continue training the reused network with a small learning rate |
# | ensemble | 앙상블 | average the predictions of several models |

# %% [markdown]
# ## Summary
#
# - Every lesson runs at `SCALE = "lesson"` offline in about a minute, or at `"full"` on
#   Colab with the real datasets.
# - `setup_notebook` makes runs repeatable: the same seed gives the same numbers on the
#   same machine.
# - A small `SimpleRNN` learned to count — the stack trains, and you have seen the first
#   use of a hidden state as memory.
#
# ## Exercises
#
# 1. Change `T` to 100 in the sanity fit. Does the `SimpleRNN` still count? Keep the
#    answer in mind for lesson 04.
# 2. Replace `SimpleRNN(16)` by `Dense(16)` applied to `bits[:, -1]`. What is the best
#    test MSE it can reach, and why?
# 3. Stop JupyterLab, start it again from the repository root with
#    `COURSE_SCALE=full make lab` (or `COURSE_SCALE=full .venv/bin/jupyter lab`), rerun
#    this notebook's setup cell and check that `info.scale` is now `"full"` although the
#    parameters cell still says `"lesson"`.

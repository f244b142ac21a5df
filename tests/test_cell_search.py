"""The rule template, one rule as a Keras cell, the bank of many cells and the search trainer."""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

from course_lib import cell_bank, cell_rules, cell_search, plots

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RNG = np.random.default_rng(0)


def _rules(n_random: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    classic = [cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA]
    return classic + [cell_rules.random_rule(rng) for _ in range(n_random)]


def _x(n=3, t=5, d=2):
    return RNG.normal(size=(n, t, d)).astype("float32")


# -- the template ----------------------------------------------------------------------------

def test_a_rule_refuses_an_option_its_slot_does_not_have():
    with pytest.raises(ValueError, match="act_1"):
        cell_rules.Rule(act_1="softplus")
    with pytest.raises(ValueError, match="reset_2"):
        cell_rules.Rule(reset_2=1)  # the int 1 is not the bool True


def test_choices_round_trip_and_the_three_classic_cells_are_canonical():
    for rule in (cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA):
        assert cell_rules.Rule(**rule.choices()) == rule
        assert rule.canonical() == rule
    assert cell_rules.LSTM.used_inputs() == [1, 2, 3, 4] and cell_rules.VANILLA.used_inputs() == [1]


def test_canonical_forgets_the_slots_a_rule_does_not_read():
    unread = cell_rules.Rule(act_1="tanh", act_3="relu", reset_4=True, comb_c="mul", carry="separate")
    assert unread.canonical() == cell_rules.VANILLA
    assert "a3" not in unread.equations() and "r =" not in unread.equations()


def test_mutants_compute_something_else_and_random_rules_are_canonical():
    rng = np.random.default_rng(1)
    for parent in (cell_rules.LSTM, cell_rules.GRU, cell_rules.VANILLA):
        for _ in range(20):
            child = cell_rules.mutate(parent, rng)
            assert child != parent.canonical() and child == child.canonical()
    for _ in range(20):
        two = cell_rules.mutate(cell_rules.LSTM, rng, n_changes=2)
        assert two != cell_rules.LSTM and two == two.canonical(), "two changes never undo each other"
    drawn = {cell_rules.random_rule(rng) for _ in range(50)}
    assert all(r == r.canonical() for r in drawn) and len(drawn) > 40


@pytest.mark.parametrize("bad, error", [(dict(rule="LSTM"), TypeError), (dict(rng=0), TypeError),
                                        (dict(n_changes=0), ValueError)])
def test_mutate_rejects_bad_arguments(bad, error):
    kwargs = dict(rule=cell_rules.GRU, rng=np.random.default_rng(0), n_changes=1) | bad
    with pytest.raises(error, match=next(iter(bad))):
        cell_rules.mutate(**kwargs)


# -- one rule as a Keras cell ----------------------------------------------------------------

@pytest.mark.parametrize("layer", [lambda: keras.layers.LSTM(4, bias_initializer="random_normal"),
                                   lambda: keras.layers.GRU(4, reset_after=False, bias_initializer="random_normal")],
                         ids=["lstm", "gru"])
def test_rule_cell_matches_keras_with_copied_weights(layer):
    layer = layer()
    x = _x(d=3)
    expected = layer(x).numpy()
    rule, weights = cell_rules.weights_from_keras(layer)
    cell = cell_rules.RuleCell(rule, 4)
    cell.build((None, 3))
    cell.set_weights(weights)
    np.testing.assert_allclose(keras.layers.RNN(cell)(x).numpy(), expected, atol=1e-5)


def test_weights_from_keras_refuses_layers_outside_the_template():
    for layer in (keras.layers.SimpleRNN(3), keras.layers.GRU(3)):  # GRU(reset_after=True) is not in it
        layer.build((None, 4, 2))
        with pytest.raises(TypeError, match="layer"):
            cell_rules.weights_from_keras(layer)
    for layer in (keras.layers.LSTM(3, activation="relu"), keras.layers.GRU(3, reset_after=False, use_bias=False)):
        layer.build((None, 4, 2))
        with pytest.raises(ValueError, match="layer"):
            cell_rules.weights_from_keras(layer)
    with pytest.raises(TypeError, match="layer"):
        cell_rules.weights_from_keras(keras.layers.LSTM(3))  # not built


def test_rule_cell_config_round_trip_and_safe_mode_reload(tmp_path):
    rule = cell_rules.mutate(cell_rules.LSTM, np.random.default_rng(3))
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, keras.layers.RNN(cell_rules.RuleCell(rule, 3, bias=(0, 0, 1, 0)))(inputs))
    clone = cell_rules.RuleCell.from_config(model.layers[1].cell.get_config())
    assert clone.rule == rule and clone.units == 3 and list(clone.bias) == [0, 0, 1, 0]
    model.save(tmp_path / "m.keras")
    back = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = _x()
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_the_lstm_rule_starts_its_forget_gate_at_the_given_bias():
    cell = cell_rules.RuleCell(cell_rules.LSTM, 2, bias=(0, 0, 1, 0))
    cell.build((None, 3))
    np.testing.assert_array_equal(cell.b.numpy(), [0, 0, 0, 0, 1, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("kwargs, match", [(dict(rule="gru"), "rule"), (dict(units=0), "units"),
                                           (dict(bias=(0, 1)), "bias"), (dict(bias=(0, 0, np.nan, 0)), "bias")])
def test_rule_cell_rejects_bad_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        cell_rules.RuleCell(**(dict(rule=cell_rules.GRU, units=3) | kwargs))


def test_rule_step_checks_its_tensors():
    h = tf.zeros((2, 3))
    with pytest.raises(ValueError, match="x_proj"):
        cell_rules.rule_step(cell_rules.GRU, tf.zeros((2, 14)), h, h, tf.zeros((3, 15)))
    with pytest.raises(TypeError, match="rule"):
        cell_rules.rule_step(None, tf.zeros((2, 15)), h, h, tf.zeros((3, 15)))


def test_a_diverging_rule_stays_finite():
    explode = cell_rules.Rule(act_1="relu", act_2="relu", comb_A="mul", memory="plain", comb_c="add",
                              act_c="identity", carry="separate")
    cell = cell_rules.RuleCell(explode, 3)
    cell.build((None, 2))
    cell.set_weights([w * 0 + 3 for w in cell.get_weights()])
    out = keras.layers.RNN(cell)(np.ones((1, 40, 2), "float32")).numpy()
    assert np.isfinite(out).all() and np.abs(out).max() == cell_rules.STATE_CLIP, "the clip was reached"


# -- the bank --------------------------------------------------------------------------------

@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "looped"])
def test_each_cell_of_a_bank_computes_what_its_rule_cell_computes(unroll):
    rules = _rules(12) + [cell_rules.mutate(cell_rules.LSTM, np.random.default_rng(s)) for s in range(6)]
    bank = cell_bank.CellBank(rules, 3, 2, bias=RNG.normal(size=(len(rules), 4)), unroll=unroll)
    x = _x(t=6, d=4)
    bank.build((None, 6, 4))
    bank.b.assign(RNG.normal(size=bank.b.shape).astype("float32"))  # reset-gate biases too
    out = bank(x).numpy()
    assert out.shape == (3, len(rules), 2)
    for k in range(len(rules)):
        cell, (V, c) = cell_bank.export_cell(bank, k)
        alone = keras.layers.RNN(cell)(x).numpy() @ V + c
        np.testing.assert_allclose(alone, out[:, k], rtol=1e-5, atol=1e-5, err_msg=rules[k].equations())


def test_each_cell_of_a_bank_starts_as_a_lone_rule_cell_would():
    keras.utils.set_random_seed(0)
    bank = cell_bank.CellBank(_rules(29), 8, 3)
    bank.build((None, 4, 6))
    lone = cell_rules.RuleCell(cell_rules.GRU, 8)
    lone.build((None, 6))
    W, U, V = bank.W.numpy(), bank.U.numpy(), bank.V.numpy()
    np.testing.assert_allclose(W.std(axis=(1, 2)).mean(), lone.W.numpy().std(), rtol=0.15)
    assert np.abs(W).max() <= np.sqrt(6 / (6 + 40)) and np.abs(V).max() <= np.sqrt(6 / (8 + 3))
    for k in (0, 17, 31):  # orthogonal rows within each cell, as RuleCell's U
        np.testing.assert_allclose(U[k] @ U[k].T, np.eye(8), atol=1e-5)
    assert not np.allclose(W[0], W[1]), "every cell draws its own weights"


def test_rule_coefficients_pick_one_option_per_slot():
    coef = cell_bank.rule_coefficients([cell_rules.LSTM, cell_rules.GRU], 2)
    assert coef["act"].shape == (4, 2, 1, 8) and coef["reset"].shape == (2, 1, 8)
    np.testing.assert_array_equal(coef["act"].sum(0), 1.0)
    for slot in ("comb_A", "memory", "comb_c", "act_c", "comb_h", "carry"):
        np.testing.assert_array_equal(coef[slot].sum(0), 1.0)
    np.testing.assert_array_equal(coef["reset"][1, 0], [0, 0, 1, 1, 0, 0, 0, 0])  # the GRU resets a2 only


def test_the_summed_loss_gives_each_cell_the_gradient_of_its_own_loss():
    bank = cell_bank.CellBank(_rules(3), 4, 1)
    x, y = _x(n=8), RNG.random((8, 1)).astype("float32")
    bank.build((None, 5, 2))
    with tf.GradientTape(persistent=True) as tape:
        losses = cell_bank.per_cell_mse(y, bank(x))
        total, first = tf.reduce_sum(losses), losses[1]
    for var in bank.trainable_variables:
        g_total, g_first = tape.gradient(total, var).numpy(), tape.gradient(first, var).numpy()
        np.testing.assert_allclose(g_total[1], g_first[1], rtol=1e-5, atol=1e-7)
        assert np.abs(np.delete(g_first, 1, axis=0)).max() == 0, "cell 1's loss reaches no other cell"


def test_per_cell_losses_have_one_value_per_cell():
    pred = tf.constant(RNG.normal(size=(4, 3, 5)), "float32")
    labels = np.array([0, 1, 4, 2])
    ce = cell_bank.per_cell_crossentropy(labels, pred).numpy()
    expected = [keras.losses.sparse_categorical_crossentropy(labels, pred[:, k], from_logits=True).numpy().mean()
                for k in range(3)]
    np.testing.assert_allclose(ce, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="y_true"):
        cell_bank.per_cell_mse(np.zeros((3, 5), "float32"), pred)


def test_bank_and_export_reject_bad_arguments():
    with pytest.raises(TypeError, match="rules"):
        cell_bank.CellBank(["lstm"], 2, 1)
    with pytest.raises(ValueError, match="rules"):
        cell_bank.CellBank([], 2, 1)
    with pytest.raises(ValueError, match="bias"):
        cell_bank.CellBank(_rules(0), 2, 1, bias=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="inputs"):
        cell_bank.CellBank(_rules(0), 2, 1).build((None, None, 2))
    bank = cell_bank.CellBank(_rules(0), 2, 1)
    with pytest.raises(TypeError, match="bank"):
        cell_bank.export_cell(bank, 0)  # not built
    bank.build((None, 4, 2))
    with pytest.raises(ValueError, match="k"):
        cell_bank.export_cell(bank, 3)
    with pytest.raises(ValueError, match="inputs"):
        bank(_x(d=3))
    with pytest.raises(TypeError, match="coef"):
        cell_bank._bank_step({}, tf.zeros((3, 2, 10)), tf.zeros((3, 2, 2)), tf.zeros((3, 2, 2)), tf.zeros((3, 2, 10)))


def test_a_bank_saves_and_reloads_in_safe_mode(tmp_path):
    inputs = keras.Input((4, 2))
    model = keras.Model(inputs, cell_bank.CellBank(_rules(2), 3, 1, bias=(0, 0, 1, 0))(inputs))
    model.save(tmp_path / "bank.keras")
    back = keras.saving.load_model(tmp_path / "bank.keras", safe_mode=True)
    x = _x(t=4)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


# -- the search ------------------------------------------------------------------------------

def test_search_tasks_have_the_shapes_and_chance_levels_of_their_tasks():
    adding = cell_search.search_task("adding", 6, 10, 4, seed=1)
    assert adding.x.shape == (10, 6, 2) and adding.y.shape == (10, 1) and adding.x_val.shape == (4, 6, 2)
    assert not adding.higher_is_better and adding.chance == pytest.approx(1 / 6)
    recall = cell_search.search_task("recall", 6, 10, 4, num_symbols=5)
    assert recall.x.shape == (10, 6, 10) and recall.outputs == 5 and recall.chance == pytest.approx(0.2)
    np.testing.assert_array_equal(recall.x.sum(-1), 1.0)
    assert not np.array_equal(adding.x[:4], adding.x_val), "validation data come from another seed"
    with pytest.raises(ValueError, match="name"):
        cell_search.search_task("copy", 6, 10)


def test_training_lowers_a_gru_loss_and_is_deterministic():
    task = cell_search.search_task("adding", 6, 256, 64, seed=0)
    runs = [cell_search.evaluate_rules([cell_rules.GRU, cell_rules.VANILLA], task, units=4, steps=60,
                                       batch_size=16, seed=3) for _ in range(2)]
    assert runs[0].losses.shape == (60, 2)
    early, late = runs[0].losses[:10].mean(0), runs[0].losses[-10:].mean(0)
    assert late[0] < 0.8 * early[0], "the GRU cell learns"
    np.testing.assert_array_equal(runs[0].scores, runs[1].scores)


def test_train_bank_reports_progress_and_rejects_bad_arguments(capsys):
    task = cell_search.search_task("recall", 4, 32, 8)
    bank = cell_bank.CellBank(_rules(0), 2, task.outputs)
    cell_search.train_bank(bank, task, steps=4, batch_size=8, report_every=2)
    assert capsys.readouterr().out.count("recall: step") == 2
    with pytest.raises(ValueError, match="bank"):
        cell_search.train_bank(cell_bank.CellBank(_rules(0), 2, 3), task, steps=1)
    with pytest.raises(TypeError, match="task"):
        cell_search.train_bank(bank, "recall", steps=1)
    with pytest.raises(ValueError, match="learning_rate"):
        cell_search.train_bank(bank, task, steps=1, learning_rate=-1.0)


def test_a_cell_with_non_finite_outputs_gets_the_worst_score():
    task = cell_search.search_task("adding", 4, 8, 8)
    bank = cell_bank.CellBank(_rules(0), 2, 1)
    bank.build((None, 4, 2))
    V = bank.V.numpy()
    V[1] = np.nan
    bank.V.assign(V)
    scores = cell_search._score_bank(bank, task)
    assert np.isinf(scores[1]) and np.isfinite(scores[[0, 2]]).all()
    assert not cell_search.learned(task, scores)[1]


def test_learned_uses_the_chance_level_of_the_task():
    adding, recall = cell_search.search_task("adding", 4, 2, 2), cell_search.search_task("recall", 4, 2, 2)
    np.testing.assert_array_equal(cell_search.learned(adding, [0.01, 0.16, np.inf]), [True, False, False])
    np.testing.assert_array_equal(cell_search.learned(recall, [0.2, 0.3, 1.0]), [False, False, True])
    with pytest.raises(ValueError, match="scores"):
        cell_search.learned(adding, [np.nan])


def test_the_roster_holds_copies_mutants_and_distinct_random_rules():
    roster = cell_search.search_roster(2, 6, 5, seed=4)
    assert len(roster.rules) == 2 * 4 + 6 + 5 == len(roster.names) == len(roster.kinds) == len(roster.bias)
    assert list(roster.where("GRU")) == [2, 6] and roster.bias[1, 2] == 1 and roster.bias[0].sum() == 0
    candidates = roster.rules[8:]
    assert len(set(candidates)) == len(candidates) and not set(candidates) & {cell_rules.LSTM, cell_rules.GRU}
    assert roster.kinds.count("mutant") == 6 and roster.names[-1] == "random 5"
    assert roster.parents[8:11] == ["LSTM", "GRU", "LSTM"] and roster.parents[0] is None and roster.parents[-1] is None
    with pytest.raises(ValueError, match="name_or_kind"):
        roster.where("transformer")


def test_plot_search_scores_draws_a_dot_per_cell_and_checks_lengths():
    roster = cell_search.search_roster(1, 2, 2)
    ax = plots.plot_search_scores(np.linspace(0.1, 1, 8), roster.kinds, roster.names, chance=0.2)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 8
    plt.close("all")
    with pytest.raises(ValueError, match="kinds"):
        plots.plot_search_scores(np.ones(8), roster.kinds[:3], roster.names)

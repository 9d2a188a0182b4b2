"""Chapter 04 checkers accept correct solutions and name the classic mistakes."""

import numpy as np
import pytest
import torch
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex
from course_utils.exercises import ch04 as ex_ch04
from course_utils.layers import gru, lstm, rnn


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ---- student-style LSTM steps ---------------------------------------------------------------------


def make_lstm_step(*, act_f=sigmoid, act_i=sigmoid, act_g=np.tanh, act_o=sigmoid, forget=True, swap_if=False,
                   out="tanh_c", order="hc"):
    def lstm_step(x, h_prev, c_prev, p):
        f = act_f(x @ p["W_xf"] + h_prev @ p["W_hf"] + p["b_f"])
        i = act_i(x @ p["W_xi"] + h_prev @ p["W_hi"] + p["b_i"])
        g = act_g(x @ p["W_xg"] + h_prev @ p["W_hg"] + p["b_g"])
        o = act_o(x @ p["W_xo"] + h_prev @ p["W_ho"] + p["b_o"])
        if swap_if:
            f, i = i, f
        c = f * c_prev + i * g if forget else c_prev + i * g
        if out == "tanh_c":
            h = o * np.tanh(c)
        elif out == "c":
            h = o * c
        else:
            h = o * np.tanh(c_prev)
        return (h, c) if order == "hc" else (c, h)

    return lstm_step


def good_lstm_stacked(x, h_prev, c_prev, p):
    """Another correct way: stack the four gates into one product."""
    W = np.concatenate([np.concatenate([p[f"W_x{k}"], p[f"W_h{k}"]]) for k in "figo"], axis=1)
    b = np.concatenate([p[f"b_{k}"] for k in "figo"])
    f, i, g, o = np.split(np.concatenate([x, h_prev], axis=1) @ W + b, 4, axis=1)
    c = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
    return [sigmoid(o) * np.tanh(c), c]  # a list is fine too


# ---- student-style GRU steps (textbook form) --------------------------------------------------------


def make_gru_step(*, act_z=sigmoid, act_r=sigmoid, torch_z=False, reset="before"):
    def gru_step(x, h_prev, p):
        z = act_z(x @ p["W_xz"] + h_prev @ p["W_hz"] + p["b_z"])
        r = act_r(x @ p["W_xr"] + h_prev @ p["W_hr"] + p["b_r"])
        if reset == "before":
            hg = (r * h_prev) @ p["W_hg"]
        elif reset == "after":
            hg = r * (h_prev @ p["W_hg"])
        else:
            hg = h_prev @ p["W_hg"]
        g = np.tanh(x @ p["W_xg"] + hg + p["b_g"])
        return z * h_prev + (1 - z) * g if torch_z else (1 - z) * h_prev + z * g

    return gru_step


# ---- student-style parameter counts -----------------------------------------------------------------


def good_count(cell, D, H):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    return gates * (D * H + H * H + H)


def good_count_numpy(cell, D, H):
    shapes = [(D, H), (H, H), (H,)]
    return np.prod([1, 4, 3][["rnn", "lstm", "gru"].index(cell)]) * sum(int(np.prod(s)) for s in shapes)


@pytest.mark.parametrize(
    "checker,solution",
    [
        (ex.check_lstm_step, good_lstm_stacked),
        (ex.check_lstm_step, lambda x, h, c, p: lstm.lstm_step_forward(x, h, c, p)[:2]),
        (ex.check_gru_step, lambda x, h, p: gru.gru_step_forward(x, h, p, form="textbook")[0]),
        (ex.check_parameter_count, good_count_numpy),
        (ex.check_parameter_count, lambda cell, D, H: float(good_count(cell, D, H))),
    ],
)
def test_other_correct_solutions_pass(checker, solution, capsys):
    accepts(checker, solution, capsys)


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_lstm_step(order="ch"), "you returned (c, h)"),
        (make_lstm_step(act_f=np.tanh), "forget gate is a valve"),
        (make_lstm_step(act_i=np.tanh), "input gate is a valve"),
        (make_lstm_step(act_o=np.tanh), "output gate is a valve"),
        (make_lstm_step(act_g=sigmoid), "g = tanh(...), not sigmoid"),
        (make_lstm_step(forget=False), "the forget gate is missing"),
        (make_lstm_step(swap_if=True), "swapped roles"),
        (make_lstm_step(out="c"), "squash the cell state with tanh"),
        (make_lstm_step(out="c_prev"), "not c_prev"),
    ],
)
def test_lstm_step_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_lstm_step, wrong, "not quite", hint)


def test_lstm_step_shape_and_structure_problems_are_named():
    good = make_lstm_step()
    fails_with(ex.check_lstm_step, lambda *a: good(*a)[0], "expected a pair (h, c)", "return h, c")
    fails_with(ex.check_lstm_step, lambda x, h, c, p: lstm.lstm_step_forward(x, h, c, p),
               "a tuple of 3 items", "no cache")
    fails_with(ex.check_lstm_step, lambda *a: (good(*a)[0].T, good(*a)[1]), "h has the wrong shape")
    fails_with(ex.check_lstm_step, lambda *a: (good(*a)[0], np.full_like(good(*a)[1], np.nan)), "c contains NaN")


def test_lstm_step_unknown_errors_say_which_output():
    good = make_lstm_step()
    msg = fails_with(ex.check_lstm_step, lambda *a: (good(*a)[0] + 0.1, good(*a)[1]), "h differs", "c is right")
    assert "Hint" not in msg
    fails_with(ex.check_lstm_step, lambda *a: (good(*a)[0], good(*a)[1] * 1.01), "c differs", "c = f * c_prev + i * g")


def test_lstm_step_may_not_change_the_callers_arrays():
    def in_place(x, h_prev, c_prev, p):
        h, c = make_lstm_step()(x, h_prev, c_prev, p)
        c_prev *= 0  # would corrupt the reference if the checker passed its own arrays
        return h, c

    accepts_quietly = ex.check_lstm_step(in_place)
    assert accepts_quietly is True


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (make_gru_step(torch_z=True, reset="after"), "that is torch's GRU"),
        (make_gru_step(torch_z=True), "z and (1 - z) are swapped"),
        (make_gru_step(reset="after"), "BEFORE the product"),
        (make_gru_step(reset="none"), "reset gate is missing"),
        (make_gru_step(act_z=np.tanh), "z = sigmoid(...), not tanh"),
        (make_gru_step(act_r=np.tanh), "r = sigmoid(...), not tanh"),
    ],
)
def test_gru_step_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_gru_step, wrong, "not quite", hint)


def test_gru_z_swap_hint_names_the_torch_convention():
    fails_with(ex.check_gru_step, make_gru_step(torch_z=True), "torch's convention", "z = 1 keeps the old state")


def torch_style_count(cell, D, H):
    return good_count(cell, D, H) + {"rnn": 1, "lstm": 4, "gru": 3}[cell] * H


@pytest.mark.parametrize(
    "wrong,hint",
    [
        (torch_style_count, "TWO bias vectors per gate"),
        (lambda cell, D, H: {"rnn": 1, "lstm": 4, "gru": 3}[cell] * (D * H + H * H), "biases are missing"),
        (lambda cell, D, H: {"rnn": 1, "lstm": 4, "gru": 3}[cell] * (D * H + H), "recurrent weights are missing"),
        (lambda cell, D, H: {"rnn": 1, "lstm": 3, "gru": 4}[cell] * (D * H + H * H + H), "gate counts are swapped"),
        (lambda cell, D, H: {"rnn": 1, "lstm": 4, "gru": 3}[cell] * (2 * D * H + H), "it is (H, H)"),
        (lambda cell, D, H: {"rnn": 1, "lstm": 4, "gru": 3}[cell] * (D * H + H * H) + H, "its own bias"),
    ],
)
def test_parameter_count_mistakes_get_their_hint(wrong, hint):
    fails_with(ex.check_parameter_count, wrong, "not quite", hint)


def test_parameter_count_other_answers():
    fails_with(ex.check_parameter_count, lambda cell, D, H: good_count(cell, D, H) + 1, "expected 45, got 46")
    fails_with(ex.check_parameter_count, lambda cell, D, H: good_count(cell, D, H) / 7, "whole number")
    fails_with(ex.check_parameter_count, lambda cell, D, H: str(good_count(cell, D, H)), "expected a whole number")
    fails_with(ex.check_parameter_count, lambda cell, D, H: {"rnn": 45}[cell], "raised KeyError")


@pytest.mark.parametrize("D,H", [(3, 5), (1, 1), (7, 2)])
def test_expected_counts_match_our_layers_and_torch(D, H):
    ours = {
        "rnn": rnn.init_params(D, H, seed=0),
        "lstm": lstm.init_params(D, H, seed=0),
        "gru": gru.init_params(D, H, seed=0, form="textbook"),
    }
    modules = {"rnn": torch.nn.RNN(D, H), "lstm": torch.nn.LSTM(D, H), "gru": torch.nn.GRU(D, H)}
    for cell in ("rnn", "lstm", "gru"):
        expected = ex_ch04._count_reference(cell, D, H)
        assert expected == sum(v.size for v in ours[cell].values()) == good_count(cell, D, H)
        # torch keeps a second bias vector per gate: ours + GATES * H
        assert sum(p.numel() for p in modules[cell].parameters()) == torch_style_count(cell, D, H)
    # gru.py's torch form keeps only the candidate's second bias b_hg
    assert sum(v.size for v in gru.init_params(D, H, seed=0).values()) == ex_ch04._count_reference("gru", D, H) + H


def test_every_mistake_is_told_apart_from_the_reference():
    """Each classic mistake differs from the reference on some case, so the checkers can name it."""
    lstm_cases, gru_cases = ex_ch04._lstm_cases(), ex_ch04._gru_cases()
    for mistake in ex_ch04.LSTM_MISTAKES:
        assert any(not np.allclose(np.stack(mistake.wrong(*c.args)), np.stack(ex_ch04._lstm_reference(*c.args)))
                   for c in lstm_cases)
    for mistake in ex_ch04.GRU_MISTAKES:
        assert any(not np.allclose(mistake.wrong(*c.args), ex_ch04._gru_reference(*c.args)) for c in gru_cases)


# ---- the forget bias of nn.LSTM -------------------------------------------------------------


def make_set_forget_bias(*, rows=lambda H: slice(H, 2 * H), split="ih", grad=False, replace=False):
    """A student's set_forget_bias, with switches for the classic mistakes.

    rows: the block set (of 4H rows); split: "ih" (value in bias_ih, 0 in bias_hh), "half" (value / 2 in each),
    "both" (value in each), "ih_only" (bias_hh left alone); grad=True edits without torch.no_grad();
    replace=True swaps in new Parameter objects.
    """

    def set_forget_bias(lstm, value):
        H = lstm.hidden_size
        if replace:
            b = lstm.bias_ih_l0.detach().clone()
            b[rows(H)] = value
            lstm.bias_ih_l0 = torch.nn.Parameter(b)
            with torch.no_grad():
                lstm.bias_hh_l0[rows(H)] = 0.0
            return
        values = {"ih": (value, 0.0), "half": (value / 2, value / 2), "both": (value, value),
                  "ih_only": (value, None)}[split]
        with torch.enable_grad() if grad else torch.no_grad():
            for bias, v in zip((lstm.bias_ih_l0, lstm.bias_hh_l0), values):
                if v is not None:
                    bias[rows(H)] = v

    return set_forget_bias


def test_set_forget_bias_accepts_half_in_each_vector(capsys):
    accepts(ex.check_set_forget_bias, make_set_forget_bias(split="half"), capsys)


def test_set_forget_bias_reference_matches_the_forget_gate_of_torch():
    """After a correct edit, torch's LSTM cell has forget gate sigmoid(x W_if + h W_hf + value) in every unit."""
    lstm_layer = torch.nn.LSTM(2, 3, batch_first=True)
    make_set_forget_bias()(lstm_layer, 4.0)
    x, h0, c0 = torch.randn(5, 1, 2), torch.zeros(1, 5, 3), torch.ones(1, 5, 3)
    with torch.no_grad():
        _, (_, c1) = lstm_layer(x, (h0, c0))
        W_ih, b = lstm_layer.weight_ih_l0, lstm_layer.bias_ih_l0 + lstm_layer.bias_hh_l0
        gates = x[:, 0] @ W_ih.T + b                                    # h0 = 0: no recurrent term
        i, f, g = torch.sigmoid(gates[:, :3]), torch.sigmoid(gates[:, 3:6]), torch.tanh(gates[:, 6:9])
        assert torch.allclose(c1[0], f * c0[0] + i * g, atol=1e-6)
        assert torch.allclose(b[3:6], torch.full((3,), 4.0))


@pytest.mark.parametrize(
    "wrong,fragments",
    [
        (make_set_forget_bias(rows=lambda H: slice(0, H)), ["i gate's block", "SECOND block, rows H:2H"]),
        (make_set_forget_bias(rows=lambda H: slice(3 * H, 4 * H)), ["o gate's block", "last quarter"]),
        (make_set_forget_bias(rows=lambda H: slice(0, 4 * H)), ["every gate's bias"]),
        (make_set_forget_bias(split="both"), ["SUM bias_ih_l0 + bias_hh_l0", "2 * value"]),
        (make_set_forget_bias(split="ih_only"), ["still holds its random start", "Set that block of bias_hh_l0 to 0"]),
        (make_set_forget_bias(grad=True), ["raised RuntimeError", "torch.no_grad()"]),
        (make_set_forget_bias(replace=True), ["replaced the Parameter bias_ih_l0"]),
        (lambda lstm_layer, value: torch.nn.init.zeros_(lstm_layer.weight_hh_l0), ["weight_hh_l0 changed"]),
        (make_set_forget_bias(rows=lambda H: slice(H, H + 1)), ["should be", "block by block"]),
    ],
)
def test_set_forget_bias_diagnoses(wrong, fragments):
    fails_with(ex.check_set_forget_bias, wrong, *fragments)


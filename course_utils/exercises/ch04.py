"""Chapter 04 checkers: the LSTM step, the (textbook) GRU step, counting a cell's parameters."""

import numpy as np

from course_utils.exercises.engine import (
    Case,
    ExerciseFailed,
    Mistake,
    call_on_copy,
    check_function,
    check_number,
    check_outputs,
    read_floats,
)
from course_utils.layers import gru, lstm
from course_utils.layers.common import sigmoid


def _random_gate_params(rng, D, H, gates):
    """Normal random W_x*, W_h* and b_* for every gate: large enough that a wrong formula shows."""
    p = {f"W_x{k}": rng.normal(size=(D, H)) for k in gates}
    p |= {f"W_h{k}": rng.normal(size=(H, H)) for k in gates}
    p |= {f"b_{k}": rng.normal(size=H) for k in gates}
    return p


# ---------------------------------------------------------------- chapter 04: the LSTM step


def _lstm_cases():
    cases = []
    for seed, (N, D, H) in enumerate([(1, 1, 1), (3, 2, 4), (2, 5, 3), (4, 3, 2)]):
        rng = np.random.default_rng(800 + seed)
        p = _random_gate_params(rng, D, H, lstm.GATES)
        args = (rng.normal(size=(N, D)), rng.normal(size=(N, H)), 2.0 * rng.normal(size=(N, H)), p)
        cases.append(Case(f"N={N}, D={D}, H={H}", args))
    return cases


def _lstm_reference(x, h_prev, c_prev, p):
    h, c, _ = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    return h, c


def _lstm_variant(*, act=None, forget=True, swap_if=False, h_from="tanh_c"):
    """A wrong LSTM step: `act` overrides a gate's activation, e.g. {"f": np.tanh}."""
    acts = {"f": sigmoid, "i": sigmoid, "g": np.tanh, "o": sigmoid} | (act or {})

    def step(x, h_prev, c_prev, p):
        gate = {k: acts[k](x @ p[f"W_x{k}"] + h_prev @ p[f"W_h{k}"] + p[f"b_{k}"]) for k in lstm.GATES}
        f, i = (gate["i"], gate["f"]) if swap_if else (gate["f"], gate["i"])
        c = (f * c_prev if forget else c_prev) + i * gate["g"]
        h = gate["o"] * {"tanh_c": np.tanh(c), "c": c, "tanh_c_prev": np.tanh(c_prev)}[h_from]
        return h, c

    return step


def _lstm_swapped_outputs(x, h_prev, c_prev, p):
    h, c = _lstm_reference(x, h_prev, c_prev, p)
    return c, h


LSTM_MISTAKES = (
    Mistake(_lstm_swapped_outputs,
            "you returned (c, h): the exercise asks for (h, c), the output first, then the cell state."),
    Mistake(_lstm_variant(act={"f": np.tanh}),
            "the forget gate is a valve between 0 (forget) and 1 (keep): f = sigmoid(...), not tanh(...)."),
    Mistake(_lstm_variant(act={"i": np.tanh}),
            "the input gate is a valve between 0 and 1: i = sigmoid(...), not tanh(...). Only the candidate g "
            "uses tanh."),
    Mistake(_lstm_variant(act={"o": np.tanh}),
            "the output gate is a valve between 0 and 1: o = sigmoid(...), not tanh(...)."),
    Mistake(_lstm_variant(act={"g": sigmoid}),
            "the candidate g is a value to write, between -1 and 1: g = tanh(...), not sigmoid(...). "
            "The sigmoids are for the gates f, i, o."),
    Mistake(_lstm_variant(forget=False),
            "the forget gate is missing: c = f * c_prev + i * g, not c_prev + i * g. Without f the cell can "
            "never forget anything."),
    Mistake(_lstm_variant(swap_if=True),
            "the input and forget gates swapped roles: f multiplies the old cell c_prev (what to keep), "
            "i multiplies the candidate g (what to write): c = f * c_prev + i * g."),
    Mistake(_lstm_variant(h_from="c"),
            "your c is right, but h = o * tanh(c): squash the cell state with tanh before the output gate."),
    Mistake(_lstm_variant(h_from="tanh_c_prev"),
            "your c is right, but h uses the NEW cell state: h = o * tanh(c), with the c you just computed, "
            "not c_prev."),
)


LSTM_ADVICE = {
    "h": "c is right, so look at h = o * tanh(c) and at the output gate o.",
    "c": "Compute the gates one by one -- f, i, o with sigmoid, g with tanh, each from its own W_x*, "
         "W_h*, b_* -- then c = f * c_prev + i * g.",
}


def _read_pair(where, got):
    return read_floats(where, got, ("h", "c"), count_hint="Return just the new output and cell state: "
                                                          "`return h, c` (no cache, no gates).")


def check_lstm_step(student_fn, *, atol=1e-8):
    """Exercise: `lstm_step(x, h_prev, c_prev, p) -> (h, c)`, one LSTM step with the per-gate params p.

    f, i, o = sigmoid(x @ W_x* + h_prev @ W_h* + b_*), g = tanh(...), c = f * c_prev + i * g, h = o * tanh(c).
    """
    return check_outputs(
        "lstm_step", student_fn, _lstm_reference, _lstm_cases(), LSTM_MISTAKES, parts=("h", "c"), atol=atol,
        read=_read_pair, advice=LSTM_ADVICE,
        shape_hint="Both h and c are (N, H): one row per sequence in the batch, one column per unit.",
        nonfinite_hint="Look for an uninitialised array (np.empty) or an overflow in exp.",
    )


# ---------------------------------------------------------------- chapter 04: the GRU step (textbook form)


def _gru_cases():
    cases = []
    # H > 1 first: with H = 1 (and no b_hg) the reset before and after the product coincide
    for seed, (N, D, H) in enumerate([(3, 2, 4), (2, 5, 3), (5, 3, 2), (1, 1, 1)]):
        rng = np.random.default_rng(900 + seed)
        p = _random_gate_params(rng, D, H, gru.GATES)
        cases.append(Case(f"N={N}, D={D}, H={H}", (rng.normal(size=(N, D)), rng.normal(size=(N, H)), p)))
    return cases


def _gru_reference(x, h_prev, p):
    return gru.gru_step_forward(x, h_prev, p, form="textbook")[0]


def _gru_variant(*, z_act=sigmoid, r_act=sigmoid, keep_with_z=False, reset="before"):
    """A wrong textbook GRU step."""

    def step(x, h_prev, p):
        z = z_act(x @ p["W_xz"] + h_prev @ p["W_hz"] + p["b_z"])
        r = r_act(x @ p["W_xr"] + h_prev @ p["W_hr"] + p["b_r"])
        recurrent = {"before": (r * h_prev) @ p["W_hg"], "after": r * (h_prev @ p["W_hg"]),
                     "none": h_prev @ p["W_hg"]}[reset]
        g = np.tanh(x @ p["W_xg"] + recurrent + p["b_g"])
        return z * h_prev + (1 - z) * g if keep_with_z else (1 - z) * h_prev + z * g

    return step


GRU_MISTAKES = (
    Mistake(_gru_variant(keep_with_z=True, reset="after"),
            "that is torch's GRU (nn.GRU): z keeps the old state and the reset gate scales h_prev @ W_hg after "
            "the product. This exercise is the textbook form: g = tanh(x @ W_xg + (r * h_prev) @ W_hg + b_g), "
            "h = (1 - z) * h_prev + z * g."),
    Mistake(_gru_variant(keep_with_z=True),
            "z and (1 - z) are swapped. In the textbook form z = 1 writes the candidate: "
            "h = (1 - z) * h_prev + z * g. (Your version, z * h_prev + (1 - z) * g, is torch's convention, "
            "where z = 1 keeps the old state; the two differ by z -> 1 - z.)"),
    Mistake(_gru_variant(reset="after"),
            "the reset gate goes BEFORE the product in the textbook form: (r * h_prev) @ W_hg. "
            "Scaling after the product, r * (h_prev @ W_hg), is torch's form -- a different function."),
    Mistake(_gru_variant(reset="none"),
            "the reset gate is missing from the candidate: g = tanh(x @ W_xg + (r * h_prev) @ W_hg + b_g)."),
    Mistake(_gru_variant(z_act=np.tanh),
            "the update gate mixes old state and candidate, so it must lie between 0 and 1: "
            "z = sigmoid(...), not tanh(...)."),
    Mistake(_gru_variant(r_act=np.tanh),
            "the reset gate is a valve between 0 and 1: r = sigmoid(...), not tanh(...)."),
)


def check_gru_step(student_fn):
    """Exercise: `gru_step(x, h_prev, p) -> h`, one GRU step in the textbook form (gru.py, form="textbook").

    z, r = sigmoid(...), g = tanh(x @ W_xg + (r * h_prev) @ W_hg + b_g), h = (1 - z) * h_prev + z * g.
    """
    return check_function("gru_step", student_fn, _gru_reference, _gru_cases(), GRU_MISTAKES)


# ---------------------------------------------------------------- chapter 04: counting parameters

GATE_COUNT = {"rnn": 1, "lstm": 4, "gru": 3}


def _count_reference(cell, D, H):
    """Our parameterisation: per gate (or the plain RNN's one block) W_x (D, H), W_h (H, H), one bias (H,)."""
    return GATE_COUNT[cell] * (D * H + H * H + H)


COUNT_MISTAKES = (
    Mistake(lambda cell, D, H: GATE_COUNT[cell] * (D * H + H * H + 2 * H),
            "that is torch's count: nn.RNN/nn.LSTM/nn.GRU keep TWO bias vectors per gate (bias_ih and bias_hh). "
            "For the RNN and LSTM they only ever appear as a sum, so one bias per gate does the same job -- "
            "our layers store b = b_ih + b_hh. (In torch's GRU the candidate's second bias sits inside "
            "r * (...), which is why gru.py's torch form keeps b_hg.) Count one bias per gate here."),
    Mistake(lambda cell, D, H: GATE_COUNT[cell] * (D * H + H * H),
            "the biases are missing: each gate also has a bias vector of H entries."),
    Mistake(lambda cell, D, H: GATE_COUNT[cell] * (D * H + H),
            "the recurrent weights are missing: each gate also has W_h* of shape (H, H), H * H entries."),
    Mistake(lambda cell, D, H: {"rnn": 1, "lstm": 3, "gru": 4}[cell] * (D * H + H * H + H),
            "the gate counts are swapped: the LSTM has FOUR blocks (f, i, g, o), the GRU THREE (z, r, g)."),
    Mistake(lambda cell, D, H: GATE_COUNT[cell] * (2 * D * H + H),
            "the recurrent matrix W_h* maps the old state to the units: it is (H, H), H * H entries, not D * H."),
    Mistake(lambda cell, D, H: GATE_COUNT[cell] * (D * H + H * H) + H,
            "each gate has its own bias: count GATES * H bias entries, not just H."),
)


def check_parameter_count(student_fn):
    """Exercise: `count_params(cell, D, H) -> int` for cell in "rnn", "lstm", "gru", in our parameterisation.

    One block per gate of W_x (D, H), W_h (H, H) and ONE bias (H,): rnn D*H + H*H + H, lstm 4x, gru 3x.
    """
    sizes = [("rnn", 3, 5), ("lstm", 3, 5), ("gru", 3, 5), ("rnn", 1, 1), ("lstm", 10, 20), ("gru", 7, 2),
             ("lstm", 1, 64), ("gru", 128, 32)]
    cases = [Case(f"cell={cell!r}, D={D}, H={H}", (cell, D, H)) for cell, D, H in sizes]

    def whole(args, got):
        if not float(got).is_integer():
            return (f"a parameter count is a whole number, got {got!r}.\n"
                    "Use integer arithmetic (* and +, or // rather than /).")
        return None

    return check_number(
        "count_params", student_fn, _count_reference, cases, COUNT_MISTAKES, diagnose=whole,
        advice="List every array of one gate with its shape -- W_x (D, H), W_h (H, H), b (H,) -- add up their "
               "sizes, then multiply by the number of gates (rnn 1, lstm 4, gru 3).",
    )


# ---------------------------------------------------------------- chapter 04: the forget bias of nn.LSTM

TORCH_GATES = ("i", "f", "g", "o")  # the order of torch's four blocks in weight_*_l0 and bias_*_l0


def _lstm_arrays(layer):
    """Every parameter of a one-layer nn.LSTM as a numpy array: {"weight_ih_l0": (4H, D), ..., "bias_hh_l0": (4H,)}."""
    return {name: value.detach().numpy().copy() for name, value in layer.named_parameters()}


def _forget_bias_cases():
    import torch

    cases = []
    with torch.random.fork_rng(devices=[]):  # seeded layers; the student's global generator left where it was
        for seed, (D, H, value) in enumerate([(3, 4, 1.0), (2, 1, 5.0), (1, 3, -2.0), (4, 6, 0.0)]):
            torch.manual_seed(1000 + seed)
            cases.append(Case(f"D={D}, H={H}, value={value}", (torch.nn.LSTM(D, H, batch_first=True), value)))
    return cases


def _forget_mistake(before, after, H, value):
    """The classic wrong edit that explains `after` (the arrays after the student's call), or None."""
    b_sum = after["bias_ih_l0"] + after["bias_hh_l0"]
    old_sum = before["bias_ih_l0"] + before["bias_hh_l0"]
    block = {gate: slice(j * H, (j + 1) * H) for j, gate in enumerate(TORCH_GATES)}
    changed = [gate for gate in TORCH_GATES if not np.allclose(b_sum[block[gate]], old_sum[block[gate]])]
    if changed and all(np.allclose(b_sum[block[gate]], value) for gate in TORCH_GATES):
        return "you set every gate's bias. Only the forget gate's block, rows H:2H, should change."
    for gate, where in (("i", "the first quarter, rows 0:H"), ("o", "the last quarter, rows 3H:4H"),
                        ("g", "the third quarter, rows 2H:3H")):
        if changed == [gate] and np.allclose(b_sum[block[gate]], value):
            return (f"you changed the {gate} gate's block ({where}). torch packs the gates as (i, f, g, o): "
                    "the forget gate is the SECOND block, rows H:2H.")
    f = block["f"]
    if np.allclose(b_sum[f], 2 * value) and value != 0:
        return ("the effective forget bias is the SUM bias_ih_l0 + bias_hh_l0, and you made it 2 * value. "
                "Put value in one vector and 0 in the other (or value / 2 in each).")
    for name, other in (("bias_ih_l0", "bias_hh_l0"), ("bias_hh_l0", "bias_ih_l0")):
        if np.allclose(after[name][f], value) and np.allclose(after[other][f], before[other][f]):
            return (f"{name}[H:2H] is value, but {other}[H:2H] still holds its random start, and the gate adds "
                    f"the two: the effective bias is value + {other}[H:2H]. Set that block of {other} to 0.")
    return None


def check_set_forget_bias(student_fn):
    """Exercise: `set_forget_bias(lstm, value)`: make the forget gate's effective bias of a torch nn.LSTM equal value.

    torch packs the gates (i, f, g, o) in bias_ih_l0 and bias_hh_l0 (4H,), whose sum is the effective bias; the
    forget block is rows H:2H. The edit is in place (the same Parameter objects), other gates and weights untouched.
    """
    import torch

    name = "set_forget_bias"

    def run(layer, value):  # the student's edit, on the checker's copy; returns the copy and its Parameter ids
        ids = {key: id(p) for key, p in layer.named_parameters()}
        student_fn(layer, value)
        return layer, ids

    def crash_hint(err):
        if isinstance(err, RuntimeError) and "leaf Variable" in str(err):
            return ("autograd refuses an in-place edit of a parameter that requires grad: make the edit inside "
                    "`with torch.no_grad():`.")
        return None

    cases = _forget_bias_cases()
    for number, case in enumerate(cases, start=1):
        where = f"{name}, case {number} of {len(cases)} ({case.label})"
        original, value = case.args
        H = original.hidden_size
        before = _lstm_arrays(original)
        layer, ids = call_on_copy(name, where, run, case.args, crash_hint=crash_hint)
        if not isinstance(layer, torch.nn.LSTM):
            raise ExerciseFailed(f"{where}: the layer is no longer an nn.LSTM.")
        replaced = [key for key, p in layer.named_parameters() if id(p) != ids[key]]
        if replaced:
            raise ExerciseFailed(f"{where}: you replaced the Parameter {replaced[0]} by a new one.\n"
                                 "Hint: edit the existing tensor in place (an optimizer built before keeps the old "
                                 "one): assign into a slice of it inside `with torch.no_grad():`.")
        after = _lstm_arrays(layer)
        for key in ("weight_ih_l0", "weight_hh_l0"):
            if not np.array_equal(after[key], before[key]):
                raise ExerciseFailed(f"{where}: {key} changed.\nHint: only the biases should change.")
        want = before["bias_ih_l0"] + before["bias_hh_l0"]
        want[H:2 * H] = value
        got = after["bias_ih_l0"] + after["bias_hh_l0"]
        others = np.r_[0:H, 2 * H:4 * H]
        if (np.allclose(got, want, rtol=0, atol=1e-6)
                and all(np.array_equal(after[k][others], before[k][others]) for k in ("bias_ih_l0", "bias_hh_l0"))):
            continue
        hint = _forget_mistake(before, after, H, value)
        if hint:
            raise ExerciseFailed(f"{where}: not quite.\nHint: {hint}")
        raise ExerciseFailed(
            f"{where}: the effective bias (bias_ih_l0 + bias_hh_l0) of the forget gate should be {value} in every "
            f"unit and every other entry of both vectors unchanged; got forget block {got[H:2 * H].round(4)}.\n"
            "Print the two vectors before and after your call and compare them block by block.")
    print(f"\u2713 {name}: all {len(cases)} cases match the reference. Well done!")
    return True

"""The layer contract, held for every module of course_utils/layers/ that pkgutil finds.

Every layer exposes `init_params`, `params_from_torch`, `<layer>_forward` and `<layer>_backward` (COURSE_DESIGN.md,
"Reference implementations"), apart from the documented exceptions listed below; every backward function refuses
a cache made by another forward with a ValueError; a badly shaped input gets the one message format of
course_utils._checks. A new module is picked up without editing this file: it must either be a layer on the
contract, or be added to one of the tables (and its forward functions to SAMPLES) with a reason.
"""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import course_utils.layers as layers_pkg
from course_utils.layers import attention, bidirectional, conv1d, gru, lstm, mingru, multihead, rnn, word2vec

MODULES = sorted(info.name for info in pkgutil.iter_modules(layers_pkg.__path__))

NOT_LAYERS = {
    "common": "what the layers share: stable sigmoid and softmax, input checks, torch weights",
    "gradcheck": "the referee of every backward pass: finite differences",
    "gradients": "the gradient-flow maths of chapters 02-03: clipping, the scalar model, Jacobians",
    "linear_recurrence": "h_t = a_t h_{t-1} + b_t by loop and scan: the engine of minGRU, with no parameters",
    "linear_attention": "a parameter-free map shown in two forms (quadratic, recurrent); tested against torch",
}
LAYERS = [name for name in MODULES if name not in NOT_LAYERS]

# Modules holding more than one layer, or whose layer is not named after the module.
LAYER_NAMES = {
    "attention": ("dot_product_attention", "additive_attention"),
    "multihead": ("multihead_attention",),
    "word2vec": ("skipgram", "cbow"),
}

# The documented exceptions: (module, contract function) -> why it is absent (each module's docstring says so too).
EXCEPTIONS = {
    ("bidirectional", "init_params"): "a wrapper, not a layer: each direction's params come from the wrapped layer",
    ("word2vec", "params_from_torch"): "no torch.nn twin: word2vec is trained with hand-written SGD",
    ("attention", "params_from_torch"): "additive attention has no torch.nn twin (multi-head's is in multihead)",
}


def _sample_inputs():
    rng = np.random.default_rng(0)
    X, x, h = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    p_rnn, p_lstm, p_gru = rnn.init_params(3, 4, seed=0), lstm.init_params(3, 4, seed=1), gru.init_params(3, 4, seed=2)
    w2v = word2vec.init_params(7, 4, seed=0)
    w2v["W_out"] = rng.normal(size=(7, 4))
    Q, K = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3))
    E = rng.normal(size=(2, 5, 8))
    return {  # forward function -> (positional args, keyword args): one valid call
        rnn.rnn_forward: ((X, p_rnn), {}),
        rnn.rnn_step_forward: ((x, h, p_rnn), {}),
        lstm.lstm_forward: ((X, p_lstm), {}),
        lstm.lstm_step_forward: ((x, h, h, p_lstm), {}),
        gru.gru_forward: ((X, p_gru), {}),
        gru.gru_step_forward: ((x, h, p_gru), {}),
        mingru.mingru_forward: ((X, mingru.init_params(3, 4, seed=4)), {}),
        mingru.mingru_step_forward: ((x, h, mingru.init_params(3, 4, seed=4)), {}),
        bidirectional.bidirectional_forward: ((X, p_rnn, rnn.init_params(3, 2, seed=3), rnn.rnn_forward), {}),
        conv1d.conv1d_forward: ((X, conv1d.init_params(3, 2, 2, seed=0)), {}),
        attention.dot_product_attention_forward: ((Q, K, K), {}),
        attention.additive_attention_forward: ((Q, K, K, attention.init_params(3, 3, 4, seed=0)), {}),
        multihead.multihead_attention_forward: ((E, E, E, multihead.init_params(8, 2, seed=0)), {"num_heads": 2}),
        word2vec.skipgram_forward: ((np.array([1, 2]), np.array([3, 4]), w2v), {}),
        word2vec.cbow_forward: ((np.array([[1, 2], [3, 4]]), np.array([5, 6]), w2v), {}),
    }


SAMPLES = _sample_inputs()


def _module(name):
    return importlib.import_module(f"course_utils.layers.{name}")


def _functions(suffix):
    """Every public function of a layer module whose name ends with `suffix`, as (module name, function)."""
    found = []
    for name in LAYERS:
        module = _module(name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fname.endswith(suffix) and not fname.startswith("_") and fn.__module__ == module.__name__:
                found.append((name, fn))
    return found


FORWARDS, BACKWARDS = _functions("_forward"), _functions("_backward")


def _run(forward):
    args, kwargs = SAMPLES[forward]
    result = forward(*args, **kwargs)
    return result[0], result[-1]  # (out, cache); lstm_step_forward returns (h, c, cache)


def _call_backward(backward, dout, cache):
    """backward(dout, cache), passing None for any other gradient in between (lstm_step_backward's dc)."""
    args = []
    for i, param in enumerate(inspect.signature(backward).parameters.values()):
        if param.kind is not param.POSITIONAL_OR_KEYWORD or param.default is not param.empty:
            break
        args.append(dout if i == 0 else cache if param.name == "cache" else None)
    return backward(*args)


def test_the_tables_name_real_modules():
    assert set(NOT_LAYERS) <= set(MODULES), sorted(set(NOT_LAYERS) - set(MODULES))
    assert {m for m, _ in EXCEPTIONS} | set(LAYER_NAMES) <= set(LAYERS)
    assert len(LAYERS) >= 9  # rnn, lstm, gru, mingru, bidirectional, conv1d, attention, multihead, word2vec


@pytest.mark.parametrize("name", LAYERS)
def test_the_four_contract_functions_exist(name):
    module = _module(name)
    wanted = ["init_params", "params_from_torch"]
    for layer in LAYER_NAMES.get(name, (name,)):
        wanted += [f"{layer}_forward", f"{layer}_backward"]
    for fname in wanted:
        documented = (name, fname) in EXCEPTIONS
        present = callable(getattr(module, fname, None))
        assert present != documented, (
            f"layers/{name}.py: {fname} is "
            + ("listed as a documented exception but exists: remove it from EXCEPTIONS" if documented
               else "missing: add it, or list it in EXCEPTIONS with the reason")
        )


@pytest.mark.parametrize("name", LAYERS)
def test_documented_exceptions_are_in_the_module_docstring(name):
    """Each exception is said where a reader looks first: the module's docstring."""
    doc = _module(name).__doc__
    for module, _fname in EXCEPTIONS:
        if module == name:
            assert "exception" in doc or "no torch.nn twin" in doc or "no `params_from_torch`" in doc, name


@pytest.mark.parametrize("name,forward", FORWARDS, ids=[f.__name__ for _, f in FORWARDS])
def test_every_forward_has_a_sample_and_returns_out_and_cache(name, forward):
    assert forward in SAMPLES, f"add a valid call of {name}.{forward.__name__} to SAMPLES"
    out, cache = _run(forward)
    assert isinstance(out, np.ndarray) and hasattr(cache, "_fields"), "forward must return (out, NamedTuple cache)"


@pytest.mark.parametrize("name,backward", BACKWARDS, ids=[f.__name__ for _, f in BACKWARDS])
def test_backward_rejects_a_cache_from_another_forward(name, backward):
    own = getattr(_module(name), backward.__name__.replace("_backward", "_forward"))
    out, cache = _run(own)
    _call_backward(backward, np.ones_like(out), cache)  # its own cache is accepted
    for forward in SAMPLES:
        if forward is own:
            continue
        other_out, other_cache = _run(forward)
        with pytest.raises(ValueError, match="cache"):
            _call_backward(backward, np.ones_like(other_out), other_cache)
        with pytest.raises(ValueError, match="cache"):  # and a cache taken apart into a plain tuple
            _call_backward(backward, np.ones_like(out), tuple(cache))


SHAPE_MESSAGE = re.compile(r"^(\w+) must have shape \(([^()]*)\), got \(([^()]*)\)$")
IDS_MESSAGE = re.compile(r"^(\w+) must be an integer array of shape (?:\(N,\)|\d-D), got \w+ \(([^()]*)\)$")


@pytest.mark.parametrize("forward", list(SAMPLES), ids=[f.__name__ for f in SAMPLES])
def test_a_badly_shaped_first_input_gets_the_one_message_format(forward):
    """Drop the first input's leading axis: the message names that argument in _checks' format."""
    args, kwargs = SAMPLES[forward]
    bad = np.asarray(args[0])[0]
    with pytest.raises(ValueError) as info:
        forward(bad, *args[1:], **kwargs)
    message = str(info.value)
    match = SHAPE_MESSAGE.match(message) or IDS_MESSAGE.match(message)
    assert match, f"{forward.__name__}: {message!r} is not in the format 'X must have shape (N, T, D=3), got (5, 3)'"
    assert match.group(1) == next(iter(inspect.signature(forward).parameters)), message
    assert match.groups()[-1] == ", ".join(map(str, bad.shape)) + ("," if bad.ndim == 1 else ""), message


def test_a_bad_parameter_shape_gets_the_one_message_format():
    X = np.zeros((2, 5, 3))
    cases = [
        (rnn.rnn_forward, rnn.init_params(3, 4, seed=0), "W_hh"),
        (lstm.lstm_forward, lstm.init_params(3, 4, seed=0), "W_hf"),
        (gru.gru_forward, gru.init_params(3, 4, seed=0), "W_hz"),
    ]
    for forward, params, name in cases:
        with pytest.raises(ValueError, match=rf"^{name} must have shape \(H=4, H=4\), got \(3, 4\)$"):
            forward(X, params | {name: np.zeros((3, 4))})


def test_no_two_classes_in_layers_share_a_name():
    seen = {}
    for path in sorted(Path(layers_pkg.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                assert node.name not in seen, f"class {node.name} in both {seen[node.name]} and {path.name}"
                seen[node.name] = path.name

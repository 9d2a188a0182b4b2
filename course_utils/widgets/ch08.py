"""Chapter 08's text displays: generated text with its prime, text colored by a hidden unit, and the
generation explorer (a widget over `char_model.generate`).

Pure functions, tested without a browser:
- `sample_html(prime, continuation)`: the prime in bold, the generated text after it, in a <pre> block.
- `generation_view(model, prime, temperature, length, seed=..., top_k=...)`: (html, info) for one setting;
  a bad prime (unknown character, too long) comes back as a readable message instead of an exception.
- `activation_html(text, values)`: each character on a background colored by a unit's value
  (blue positive, red negative), so a unit that tracks something in the text can be seen.

Widgets: `text_generation_explorer(model=None)` (the `make bench` checkpoint by default) and
`text_generation_explorer_demo()` (a tiny untrained model, built in a second).
"""

import html

import numpy as np
import torch

from course_utils._checks import check_shape
from course_utils.models import char_model, training
from course_utils.nlp import sampling
from course_utils.nlp.vocab import CharVocab
from course_utils.palette import BLUE, RED, tint
from course_utils.seed import scoped

ACTIVATION_TINT = 0.8  # the strongest background: 80% of BLUE or RED, 20% white
DEMO_CHARS = "\n !',.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def sample_html(prime, continuation):
    """HTML: the prime in bold, then the continuation, whitespace kept."""
    return (f'<pre style="white-space: pre-wrap; font-size: 0.9em"><b>{html.escape(prime)}</b>'
            f"{html.escape(continuation)}</pre>")


def generation_view(model, prime, temperature, length, *, seed=0, top_k=None):
    """Generate `length` characters after `prime`; returns (html, info).

    info: {"text": the continuation, "entropy_bits": entropy of the first drawn character's
    distribution at this temperature, "error": None or the message of a rejected input}.
    """
    try:
        text = char_model.generate(model, prime, length, temperature=temperature, top_k=top_k, seed=seed)
    except ValueError as err:
        return f'<p style="color: {RED}">Cannot generate: {html.escape(str(err))}</p>', {"text": "", "error": str(err)}
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(model.vocab.encode(prime)[None], device=training.model_device(model)))
    p = sampling.next_char_probs(logits[0, -1].double().cpu().numpy(), temperature, top_k)
    info = {"text": text, "entropy_bits": float(sampling.entropy_bits(p)), "error": None}
    head = (f"<p>temperature {temperature:g}: the first character is drawn from a distribution with "
            f"{info['entropy_bits']:.2f} bits of entropy (uniform over {model.vocab.V}: "
            f"{np.log2(model.vocab.V):.2f})</p>")
    return head + sample_html(prime, text), info


def activation_html(text, values, *, vmax=None):
    """Each character of `text` on a background colored by values (n,): blue > 0, red < 0, white 0.

    vmax: the value of full color (default: the largest |value|). Full colour is a tint of the palette's
    BLUE or RED (ACTIVATION_TINT of it), light enough for black text to stay readable. Newlines stay line breaks.
    """
    values = check_shape("values", values, (("len(text)", len(text)),)).astype(np.float64)
    vmax = float(np.max(np.abs(values))) if vmax is None else float(vmax)
    scaled = np.clip(values / vmax, -1, 1) if vmax > 0 else np.zeros_like(values)
    spans = []
    for ch, v in zip(text, scaled):
        color = tint(BLUE if v > 0 else RED, ACTIVATION_TINT * abs(v))
        shown = "\u21b5\n" if ch == "\n" else html.escape(ch)
        spans.append(f'<span style="background-color: {color}">{shown}</span>')
    return '<pre style="white-space: pre-wrap; line-height: 1.5">' + "".join(spans) + "</pre>"


def text_generation_explorer(model=None, *, prime="ROMEO.\n", seed=0):
    """Temperature and length sliders and a prime text box: what the model writes after the prime.

    model: a CharModel; None loads the `make bench` checkpoint (char_model.load_checkpoint()).
    """
    import ipywidgets as widgets

    if model is None:
        model, _ = char_model.load_checkpoint()
    out = widgets.HTML()

    def show(*_):
        out.value, _info = generation_view(model, controls["prime"].value, controls["temperature"].value,
                                           controls["length"].value, seed=controls["seed"].value)

    slider = dict(continuous_update=False)
    controls = dict(
        temperature=widgets.FloatSlider(value=0.8, min=0.0, max=2.0, step=0.1, description="temperature", **slider),
        length=widgets.IntSlider(value=300, min=10, max=1000, step=10, description="length", **slider),
        prime=widgets.Text(value=prime, description="prime", continuous_update=False),
        seed=widgets.IntSlider(value=seed, min=0, max=20, description="seed", **slider),
    )
    for control in controls.values():
        control.observe(show, names="value")
    show()
    ui = widgets.VBox([widgets.HBox([controls["temperature"], controls["length"]]),
                       widgets.HBox([controls["prime"], controls["seed"]])])
    return widgets.VBox([ui, out])


def text_generation_explorer_demo():
    """The explorer on a tiny untrained model (random weights: it writes noise, but every control works).

    Its weights come from seed 0 inside `seed.scoped`: a demo does not move the caller's random numbers."""
    with scoped(0):
        model = char_model.CharModel(CharVocab(DEMO_CHARS), 32, embed_dim=8)
    return text_generation_explorer(model, prime="To be")

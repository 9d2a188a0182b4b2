"""Numpy float64 reference layers: what students read and re-implement, torch is their oracle.

Every layer module exposes the same four functions (the layer contract):

- `init_params(D, H, *, seed) -> dict` (conv1d: `init_params(C_in, C_out, kernel_size, *, seed)`);
- `params_from_torch(module) -> dict`, the weights of the matching `torch.nn` module, as float64 arrays;
- `<layer>_forward(X, params, ...) -> (out, cache)`, batch-first `X` of shape `(N, T, D)`;
- `<layer>_backward(dout, cache) -> dict` of gradients keyed `"X"`, `"h0"` and one key per parameter.

Modules: `rnn`, `lstm`, `gru`, `mingru`, `bidirectional`, `conv1d`, `attention`, `multihead`, `word2vec`; chapter
09's `linear_recurrence` (loop and scan) and `linear_attention` (two forms), not layers; what they share
(stable sigmoid and softmax, state checks, torch weights), `common`; the referee of every layer,
`gradcheck`; and the gradient-flow maths of chapters 02-03, `gradients`. This package imports numpy
and its own modules only (tests/test_layering.py holds it to that).
"""

"""Causal linear attention: the quadratic form = the recurrent form = torch (float64); the state's size; errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.layers import linear_attention as la


def torch_quadratic(Q, K, V):
    """The same function written independently in torch: elu + 1 features, a causal mask, row normalisation."""
    fq, fk = (F.elu(torch.from_numpy(x)) + 1 for x in (Q, K))
    scores = (fq @ fk.transpose(1, 2)).tril()  # (N, T, T), zero above the diagonal
    return (scores @ torch.from_numpy(V) / scores.sum(-1, keepdim=True)).numpy()


@pytest.mark.parametrize("N,T,d,d_v", [(1, 1, 1, 1), (2, 9, 4, 3), (3, 50, 8, 8), (1, 600, 5, 2)])
def test_both_forms_equal_torch(N, T, d, d_v):
    rng = np.random.default_rng(T)
    Q, K, V = rng.normal(size=(N, T, d)) * 2, rng.normal(size=(N, T, d)) * 2, rng.normal(size=(N, T, d_v))
    want = torch_quadratic(Q, K, V)
    np.testing.assert_allclose(la.linear_attention_quadratic(Q, K, V), want, rtol=0, atol=1e-10)
    out, (S, z) = la.linear_attention_recurrent(Q, K, V, return_states=True)
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-10)
    assert S.shape == (N, d, d_v) and z.shape == (N, d)  # the same size whatever T is
    np.testing.assert_allclose(S, np.einsum("ntd,ntv->ndv", la.phi(K), V), atol=1e-9)


def test_phi_is_elu_plus_one_and_positive():
    x = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(la.phi(x), (F.elu(torch.from_numpy(x)) + 1).numpy(), atol=1e-15)
    assert (la.phi(x) > 0).all()


def test_a_later_key_never_changes_an_earlier_output():
    rng = np.random.default_rng(1)
    Q, K, V = (rng.normal(size=(1, 10, 3)) for _ in range(3))
    K2, V2 = K.copy(), V.copy()
    K2[:, 6:], V2[:, 6:] = 5.0, -5.0
    for form in (la.linear_attention_quadratic, la.linear_attention_recurrent):
        np.testing.assert_allclose(form(Q, K, V)[:, :6], form(Q, K2, V2)[:, :6], atol=1e-12)
        assert not np.allclose(form(Q, K, V)[:, 6:], form(Q, K2, V2)[:, 6:])


def test_bad_inputs():
    Q = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"^Q must have shape \(N, T, d\), got \(5, 3\)$"):
        la.linear_attention_recurrent(Q[0], Q, Q)
    with pytest.raises(ValueError, match=r"^K must have shape \(N=2, T=5, d=3\), got \(2, 4, 3\)$"):
        la.linear_attention_quadratic(Q, Q[:, :4], Q)
    with pytest.raises(ValueError, match=r"^V must have shape \(N=2, T=5, d_v\), got \(2, 5\)$"):
        la.linear_attention_quadratic(Q, Q, Q[..., 0])

"""Truncated importance weights for sampler/learner mismatch (report eq 132), hand-computed."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.losses.importance as importance_module
from lit_reason.losses.importance import sampler_mismatch_kl, sequence_is_weights, token_is_weights

TOL = {"atol": 1e-6, "rtol": 1e-5}
# row 0: pi = (0.5, 0.9), mu = (0.25, 0.6) -> ratios (2, 1.5); row 1: one valid token pi 0.2, mu 0.4 -> 0.5;
# row 2: fully masked (padding holds -inf, never read)
LOGP = torch.log(torch.tensor([[0.5, 0.9], [0.2, 1.0], [1.0, 1.0]]))
MU = torch.log(torch.tensor([[0.25, 0.6], [0.4, 0.0], [0.0, 0.0]]))
MASK = torch.tensor([[1, 1], [1, 0], [0, 0]])


def test_token_weights():
    # cap 1.8: (min(2, 1.8), 1.5), (0.5, padding 1), (1, 1)
    assert_close(token_is_weights(LOGP, MU, MASK, cap=1.8), torch.tensor([[1.8, 1.5], [0.5, 1.0], [1.0, 1.0]]), **TOL)


def test_sequence_weights_eq132():
    # products: 2 * 1.5 = 3 (capped at 2.5), 0.5, empty product 1
    assert_close(sequence_is_weights(LOGP, MU, MASK, cap=2.5), torch.tensor([2.5, 0.5, 1.0]), **TOL)
    # a long sequence of ratio e per token does not overflow: exp(min(1000, log 2)) = 2
    long = torch.ones(1, 1000)
    assert_close(sequence_is_weights(long, torch.zeros(1, 1000), torch.ones(1, 1000)), torch.tensor([2.0]), **TOL)


def test_no_gradient_through_the_weights():
    logp = LOGP.clone().requires_grad_(True)
    assert not token_is_weights(logp, MU, MASK).requires_grad


def test_mismatch_kl():
    # k3 = (r - 1) - log r per valid token: r=2: 1 - 0.69314718 = 0.30685282; r=1.5: 0.5 - 0.40546511 = 0.09453489;
    # r=0.5: -0.5 + 0.69314718 = 0.19314718; mean over 3 tokens = 0.19817830
    assert_close(sampler_mismatch_kl(LOGP, MU, MASK), torch.tensor(0.19817830), **TOL)
    assert sampler_mismatch_kl(LOGP, LOGP, MASK).item() == 0.0
    assert math.isfinite(sampler_mismatch_kl(LOGP, MU, torch.zeros(3, 2)).item())


def test_bad_input():
    with pytest.raises(ValueError, match="cap"):
        token_is_weights(LOGP, MU, MASK, cap=0.0)
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        sequence_is_weights(LOGP[0], MU[0], MASK[0])


def test_doctests():
    assert doctest.testmod(importance_module).failed == 0

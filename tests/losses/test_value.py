"""Hand-computed checks of the PPO value loss (report eq. 18) and explained variance."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.losses.value as value_module
from lit_reason.losses.value import explained_variance, value_clip_fraction, value_loss

TOL = {"atol": 1e-6, "rtol": 1e-5}
V = torch.tensor([[1.0, 2.5]])
OLD = torch.tensor([[0.5, 2.0]])
RET = torch.tensor([[2.0, 1.0]])


def test_unclipped():
    # 0.5 * (1 - 2)^2 = 0.5; 0.5 * (2.5 - 1)^2 = 1.125
    assert_close(value_loss(V, OLD, RET), torch.tensor([[0.5, 1.125]]), **TOL)


def test_clipped_takes_the_larger_error():
    # token 0: clipped V = 0.5 + 0.2 = 0.7, (0.7-2)^2 = 1.69 > (1-2)^2 = 1 -> 0.5 * 1.69 = 0.845
    # token 1: clipped V = 2.0 + 0.2 = 2.2, (2.2-1)^2 = 1.44 < (2.5-1)^2 = 2.25 -> 0.5 * 2.25 = 1.125
    assert_close(value_loss(V, OLD, RET, clip_range=0.2), torch.tensor([[0.845, 1.125]]), **TOL)
    assert_close(value_clip_fraction(V, OLD, RET, torch.ones(1, 2), clip_range=0.2), torch.tensor(0.5), **TOL)
    # a fully masked batch: 0, not NaN
    assert_close(value_clip_fraction(V, OLD, RET, torch.zeros(1, 2), clip_range=0.2), torch.tensor(0.0))


def test_gradient_is_v_minus_r():
    v = V.clone().requires_grad_(True)
    value_loss(v, OLD, RET).sum().backward()
    assert_close(v.grad, torch.tensor([[-1.0, 1.5]]), **TOL)  # (1 - 2, 2.5 - 1)


def test_explained_variance():
    # returns (1, 3) unbiased var 2; residual (0, 1) var 0.5; 1 - 0.5/2 = 0.75; masked entry ignored
    v, r = torch.tensor([[1.0, 2.0, 9.0]]), torch.tensor([[1.0, 3.0, -9.0]])
    assert_close(explained_variance(v, r, torch.tensor([[1, 1, 0]])), torch.tensor(0.75), **TOL)
    assert_close(explained_variance(r, r, torch.ones(1, 3)), torch.tensor(1.0), **TOL)
    # constant returns or a single valid token: undefined -> NaN, never a made-up number
    assert math.isnan(explained_variance(v, torch.ones(1, 3), torch.ones(1, 3)).item())
    assert math.isnan(explained_variance(v, r, torch.tensor([[1, 0, 0]])).item())


def test_bad_options():
    with pytest.raises(ValueError, match="clip_range"):
        value_loss(V, OLD, RET, clip_range=0.0)
    with pytest.raises(ValueError, match="shape"):
        value_loss(V, OLD, torch.zeros(2, 2))


def test_doctests():
    assert doctest.testmod(value_module).failed == 0

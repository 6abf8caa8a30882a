"""Hand-computed checks of the reward normalisers of report sec 8.3.3 (eq. 121-124)."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.advantages.normalize as normalizers_module
from lit_reason.advantages.normalize import (
    REWARD_NORMALIZERS,
    RunningMoments,
    batch_normalize,
    ema_moments_update,
    ema_normalize,
    quantile_normalize,
)

TOL = {"atol": 1e-6, "rtol": 1e-5}


def test_batch_normalize():
    # mean 2, population std sqrt((1 + 1 + 0)/3) = 0.81649658 -> (-1, 1, 0) / 0.81649658
    assert_close(batch_normalize(torch.tensor([1.0, 3.0, 2.0])), torch.tensor([-1.22474487, 1.22474487, 0.0]), **TOL)
    assert_close(batch_normalize(torch.tensor([4.0, 4.0])), torch.zeros(2))  # zero variance -> 0
    assert_close(batch_normalize(torch.tensor([4.0])), torch.zeros(1))  # one sample


def test_ema_moments_and_normalize():
    # state (0, 0), rewards (1, 3), beta 0.5: mu = 0.5*0 + 0.5*2 = 1; var = 0.5*0 + 0.5*mean(0^2, 2^2) = 1
    s = ema_moments_update(RunningMoments(torch.tensor(0.0), torch.tensor(0.0)), torch.tensor([1.0, 3.0]), decay=0.5)
    assert_close(s.mean, torch.tensor(1.0), **TOL)
    assert_close(s.var, torch.tensor(1.0), **TOL)
    assert_close(ema_normalize(torch.tensor([1.0, 3.0]), s), torch.tensor([0.0, 2.0]), **TOL)
    # a second batch (5,): mu = 0.5*1 + 0.5*5 = 3; var = 0.5*1 + 0.5*(5-3)^2 = 2.5
    s = ema_moments_update(s, torch.tensor([5.0]), decay=0.5)
    assert_close(torch.stack(list(s)), torch.tensor([3.0, 2.5]), **TOL)
    with pytest.raises(ValueError, match="decay"):
        ema_moments_update(s, torch.tensor([1.0]), decay=1.0)


def test_quantile_normalize():
    # ranks of (10, -3, 10, 0): -3 -> 1, 0 -> 2, the two 10s share (3+4)/2 = 3.5; rank/4 - 0.5
    out = quantile_normalize(torch.tensor([10.0, -3.0, 10.0, 0.0]))
    assert_close(out, torch.tensor([0.375, -0.25, 0.375, 0.0]), **TOL)
    assert_close(quantile_normalize(torch.tensor([7.0])), torch.tensor([0.5]))  # N = 1
    # order only: an outlier does not change anything
    assert_close(quantile_normalize(torch.tensor([1.0, 2.0, 1e9])), quantile_normalize(torch.tensor([1.0, 2.0, 3.0])))


def test_non_finite_rejected_and_registry():
    with pytest.raises(ValueError, match="row 1"):
        batch_normalize(torch.tensor([0.0, math.inf]))
    assert REWARD_NORMALIZERS["quantile"] is quantile_normalize


def test_doctests():
    assert doctest.testmod(normalizers_module).failed == 0

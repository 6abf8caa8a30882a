"""Hand-computed checks of GAE (eq. 8), lambda-returns, RLOO (eq. 62) and REINFORCE baselines (eq. 61)."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.advantages.group as advantages_module
from lit_reason.advantages import (
    batch_mean_baseline,
    ema_update,
    gae,
    group_mean_baseline,
    leave_one_out,
    leave_one_out_baseline,
    returns,
)

TOL = {"atol": 1e-6, "rtol": 1e-5}
NAN = float("nan")
# Row 0: three valid tokens, reward 1 on the last. Row 1: two valid tokens, padding holds NaN (never read).
# Row 2: fully masked.
REWARDS = torch.tensor([[0.0, 0.0, 1.0], [0.0, 2.0, NAN], [NAN, NAN, NAN]])
VALUES = torch.tensor([[0.5, 0.6, 0.7], [0.2, 0.4, NAN], [NAN, NAN, NAN]])
MASK = torch.tensor([[1, 1, 1], [1, 1, 0], [0, 0, 0]])


def test_gae_hand_computed():
    # gamma 0.9, lam 0.5, gamma*lam = 0.45; V after the last valid token is 0 (terminal).
    # row 0: t2 delta = 1 + 0 - 0.7 = 0.3                   A2 = 0.3
    #        t1 delta = 0 + 0.9*0.7 - 0.6 = 0.03            A1 = 0.03 + 0.45*0.3 = 0.165
    #        t0 delta = 0 + 0.9*0.6 - 0.5 = 0.04            A0 = 0.04 + 0.45*0.165 = 0.11425
    # row 1: t1 delta = 2 + 0 - 0.4 = 1.6                   A1 = 1.6
    #        t0 delta = 0 + 0.9*0.4 - 0.2 = 0.16            A0 = 0.16 + 0.45*1.6 = 0.88
    # row 2: fully masked -> 0
    expected = torch.tensor([[0.11425, 0.165, 0.3], [0.88, 1.6, 0.0], [0.0, 0.0, 0.0]])
    assert_close(gae(REWARDS, VALUES, MASK, gamma=0.9, lam=0.5), expected, **TOL)


def test_gae_lambda_one_is_monte_carlo_and_lambda_zero_is_td():
    # lam = gamma = 1: A_t = sum of remaining rewards - V_t: row 0 (1-0.5, 1-0.6, 1-0.7), row 1 (2-0.2, 2-0.4)
    mc = torch.tensor([[0.5, 0.4, 0.3], [1.8, 1.6, 0.0], [0.0, 0.0, 0.0]])
    assert_close(gae(REWARDS, VALUES, MASK, gamma=1.0, lam=1.0), mc, **TOL)
    # lam = 0: A_t = delta_t (eq. 21): row 0 (0.04, 0.03, 0.3), row 1 (0.16, 1.6)
    td = torch.tensor([[0.04, 0.03, 0.3], [0.16, 1.6, 0.0], [0.0, 0.0, 0.0]])
    assert_close(gae(REWARDS, VALUES, MASK, gamma=0.9, lam=0.0), td, **TOL)


def test_returns_are_advantages_plus_values():
    adv = gae(REWARDS, VALUES, MASK, gamma=0.9, lam=0.5)
    # row 0: 0.11425+0.5, 0.165+0.6, 0.3+0.7; row 1: 0.88+0.2, 1.6+0.4; masked -> 0
    expected = torch.tensor([[0.61425, 0.765, 1.0], [1.08, 2.0, 0.0], [0.0, 0.0, 0.0]])
    assert_close(returns(adv, VALUES, MASK), expected, **TOL)


def test_gae_rejects_bad_input():
    with pytest.raises(ValueError, match="row"):
        gae(torch.tensor([[math.inf]]), torch.zeros(1, 1), torch.ones(1, 1))
    with pytest.raises(ValueError, match="lam"):
        gae(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1), lam=1.5)
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        gae(torch.zeros(2), torch.zeros(2), torch.ones(2))


# group 0: rows 0-3 rewards (1, 0, 0, 1); group 1: rows 4-5 (2, 2) zero variance; group 2: row 6 alone (G=1)
R = torch.tensor([1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 5.0])
G = torch.tensor([0, 0, 0, 0, 1, 1, 2])


def test_leave_one_out_hand_computed():
    # group 0 sum 2, K 4: r=1 -> baseline (2-1)/3 = 1/3, A = 2/3; r=0 -> baseline 2/3, A = -2/3
    # group 1: baselines 2, A = 0; group 2: G=1 -> baseline = own reward, A = 0
    b = torch.tensor([1 / 3, 2 / 3, 2 / 3, 1 / 3, 2.0, 2.0, 5.0])
    assert_close(leave_one_out_baseline(R, G), b, **TOL)
    assert_close(leave_one_out(R, G), torch.tensor([2 / 3, -2 / 3, -2 / 3, 2 / 3, 0.0, 0.0, 0.0]), **TOL)


def test_leave_one_out_is_k_over_k_minus_1_times_mean_centred():
    r, g = torch.tensor([3.0, 1.0, 2.0]), torch.tensor([4, 4, 4])
    # mean 2, centred (1, -1, 0), K/(K-1) = 1.5
    assert_close(leave_one_out(r, g), torch.tensor([1.5, -1.5, 0.0]), **TOL)


def test_group_and_batch_mean_baselines():
    # group means 0.5, 2, 5; batch mean (1+0+0+1+2+2+5)/7 = 11/7
    assert_close(group_mean_baseline(R, G), torch.tensor([0.5, 0.5, 0.5, 0.5, 2.0, 2.0, 5.0]), **TOL)
    assert_close(batch_mean_baseline(R, G), torch.full((7,), 11 / 7), **TOL)


def test_ema_update():
    # 0.9 * 1.0 + 0.1 * mean(2, 4) = 0.9 + 0.3 = 1.2
    assert_close(ema_update(torch.tensor(1.0), torch.tensor([2.0, 4.0]), decay=0.9), torch.tensor(1.2), **TOL)
    with pytest.raises(ValueError, match="decay"):
        ema_update(torch.tensor(0.0), torch.tensor([1.0]), decay=1.0)


def test_baselines_reject_non_finite_and_float_groups():
    with pytest.raises(ValueError, match="row 1"):
        leave_one_out(torch.tensor([0.0, math.nan]), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match="integer"):
        group_mean_baseline(torch.tensor([0.0]), torch.tensor([0.0]))


def test_doctests():
    assert doctest.testmod(advantages_module).failed == 0

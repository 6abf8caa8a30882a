"""Hand-computed checks of the DAPO, REINFORCE++ and ReMax estimators and filters."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.advantages.pg_variants as pgv
from lit_reason.advantages.pg_variants import (
    greedy_baseline_advantages,
    informative_groups,
    kl_shaped_rewards,
    overlong_filter,
    reinforce_pp_advantages,
    reinforce_pp_baseline_advantages,
    reward_to_go,
    soft_overlong_penalty,
)

TOL = {"atol": 1e-6, "rtol": 1e-5}


def test_doctests():
    assert doctest.testmod(pgv).failed == 0


def test_informative_groups_edge_cases():
    # group 5: mixed; group 2: all equal (zero variance); group 9: one sample (G = 1); rows need not be contiguous
    rewards = torch.tensor([1.0, 0.5, 0.5, 0.0, 0.5, 3.0])
    group = torch.tensor([5, 2, 2, 5, 2, 9])
    assert informative_groups(rewards, group).tolist() == [True, False, False, True, False, False]
    with pytest.raises(ValueError, match="non-finite reward at row 1"):
        informative_groups(torch.tensor([0.0, float("nan")]), torch.tensor([0, 0]))


def test_soft_overlong_penalty_band():
    # L_max = 10, L_cache = 3: free up to 7; 8 -> -1/3, 9 -> -2/3, 10 -> -1, beyond -> -1
    out = soft_overlong_penalty(torch.tensor([0, 7, 8, 9, 10, 12]), max_len=10, cache=3)
    assert_close(out, torch.tensor([0.0, 0.0, -1 / 3, -2 / 3, -1.0, -1.0]), **TOL)
    with pytest.raises(ValueError, match="cache"):
        soft_overlong_penalty(torch.tensor([1]), max_len=4, cache=5)


def test_overlong_filter_masks_truncated_rows_only():
    mask = torch.tensor([[1, 1, 0], [1, 1, 1], [0, 0, 0]])
    out = overlong_filter(mask, torch.tensor([True, False, True]))
    assert out.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="finished"):
        overlong_filter(mask, torch.tensor([True]))


def test_kl_shaped_rewards_and_reward_to_go():
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    kl = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, float("nan")]])  # padding is never read
    r = kl_shaped_rewards(torch.tensor([1.0, -1.0]), kl, mask, coef=0.5)
    # row 0: (-0.05, -0.1, 1 - 0.15); row 1: (-0.2, -1 - 0.25, 0)
    assert_close(r, torch.tensor([[-0.05, -0.1, 0.85], [-0.2, -1.25, 0.0]]), **TOL)
    g = reward_to_go(r, mask)
    # sums of the remaining rewards: row 0 (0.7, 0.75, 0.85); row 1 (-1.45, -1.25, 0)
    assert_close(g, torch.tensor([[0.7, 0.75, 0.85], [-1.45, -1.25, 0.0]]), **TOL)
    assert_close(reward_to_go(r, mask, gamma=0.5)[0, 0], torch.tensor(-0.05 - 0.05 + 0.85 / 4), **TOL)


def test_reinforce_pp_normalises_over_the_global_batch_tokens():
    mask = torch.tensor([[1, 1], [1, 0]])
    token_rewards = torch.tensor([[0.0, 3.0], [0.0, 0.0]])
    adv = reinforce_pp_advantages(token_rewards, mask)
    # reward-to-go on valid tokens: 3, 3, 0; mean 2, unbiased var ((1 + 1 + 4) / 2) = 3
    s = math.sqrt(3.0)
    assert_close(adv, torch.tensor([[1 / s, 1 / s], [-2 / s, 0.0]]), **TOL)


def test_reinforce_pp_baseline_by_hand_and_zero_variance():
    mask = torch.tensor([[1, 1], [1, 0], [1, 1]])
    rewards, group = torch.tensor([1.0, 0.0, 5.0]), torch.tensor([0, 0, 1])
    adv = reinforce_pp_baseline_advantages(rewards, group, mask)
    # centred: +0.5, -0.5, 0 (group of one); per valid token: 0.5, 0.5, -0.5, 0, 0 -> mean 0.1,
    # deviations 0.4, 0.4, -0.6, -0.1, -0.1; unbiased var (0.16 + 0.16 + 0.36 + 0.01 + 0.01) / 4 = 0.175
    s = math.sqrt(0.175)
    expected = torch.tensor([[0.4, 0.4], [-0.6, 0.0], [-0.1, -0.1]]) / s
    assert_close(adv, expected, **TOL)
    flat = reinforce_pp_baseline_advantages(torch.tensor([2.0, 2.0]), torch.tensor([0, 0]), torch.ones(2, 3))
    assert flat.abs().max().item() == 0.0  # all-equal rewards: no signal, not 0 / 0


def test_greedy_baseline_advantages():
    adv = greedy_baseline_advantages(torch.tensor([1.0, 0.0, 1.0]), torch.tensor([0.0, 0.0, 1.0]))
    assert adv.tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="non-finite greedy reward at row 0"):
        greedy_baseline_advantages(torch.tensor([1.0]), torch.tensor([float("inf")]))
    with pytest.raises(ValueError, match=r"\(B,\)"):
        greedy_baseline_advantages(torch.tensor([1.0]), torch.tensor([1.0, 2.0]))

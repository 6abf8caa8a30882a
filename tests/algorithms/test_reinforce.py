"""REINFORCE baselines (eq 61) and RLOO (eq 62) inside the module, hand-computed; state round trip."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.algorithms import REINFORCE, RLOO
from lit_reason.policy import Policy
from lit_reason.rollout import Rollout
from lit_reason.tiny import TinyConfig

TOL = {"atol": 1e-6, "rtol": 1e-5}


def policy():
    return Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))


def rollout(rewards, group):
    b = len(rewards)
    return Rollout(
        prompt_ids=torch.ones(b, 2, dtype=torch.long), prompt_mask=torch.ones(b, 2, dtype=torch.long),
        completion_ids=torch.ones(b, 2, dtype=torch.long), completion_mask=torch.ones(b, 2, dtype=torch.long),
        sampler_logprobs=torch.zeros(b, 2), group=torch.tensor(group), finished=torch.ones(b, dtype=torch.bool),
        prompts=[""] * b, completions=[""] * b, rewards=torch.tensor(rewards),
    )


R = rollout([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], [0, 0, 0, 0, 1, 1])


@pytest.mark.parametrize(("kw", "expected"), [
    # group 0 mean 0.5, group 1 mean 1
    ({"baseline": "group_mean"}, [0.5, -0.5, -0.5, 0.5, 0.0, 0.0]),
    # batch mean 4/6
    ({"baseline": "batch_mean"}, [1 / 3, -2 / 3, -2 / 3, 1 / 3, 1 / 3, 1 / 3]),
    ({"baseline": "constant", "baseline_value": 0.25}, [0.75, -0.25, -0.25, 0.75, 0.75, 0.75]),
    ({"baseline": "none"}, [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
    # group 0: r=1 -> 1 - 1/3, r=0 -> 0 - 2/3; group 1: 1 - 1
    ({"baseline": "leave_one_out"}, [2 / 3, -2 / 3, -2 / 3, 2 / 3, 0.0, 0.0]),
    # quantile ranks: the two 0s share rank 1.5, the four 1s rank 4.5: 1.5/6 - 0.5 = -0.25, 4.5/6 - 0.5 = 0.25;
    # then the group-0 mean is 0 and group 1's is 0.25
    ({"baseline": "group_mean", "reward_norm": "quantile"}, [0.25, -0.25, -0.25, 0.25, 0.0, 0.0]),
])
def test_advantages(kw, expected):
    assert_close(REINFORCE(policy(), **kw).advantages(R).advantages, torch.tensor(expected), **TOL)


def test_rloo_is_reinforce_with_leave_one_out():
    assert_close(RLOO(policy()).advantages(R).advantages, torch.tensor([2 / 3, -2 / 3, -2 / 3, 2 / 3, 0.0, 0.0]), **TOL)


def test_ema_baseline_uses_past_rollouts_only_and_survives_a_checkpoint():
    m = REINFORCE(policy(), baseline="ema", ema_decay=0.9)
    # rollout 1: no past -> its own mean 0.5; EMA after: 0.9*0.5 + 0.1*0.5 = 0.5
    first = rollout([1.0, 0.0, 0.0, 1.0], [0, 0, 1, 1])
    assert_close(m.advantages(first).advantages, torch.tensor([0.5, -0.5, -0.5, 0.5]), **TOL)
    # rollout 2 (all 1): baseline 0.5 from the past; EMA after: 0.9*0.5 + 0.1*1 = 0.55
    second = rollout([1.0, 1.0], [0, 0])
    assert_close(m.advantages(second).advantages, torch.tensor([0.5, 0.5]), **TOL)
    ckpt = {}
    m.on_save_checkpoint(ckpt)
    restored = REINFORCE(policy(), baseline="ema", ema_decay=0.9)
    restored.on_load_checkpoint(ckpt)
    assert_close(restored.baseline_ema, torch.tensor(0.55), **TOL)
    assert_close(restored.advantages(second).advantages, torch.tensor([0.45, 0.45]), **TOL)


def test_ema_reward_norm_state_round_trip():
    m = REINFORCE(policy(), baseline="none", reward_norm="ema", ema_decay=0.5)
    # first batch seeds the moments with its own (mean 0.5, var 0.25), then eq 122-123:
    # mu = 0.5*0.5 + 0.5*0.5 = 0.5; var = 0.5*0.25 + 0.5*0.25 = 0.25 -> (r - 0.5) / 0.5 = +-1
    assert_close(m.advantages(rollout([1.0, 0.0], [0, 1])).advantages, torch.tensor([1.0, -1.0]), atol=1e-6, rtol=1e-5)
    ckpt = {}
    m.on_save_checkpoint(ckpt)
    restored = REINFORCE(policy(), baseline="none", reward_norm="ema", ema_decay=0.5)
    restored.on_load_checkpoint(ckpt)
    assert_close(torch.stack(list(restored.reward_moments)), torch.tensor([0.5, 0.25]), **TOL)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="baseline must be one of"):
        REINFORCE(policy(), baseline="mean")
    with pytest.raises(ValueError, match="reward_norm"):
        REINFORCE(policy(), reward_norm="zscore")
    with pytest.raises(ValueError, match="ema_decay"):
        REINFORCE(policy(), ema_decay=1.0)

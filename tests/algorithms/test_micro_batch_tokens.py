"""Token-budget micro-batches: the same accumulated gradients as fixed micro-batches, fewer padded positions."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.algorithms import GRPO, BatchSettings
from lit_reason.algorithms.accumulate import accumulate
from lit_reason.batching import padded_positions, token_budget_batches
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

ROWS = [{"prompt": p, "answer": "1"} for p in ("1+2=", "10+5=", "123+45=", "7+7=")]


def module(**kw):
    torch.manual_seed(0)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    m = GRPO(policy, rewards=["tests.algorithms.test_micro_batch_tokens.length_reward"], verifier=None,
             sampling=SamplingParams(n=4, max_new_tokens=12), **kw)
    m.manual_backward = lambda loss: loss.backward()  # no Trainer: plain autograd
    return m


def length_reward(prompts, completions, **columns):
    return [float(len(c)) for c in completions]


def _grads(m, rollout):
    m.zero_grad()
    out = accumulate(m, rollout)
    return out, {n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("aggregation", ["token", "sequence"])
def test_same_gradients_as_fixed_micro_batches(aggregation):
    fixed = module(batching=BatchSettings(micro_batch_size=4), loss_aggregation=aggregation)
    budget = module(batching=BatchSettings(micro_batch_tokens=40), loss_aggregation=aggregation)
    budget.load_state_dict(fixed.state_dict())
    rollout, _ = fixed.collect(ROWS)
    rollout.advantages = fixed.advantages(rollout).advantages
    out_f, g_f = _grads(fixed, rollout)
    out_b, g_b = _grads(budget, rollout)
    assert g_f.keys() == g_b.keys() and g_f
    for name in g_f:
        assert_close(g_b[name], g_f[name], atol=1e-5, rtol=1e-5)
    assert out_b["loss"] == pytest.approx(out_f["loss"], abs=1e-5)
    p, c = rollout.prompt_mask.sum(1), rollout.completion_mask.sum(1)
    fixed_split = [torch.arange(i, min(i + 4, len(rollout))) for i in range(0, len(rollout), 4)]
    # the budget split is the module's own: fewer positions than the count split of the same rollout
    assert padded_positions(p, c, token_budget_batches(p, c, 40)) < padded_positions(p, c, fixed_split)


def test_the_two_micro_batch_options_exclude_each_other():
    with pytest.raises(ValueError, match="micro_batch_size or micro_batch_tokens"):
        module(batching=BatchSettings(micro_batch_size=2, micro_batch_tokens=64))
    with pytest.raises(ValueError, match="micro_batch_tokens must be >= 1"):
        module(batching=BatchSettings(micro_batch_tokens=0))

"""GRPO's ``policy_loss`` objectives on the tiny model: one update raises the log-probability of what the
advantages favour, for every objective; the entropy bonus and the covariance metrics are wired."""

import pytest
import torch

from lit_reason.algorithms import GRPO, OptimizerSettings
from lit_reason.algorithms.objectives import OBJECTIVES
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

ROWS = [{"prompt": f"{i}+{i}=", "answer": str(2 * i)} for i in range(4)]


def sevens(prompts, completions, **columns):
    return [c.count("7") / max(len(c), 1) for c in completions]


def make(**kw):
    torch.manual_seed(0)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return GRPO(policy, rewards=[sevens], verifier=None, sampling=SamplingParams(n=8, max_new_tokens=6),
                optimizer=OptimizerSettings(lr=1e-2), **kw)


def _sequence_logp(module, rollout):
    with torch.no_grad():
        return module.logprob_stats(rollout).logprobs.sum(1)  # (B,)


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_one_update_moves_log_probs_along_the_advantages(name):
    # every objective's gradient at ratio 1 is a policy gradient: after a small step, sum_i A_i d log pi(y_i)
    # is lr |grad|^2 > 0 to first order (the same on every CPU: one step from a fixed start, no sampling after)
    extra = {"cov_ratio": 0.2, "cov_bounds": (-10.0, 10.0)} if name.endswith("cov") else {}
    module = make(policy_loss=name, **extra)
    rollout, _ = module.collect(ROWS)
    rollout.advantages = module.advantages(rollout)
    assert rollout.advantages.abs().sum() > 0
    before = _sequence_logp(module, rollout)
    out = module.loss(rollout.trimmed())
    assert torch.isfinite(out.loss) and "entropy" in out.metrics
    out.loss.backward()
    with torch.no_grad():
        for p in module.parameters():
            if p.grad is not None:
                p -= 0.05 * p.grad
    change = _sequence_logp(module, rollout) - before
    assert (rollout.advantages * change).sum() > 0
    if name.endswith("cov"):
        assert 0 < out.metrics["cov_selected_frac"] <= 0.2 + 1e-6 and "entropy_cov" in out.metrics


def test_entropy_bonus_raises_the_entropy():
    # advantages all 0: the only gradient is the entropy bonus, and one step must raise the entropy
    module = make(entropy_coef=1.0)
    rollout, _ = module.collect(ROWS)
    rollout.advantages = torch.zeros(len(rollout))
    before = module.logprob_stats(rollout).entropy[rollout.completion_mask.bool()].mean()
    module.loss(rollout.trimmed()).loss.backward()
    with torch.no_grad():
        for p in module.parameters():
            if p.grad is not None:
                p -= 0.05 * p.grad
    after = module.logprob_stats(rollout).entropy[rollout.completion_mask.bool()].mean()
    assert after > before


def test_unknown_policy_loss_names_the_choices():
    with pytest.raises(ValueError, match=r"policy_loss must be one of \['cispo', 'clip', 'clip_cov'"):
        make(policy_loss="ppo2")
    with pytest.raises(ValueError, match="cov_ratio"):
        make(policy_loss="kl_cov", cov_ratio=2.0)

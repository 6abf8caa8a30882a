"""The policy-gradient variants on the tiny model.

GRPO's ``policy_loss`` objectives, REINFORCE++ and ReMax: one update raises the log-probability of what the
advantages favour; the entropy bonus and the covariance metrics are wired; each estimator's own behaviour
(REINFORCE++ needs no group, ReMax's baseline is the greedy reward).
"""

import pytest
import torch

from lit_reason.algorithms import GRPO, KLSettings, OptimizerSettings
from lit_reason.algorithms.objectives import OBJECTIVES
from lit_reason.algorithms.reinforce_pp import REINFORCEPlusPlus
from lit_reason.algorithms.remax import ReMax
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

ROWS = [{"prompt": f"{i}+{i}=", "answer": str(2 * i)} for i in range(4)]


def sevens(prompts, completions, **columns):
    return [c.count("7") / max(len(c), 1) for c in completions]


def lengthy(prompts, completions, **columns):
    """Varies across the samples of an untrained model (``sevens`` is mostly 0 there)."""
    return [len(c) / 6 for c in completions]


def make(cls=GRPO, n=8, reward=sevens, **kw):
    torch.manual_seed(0)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return cls(policy, rewards=[reward], verifier=None, sampling=SamplingParams(n=n, max_new_tokens=6),
               optimizer=OptimizerSettings(lr=1e-2), **kw)


def _sequence_logp(module, rollout):
    with torch.no_grad():
        return module.logprob_stats(rollout).logprobs.sum(1)  # (B,)


def _sgd_step(module, rollout, lr=0.05):
    """One plain gradient step on the module's loss; returns the loss output."""
    out = module.loss(rollout.trimmed())
    out.loss.backward()
    with torch.no_grad():
        for p in module.parameters():
            if p.grad is not None:
                p -= lr * p.grad
    return out


def _moves_along_advantages(module, rollout) -> bool:
    # at ratio 1 every objective's gradient is a policy gradient: after a small step, sum_i A_i d log pi(y_i)
    # is lr |grad|^2 > 0 to first order (the same on every CPU: one step from a fixed start)
    before = _sequence_logp(module, rollout)
    _sgd_step(module, rollout)
    adv = rollout.advantages if rollout.advantages.dim() == 1 else rollout.advantages.sum(1)
    return bool((adv * (_sequence_logp(module, rollout) - before)).sum() > 0)


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_one_update_moves_log_probs_along_the_advantages(name):
    extra = {"cov_ratio": 0.2, "cov_bounds": (-10.0, 10.0)} if name.endswith("cov") else {}
    module = make(policy_loss=name, **extra)
    rollout, _ = module.collect(ROWS)
    module.annotate(rollout)  # reference log-probs (annotate's job since the select/annotate hooks)
    rollout.advantages = module.advantages(rollout).advantages
    assert rollout.advantages.abs().sum() > 0
    out = module.loss(rollout.trimmed())
    assert torch.isfinite(out.loss) and "entropy" in out.metrics
    module.zero_grad()
    assert _moves_along_advantages(module, rollout)
    if name.endswith("cov"):
        assert 0 < out.metrics["cov_selected_frac"] <= 0.2 + 1e-6 and "entropy_cov" in out.metrics


@pytest.mark.behaviour
def test_entropy_bonus_raises_the_entropy():
    # advantages all 0: the only gradient is the entropy bonus, and one step must raise the entropy
    module = make(entropy_coef=1.0)
    rollout, _ = module.collect(ROWS)
    module.annotate(rollout)  # reference log-probs (annotate's job since the select/annotate hooks)
    rollout.advantages = torch.zeros(len(rollout))
    before = module.logprob_stats(rollout).entropy[rollout.completion_mask.bool()].mean()
    _sgd_step(module, rollout, lr=0.5)
    after = module.logprob_stats(rollout).entropy[rollout.completion_mask.bool()].mean()
    print("entropy bonus before", before.item(), "after", after.item())
    # The untrained model is near the maximum entropy log V, so one step raises it by little, but by far more
    # than float rounding (~3e-7 here): observed 4.606246 -> 4.606644 (+4.0e-4) under the native, avx2 and
    # default kernels alike (one step from a fixed start; no trajectory to diverge).
    assert after > before + 1e-4, (before, after)


def test_unknown_policy_loss_names_the_choices():
    with pytest.raises(ValueError, match=r"policy_loss must be one of \['cispo', 'clip', 'clip_cov'"):
        make(policy_loss="ppo2")
    with pytest.raises(ValueError, match="cov_ratio"):
        make(policy_loss="kl_cov", cov_ratio=2.0)


@pytest.mark.parametrize("baseline", ["none", "group_mean"])
def test_reinforce_pp_needs_no_group_and_moves_along_its_advantages(baseline):
    # one sample per prompt: GRPO's advantage would be 0 everywhere; REINFORCE++'s batch statistics are not
    module = make(REINFORCEPlusPlus, n=1 if baseline == "none" else 8, reward=lengthy, baseline=baseline,
                  kl=KLSettings(0.05))
    rollout, _ = module.collect(ROWS * 4)
    module.annotate(rollout)  # reference log-probs (annotate's job since the select/annotate hooks)
    rollout.advantages = module.advantages(rollout).advantages  # (B, T), whitened over the valid tokens
    valid = rollout.completion_mask.bool()
    assert rollout.advantages.shape == valid.shape and rollout.advantages[valid].abs().sum() > 0
    assert abs(rollout.advantages[valid].mean().item()) < 1e-5
    assert abs(rollout.advantages[valid].std().item() - 1.0) < 1e-3
    assert module.kl_in_loss is (baseline == "group_mean")
    assert _moves_along_advantages(module, rollout)


def test_remax_baseline_is_the_greedy_reward():
    module = make(ReMax, reward=lengthy)
    rollout, metrics = module.collect(ROWS)
    module.annotate(rollout)  # reference log-probs (annotate's job since the select/annotate hooks)
    adv = module.advantages(rollout).advantages
    greedy = rollout.columns["greedy_completion"]
    assert metrics["greedy_reward_none_frac"] == 0.0
    for i, text in enumerate(rollout.completions):
        # the reward is a function of the text: a sample that is the greedy response has advantage 0
        expected = lengthy([], [text])[0] - lengthy([], [greedy[i]])[0]
        assert adv[i].item() == pytest.approx(expected, abs=1e-6)
    rollout.advantages = adv
    assert adv.abs().sum() > 0 and _moves_along_advantages(module, rollout)


def test_settings_that_would_train_nothing_are_refused():
    # group_mean with one sample: the reward minus its own mean is 0; ReMax at T=0: each sample is the greedy one
    with pytest.raises(ValueError, match=r"REINFORCEPlusPlus\(baseline=group_mean\): sampling.n must be >= 2"):
        make(REINFORCEPlusPlus, n=1, baseline="group_mean")
    with pytest.raises(ValueError, match="ReMax: sampling.temperature 0"):
        ReMax(Policy("tiny"), rewards=[lengthy], verifier=None, sampling=SamplingParams(n=2, temperature=0.0))
    make(REINFORCEPlusPlus, n=1, baseline="none")  # batch-normalised: one sample per prompt is its setting
    make(ReMax, n=1)

"""GRPO: Group Relative Policy Optimization (report sec 3.2, eq 23-26).

Shao et al. 2024, DeepSeekMath (arXiv:2402.03300) sec 4.1. G samples per prompt; the advantage of a sample
is its reward normalised within its group (eq 23); the loss is the clipped surrogate (eq 25) plus beta times
the KL to a frozen reference (eq 26), per token, aggregated by ``loss_aggregation``.

Deliberate deviations from the report's equations, each the common practice of TRL / verl / OpenRLHF:
- The KL term is the per-token k3 estimator (Schulman 2020) on the sampled tokens, not the full-vocabulary
  KL of eq 128 (``kl_estimator`` selects k1/k2/k3).
- Separate low/high clipping (``eps_low``, ``eps_high``; DAPO's clip-higher) generalises eq 25's single eps.
- The default aggregation is the token mean (DAPO); ``loss_aggregation: sequence`` gives eq 24 exactly.
- With ``update_epochs=1`` and one minibatch the ratio is 1 and the clip never acts (pure on-policy).
"""

from __future__ import annotations

from torch import Tensor

from lit_reason.advantages import group_normalized
from lit_reason.algorithms.base import LossOutput, OnPolicyModule
from lit_reason.losses import aggregate, approx_kl, clip_fraction, clipped_surrogate, kl_penalty
from lit_reason.rollout import Rollout


class GRPO(OnPolicyModule):
    """Group Relative Policy Optimization.

    Args:
        eps_low: Lower clip range (ratio >= 1 - eps_low).
        eps_high: Upper clip range (ratio <= 1 + eps_high).
        scale_rewards: Divide by the group's reward std (eq 23); False gives Dr. GRPO's mean-centring.
        **kwargs: Everything of :class:`OnPolicyModule` (policy, rewards, sampling, kl_coef, ...).
    """

    def __init__(self, *args, eps_low: float = 0.2, eps_high: float = 0.2, scale_rewards: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if eps_low < 0 or eps_high < 0:
            raise ValueError(f"GRPO: eps_low and eps_high must be >= 0, got {eps_low}, {eps_high}")
        self.save_hyperparameters(ignore=["policy"])

    def advantages(self, rollout: Rollout) -> Tensor:
        return group_normalized(rollout.rewards, rollout.group, std=self.hparams.scale_rewards)

    def loss(self, minibatch: Rollout) -> LossOutput:
        mb, hp = minibatch, self.hparams
        stats = self.policy.token_logprobs(
            mb.input_ids, mb.attention_mask, mb.completion_mask, temperature=self._logprob_temperature,
            entropy=True,
        )
        mask = mb.completion_mask
        per_token = clipped_surrogate(stats.logprobs, mb.old_logprobs, mb.advantages,
                                      eps_low=hp.eps_low, eps_high=hp.eps_high)
        metrics = {
            "entropy": aggregate(stats.entropy, mask, "token"),
            "clip_frac": clip_fraction(stats.logprobs, mb.old_logprobs, mb.advantages, mask,
                                       eps_low=hp.eps_low, eps_high=hp.eps_high),
            "approx_kl_old": approx_kl(stats.logprobs, mb.old_logprobs, mask),
        }
        if mb.ref_logprobs is not None:
            kl = kl_penalty(stats.logprobs, mb.ref_logprobs, kind=hp.kl_estimator)
            per_token = per_token + self.kl_coef * kl
            metrics["kl"] = aggregate(kl.detach(), mask, "token")
        loss = aggregate(per_token, mask, hp.loss_aggregation, max_len=self.sampling.max_new_tokens)
        return LossOutput(loss, {k: v.detach() for k, v in metrics.items()})

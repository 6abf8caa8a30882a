"""REINFORCE++ and REINFORCE++-baseline (Hu 2025, arXiv:2501.03262), as OpenRLHF runs them.

Both are critic-free PPO-clip methods on GRPO's loss and differ from GRPO only in the advantage:

- ``baseline: none`` (REINFORCE++, eq 3-5): the token rewards are the outcome reward on the last token
  minus ``kl_coef`` x the per-token KL to the reference (``kl.estimator``, the paper's k1 by default) on
  every token; the advantage of a token is its reward-to-go, normalised over all tokens of the global
  batch (no per-prompt group, so it works with one sample per prompt).
- ``baseline: group_mean`` (REINFORCE++-baseline): the reward minus its prompt group's mean, normalised
  over the global batch; the KL stays in the loss (``kl.estimator: k2`` as OpenRLHF recommends).

Deliberate deviations: none in the estimators; the loss is GRPO's (any ``policy_loss``), aggregated by
``loss_aggregation``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lit_reason.advantages.pg_variants import (
    kl_shaped_rewards,
    reinforce_pp_advantages,
    reinforce_pp_baseline_advantages,
)
from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.algorithms.guards import group_relative_errors, kl_errors
from lit_reason.algorithms.settings import KLSettings
from lit_reason.losses import kl_penalty
from lit_reason.rollout import Rollout

BASELINES = ("none", "group_mean")


class REINFORCEPlusPlus(GRPO):
    """REINFORCE++ (``baseline: none``) and REINFORCE++-baseline (``baseline: group_mean``).

    Args:
        baseline: ``none`` (KL in the reward, eq 3) or ``group_mean`` (KL in the loss).
        gamma: Discount of the reward-to-go (``baseline: none``), in [0, 1].
        kl: As :class:`OnPolicyModule`'s; ``kl.estimator`` defaults to ``k1`` in the reward (the paper's
            ``log pi_old / pi_ref``) and ``k2`` in the loss (``group_mean``, as OpenRLHF recommends; k1 there is
            rejected).
        **kwargs: Everything of :class:`GRPO` and :class:`OnPolicyModule`.
    """

    kl_in_loss = False  # the class default (baseline none); group_mean sets it True below
    group_relative = False  # baseline none normalises over the batch; group_mean is checked in __init__

    def __init__(
        self, *args: Any, baseline: str = "none", gamma: float = 1.0, kl: KLSettings | None = None,
        **kwargs: Any,
    ) -> None:
        kl = kl or KLSettings()
        kl = replace(kl, estimator=kl.estimator or ("k2" if baseline == "group_mean" else "k1"))
        super().__init__(*args, kl=kl, **kwargs)
        if baseline == "group_mean" and (errors := kl_errors(self.kl_estimator, in_loss=True)):  # k1 does nothing
            raise ValueError("REINFORCEPlusPlus: " + errors[0])
        if self.hparams.sample_weight is not None or self.hparams.strata is not None:
            raise ValueError("REINFORCEPlusPlus: sample_weight and strata are GRPO advantage variants; its own "
                             "advantage ignores them")
        if baseline == "group_mean" and (errors := group_relative_errors(self.sampling)):
            raise ValueError("REINFORCEPlusPlus(baseline=group_mean): " + "; ".join(errors))
        if baseline not in BASELINES or not 0.0 <= gamma <= 1.0:
            raise ValueError(f"REINFORCEPlusPlus: baseline must be one of {BASELINES} and gamma in [0, 1], got "
                             f"{baseline!r}, {gamma}")
        self.kl_in_loss = baseline == "group_mean"

    def advantages(self, rollout: Rollout) -> Targets:
        mask = rollout.completion_mask
        if self.hparams.baseline == "group_mean":
            return Targets(reinforce_pp_baseline_advantages(rollout.rewards, rollout.group, mask))  # (B, T)
        kl = 0.0 * rollout.old_logprobs
        if rollout.ref_logprobs is not None:
            kl = kl_penalty(rollout.old_logprobs, rollout.ref_logprobs, kind=self.kl_estimator)
        token_rewards = kl_shaped_rewards(rollout.rewards, kl, mask, coef=self.kl_coef)
        return Targets(reinforce_pp_advantages(token_rewards, mask, gamma=self.hparams.gamma))  # (B, T)

"""REINFORCE with a baseline (report sec 6.10.1 eq 61) and RLOO (sec 6.10.2 eq 62).

Williams 1992; Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization for
Learning from Human Feedback in LLMs" (arXiv:2402.14740). The advantage of a completion is its
sequence reward minus a baseline ``b`` that does not depend on the completion's own tokens, and the
loss is ``-(pi / pi_old) * A`` per token (``losses.policy_gradient``), aggregated by
``loss_aggregation``, plus ``kl_coef`` x the per-token KL to the reference as in GRPO.

Baselines (``baseline``):
- ``none``: b = 0.
- ``constant``: b = ``baseline_value``.
- ``batch_mean``: b = the rollout's mean reward (eq 61's R-bar).
- ``group_mean``: b = the mean reward of the prompt's K samples (eq 61's self average).
- ``ema``: b = an exponential moving average of past rollouts' mean rewards (eq 122), updated after
  use so that a rollout never sees its own rewards in its baseline; kept in checkpoints.
- ``leave_one_out``: b = the mean of the prompt's other K-1 samples: RLOO (eq 62).

Deliberate deviations: none in the estimator. Rewards can be normalised first (``reward_norm``:
``batch`` eq 121, ``ema`` eq 122-123, ``quantile`` eq 124); with ``batching.update_epochs > 1`` the ratio is
the importance weight of the later passes, unclipped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from torch import Tensor

from lit_reason.advantages.group import BASELINES as GROUP_BASELINES
from lit_reason.advantages.group import ema_update, zero_baseline
from lit_reason.advantages.normalize import (
    REWARD_NORMALIZERS,
    RunningMoments,
    ema_moments_update,
    ema_normalize,
)
from lit_reason.algorithms.base import LossOutput, OnPolicyModule, Targets
from lit_reason.algorithms.guards import group_relative_errors
from lit_reason.losses.policy import policy_gradient
from lit_reason.rollout import Rollout

Baseline = Callable[[Tensor, Tensor], Tensor]
BASELINES = (*GROUP_BASELINES, "constant", "ema")
REWARD_NORMS = (*REWARD_NORMALIZERS, "ema")


class REINFORCE(OnPolicyModule):
    """REINFORCE with a baseline; RLOO is ``baseline: leave_one_out``.

    Args:
        baseline: One of ``none``, ``constant``, ``batch_mean``, ``group_mean``, ``ema``,
            ``leave_one_out`` (module docstring).
        baseline_value: b of the ``constant`` baseline.
        ema_decay: beta of the ``ema`` baseline and of the ``ema`` reward normaliser.
        reward_norm: Normalise rewards before the baseline: ``batch``, ``ema``, ``quantile`` or None.
        **kwargs: Everything of :class:`OnPolicyModule` (policy, rewards, sampling, batching, kl, ...).
    """

    checkpointed = (*OnPolicyModule.checkpointed, "baseline_ema", "reward_moments")

    def __init__(
        self,
        *args: Any,
        baseline: str = "group_mean",
        baseline_value: float = 0.0,
        ema_decay: float = 0.9,
        reward_norm: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        errors = []
        if baseline not in BASELINES:
            errors.append(f"baseline must be one of {BASELINES}, got {baseline!r}")
        if reward_norm is not None and reward_norm not in REWARD_NORMS:
            errors.append(f"reward_norm must be one of {REWARD_NORMS} or null, got {reward_norm!r}")
        if not 0.0 <= ema_decay < 1.0:
            errors.append(f"ema_decay must be in [0, 1), got {ema_decay}")
        if baseline in ("group_mean", "leave_one_out"):
            errors += group_relative_errors(self.sampling)
        if errors:
            raise ValueError(f"{type(self).__name__}: " + "; ".join(errors))
        stateful: dict[str, Baseline] = {"constant": partial(zero_baseline, value=baseline_value),
                                         "ema": self._ema_baseline}
        self._baseline = {**GROUP_BASELINES, **stateful}[baseline]
        norms = {None: lambda r: r, **REWARD_NORMALIZERS, "ema": self._ema_normalize}
        self._normalize: Callable[[Tensor], Tensor] = norms[reward_norm]
        self.baseline_ema: Tensor | None = None  # state of the ema baseline
        self.reward_moments: RunningMoments | None = None  # state of the ema reward normaliser

    def _ema_baseline(self, rewards: Tensor, group: Tensor) -> Tensor:
        """The average of past rollouts (the first rollout uses its own mean), then the update of eq 122."""
        prev = rewards.mean().detach() if self.baseline_ema is None else self.baseline_ema.to(rewards)
        self.baseline_ema = ema_update(prev, rewards, decay=self.hparams.ema_decay)
        return prev.expand_as(rewards)

    def _ema_normalize(self, rewards: Tensor) -> Tensor:
        first = RunningMoments(rewards.mean(), rewards.var(unbiased=False))
        state = first if self.reward_moments is None else RunningMoments(*self.reward_moments)  # a tuple if resumed
        self.reward_moments = ema_moments_update(state, rewards, decay=self.hparams.ema_decay)
        return ema_normalize(rewards, self.reward_moments)

    def advantages(self, rollout: Rollout) -> Targets:
        rewards = self._normalize(rollout.rewards)
        return Targets(rewards - self._baseline(rewards, rollout.group))  # (B,)

    def loss(self, minibatch: Rollout) -> LossOutput:
        stats = self.logprob_stats(minibatch)
        per_token = policy_gradient(stats.logprobs, minibatch.old_logprobs, minibatch.advantages)  # (B, T)
        metrics: dict[str, Tensor] = {}
        loss = self.finish_loss(per_token, stats, minibatch, metrics)
        return LossOutput(loss, {k: v.detach() for k, v in metrics.items()})


class RLOO(REINFORCE):
    """REINFORCE Leave-One-Out (report eq 62): REINFORCE whose baseline is the other samples' mean.

    Args:
        baseline: Kept selectable for symmetry with REINFORCE; ``leave_one_out`` is RLOO.
        **kwargs: Everything of :class:`REINFORCE` and :class:`OnPolicyModule`.
    """

    def __init__(self, *args: Any, baseline: str = "leave_one_out", **kwargs: Any) -> None:
        super().__init__(*args, baseline=baseline, **kwargs)

"""The policy objectives GRPO selects by name (``policy_loss``): PPO clip, GSPO, CISPO, GMPO, Clip-Cov, KL-Cov.

Each objective maps ``(logp, old_logp, advantages, mask)`` to a per-token loss (B, T) and its diagnostics;
the pure functions live in ``losses/`` (with their papers' equations). The name is resolved once, in
``GRPO.__init__``; an objective holds its hyperparameters and, for Clip-Cov, the RNG of its token draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import torch
from torch import Tensor

from lit_reason.losses import clip_fraction, clipped_surrogate, token_mean
from lit_reason.losses.policy_variants import (
    cispo_clip_fraction,
    cispo_surrogate,
    clip_cov_selection,
    clip_cov_surrogate,
    gmpo_clip_fraction,
    gmpo_surrogate,
    gspo_clip_fraction,
    gspo_surrogate,
    kl_cov_selection,
    kl_cov_surrogate,
    token_covariance,
)


class ObjectiveOutput(NamedTuple):
    """A per-token policy loss (B, T) and diagnostics (metric names without ``train/``)."""

    per_token: Tensor
    metrics: dict[str, Tensor]


@dataclass
class Clip:
    """PPO / GRPO clipped surrogate (report eq 25; DAPO clip-higher with ``eps_high > eps_low``)."""

    eps_low: float = 0.2
    eps_high: float = 0.2

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        eps = {"eps_low": self.eps_low, "eps_high": self.eps_high}
        return ObjectiveOutput(clipped_surrogate(logp, old_logp, adv, **eps),
                               {"clip_frac": clip_fraction(logp, old_logp, adv, mask, **eps)})


@dataclass
class GSPO(Clip):
    """GSPO: the clip on the length-normalised sequence ratio (arXiv:2507.18071 eq 5-7)."""

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        eps = {"eps_low": self.eps_low, "eps_high": self.eps_high}
        return ObjectiveOutput(gspo_surrogate(logp, old_logp, adv, mask=mask, **eps),
                               {"clip_frac": gspo_clip_fraction(logp, old_logp, adv, mask, **eps)})


@dataclass
class CISPO(Clip):
    """CISPO: the clipped, detached IS weight on every token's log-probability (arXiv:2506.13585 eq 4-5)."""

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        eps = {"eps_low": self.eps_low, "eps_high": self.eps_high}
        return ObjectiveOutput(cispo_surrogate(logp, old_logp, adv, **eps),
                               {"clip_frac": cispo_clip_fraction(logp, old_logp, mask, **eps)})


@dataclass
class GMPO(Clip):
    """GMPO: the geometric mean of the token ratios, clipped in log space (arXiv:2507.20673 eq 4)."""

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        eps = {"eps_low": self.eps_low, "eps_high": self.eps_high}
        return ObjectiveOutput(gmpo_surrogate(logp, old_logp, adv, mask=mask, **eps),
                               {"clip_frac": gmpo_clip_fraction(logp, old_logp, adv, mask, **eps)})


@dataclass
class ClipCov(Clip):
    """Clip-Cov (Cui et al. 2025, arXiv:2505.22617): the clip, plus no gradient for a few high-covariance tokens."""

    cov_ratio: float = 2e-4
    cov_low: float = 1.0
    cov_high: float = 5.0
    generator: torch.Generator = field(default_factory=lambda: torch.Generator().manual_seed(0))

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        eps = {"eps_low": self.eps_low, "eps_high": self.eps_high}
        selected = clip_cov_selection(logp, old_logp, adv, mask, ratio=self.cov_ratio, low=self.cov_low,
                                      high=self.cov_high, generator=self.generator, **eps)
        return ObjectiveOutput(clip_cov_surrogate(logp, old_logp, adv, selected=selected, **eps),
                               {"clip_frac": clip_fraction(logp, old_logp, adv, mask, **eps),
                                **_cov_metrics(logp, adv, mask, selected)})


@dataclass
class KLCov:
    """KL-Cov (Cui et al. 2025, arXiv:2505.22617): no clip; a KL penalty on the top-covariance tokens."""

    cov_ratio: float = 2e-3
    cov_kl_coef: float = 1.0

    def __call__(self, logp: Tensor, old_logp: Tensor, adv: Tensor, mask: Tensor) -> ObjectiveOutput:
        selected = kl_cov_selection(logp, adv, mask, ratio=self.cov_ratio)
        return ObjectiveOutput(kl_cov_surrogate(logp, old_logp, adv, selected=selected, kl_coef=self.cov_kl_coef),
                               _cov_metrics(logp, adv, mask, selected))


def _cov_metrics(logp: Tensor, adv: Tensor, mask: Tensor, selected: Tensor) -> dict[str, Tensor]:
    # entropy_cov is the quantity whose sign drives the entropy's change (Cui et al.): EntropyMonitor reads it
    return {"entropy_cov": token_mean(token_covariance(logp.detach(), adv, mask), mask),
            "cov_selected_frac": token_mean(selected.to(logp.dtype), mask)}


OBJECTIVES = {"clip": Clip, "gspo": GSPO, "cispo": CISPO, "gmpo": GMPO, "clip_cov": ClipCov, "kl_cov": KLCov}

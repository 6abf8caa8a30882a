"""Reward-model losses and the aggregation of process rewards (report sec 3.5.5, 6.14).

- Bradley-Terry pairwise loss of an outcome reward model, report eq 31 (Ouyang et al. 2022,
  arXiv:2203.02155 eq 1): ``P(y_w > y_l | x) = sigmoid(r(x, y_w) - r(x, y_l))``, minimised as
  ``-log sigmoid(r_w - r_l)``.
- Per-step cross-entropy of a process reward model (Lightman et al. 2023, arXiv:2305.20050; Math-Shepherd,
  Wang et al. 2024, arXiv:2312.08935 eq 3): soft labels in [0, 1] are allowed (Math-Shepherd's "soft
  estimation").
- Aggregation of step probabilities into one solution score: product, report eq 66 / eq 144
  (``prod_t P(step t correct)``), or min (the weakest step; Lightman et al. sec 2.6 and Math-Shepherd use it).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def bradley_terry_loss(chosen: Tensor, rejected: Tensor, *, margin: float = 0.0) -> Tensor:
    """Report eq 31 as a loss: ``mean(-log sigmoid(r_w - r_l - margin))``.

    Args:
        chosen: (B,) rewards of the preferred completions.
        rejected: (B,) rewards of the dispreferred ones.
        margin: Required gap (Llama 2's margin loss, arXiv:2307.09288 eq 2); 0 is eq 31.

    Returns:
        0-dim loss (NaN propagates from non-finite rewards).
    """
    return -F.logsigmoid(chosen - rejected - margin).mean()


def pair_accuracy(chosen: Tensor, rejected: Tensor) -> Tensor:
    """Fraction of pairs with ``r_w > r_l`` (ties count as wrong). (B,), (B,) -> 0-dim."""
    return (chosen > rejected).float().mean()


def step_bce(logits: Tensor, labels: Tensor, mask: Tensor) -> Tensor:
    """Mean binary cross-entropy over the real steps: ``-[l log p + (1 - l) log(1 - p)]``, ``p = sigmoid``.

    Args:
        logits: (B, S) step logits.
        labels: (B, S) step labels in [0, 1] (hard 0/1 or Math-Shepherd soft estimates).
        mask: (B, S) 1 on real steps, 0 on padding. An all-zero mask gives 0.

    Returns:
        0-dim loss.
    """
    per_step = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), reduction="none")
    m = mask.to(per_step.dtype)
    return (per_step * m).sum() / m.sum().clamp(min=1)


def product_aggregate(step_probs: Tensor, mask: Tensor) -> Tensor:
    """Report eq 66 / eq 144: ``prod_t P(step t correct)`` over the real steps; a row with no steps gives 1.

    Args:
        step_probs: (B, S) probabilities in [0, 1].
        mask: (B, S) 1 on real steps.

    Returns:
        (B,) solution scores.
    """
    return torch.where(mask.bool(), step_probs, torch.ones_like(step_probs)).prod(-1)


def min_aggregate(step_probs: Tensor, mask: Tensor) -> Tensor:
    """``min_t P(step t correct)`` over the real steps; a row with no steps gives 1. (B, S), (B, S) -> (B,)."""
    return torch.where(mask.bool(), step_probs, torch.ones_like(step_probs)).amin(-1)


STEP_AGGREGATIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "product": product_aggregate,
    "min": min_aggregate,
}


def resolve_step_aggregation(name: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The aggregation called ``name``; an unknown name raises an error listing the valid ones."""
    if name not in STEP_AGGREGATIONS:
        raise ValueError(f"unknown step aggregation {name!r}; choose one of {sorted(STEP_AGGREGATIONS)}")
    return STEP_AGGREGATIONS[name]

"""CREL's reward equations as pure functions of tensors (report sec 7.9.3, eq 102-103).

Only ``torch`` is imported; ``rewards.py`` turns graphs into these tensors.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _masked_rate(hits: Tensor, mask: Tensor, name: str) -> Tensor:
    if hits.shape != mask.shape or hits.dim() != 2:
        raise ValueError(f"{name}: the hits and mask must be (B, N) of one shape, got {tuple(hits.shape)} and "
                         f"{tuple(mask.shape)}")
    count = mask.sum(dim=1)
    rate = (hits & mask).sum(dim=1).float() / count.clamp(min=1)
    return torch.where(count > 0, rate, torch.full_like(rate, float("nan")))


def graph_accuracy(matched: Tensor, mask: Tensor) -> Tensor:
    """Eq 102: ``R_causal = accuracy(CausalGraph_pred, CausalGraph_true)``, the fraction of the true graph's
    result nodes that the solution's graph reproduces (same value from the same parent values).

    Args:
        matched: (B, N) bool, true node n of row b has a matching node in the solution's graph.
        mask: (B, N) bool, node n exists in row b's true graph (rows have different sizes).

    Returns:
        (B,) float; NaN for a row whose true graph has no result node (nothing to score).

    Example:
        >>> graph_accuracy(torch.tensor([[True, False]]), torch.tensor([[True, True]])).tolist()
        [0.5]
    """
    return _masked_rate(matched, mask, "graph_accuracy")


def intervention_accuracy(follows: Tensor, mask: Tensor) -> Tensor:
    """Eq 103: ``R_intervention = E_{do(X=x)} 1[Y_hat = Y]``, the fraction of interventions after which the
    prediction still equals the true outcome of the intervened problem.

    Args:
        follows: (B, K) bool, under intervention k the prediction of row b equals the true outcome.
        mask: (B, K) bool, intervention k exists for row b.

    Returns:
        (B,) float; NaN for a row without interventions.

    Example:
        >>> intervention_accuracy(torch.tensor([[True, True, False]]), torch.tensor([[True, True, True]])).tolist()
        [0.6666666865348816]
    """
    return _masked_rate(follows, mask, "intervention_accuracy")

"""Verifier loss of V-STaR (report sec 6.13.2, eq 65) and its accuracy diagnostic.

The report's eq 65 is the binary cross-entropy of an outcome verifier,
``L_V = -E[l log V(x, y) + (1 - l) log(1 - V(x, y))]`` with ``l`` = 1 for a correct solution. (The V-STaR
paper, Hosseini et al. 2024, arXiv:2402.06457, trains its verifier with DPO on correct/incorrect pairs;
this follows the report.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def verifier_bce(logits: Tensor, labels: Tensor, mask: Tensor | None = None) -> Tensor:
    """Eq 65 on logits, ``V = sigmoid(logit)``, averaged over the rows where ``mask`` is 1.

    Args:
        logits: (B,) verifier logits.
        labels: (B,) 1 for a correct solution, 0 for an incorrect one.
        mask: (B,) rows to include; default all. An all-zero mask gives 0 (no rows, no loss).

    Returns:
        0-dim loss.
    """
    labels = labels.to(logits.dtype)
    per_row = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")  # stable log-sigmoid form
    if mask is None:
        return per_row.mean()
    m = mask.to(per_row.dtype)
    return (per_row * m).sum() / m.sum().clamp(min=1)


def verifier_accuracy(logits: Tensor, labels: Tensor, threshold: float = 0.5) -> Tensor:
    """Fraction of rows where ``V = sigmoid(logit) > threshold`` agrees with the label.

    Args:
        logits: (B,) verifier logits.
        labels: (B,) 0/1 labels.
        threshold: Decision threshold on V.

    Returns:
        0-dim accuracy in [0, 1] (NaN for B = 0).
    """
    predicted = torch.sigmoid(logits) > threshold
    return (predicted == labels.bool()).float().mean()


def verifier_auc(logits: Tensor, labels: Tensor) -> Tensor:
    """Area under the ROC curve: the probability that a random correct row scores above a random incorrect
    one (ties count 1/2), by the Mann-Whitney rank sum. 0.5 is chance, whatever the class balance.

    Args:
        logits: (B,) verifier scores (any monotone transform of V gives the same value).
        labels: (B,) 0/1 labels.

    Returns:
        0-dim AUC; NaN when either class is absent.
    """
    pos = labels.bool()
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return torch.tensor(float("nan"))
    values, inverse, counts = torch.unique(logits.float(), return_inverse=True, return_counts=True)
    first_rank = torch.cumsum(counts, 0) - counts + 1  # 1-based rank of each distinct value's first row
    avg_rank = (first_rank + (counts - 1) / 2.0)[inverse]  # tied rows share the mean of their ranks
    return (avg_rank[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)

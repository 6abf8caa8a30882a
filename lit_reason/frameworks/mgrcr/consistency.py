"""MGRCR's consistency equations as pure functions of tensors (report sec 7.4.3 eq 85-87, sec 7.4.5 eq 88).

Shapes: ``B`` samples, ``K`` consistency terms (the internal ones of eq 85, then the cross ones of eq 86).
A term that does not apply to a sample (no equation to check, a group of one) is *undefined*, carried by an
explicit ``defined`` mask, never as a NaN or a 0.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from lit_reason.advantages.group import group_normalized


class Scored(NamedTuple):
    """Per-sample consistency scores and where they are defined (same shape)."""

    score: Tensor
    defined: Tensor


def group_agreement(answer_ids: Tensor, group: Tensor) -> Scored:
    """Eq 85 at the solution granularity: ``consistency({u_1, ..., u_G})`` over a group's final answers.

    A sample's score is the fraction of the *other* samples of its prompt whose final answer equals its own
    (answer ids compare canonical answers; ``-1`` = no answer, which agrees with nothing). Undefined for a
    group of one.

    Args:
        answer_ids: (B,) long, the canonical final answer's id, -1 where none was found.
        group: (B,) long group ids (the samples of one prompt).

    Example:
        >>> s = group_agreement(torch.tensor([4, 4, 5, -1, 2]), torch.tensor([0, 0, 0, 0, 1]))
        >>> [round(x, 4) for x in s.score.tolist()], s.defined.tolist()  # 1 of 3 others; none; no answer; alone
        ([0.3333, 0.3333, 0.0, 0.0, 0.0], [True, True, True, True, False])
    """
    same_group = group[:, None] == group[None, :]  # (B, B)
    others = same_group.sum(1) - 1
    eye = torch.eye(len(group), dtype=torch.bool, device=group.device)
    agree = same_group & ~eye & (answer_ids[:, None] == answer_ids[None, :]) & (answer_ids[:, None] >= 0)
    defined = others > 0
    score = torch.where(defined, agree.sum(1).float() / others.clamp(min=1).float(), torch.zeros(len(group), device=group.device))
    return Scored(score, defined)


def consistency_reward(scores: Tensor, defined: Tensor, weights: Tensor) -> Scored:
    """Eq 87: ``R_consistency = sum_g lambda_g R_internal^(g) + sum_{g1<g2} mu_{g1,g2} R_cross^(g1,g2)``.

    Taken as the weighted *mean* over the terms defined for the sample (weights renormalised): a sample
    whose solution has no equations is neither rewarded nor punished for the span terms. With every term
    defined it is eq 87 divided by the constant ``sum(weights)``, which GRPO's group normalisation cancels.
    A sample with no defined term gets 0 and ``defined=False``.

    Args:
        scores: (B, K) term scores in [0, 1] (any value where undefined).
        defined: (B, K) bool.
        weights: (K,) lambda_g then mu_{g1,g2}, >= 0.

    Returns:
        ``Scored`` of (B,) rewards and (B,) "any term defined".
    """
    w = weights[None, :] * defined  # (B, K)
    total = w.sum(1)
    s = torch.where(defined, scores, torch.zeros_like(scores))
    reward = torch.where(total > 0, (w * s).sum(1) / total.clamp(min=1e-12), torch.zeros_like(total))
    return Scored(reward, total > 0)


def mgrcr_advantages(outcome: Tensor, consistency: Tensor, group: Tensor, *, alpha: float,
                     std: bool = True) -> Tensor:
    """Eq 88's ``L_base + alpha L_consistency`` as one advantage: ``A_outcome + alpha A_consistency``.

    Both losses are GRPO surrogates (linear in the advantage), each on its own reward normalised within the
    prompt's group (eq 23), so their weighted sum is one surrogate on the summed advantages; normalising
    each reward apart keeps alpha the relative weight of the two signals whatever their scales. eq 88's
    beta L_regularization is GRPO's entropy bonus (``entropy_coef``), applied in the loss.

    Args:
        outcome: (B,) outcome rewards. consistency: (B,) eq 87 rewards. group: (B,) group ids.
        alpha: Weight of the consistency loss. std: Divide by the group std (eq 23) or not (Dr. GRPO).

    Example:
        >>> a = mgrcr_advantages(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]), torch.tensor([0, 0]),
        ...                      alpha=0.5, std=False)
        >>> a.tolist()  # outcome (0.5, -0.5); consistency equal within the group: no signal
        [0.5, -0.5]
    """
    return group_normalized(outcome, group, std=std) + alpha * group_normalized(consistency, group, std=std)

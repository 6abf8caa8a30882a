"""ARRE's equations as pure functions of tensors (report sec 7.6, eq 94-95, alg 13).

Only ``torch`` is imported: the module (``module.py``) turns rollouts into these tensors.
"""

from __future__ import annotations

import torch
from torch import Tensor


def worst_case_variant(loss: Tensor, valid: Tensor) -> Tensor:
    """Eq 94: the perturbation q' of each question with the largest loss, ``argmax_{q' in B(q)} L(pi, q', a*)``.

    Column 0 is the question itself and columns 1..V-1 its perturbations; the argmax runs over the valid
    perturbations only (a question with none gets -1). Ties go to the lowest column.

    Args:
        loss: (S, V) estimated loss of each question's variants (e.g. ``-mean reward`` of its samples).
        valid: (S, V) bool, which variants exist.

    Returns:
        (S,) long: the chosen column, or -1.

    Example:
        >>> worst_case_variant(torch.tensor([[0.0, -1.0, -0.25]]), torch.tensor([[True, True, True]])).tolist()
        [2]
    """
    if loss.shape != valid.shape or loss.dim() != 2:
        raise ValueError(f"worst_case_variant: loss and valid must be (S, V) of one shape, got {tuple(loss.shape)}"
                         f" and {tuple(valid.shape)}")
    masked = loss.masked_fill(~valid, float("-inf"))
    masked[:, 0] = float("-inf")
    choice = masked.argmax(dim=1)
    return torch.where(torch.isfinite(masked.max(dim=1).values), choice, torch.full_like(choice, -1))


def consistency_reward(keys: Tensor, source: Tensor, perturbed: Tensor) -> Tensor:
    """Eq 95's consistency term as a per-sample reward: agreement of the reasoning on q and on q'.

    ``L_consistency(q, q') = 1 - E_{o ~ pi(q), o' ~ pi(q')} 1[key(o) = key(o')]``; the reward of a sample is
    its share of that agreement: the fraction of the *other* side's samples of its question (clean samples
    for a perturbed one, perturbed for a clean one) whose key equals its own. Maximising the summed reward by
    policy gradient minimises ``L_consistency``. A NaN key (no answer) agrees with nothing; a sample whose
    question has no sample on the other side gets 0.

    Args:
        keys: (B,) float answer key per sample (ARRE: the answer minus the variant's reference answer, so the
            same error after a number renaming counts as consistent).
        source: (B,) long, the question each sample's prompt was derived from.
        perturbed: (B,) bool, True for samples of a perturbed variant.

    Returns:
        (B,) float in [0, 1].

    Example:
        >>> consistency_reward(torch.tensor([0.0, 1.0, 0.0, 0.0]), torch.tensor([0, 0, 0, 0]),
        ...                    torch.tensor([False, False, True, True])).tolist()
        [1.0, 0.0, 0.5, 0.5]
    """
    if not keys.shape == source.shape == perturbed.shape or keys.dim() != 1:
        raise ValueError(f"consistency_reward: keys, source and perturbed must be (B,), got {tuple(keys.shape)}, "
                         f"{tuple(source.shape)}, {tuple(perturbed.shape)}")
    same_key = keys[:, None] == keys[None, :]  # (B, B); NaN != NaN
    other = (source[:, None] == source[None, :]) & (perturbed[:, None] != perturbed[None, :])
    count = other.sum(dim=1)
    agree = (same_key & other).sum(dim=1)
    return torch.where(count > 0, agree.to(keys.dtype) / count.clamp(min=1), torch.zeros_like(keys))


def stage_strength(eps0: float, alpha: float, stage: int) -> float:
    """Alg 13 line 3: the perturbation strength of stage ``s``, ``eps_s = eps_0 (1 + alpha s)``.

    Example:
        >>> stage_strength(1.0, 0.5, 2)
        2.0
    """
    if stage < 0:
        raise ValueError(f"stage_strength: stage must be >= 0, got {stage}")
    return eps0 * (1.0 + alpha * stage)

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


def transplant_pairs(correct: Tensor, source: Tensor, variant: Tensor, worst: Tensor, *, limit: int) -> tuple[Tensor, Tensor]:
    """Eq 95's consistency term ``L_consistency(q, q')``: which solutions of q to score on q'.

    ``L_consistency(q, q') = -E_{o ~ pi(.|q), o correct} log pi(o | q')``: the reasoning that solved q should be
    the policy's reasoning on its perturbation q' too. Its samples are pairs (a prompt row of q', a correct
    completion of q); for each question ``s`` with an adversarial variant ``worst[s]``, up to ``limit`` of
    its clean correct samples, each paired with the first sample row of ``(s, worst[s])``.

    Args:
        correct: (B,) bool verdict per sample.
        source: (B,) long question index of each sample.
        variant: (B,) long variant of each sample (0 = the question itself).
        worst: (S,) long adversarial variant per question (eq 94), -1 for none.
        limit: Pairs per question at most.

    Returns:
        ``(prompt_rows, completion_rows)``, two (M,) long tensors of sample indices.

    Example:
        >>> transplant_pairs(torch.tensor([True, False, False, True]), torch.tensor([0, 0, 0, 0]),
        ...                  torch.tensor([0, 0, 1, 1]), torch.tensor([1]), limit=4)
        (tensor([2]), tensor([0]))
    """
    if not correct.shape == source.shape == variant.shape or correct.dim() != 1:
        raise ValueError(f"transplant_pairs: correct, source and variant must be (B,), got {tuple(correct.shape)}, "
                         f"{tuple(source.shape)}, {tuple(variant.shape)}")
    prompts, completions = [], []
    for s, v in enumerate(worst.tolist()):
        target = ((source == s) & (variant == v)).nonzero().flatten()
        if v < 1 or len(target) == 0:
            continue
        solved = ((source == s) & (variant == 0) & correct).nonzero().flatten()[:limit]
        prompts.append(target[:1].expand(len(solved)))
        completions.append(solved)
    empty = torch.zeros(0, dtype=torch.long)
    return (torch.cat(prompts) if prompts else empty), (torch.cat(completions) if completions else empty)


def transplant_advantages(rewards: Tensor, group: Tensor, transplanted: Tensor) -> Tensor:
    """The consistency term's advantages (eq 95): a transplanted sample's reward minus the mean reward of the
    sampled (not transplanted) members of its group; 0 for sampled rows, and for a group without sampled rows.

    Args:
        rewards: (B,) reward per row.
        group: (B,) long group id per row.
        transplanted: (B,) bool, the rows :func:`transplant_pairs` made.

    Example:
        >>> transplant_advantages(torch.tensor([0.0, 0.5, 1.0]), torch.tensor([3, 3, 3]),
        ...                       torch.tensor([False, False, True])).tolist()
        [0.0, 0.0, 0.75]
    """
    if not rewards.shape == group.shape == transplanted.shape or rewards.dim() != 1:
        raise ValueError(f"transplant_advantages: rewards, group and transplanted must be (B,), got "
                         f"{tuple(rewards.shape)}, {tuple(group.shape)}, {tuple(transplanted.shape)}")
    _, ids = torch.unique(group, return_inverse=True)
    sampled = (~transplanted).to(rewards.dtype)
    total = torch.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=rewards.dtype).index_add(0, ids, rewards * sampled)
    count = torch.zeros_like(total).index_add(0, ids, sampled)
    baseline = total[ids] / count[ids].clamp(min=1)
    return torch.where(transplanted & (count[ids] > 0), rewards - baseline, torch.zeros_like(rewards))


def stage_strength(eps0: float, alpha: float, stage: int) -> float:
    """Alg 13 line 3: the perturbation strength of stage ``s``, ``eps_s = eps_0 (1 + alpha s)``.

    Example:
        >>> stage_strength(1.0, 0.5, 2)
        2.0
    """
    if stage < 0:
        raise ValueError(f"stage_strength: stage must be >= 0, got {stage}")
    return eps0 * (1.0 + alpha * stage)

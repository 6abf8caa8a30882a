"""Token-budget micro-batches: split a minibatch by the positions a forward pays for, not by a sample count.

A trimmed micro-batch of n samples is a tensor of ``n x (longest prompt + longest completion)`` positions
(prompts are left-padded, completions right-padded). Fixed-count micro-batches in rollout order mix short
and long samples and pad the short ones; sorting by length and filling each micro-batch up to a budget of
positions keeps similar lengths together (fewer padded positions) and bounds the activation memory of
every forward by the budget instead of by the longest sample times the count. Because a micro-batch's loss
is weighted by its share of the minibatch (tokens or samples, ``OnPolicyModule``), the accumulated gradient
is the same for any split (the OpenRLHF / verl "dynamic batch size" idea).
"""

from __future__ import annotations

import torch
from torch import Tensor


def _check(prompt_lengths: Tensor, completion_lengths: Tensor) -> None:
    if prompt_lengths.dim() != 1 or prompt_lengths.shape != completion_lengths.shape:
        raise ValueError(f"prompt_lengths and completion_lengths must both be (B,); got "
                         f"{tuple(prompt_lengths.shape)}, {tuple(completion_lengths.shape)}")


def token_budget_batches(prompt_lengths: Tensor, completion_lengths: Tensor, budget: int) -> list[Tensor]:
    """Sample indices split into micro-batches of at most ``budget`` padded positions each.

    Samples are taken longest first (stable for equal lengths) and added to the current micro-batch while
    ``count x (max prompt + max completion)`` stays within ``budget``; a sample longer than the budget
    alone gets a micro-batch of its own.

    Args:
        prompt_lengths: (B,) valid prompt tokens per sample.
        completion_lengths: (B,) valid completion tokens per sample.
        budget: Positions per micro-batch, >= 1.

    Returns:
        Index tensors that together hold every sample once.

    Example:
        >>> [b.tolist() for b in token_budget_batches(torch.tensor([2, 2, 2]), torch.tensor([1, 6, 2]), 10)]
        [[1], [2, 0]]
    """
    _check(prompt_lengths, completion_lengths)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"the micro-batch token budget must be an int >= 1; got {budget!r}")
    order = torch.sort(prompt_lengths + completion_lengths, descending=True, stable=True).indices
    batches: list[list[int]] = []
    max_p = max_c = 0
    for i in order.tolist():
        p, c = int(prompt_lengths[i]), int(completion_lengths[i])
        if batches and (len(batches[-1]) + 1) * (max(max_p, p) + max(max_c, c)) <= budget:
            batches[-1].append(i)
            max_p, max_c = max(max_p, p), max(max_c, c)
        else:
            batches.append([i])
            max_p, max_c = p, c
    return [torch.tensor(b, dtype=torch.long) for b in batches]


def padded_positions(prompt_lengths: Tensor, completion_lengths: Tensor, batches: list[Tensor]) -> int:
    """Positions the trimmed micro-batches hold in all: ``sum_b |b| x (max prompt + max completion)``.

    Args:
        prompt_lengths: (B,) valid prompt tokens per sample.
        completion_lengths: (B,) valid completion tokens per sample.
        batches: Index tensors, e.g. from ``token_budget_batches``.

    Returns:
        The total, an int (compare it with ``(prompt_lengths + completion_lengths).sum()``, the real tokens).

    Example:
        >>> padded_positions(torch.tensor([2, 2]), torch.tensor([1, 6]), [torch.tensor([0, 1])])
        16
    """
    _check(prompt_lengths, completion_lengths)
    return sum(len(b) * int(prompt_lengths[b].max() + completion_lengths[b].max()) for b in batches if len(b))

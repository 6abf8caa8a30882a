"""Reward normalisers of report sec 8.3.3 (eq. 121-124): pure functions of tensors.

The moving-average normaliser is stateful across iterations; its state (mean, variance) is a
``RunningMoments`` tuple that the caller keeps and passes back, so the update rule stays a pure function.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from lit_reason.advantages.group import out_dtype


def _check(rewards: Tensor) -> None:
    if rewards.dim() != 1:
        raise ValueError(f"rewards must be (B,); got {tuple(rewards.shape)}")
    bad = (~torch.isfinite(rewards)).nonzero().flatten()
    if bad.numel():
        raise ValueError(f"non-finite reward at row {int(bad[0])}: {rewards[bad[0]].item()}")


def batch_normalize(rewards: Tensor, *, eps: float = 1e-8) -> Tensor:
    """``(r - mean_batch) / (std_batch + eps)``, report eq. 121 (population std over the batch).

    Args:
        rewards: (B,) rewards.
        eps: Added to the standard deviation.

    Returns:
        (B,) normalised rewards; all 0 when the batch has zero variance.

    Example:
        >>> batch_normalize(torch.tensor([1.0, 3.0])).tolist()
        [-1.0, 1.0]
    """
    _check(rewards)
    centered = rewards - rewards.mean()
    return centered / (centered.square().mean().sqrt() + eps)


class RunningMoments(NamedTuple):
    """State of the moving-average normaliser: mean mu and variance sigma^2 (0-dim tensors)."""

    mean: Tensor
    var: Tensor


def ema_moments_update(state: RunningMoments, rewards: Tensor, *, decay: float = 0.99) -> RunningMoments:
    """One update of eq. 122-123 with a batch of rewards.

    ``mu_t = beta mu_{t-1} + (1 - beta) mean(r)``; ``sigma_t^2 = beta sigma_{t-1}^2 + (1 - beta) mean((r - mu_t)^2)``.
    The report writes the update for one reward ``r_t``; a batch contributes its mean and its mean
    squared deviation from the new ``mu_t``.

    Args:
        state: Previous moments.
        rewards: (B,) this batch's rewards.
        decay: beta in [0, 1).

    Returns:
        The new moments.

    Example:
        >>> s = ema_moments_update(RunningMoments(torch.tensor(0.0), torch.tensor(1.0)), torch.tensor([2.0]), decay=0.5)
        >>> s.mean.item(), s.var.item()
        (1.0, 1.0)
    """
    _check(rewards)
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"decay must be in [0, 1); got {decay}")
    r = rewards.to(state.mean.dtype)
    mean = decay * state.mean + (1 - decay) * r.mean()
    var = decay * state.var + (1 - decay) * (r - mean).square().mean()
    return RunningMoments(mean, var)


def ema_normalize(rewards: Tensor, state: RunningMoments, *, eps: float = 1e-8) -> Tensor:
    """``(r - mu_t) / (sigma_t + eps)`` with moving-average moments (report eq. 122-123).

    Args:
        rewards: (B,) rewards.
        state: Moments, usually just updated with this batch by ``ema_moments_update``.
        eps: Added to the standard deviation.

    Returns:
        (B,) normalised rewards.

    Example:
        >>> ema_normalize(torch.tensor([3.0]), RunningMoments(torch.tensor(1.0), torch.tensor(4.0))).tolist()
        [1.0]
    """
    _check(rewards)
    return (rewards - state.mean) / (state.var.clamp(min=0).sqrt() + eps)


def quantile_normalize(rewards: Tensor) -> Tensor:
    """``rank(r) / N - 0.5`` (report eq. 124): ranks 1..N, ties given their average rank.

    Robust to reward outliers: only the order matters. The values lie in ``(-0.5, 0.5]``.

    Args:
        rewards: (B,) rewards.

    Returns:
        (B,) normalised rewards; an empty input gives an empty output.

    Example:
        >>> quantile_normalize(torch.tensor([10.0, -3.0, 10.0, 0.0])).tolist()
        [0.375, -0.25, 0.375, 0.0]
    """
    _check(rewards)
    n = rewards.numel()
    below = (rewards.unsqueeze(0) < rewards.unsqueeze(1)).sum(1)  # (B,) strictly smaller values
    equal = (rewards.unsqueeze(0) == rewards.unsqueeze(1)).sum(1)  # (B,) ties, self included
    rank = below.to(torch.float64) + (equal.to(torch.float64) + 1) / 2  # average 1-based rank
    return (rank / max(n, 1) - 0.5).to(out_dtype(rewards))


# Stateless normalisers selectable by name; the EMA one needs state and is used through its two functions.
REWARD_NORMALIZERS = {"batch": batch_normalize, "quantile": quantile_normalize}

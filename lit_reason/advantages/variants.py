"""The GRPO variants of report sec 3.2.6: weighted (eq 29), hierarchical by difficulty, adaptive group size
(eq 30). Pure functions of tensors; ``lit_reason.algorithms.GRPO`` selects them from YAML.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.advantages.group import group_index, group_sums, out_dtype


def weighted_group_normalized(rewards: Tensor, group: Tensor, weights: Tensor, *, eps: float = 1e-4) -> Tensor:
    """Weighted GRPO, eq 29: ``A_i = w_i (r_i - rbar_w) / (sigma_r + eps)``.

    ``rbar_w = sum_g w r / sum_g w`` is the group's weighted mean and ``sigma_r`` its unbiased reward
    standard deviation (the one of eq 23, so unit weights give plain GRPO). The weights express what the
    report lists: problem difficulty, sample novelty. A group whose rewards are all equal gets 0.

    Args:
        rewards: (B,) rewards.
        group: (B,) integer group ids.
        weights: (B,) non-negative sample weights; each group needs a positive total.
        eps: Added to the standard deviation.

    Returns:
        (B,) advantages in the rewards' dtype.

    Example:
        >>> r, g = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0, 0, 0])
        >>> [round(a, 4) for a in weighted_group_normalized(r, g, torch.tensor([2.0, 1.0, 1.0])).tolist()]
        [1.7318, -0.8659, -0.8659]
    """
    r, idx, n = group_index(rewards, group)
    w = weights.to(torch.float64)
    if w.shape != r.shape or (w < 0).any() or not torch.isfinite(w).all():
        raise ValueError(f"weights must be (B,) finite and >= 0, got shape {tuple(weights.shape)}")
    zeros = torch.zeros(n, dtype=torch.float64, device=r.device)
    w_sum = zeros.index_add(0, idx, w)
    if (w_sum <= 0).any():
        raise ValueError("every group needs a positive total weight")
    count = zeros.index_add(0, idx, torch.ones_like(r))
    mean = zeros.index_add(0, idx, r) / count
    std = (zeros.index_add(0, idx, (r - mean[idx]).square()) / (count - 1).clamp(min=1)).sqrt()
    w_mean = zeros.index_add(0, idx, w * r) / w_sum
    adv = w * (r - w_mean[idx]) / (std[idx] + eps)
    return torch.where(std[idx] == 0, torch.zeros_like(adv), adv).to(out_dtype(rewards))


def stratified_group_normalized(rewards: Tensor, group: Tensor, stratum: Tensor, *, eps: float = 1e-4) -> Tensor:
    """Hierarchical GRPO (sec 3.2.6): group-centred rewards scaled per difficulty stratum.

    The report's three steps: stratify problems by difficulty; normalise inside each stratum on its own;
    aggregate the strata with weights. Here ``A_i = lambda_s (r_i - mean(r_g)) / (sigma_s + eps)``, where
    ``sigma_s`` is the pooled within-group standard deviation of stratum s (divisor ``N_s - G_s``) and
    ``lambda_s = B / (S N_s)`` gives each of the S strata the same total weight. Dividing by the stratum's
    pooled spread instead of each group's own keeps a nearly unanimous group of a hard stratum from being
    blown up to unit scale (the per-group std's difficulty bias, Liu et al. 2025, Dr. GRPO), while strata
    of different reward scales still contribute equally.

    Args:
        rewards: (B,) rewards.
        group: (B,) integer group ids (a group lies in one stratum).
        stratum: (B,) integer stratum ids, e.g. difficulty levels.
        eps: Added to each stratum's standard deviation.

    Returns:
        (B,) advantages in the rewards' dtype.

    Example:
        >>> r = torch.tensor([1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
        >>> g, s = torch.tensor([0, 0, 1, 1, 2, 2]), torch.tensor([0, 0, 0, 0, 1, 1])
        >>> [round(a, 3) for a in stratified_group_normalized(r, g, s).tolist()]
        [0.75, -0.75, 0.0, 0.0, 1.061, -1.061]
    """
    r, g_idx, n_groups = group_index(rewards, group)
    _, s_idx, n_strata = group_index(rewards, stratum)
    zeros = torch.zeros(n_groups, dtype=torch.float64, device=r.device)
    centred = r - (zeros.index_add(0, g_idx, r) / zeros.index_add(0, g_idx, torch.ones_like(r)))[g_idx]
    s_zeros = torch.zeros(n_strata, dtype=torch.float64, device=r.device)
    size = s_zeros.index_add(0, s_idx, torch.ones_like(r))
    groups_in = s_zeros.index_add(0, s_idx, _first_of_group(g_idx, n_groups).to(torch.float64))
    sigma = (s_zeros.index_add(0, s_idx, centred.square()) / (size - groups_in).clamp(min=1)).sqrt()
    scale = len(r) / (n_strata * size)
    return (scale[s_idx] * centred / (sigma[s_idx] + eps)).to(out_dtype(rewards))


def adaptive_group_sizes(
    difficulty: Tensor, base: int, alpha: float, *, min_size: int = 2, max_size: int | None = None
) -> Tensor:
    """Adaptive GRPO, eq 30: ``G_q = G_base exp(alpha difficulty(q))``, rounded and clamped.

    Harder problems get larger groups, hence lower-variance advantages (eq 28: ``Var ~ Var[r] / (G - 1)``).

    Args:
        difficulty: (Q,) difficulty per prompt (any real scale; alpha sets the sensitivity).
        base: G_base >= 1.
        alpha: Growth rate; 0 gives ``base`` for every prompt.
        min_size: Smallest group (2: a group of one has no relative advantage).
        max_size: Largest group (bounds the rollout's cost); None for no bound.

    Returns:
        (Q,) long tensor of group sizes.

    Example:
        >>> adaptive_group_sizes(torch.tensor([0.0, 1.0, 2.0]), 4, 0.6931, max_size=12).tolist()
        [4, 8, 12]
    """
    if base < 1 or min_size < 1 or (max_size is not None and max_size < min_size):
        raise ValueError(f"need base >= 1 and 1 <= min_size <= max_size; got {base}, {min_size}, {max_size}")
    d = difficulty.to(torch.float64)
    if not torch.isfinite(d).all():
        raise ValueError("difficulty must be finite")
    sizes = torch.round(base * torch.exp(alpha * d)).clamp(min=min_size)
    if max_size is not None:
        sizes = sizes.clamp(max=max_size)
    return sizes.long()


def novelty_weights(duplicates: Tensor, group: Tensor) -> Tensor:
    """Sample weights for eq 29 from novelty: ``1 / (copies of the completion in its group)``, mean 1 per group.

    Args:
        duplicates: (B,) how many samples of the group share this completion (>= 1).
        group: (B,) integer group ids.

    Returns:
        (B,) float weights; a group of distinct completions gets all 1.
    """
    inv = 1.0 / duplicates.to(torch.float64).clamp(min=1)
    total, count = group_sums(inv, group)
    return (inv / (total / count)).float()


def _first_of_group(g_idx: Tensor, n_groups: int) -> Tensor:
    """1 at the first row of each group, so that summing it per stratum counts the stratum's groups."""
    first = torch.full((n_groups,), len(g_idx), dtype=torch.long, device=g_idx.device)
    first = first.scatter_reduce(0, g_idx, torch.arange(len(g_idx), device=g_idx.device), reduce="amin")
    out = torch.zeros(len(g_idx), dtype=torch.long, device=g_idx.device)
    out[first] = 1
    return out


__all__ = ["adaptive_group_sizes", "novelty_weights", "stratified_group_normalized", "weighted_group_normalized"]

"""Group estimators: GRPO's group normalisation (eq 23), the REINFORCE / RLOO baselines (eq 61-62), the EMA
baseline (eq 122), and the group statistics, finiteness check and dtype rule every estimator shares.
Pure functions of tensors (STYLE.md section 2); token-level estimators (GAE, returns, whitening) are in
:mod:`lit_reason.advantages.token`.
"""

from __future__ import annotations

import torch
from torch import Tensor


def check_finite(values: Tensor, what: str) -> None:
    """Raise a ValueError naming the first rows of ``values`` that are NaN or inf (every estimator's check)."""
    bad = (~torch.isfinite(values)).nonzero()
    if bad.numel():
        rows = [tuple(i) if len(i) > 1 else i[0] for i in bad[:5].tolist()]
        shown = ", ".join(f"row {r}: {values[r].item()}" for r in rows)
        more = f" (and {bad.shape[0] - 5} more)" if bad.shape[0] > 5 else ""
        raise ValueError(f"non-finite {what} at {shown}{more}")


def group_index(rewards: Tensor, group: Tensor) -> tuple[Tensor, Tensor, int]:
    """Checks (B,) rewards and integer group ids; returns rewards in float64, ids as 0..G-1, and G.

    float64 so that sums of many rewards stay exact enough for hand-computed tests.
    """
    if rewards.dim() != 1 or group.shape != rewards.shape:
        raise ValueError(
            f"rewards and group must both be (B,); got {tuple(rewards.shape)} and {tuple(group.shape)}"
        )
    if group.is_floating_point() or group.is_complex() or group.dtype == torch.bool:
        raise ValueError(f"group must be an integer tensor of ids; got dtype {group.dtype}")
    check_finite(rewards, "reward")
    _, idx = torch.unique(group, return_inverse=True)  # (B,) ids -> 0..n_groups-1
    return rewards.to(torch.float64), idx, int(idx.max()) + 1 if idx.numel() else 0


def group_normalized(rewards: Tensor, group: Tensor, *, std: bool = True, eps: float = 1e-4) -> Tensor:
    """GRPO group-relative advantages ``A_i = (r_i - mean(r_g)) / (std(r_g) + eps)``.

    Report sec 3.2.2 eq. 23; Shao et al. 2024 (DeepSeekMath, arXiv:2402.03300) sec. 4.1.2.
    ``std=False`` gives ``A_i = r_i - mean(r_g)``, the Dr. GRPO advantage (Liu et al. 2025,
    arXiv:2503.20783), which does not up-weight groups of nearly equal rewards.

    Decisions:
    - ``std(r_g)`` is the unbiased sample standard deviation (divisor ``G - 1``), as in TRL's
      ``GRPOTrainer``, OpenRLHF and verl (``torch.std``); with ``G = 2`` and rewards ``{1, 0}``
      the advantages are ``+-0.7071``, not ``+-1``.
    - A group whose rewards are all equal, including any group of one sample (``G = 1``), gets
      advantage exactly 0: it carries no learning signal, and ``0 / eps`` rounding noise is not
      allowed to leak in.
    - Groups are arbitrary integer ids; rows of one group need not be contiguous.

    Args:
        rewards: Scalar reward per completion, (B,).
        group: Integer group id per completion, (B,); completions of one prompt share an id.
        std: Divide by the group's standard deviation (GRPO) or not (Dr. GRPO).
        eps: Added to the standard deviation before dividing.

    Returns:
        Advantages, (B,), in the rewards' floating dtype (the default dtype for integer rewards).

    Raises:
        ValueError: Shapes differ, ``group`` is not an integer tensor, or a reward is NaN or
            inf (the message names the row).

    Example:
        >>> group_normalized(torch.tensor([1.0, 0.0, 2.0, 2.0]), torch.tensor([7, 7, 3, 3])).tolist()
        [0.7070068120956421, -0.7070068120956421, 0.0, 0.0]
    """
    r, idx, n_groups = group_index(rewards, group)
    zeros = torch.zeros(n_groups, dtype=torch.float64, device=r.device)
    count = zeros.index_add(0, idx, torch.ones_like(r))  # (n_groups,)
    mean = zeros.index_add(0, idx, r) / count
    adv = r - mean[idx]  # (B,)
    if std:
        var = zeros.index_add(0, idx, adv.square()) / (count - 1).clamp(min=1)
        adv = adv / (var.sqrt()[idx] + eps)
    hi = zeros.scatter_reduce(0, idx, r, reduce="amax", include_self=False)
    lo = zeros.scatter_reduce(0, idx, r, reduce="amin", include_self=False)
    adv = torch.where((hi == lo)[idx], torch.zeros_like(adv), adv)
    return adv.to(out_dtype(rewards))


def group_sums(rewards: Tensor, group: Tensor) -> tuple[Tensor, Tensor]:
    """Per-sample (sum of its group's rewards, size of its group), both (B,) float64: the group statistics
    the baselines and the weighted variants share (after :func:`group_index`'s checks)."""
    r, idx, n = group_index(rewards, group)
    zeros = torch.zeros(n, dtype=torch.float64, device=r.device)
    return zeros.index_add(0, idx, r)[idx], zeros.index_add(0, idx, torch.ones_like(r))[idx]


def out_dtype(rewards: Tensor) -> torch.dtype:
    """The one dtype rule of this package: an estimator computes in float64 and returns the rewards' own
    floating dtype (integer or bool rewards give the default dtype)."""
    return rewards.dtype if rewards.is_floating_point() else torch.get_default_dtype()


def leave_one_out_baseline(rewards: Tensor, group: Tensor) -> Tensor:
    """RLOO baseline ``b_i = (sum_{j in g(i)} r_j - r_i) / (K - 1)``, the mean of the other samples.

    Report sec 6.10.2 eq. 62; Ahmadian et al. 2024 (arXiv:2402.14740) eq. 6. A group of one sample
    (``K = 1``) has no other sample: its baseline is its own reward, so its advantage is 0 (no signal),
    as ``group_normalized`` does.

    Args:
        rewards: (B,) scalar rewards.
        group: (B,) integer group ids; the K samples of one prompt share an id.

    Returns:
        (B,) baselines.

    Example:
        >>> leave_one_out_baseline(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0, 0, 0])).tolist()
        [0.0, 0.5, 0.5]
    """
    total, count = group_sums(rewards, group)
    r = rewards.to(torch.float64)
    b = torch.where(count > 1, (total - r) / (count - 1).clamp(min=1), r)
    return b.to(out_dtype(rewards))


def leave_one_out(rewards: Tensor, group: Tensor) -> Tensor:
    """RLOO advantages ``A_i = r_i - mean_{j != i in g(i)} r_j`` (report eq. 62).

    Equal to ``K / (K - 1) * (r_i - mean_g r)``; 0 for a group of one sample.

    Args:
        rewards: (B,) scalar rewards.
        group: (B,) integer group ids.

    Returns:
        (B,) advantages.

    Example:
        >>> leave_one_out(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0, 0, 0])).tolist()
        [1.0, -0.5, -0.5]
    """
    return rewards.to(out_dtype(rewards)) - leave_one_out_baseline(rewards, group)


def group_mean_baseline(rewards: Tensor, group: Tensor) -> Tensor:
    """REINFORCE baseline ``b = (1/K) sum_i R(x, y_i)``, the mean of the sample's own group (eq. 61).

    Report sec 6.10.1 ("self average"). Includes the sample itself, so it is slightly biased;
    ``leave_one_out_baseline`` is the unbiased version.

    Args:
        rewards: (B,) scalar rewards.
        group: (B,) integer group ids.

    Returns:
        (B,) baselines.

    Example:
        >>> group_mean_baseline(torch.tensor([1.0, 0.0, 4.0]), torch.tensor([0, 0, 1])).tolist()
        [0.5, 0.5, 4.0]
    """
    total, count = group_sums(rewards, group)
    return (total / count).to(out_dtype(rewards))


def batch_mean_baseline(rewards: Tensor, group: Tensor) -> Tensor:
    """REINFORCE baseline ``b = mean reward of the batch`` (eq. 61, "constant baseline R-bar").

    Args:
        rewards: (B,) scalar rewards.
        group: (B,) group ids; unused, accepted so that every baseline has one signature.

    Returns:
        (B,) baselines, all equal.

    Example:
        >>> batch_mean_baseline(torch.tensor([1.0, 0.0, 2.0]), torch.tensor([0, 0, 1])).tolist()
        [1.0, 1.0, 1.0]
    """
    group_sums(rewards, group)  # validation only
    r = rewards.to(out_dtype(rewards))
    return r.mean().expand_as(r).clone() if r.numel() else r


def ema_update(mean: Tensor, rewards: Tensor, *, decay: float) -> Tensor:
    """One step of the exponential moving average ``mu_t = beta mu_{t-1} + (1 - beta) mean(r_t)``.

    Report sec 8.3.3 eq. 122, applied to a batch's mean reward. Used as the EMA baseline of
    REINFORCE (eq. 61's R-bar estimated across iterations); the caller keeps ``mean`` as state.

    Args:
        mean: 0-dim previous average.
        rewards: (B,) this batch's rewards.
        decay: beta in [0, 1).

    Returns:
        0-dim updated average.

    Example:
        >>> round(ema_update(torch.tensor(0.0), torch.tensor([1.0, 3.0]), decay=0.9).item(), 6)
        0.2
    """
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"decay must be in [0, 1); got {decay}")
    check_finite(rewards, "reward")
    return decay * mean + (1.0 - decay) * rewards.to(mean.dtype).mean()


def zero_baseline(rewards: Tensor, group: Tensor, *, value: float = 0.0) -> Tensor:
    """A baseline of ``value`` for every sample (REINFORCE's ``none``: 0; ``constant``: a chosen value).

    Example:
        >>> zero_baseline(torch.tensor([1.0, 0.0]), torch.tensor([0, 0]), value=0.5).tolist()
        [0.5, 0.5]
    """
    return torch.full_like(rewards, value, dtype=out_dtype(rewards))


#: The baselines b(r, group) of REINFORCE-style advantages ``A = r - b`` that keep no state (eq 61, 62).
BASELINES = {
    "none": zero_baseline,
    "batch_mean": batch_mean_baseline,
    "group_mean": group_mean_baseline,
    "leave_one_out": leave_one_out_baseline,
}

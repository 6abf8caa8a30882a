"""Advantage estimators: pure functions of tensors (STYLE.md section 2).

Each estimator returns raw advantages; whitening is the separate call ``whiten``.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _check_finite(values: Tensor, what: str) -> None:
    """Raise a ValueError naming the first rows of ``values`` that are NaN or inf."""
    bad = (~torch.isfinite(values)).nonzero()
    if bad.numel():
        rows = [tuple(i) if len(i) > 1 else i[0] for i in bad[:5].tolist()]
        shown = ", ".join(f"row {r}: {values[r].item()}" for r in rows)
        more = f" (and {bad.shape[0] - 5} more)" if bad.shape[0] > 5 else ""
        raise ValueError(f"non-finite {what} at {shown}{more}")


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
    if rewards.dim() != 1 or group.shape != rewards.shape:
        raise ValueError(
            f"rewards and group must both be (B,); got {tuple(rewards.shape)} and {tuple(group.shape)}"
        )
    if group.is_floating_point() or group.is_complex() or group.dtype == torch.bool:
        raise ValueError(f"group must be an integer tensor of ids; got dtype {group.dtype}")
    _check_finite(rewards, "reward")
    out_dtype = rewards.dtype if rewards.is_floating_point() else torch.get_default_dtype()
    r = rewards.to(torch.float64)  # float64: sums of many rewards stay exact enough for tests
    _, idx = torch.unique(group, return_inverse=True)  # (B,) ids -> 0..n_groups-1
    n_groups = int(idx.max()) + 1 if idx.numel() else 0
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
    return adv.to(out_dtype)


def whiten(x: Tensor, mask: Tensor | None = None, *, shift_mean: bool = True, eps: float = 1e-8) -> Tensor:
    """Normalise ``x`` to unit variance (and zero mean) over its valid entries.

    ``(x - mean) / sqrt(var + eps)`` with statistics over the entries where ``mask`` is non-zero
    (all entries when ``mask`` is None), as PPO implementations whiten GAE advantages
    (e.g. TRL's ``masked_whiten``). ``var`` is the unbiased variance; with fewer than two valid
    entries it is taken as 0.

    Args:
        x: Values of any shape, e.g. (B, T) advantages or (B,) rewards.
        mask: Valid-entry mask of ``x``'s shape, or None for all entries.
        shift_mean: Subtract the mean (True) or only scale, adding the mean back (False), as is
            usual for rewards.
        eps: Added to the variance before the square root.

    Returns:
        Tensor of ``x``'s shape; masked entries are 0. A fully masked input gives all zeros.

    Raises:
        ValueError: Mismatched shapes, or a NaN or inf at a valid entry (the message names it).

    Example:
        >>> whiten(torch.tensor([1.0, 3.0])).tolist()
        [-0.7071067690849304, 0.7071067690849304]
    """
    valid = torch.ones_like(x, dtype=torch.bool) if mask is None else mask.bool()
    if valid.shape != x.shape:
        raise ValueError(f"mask {tuple(valid.shape)} does not match x {tuple(x.shape)}")
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    _check_finite(torch.where(valid, x, zero), "value")
    xz = torch.where(valid, x, zero)
    n = valid.sum()
    mean = xz.sum() / n.clamp(min=1)
    centered = torch.where(valid, x - mean, zero)
    var = centered.square().sum() / (n - 1).clamp(min=1)
    out = centered * torch.rsqrt(var + eps)
    if not shift_mean:
        out = out + mean
    return torch.where(valid, out, zero)

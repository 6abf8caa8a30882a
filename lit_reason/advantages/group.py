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
    _check_finite(rewards, "reward")
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


def _check_token_inputs(rewards: Tensor, values: Tensor, mask: Tensor) -> Tensor:
    """Validate (B, T) shapes; return ``mask`` as bool."""
    if rewards.dim() != 2 or rewards.shape != values.shape or mask.shape != rewards.shape:
        raise ValueError(
            f"rewards, values and mask must all be (B, T); got {tuple(rewards.shape)}, "
            f"{tuple(values.shape)} and {tuple(mask.shape)}"
        )
    return mask.bool()


def gae(rewards: Tensor, values: Tensor, mask: Tensor, *, gamma: float = 1.0, lam: float = 0.95) -> Tensor:
    """Generalised Advantage Estimation ``A_t = sum_l (gamma * lam)^l delta_{t+l}``.

    Report sec 2.5 eq. 8 with ``delta_t = r_t + gamma V(s_{t+1}) - V(s_t)``; Schulman et al. 2016
    (arXiv:1506.02438) eq. 16. Returns raw advantages: whitening is the separate call ``whiten``.

    Decisions:
    - A completion is right-padded: the state after its last valid token is terminal, so
      ``V(s_{T_i}) = 0`` (no bootstrap), as for an LLM episode that ended or hit the budget.
    - Masked entries of ``rewards`` and ``values`` are never read (they may hold NaN) and masked
      advantages are 0.

    Args:
        rewards: Per-token rewards, (B, T); usually the sequence reward on the last valid token.
        values: Critic values ``V(s_t)`` of the state before each token, (B, T).
        mask: Valid-token mask, (B, T); valid tokens form a prefix of each row.
        gamma: Discount factor in [0, 1].
        lam: GAE lambda in [0, 1]: 0 gives one-step TD (eq. 21), 1 Monte Carlo.

    Returns:
        Advantages, (B, T), 0 at masked entries.

    Raises:
        ValueError: Mismatched shapes, gamma or lam outside [0, 1], or a non-finite valid entry.

    Example:
        >>> gae(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]), torch.ones(1, 2), gamma=1, lam=1).tolist()
        [[0.5, 0.5]]
    """
    valid = _check_token_inputs(rewards, values, mask)
    for name, x in (("gamma", gamma), ("lam", lam)):
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"{name} must be in [0, 1]; got {x}")
    zero = torch.zeros((), dtype=values.dtype, device=values.device)
    r, v = torch.where(valid, rewards, zero), torch.where(valid, values, zero)
    _check_finite(r, "reward")
    _check_finite(v, "value")
    adv = torch.zeros_like(v)
    running = torch.zeros_like(v[:, 0])  # (B,)
    next_value = torch.zeros_like(v[:, 0])
    for t in range(v.shape[1] - 1, -1, -1):
        delta = r[:, t] + gamma * next_value - v[:, t]
        running = torch.where(valid[:, t], delta + gamma * lam * running, zero)
        adv[:, t] = running
        next_value = torch.where(valid[:, t], v[:, t], zero)  # padding after the end is terminal
    return adv


def returns(advantages: Tensor, values: Tensor, mask: Tensor) -> Tensor:
    """Value targets ``R_t = A_t + V(s_t)`` (the lambda-return when ``advantages`` come from ``gae``).

    Report eq. 18's ``V_t^target``; with ``lam = 1`` and ``gamma = 1`` this is the Monte Carlo
    return, the sum of the remaining rewards.

    Args:
        advantages: (B, T) advantages, e.g. from ``gae``.
        values: (B, T) the values they were computed with.
        mask: (B, T) valid-token mask.

    Returns:
        (B, T) targets, 0 at masked entries.

    Example:
        >>> returns(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.5, 0.5]]), torch.ones(1, 2)).tolist()
        [[1.0, 1.0]]
    """
    valid = _check_token_inputs(advantages, values, mask)
    zero = torch.zeros((), dtype=values.dtype, device=values.device)
    return torch.where(valid, advantages + values, zero)


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
    _check_finite(rewards, "reward")
    return decay * mean + (1.0 - decay) * rewards.to(mean.dtype).mean()


def last_token_rewards(rewards: Tensor, mask: Tensor) -> Tensor:
    """Place each sequence reward on its completion's last valid token: (B,) -> (B, T).

    The token-level reward of PPO for LLMs (report sec 3.1.6; Ouyang et al. 2022, InstructGPT,
    arXiv:2203.02155): the outcome reward arrives when the episode ends; the per-token KL penalty is
    added to it by the caller. A fully masked row gets no reward.

    Args:
        rewards: (B,) sequence rewards.
        mask: (B, T) valid-token mask; valid tokens form a prefix of each row.

    Returns:
        (B, T) rewards, zero except at each row's last valid token.

    Example:
        >>> last_token_rewards(torch.tensor([2.0, 5.0]), torch.tensor([[1, 1, 0], [1, 1, 1]])).tolist()
        [[0.0, 2.0, 0.0], [0.0, 0.0, 5.0]]
    """
    if rewards.dim() != 1 or mask.dim() != 2 or mask.shape[0] != rewards.shape[0]:
        raise ValueError(f"rewards must be (B,) and mask (B, T); got {tuple(rewards.shape)}, {tuple(mask.shape)}")
    _check_finite(rewards, "reward")
    valid = mask.bool()
    lengths = valid.sum(1)  # (B,)
    last = (lengths - 1).clamp(min=0)
    out = torch.zeros(mask.shape, dtype=out_dtype(rewards), device=rewards.device)
    out[torch.arange(mask.shape[0], device=mask.device), last] = torch.where(lengths > 0, rewards.to(out.dtype), 0.0)
    return out


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

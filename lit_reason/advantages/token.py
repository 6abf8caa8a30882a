"""Token-level estimators: GAE (eq 8), lambda-returns, whitening, and the last-token placement of a
sequence reward (report sec 3.1). Pure functions of tensors (STYLE.md section 2); each returns raw values
and whitening is the separate call ``whiten``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.advantages.group import check_finite, out_dtype


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
    check_finite(torch.where(valid, x, zero), "value")
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
    check_finite(r, "reward")
    check_finite(v, "value")
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
    check_finite(rewards, "reward")
    valid = mask.bool()
    lengths = valid.sum(1)  # (B,)
    last = (lengths - 1).clamp(min=0)
    out = torch.zeros(mask.shape, dtype=out_dtype(rewards), device=rewards.device)
    out[torch.arange(mask.shape[0], device=mask.device), last] = torch.where(lengths > 0, rewards.to(out.dtype), 0.0)
    return out

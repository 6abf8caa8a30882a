"""Critic (value-function) loss and its diagnostic.

PPO value loss ``L^VF = (V(s_t) - V_t^target)^2``, report sec 3.1.3 eq. 18; Schulman et al. 2017
(arXiv:1707.06347) eq. 9. The optional clipping of the new value to ``old +- clip_range`` follows the
OpenAI baselines PPO2 implementation (also TRL's ``cliprange_value``): the loss is the larger of the
clipped and unclipped squared errors. Losses here are per token, (B, T); reduce them with
``losses.aggregate``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.losses.aggregate import token_mean


def _check_shapes(**tensors: Tensor) -> None:
    shapes = {k: tuple(v.shape) for k, v in tensors.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(f"value-loss inputs must share one shape; got {shapes}")


def value_loss(values: Tensor, old_values: Tensor, returns: Tensor, *, clip_range: float | None = None) -> Tensor:
    """Per-token ``0.5 * max((V - R)^2, (clip(V, V_old - c, V_old + c) - R)^2)``.

    The factor 0.5 makes the gradient ``V - R``. With ``clip_range=None`` it is the plain
    ``0.5 * (V - R)^2``.

    Args:
        values: Current critic values, (B, T).
        old_values: Values at collection time, (B, T); no gradient needed.
        returns: Value targets, (B, T), e.g. ``advantages.returns``.
        clip_range: c > 0, or None for no clipping.

    Returns:
        Per-token loss, (B, T); mask and reduce it with ``aggregate``.

    Raises:
        ValueError: Mismatched shapes or ``clip_range <= 0``.

    Example:
        >>> v, old, r = torch.tensor([[2.0]]), torch.tensor([[0.0]]), torch.tensor([[1.0]])
        >>> value_loss(v, old, r).item(), value_loss(v, old, r, clip_range=0.5).item()
        (0.5, 0.5)
    """
    _check_shapes(values=values, old_values=old_values, returns=returns)
    unclipped = (values - returns).square()
    if clip_range is None:
        return 0.5 * unclipped
    if clip_range <= 0:
        raise ValueError(f"clip_range must be > 0 or None; got {clip_range}")
    clipped_v = old_values + torch.clamp(values - old_values, -clip_range, clip_range)
    return 0.5 * torch.maximum(unclipped, (clipped_v - returns).square())


@torch.no_grad()
def value_clip_fraction(values: Tensor, old_values: Tensor, returns: Tensor, mask: Tensor, *,
                        clip_range: float) -> Tensor:
    """Fraction of valid tokens whose clipped squared error is the larger one (its gradient is 0).

    Args:
        values: (B, T) current values.
        old_values: (B, T) values at collection time.
        returns: (B, T) targets.
        mask: (B, T) valid-token mask.
        clip_range: As in ``value_loss``.

    Returns:
        Scalar in [0, 1]; 0.0 when no token is valid.
    """
    _check_shapes(values=values, old_values=old_values, returns=returns, mask=mask)
    clipped_v = old_values + torch.clamp(values - old_values, -clip_range, clip_range)
    active = ((clipped_v - returns).square() > (values - returns).square()).to(values.dtype)
    return token_mean(active, mask)


@torch.no_grad()
def explained_variance(values: Tensor, returns: Tensor, mask: Tensor) -> Tensor:
    """``1 - Var(R - V) / Var(R)`` over the valid tokens: 1 is a perfect critic, 0 a constant one.

    Logged as ``train/explained_variance`` (the PPO diagnostic of OpenAI baselines). Negative values
    mean the critic is worse than predicting the mean return.

    Args:
        values: (B, T) critic values.
        returns: (B, T) targets.
        mask: (B, T) valid-token mask.

    Returns:
        Scalar tensor; NaN when fewer than two tokens are valid or the returns have zero variance
        (undefined, and not silently reported as a number).

    Example:
        >>> explained_variance(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 3.0]]), torch.ones(1, 2)).item()
        0.75
    """
    _check_shapes(values=values, returns=returns, mask=mask)
    valid = mask.bool()
    r, v = returns[valid], values[valid]
    var_r = r.var() if r.numel() > 1 else r.new_tensor(float("nan"))
    var_r = torch.where(var_r > 0, var_r, var_r.new_tensor(float("nan")))
    return 1.0 - (r - v).var() / var_r if r.numel() > 1 else var_r

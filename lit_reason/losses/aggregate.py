"""Loss aggregation: how a (B, T) per-token loss becomes the scalar that is back-propagated.

GRPO, DAPO and Dr. GRPO use the same per-token surrogate and differ only here (report sec 3.2.2
eq 24 takes the mean over the G samples of a per-sample mean over tokens):

- ``"token"``: DAPO token-mean, Yu et al. 2025 (arXiv:2503.14476) sec. 3.3. Every valid token of
  the batch weighs the same, so long completions are not down-weighted.
- ``"sequence"``: GRPO sequence-mean, Shao et al. 2024 (arXiv:2402.03300) eq. 3; report eq. 24.
  Each completion weighs the same, so tokens of long completions weigh less.
- ``"constant"``: Dr. GRPO, Liu et al. 2025 (arXiv:2503.20783): divide by a constant
  ``B * max_len`` instead of a length, removing the length bias of both means above.

Masks are explicit: a non-zero mask entry marks a valid token. Masked positions are never read, so
padding may hold any value, NaN or inf included.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.losses._registry import resolve


def _masked(x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Validate shapes; return ``x`` with masked entries zeroed and the mask as a bool tensor."""
    if x.dim() != 2 or x.shape != mask.shape:
        raise ValueError(
            f"aggregate expects x and mask of the same shape (B, T); got {tuple(x.shape)} and "
            f"{tuple(mask.shape)}"
        )
    valid = mask.bool()
    # torch.where rather than x * mask: 0 * nan = nan, and padding may hold nan or inf.
    return torch.where(valid, x, torch.zeros((), dtype=x.dtype, device=x.device)), valid


def token_mean(x: Tensor, mask: Tensor, *, max_len: int | None = None) -> Tensor:
    """DAPO token-mean: ``sum(x * mask) / sum(mask)`` over the whole batch.

    Args:
        x: Per-token values, (B, T).
        mask: Valid-token mask, (B, T); non-zero means valid.
        max_len: Ignored; accepted so that every aggregation has one signature.

    Returns:
        Scalar tensor; 0.0 when no token is valid.
    """
    x, valid = _masked(x, mask)
    return x.sum() / valid.sum().clamp(min=1)


def sequence_mean(x: Tensor, mask: Tensor, *, max_len: int | None = None) -> Tensor:
    """GRPO sequence-mean: the mean over the B rows of each row's masked token-mean.

    A fully masked row contributes 0 and still counts in the B of the outer mean (as TRL's
    ``loss_type="grpo"`` does), so masking a row out shrinks the loss rather than re-weighting
    the other rows.

    Args:
        x: Per-token values, (B, T).
        mask: Valid-token mask, (B, T); non-zero means valid.
        max_len: Ignored; accepted so that every aggregation has one signature.

    Returns:
        Scalar tensor; 0.0 when no token is valid.
    """
    x, valid = _masked(x, mask)
    per_row = x.sum(dim=1) / valid.sum(dim=1).clamp(min=1)  # (B,)
    return per_row.sum() / max(x.shape[0], 1)


def constant_normalizer(x: Tensor, mask: Tensor, *, max_len: int | None = None) -> Tensor:
    """Dr. GRPO constant normaliser: ``sum(x * mask) / (B * max_len)``.

    Args:
        x: Per-token values, (B, T).
        mask: Valid-token mask, (B, T); non-zero means valid.
        max_len: The constant length, usually the generation budget ``max_new_tokens``.

    Returns:
        Scalar tensor; 0.0 when no token is valid.

    Raises:
        ValueError: ``max_len`` is missing or not a positive integer.
    """
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len <= 0:
        raise ValueError(f"aggregation 'constant' needs max_len, a positive int; got {max_len!r}")
    x, _ = _masked(x, mask)
    return x.sum() / (max(x.shape[0], 1) * max_len)


AGGREGATIONS = {
    "token": token_mean,
    "sequence": sequence_mean,
    "constant": constant_normalizer,
}


def resolve_aggregation(name: str):
    """Return the aggregation registered as ``name`` (a key of ``AGGREGATIONS``).

    Args:
        name: ``"token"``, ``"sequence"`` or ``"constant"``.

    Returns:
        A function ``(x, mask, *, max_len=None) -> Tensor``.

    Raises:
        ValueError: Unknown name; the message lists the valid names.
    """
    return resolve(AGGREGATIONS, name, what="aggregation")


def aggregate(x: Tensor, mask: Tensor, how: str = "token", *, max_len: int | None = None) -> Tensor:
    """Reduce a per-token loss to a scalar with the aggregation named ``how``.

    Args:
        x: Per-token values, (B, T).
        mask: Valid-token mask, (B, T); non-zero means valid. Masked entries of ``x`` are not read.
        how: ``"token"`` (DAPO), ``"sequence"`` (GRPO) or ``"constant"`` (Dr. GRPO).
        max_len: The constant of ``"constant"``; ignored by the others.

    Returns:
        Scalar tensor. Fully masked rows contribute 0; a fully masked batch gives 0.0, never NaN.

    Raises:
        ValueError: Unknown ``how``, mismatched shapes, or ``"constant"`` without ``max_len``.

    Example:
        >>> x = torch.tensor([[1.0, 3.0], [5.0, 0.0]])
        >>> m = torch.tensor([[1, 1], [1, 0]])
        >>> aggregate(x, m, "token").item(), aggregate(x, m, "sequence").item()
        (3.0, 3.5)
        >>> aggregate(x, m, "constant", max_len=4).item()
        1.125
    """
    return resolve_aggregation(how)(x, mask, max_len=max_len)

"""Policy-gradient surrogate losses and their diagnostics.

PPO clipped surrogate, Schulman et al. 2017 (arXiv:1707.06347) eq. 7; report sec 3.1.2 eq. 17,
used per token by GRPO (Shao et al. 2024, arXiv:2402.03300, eq. 3; report sec 3.2.2 eq. 25).
Separate lower and upper clip ranges are DAPO's "clip-higher" (Yu et al. 2025, arXiv:2503.14476,
sec. 3.1). Losses here are per token, (B, T); reduce them with ``losses.aggregate``.

Deliberate deviation from the report: eq. 25 writes the ratio of whole-sequence probabilities;
like DeepSeekMath's GRPO and TRL, the ratio here is per token, ``pi(o_t | q, o_<t) / pi_old(...)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.losses._registry import resolve
from lit_reason.losses.aggregate import token_mean


def _check_eps(eps_low: float, eps_high: float) -> None:
    if not 0.0 <= eps_low < 1.0:
        raise ValueError(f"eps_low must be in [0, 1); got {eps_low}")
    if eps_high < 0.0:
        raise ValueError(f"eps_high must be >= 0; got {eps_high}")


def _per_token_advantages(advantages: Tensor, logp: Tensor) -> Tensor:
    """Broadcast (B,) sequence-level advantages to (B, T); pass (B, T) through."""
    if advantages.shape == logp.shape:
        return advantages
    if advantages.dim() == 1 and logp.dim() == 2 and advantages.shape[0] == logp.shape[0]:
        return advantages.unsqueeze(-1)  # (B, 1), broadcasts over T
    raise ValueError(
        f"advantages must be (B,) or (B, T) matching logp {tuple(logp.shape)}; got {tuple(advantages.shape)}"
    )


def _surrogate_terms(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, eps_low: float, eps_high: float
) -> tuple[Tensor, Tensor]:
    """The unclipped and clipped objectives ``r*A`` and ``clip(r)*A``, both (B, T)."""
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} differ in shape")
    _check_eps(eps_low, eps_high)
    adv = _per_token_advantages(advantages, logp)
    ratio = torch.exp(logp - old_logp)  # (B, T)
    clipped = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high)
    return ratio * adv, clipped * adv


def clipped_surrogate(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> Tensor:
    """Per-token PPO clipped surrogate loss ``-min(r*A, clip(r, 1-eps_low, 1+eps_high)*A)``.

    ``r = exp(logp - old_logp)``. With ``A > 0`` the objective stops rewarding ``r > 1+eps_high``;
    with ``A < 0`` it stops rewarding ``r < 1-eps_low`` (report remark 3.1). The sign is flipped
    so that the result is a loss to minimise.

    Args:
        logp: Log-probabilities of the sampled tokens under the current policy, (B, T).
        old_logp: Log-probabilities under the policy that sampled them, (B, T); no gradient needed.
        advantages: (B,) per-sequence (broadcast over T) or (B, T) per-token advantages.
        eps_low: Lower clip range, in [0, 1).
        eps_high: Upper clip range, >= 0 (DAPO clip-higher uses eps_high > eps_low).

    Returns:
        Per-token loss, (B, T). Padding positions hold values too: mask them in ``aggregate``.
        Keep ``logp - old_logp`` finite and small at padding (e.g. 0 in both): a masked-out
        ratio that overflows to inf still poisons the backward pass (``0 * inf = nan``).

    Raises:
        ValueError: Mismatched shapes or an out-of-range epsilon.

    Example:
        >>> logp = torch.log(torch.tensor([[1.5, 0.5]]))
        >>> clipped_surrogate(logp, torch.zeros(1, 2), torch.tensor([1.0])).tolist()
        [[-1.2000000476837158, -0.5]]
    """
    unclipped, clipped = _surrogate_terms(logp, old_logp, advantages, eps_low, eps_high)
    return -torch.minimum(unclipped, clipped)


@torch.no_grad()
def clip_fraction(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> Tensor:
    """Fraction of valid tokens whose clipped term is the active one (logged as ``train/clip_frac``).

    A token counts when ``clip(r)*A < r*A``: the clipped term is the one ``min`` selects and it
    differs from the unclipped one, so the token's gradient is zero. A token with ``A = 0`` or a
    ratio inside the range never counts.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T) advantages.
        mask: Valid-token mask, (B, T).
        eps_low: Lower clip range, as in ``clipped_surrogate``.
        eps_high: Upper clip range, as in ``clipped_surrogate``.

    Returns:
        Scalar tensor in [0, 1], no gradient; 0.0 when no token is valid.
    """
    unclipped, clipped = _surrogate_terms(logp, old_logp, advantages, eps_low, eps_high)
    active = (clipped < unclipped).to(logp.dtype)  # (B, T)
    return token_mean(active, mask)


@torch.no_grad()
def approx_kl(logp: Tensor, old_logp: Tensor, mask: Tensor) -> Tensor:
    """Token-mean k3 estimate of KL(pi_old || pi) from tokens sampled by pi_old (a diagnostic).

    ``k3 = (r - 1) - log r`` with ``log r = logp - old_logp``; Schulman 2020, "Approximating KL
    divergence" (http://joschu.net/blog/kl-approx.html). Each term is >= 0.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        mask: Valid-token mask, (B, T).

    Returns:
        Scalar tensor, no gradient; 0.0 when no token is valid.
    """
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} differ in shape")
    log_ratio = logp - old_logp
    # expm1 keeps precision for the small ratios that are typical between PPO epochs.
    k3 = torch.expm1(log_ratio) - log_ratio  # (B, T)
    return token_mean(k3, mask)


POLICY_LOSSES = {"clip": clipped_surrogate}


def resolve_policy_loss(name: str):
    """Return the per-token policy loss registered as ``name`` in ``POLICY_LOSSES``.

    Args:
        name: A key of ``POLICY_LOSSES`` (e.g. ``"clip"``).

    Returns:
        A function ``(logp, old_logp, advantages, *, eps_low, eps_high) -> Tensor (B, T)``.

    Raises:
        ValueError: Unknown name; the message lists the valid names.
    """
    return resolve(POLICY_LOSSES, name, what="policy loss")

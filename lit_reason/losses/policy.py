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


def resolve_policy_loss(name: str):
    """Return the per-token policy loss registered as ``name`` in ``POLICY_LOSSES``.

    Args:
        name: A key of ``POLICY_LOSSES`` (e.g. ``"clip"``).

    Returns:
        A function ``(logp, old_logp, advantages, *, <its hyperparameters>) -> Tensor (B, T)``.

    Raises:
        ValueError: Unknown name; the message lists the valid names.
    """
    return resolve(POLICY_LOSSES, name, what="policy loss")


def dual_clip_surrogate(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
    clip_c: float = 3.0,
) -> Tensor:
    """Per-token dual-clip PPO loss: ``-max(min(r*A, clip(r)*A), c*A)`` where ``A < 0``.

    Report sec 3.1.5 eq. 20; Ye et al. 2020, "Mastering Complex Control in MOBA Games with Deep RL"
    (arXiv:1912.09729) eq. 5. With a negative advantage and a very large ratio the clipped
    objective ``r*A`` is unbounded below; the second clip bounds it at ``c*A``.

    Deliberate deviation from eq. 20 as printed: the outer ``max`` applies only where ``A < 0``, as in
    the original paper. Applied to ``A > 0`` it would replace every objective by ``c*A > clip(r)*A``
    and remove the policy gradient.

    Args:
        logp: Current log-probabilities of the sampled tokens, (B, T).
        old_logp: Log-probabilities under the sampling policy, (B, T).
        advantages: (B,) or (B, T).
        eps_low: Lower clip range, in [0, 1).
        eps_high: Upper clip range, >= 0.
        clip_c: The lower bound's coefficient c > 1.

    Returns:
        Per-token loss, (B, T).

    Raises:
        ValueError: Mismatched shapes, an out-of-range epsilon, or ``clip_c <= 1``.

    Example:
        >>> logp = torch.log(torch.tensor([[5.0, 5.0]]))
        >>> dual_clip_surrogate(logp, torch.zeros(1, 2), torch.tensor([[-1.0, 1.0]])).tolist()
        [[3.0, -1.2000000476837158]]
    """
    if clip_c <= 1.0:
        raise ValueError(f"clip_c must be > 1; got {clip_c}")
    unclipped, clipped = _surrogate_terms(logp, old_logp, advantages, eps_low, eps_high)
    adv = _per_token_advantages(advantages, logp)
    objective = torch.minimum(unclipped, clipped)
    objective = torch.where(adv < 0, torch.maximum(objective, clip_c * adv), objective)
    return -objective


def kl_penalty_surrogate(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    *,
    beta: float = 0.01,
) -> Tensor:
    """Per-token PPO-penalty loss ``-(r*A - beta * KL[pi_old || pi])``, without clipping.

    Report sec 3.1.5 eq. 19; Schulman et al. 2017 (arXiv:1707.06347) eq. 8. The KL is estimated per
    token from the tokens pi_old sampled, with the k3 estimator ``(r - 1) - log r`` (>= 0, unbiased;
    Schulman 2020). The adaptive beta rule of eq. 19 is a callback's job (``AdaptiveKLController``).

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        beta: Penalty coefficient >= 0.

    Returns:
        Per-token loss, (B, T).

    Raises:
        ValueError: Mismatched shapes or ``beta < 0``.

    Example:
        >>> logp = torch.log(torch.tensor([[2.0]]))
        >>> round(kl_penalty_surrogate(logp, torch.zeros(1, 1), torch.tensor([1.0]), beta=1.0).item(), 6)
        -1.693147
    """
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} differ in shape")
    if beta < 0:
        raise ValueError(f"beta must be >= 0; got {beta}")
    adv = _per_token_advantages(advantages, logp)
    log_ratio = logp - old_logp
    kl = torch.expm1(log_ratio) - log_ratio  # k3 of KL(pi_old || pi), (B, T)
    return -(torch.exp(log_ratio) * adv - beta * kl)


def entropy_surrogate(logp: Tensor, entropy: Tensor) -> Tensor:
    """Per-token loss whose gradient is, in expectation, minus the gradient of the policy's entropy.

    ``(sg(logp) + sg(H)) * logp`` with ``sg`` stop-gradient: for tokens sampled from pi,
    ``E[-log pi * grad log pi] = grad H`` (score-function estimator; the entropy ``H`` is a
    per-state baseline that leaves the expectation unchanged and lowers the variance). Minimising it
    with a positive coefficient raises the entropy: the bonus ``c_2 S[pi]`` of report eq. 18.

    Deliberate deviation from eq. 18: the exact entropy needs the full (B, T, V) distribution with
    gradients; the sampled-token estimate needs only the chosen tokens' log-probabilities.

    Args:
        logp: Log-probabilities of the sampled tokens, (B, T), with gradient.
        entropy: Exact per-token entropies, (B, T), without gradient (``Policy.token_logprobs``).

    Returns:
        Per-token loss, (B, T).

    Example:
        >>> entropy_surrogate(torch.tensor([[-1.0]]), torch.tensor([[0.5]])).item()
        0.5
    """
    if logp.shape != entropy.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and entropy {tuple(entropy.shape)} differ in shape")
    return (logp.detach() + entropy.detach()) * logp


def policy_gradient(logp: Tensor, old_logp: Tensor, advantages: Tensor) -> Tensor:
    """Per-token REINFORCE loss ``-r * A`` with ``r = pi / pi_old`` and no clipping.

    Report sec 6.10.1 eq. 61 (Williams 1992): at ``r = 1`` (on-policy) its gradient is exactly
    ``-A * grad log pi``; on later minibatches of the same rollout the ratio is the importance weight
    that keeps the estimate unbiased.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T), e.g. ``R - b``.

    Returns:
        Per-token loss, (B, T).

    Example:
        >>> policy_gradient(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([0.5])).tolist()
        [[-0.5, -0.5]]
    """
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} differ in shape")
    return -torch.exp(logp - old_logp) * _per_token_advantages(advantages, logp)


# Per-token policy losses selectable by name (PPO ``policy_loss``); each takes (logp, old_logp, advantages)
# and its own keyword-only hyperparameters.
POLICY_LOSSES = {
    "clip": clipped_surrogate,
    "dual_clip": dual_clip_surrogate,
    "kl_penalty": kl_penalty_surrogate,
    "pg": policy_gradient,
}

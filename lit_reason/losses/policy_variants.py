"""Policy-gradient objectives beyond the PPO clip: GSPO, CISPO, GMPO, Clip-Cov and KL-Cov.

Each returns a per-token loss (B, T), to be reduced by ``losses.aggregate`` like ``clipped_surrogate``.
GSPO and GMPO are sequence-level objectives: they put one value per sequence on each of its valid tokens,
so that ``aggregate(..., "sequence")`` gives the papers' objectives exactly (the mean over sequences);
other aggregations weight each sequence by its length. Shapes: B samples, T completion tokens.

The covariance methods of Cui et al. 2025 ("The Entropy Mechanism of Reinforcement Learning for Reasoning
Language Models", arXiv:2505.22617; the L_Clip-Cov and L_KL-Cov objectives of its entropy-control section,
cited by name because the equation numbers could not be checked offline) need a token selection first:
``clip_cov_selection`` and ``kl_cov_selection`` make it, ``clip_cov_surrogate`` and ``kl_cov_surrogate``
apply it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.losses.policy import _per_token_advantages, _surrogate_terms


def _check(logp: Tensor, old_logp: Tensor, mask: Tensor) -> None:
    if logp.dim() != 2 or logp.shape != old_logp.shape or logp.shape != mask.shape:
        raise ValueError(f"logp, old_logp and mask must be (B, T) of one shape; got {tuple(logp.shape)}, "
                         f"{tuple(old_logp.shape)}, {tuple(mask.shape)}")


def _masked_log_ratio(logp: Tensor, old_logp: Tensor, mask: Tensor) -> Tensor:
    # 0 at padding so that padding never reaches an exp (0 * inf = nan in the backward).
    return torch.where(mask.bool(), logp - old_logp, torch.zeros((), dtype=logp.dtype, device=logp.device))


def _sequence_advantages(advantages: Tensor, mask: Tensor) -> Tensor:
    """(B,) advantages; a (B, T) input must be constant over each row's valid tokens (it is averaged)."""
    if advantages.dim() == 1:
        return advantages
    valid = mask.bool()
    return torch.where(valid, advantages, 0.0).sum(1) / valid.sum(1).clamp(min=1)


def _on_tokens(per_sequence: Tensor, mask: Tensor) -> Tensor:
    return per_sequence.unsqueeze(1).expand(mask.shape)  # (B,) -> (B, T)


def _mean_log_ratio(logp: Tensor, old_logp: Tensor, mask: Tensor) -> Tensor:
    _check(logp, old_logp, mask)
    return _masked_log_ratio(logp, old_logp, mask).sum(1) / mask.bool().sum(1).clamp(min=1)  # (B,)


def sequence_ratio(logp: Tensor, old_logp: Tensor, mask: Tensor) -> Tensor:
    """GSPO's length-normalised sequence importance ratio ``s_i = (pi(y_i|x) / pi_old(y_i|x))^(1/|y_i|)``.

    Zheng et al. 2025, "Group Sequence Policy Optimization" (arXiv:2507.18071) eq 7:
    ``s_i = exp(1/|y_i| sum_t log(pi(y_i,t | x, y_i,<t) / pi_old(...)))``, with gradient through ``logp``.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        mask: Valid-token mask, (B, T).

    Returns:
        (B,) ratios; 1 for a fully masked row.

    Example:
        >>> lp = torch.log(torch.tensor([[2.0, 8.0]]))
        >>> sequence_ratio(lp, torch.zeros(1, 2), torch.ones(1, 2)).item()
        4.0
    """
    return torch.exp(_mean_log_ratio(logp, old_logp, mask))


def gspo_surrogate(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, *, mask: Tensor, eps_low: float = 3e-4,
    eps_high: float = 4e-4,
) -> Tensor:
    """GSPO loss ``-min(s_i A_i, clip(s_i, 1-eps_low, 1+eps_high) A_i)``, on every valid token of sequence i.

    Zheng et al. 2025 (arXiv:2507.18071) eq 5 with the ratio of eq 7 (``sequence_ratio``). The clip acts
    on whole sequences, so its range is far narrower than a token clip's (the paper: 3e-4 and 4e-4).
    With ``aggregate(..., "sequence")`` this is eq 5's ``1/G sum_i``. Advantages are per sequence; a (B, T)
    input is averaged over each row's valid tokens.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).
        eps_low: Lower clip range of s_i, in [0, 1).
        eps_high: Upper clip range of s_i, >= 0.

    Returns:
        (B, T) loss; every valid token of a row holds that row's value.

    Example:
        >>> lp = torch.log(torch.tensor([[2.0, 8.0]]))  # s = 4, clipped to 1.0004
        >>> round(gspo_surrogate(lp, torch.zeros(1, 2), torch.tensor([1.0]), mask=torch.ones(1, 2))[0, 0].item(), 6)
        -1.0004
    """
    log_s = _mean_log_ratio(logp, old_logp, mask)[:, None]  # (B, 1): the sequences as one-token rows
    unclipped, clipped = _surrogate_terms(log_s, torch.zeros_like(log_s), _sequence_advantages(advantages, mask),
                                          eps_low, eps_high)
    return _on_tokens(-torch.minimum(unclipped, clipped)[:, 0], mask)


def cispo_surrogate(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, *, eps_low: float = 1.0, eps_high: float = 0.28
) -> Tensor:
    """CISPO loss ``-sg(clip(r_t, 1-eps_low, 1+eps_high)) A_t log pi(o_t)`` on every token.

    MiniMax-M1 (MiniMax 2025, arXiv:2506.13585) eq 4-5: the importance weight is clipped and detached
    instead of the update, so no token loses its gradient (PPO's clip zeroes the gradient of the rare,
    high-ratio "fork" tokens). The paper imposes no lower bound (``eps_low = 1``: weights in [0, 1+eps_high]).

    Args:
        logp: Current log-probabilities, (B, T), with gradient.
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        eps_low: Lower clip range, in [0, 1]; 1 means no lower bound.
        eps_high: Upper clip range, >= 0.

    Returns:
        (B, T) loss, whose gradient is ``-w_t A_t grad log pi(o_t)``.

    Example:
        >>> lp = torch.log(torch.tensor([[2.0, 0.5]]))  # weights min(2, 1.28) = 1.28 and 0.5
        >>> [round(v, 4) for v in cispo_surrogate(lp, torch.zeros(1, 2), torch.tensor([1.0]))[0].tolist()]
        [-0.8872, 0.3466]
    """
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} differ in shape")
    if not 0.0 <= eps_low <= 1.0 or eps_high < 0.0:
        raise ValueError(f"CISPO needs eps_low in [0, 1] and eps_high >= 0; got {eps_low}, {eps_high}")
    weight = torch.exp(logp - old_logp).detach().clamp(1.0 - eps_low, 1.0 + eps_high)
    return -weight * _per_token_advantages(advantages, logp) * logp


def gmpo_surrogate(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, *, mask: Tensor, eps_low: float = 0.4,
    eps_high: float = 0.4,
) -> Tensor:
    """GMPO loss: ``-A_i`` times the geometric mean of the token ratios, clipped per token in log space.

    Zhao et al. 2025, "Geometric-Mean Policy Optimization" (arXiv:2507.20673) eq 4:
    ``J = 1/G sum_i {prod_t min(r_t^sgn(A), clip(r_t^sgn(A), e^-eps_low, e^eps_high))}^(sgn(A)/|o_i|) A_i``.
    In log space: ``log R_i = sgn(A) mean_t min(sgn(A) log r_t, clip(sgn(A) log r_t, -eps_low, eps_high))``.
    A geometric mean is bounded by its extreme token ratios far less than an arithmetic mean, which is why
    the paper's range (e^+-0.4) is wider than PPO's. With ``aggregate(..., "sequence")`` this is eq 4.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T) (averaged over each row's valid tokens).
        mask: Valid-token mask, (B, T).
        eps_low: Lower clip of the log-ratio, >= 0.
        eps_high: Upper clip of the log-ratio, >= 0.

    Returns:
        (B, T) loss; every valid token of a row holds that row's value ``-R_i A_i``.

    Example:
        >>> lp = torch.log(torch.tensor([[4.0, 1.0]]))  # log r = (1.386, 0): clipped to (0.4, 0)
        >>> round(gmpo_surrogate(lp, torch.zeros(1, 2), torch.tensor([1.0]), mask=torch.ones(1, 2))[0, 0].item(), 4)
        -1.2214
    """
    _check(logp, old_logp, mask)
    if eps_low < 0 or eps_high < 0:
        raise ValueError(f"GMPO needs eps_low, eps_high >= 0; got {eps_low}, {eps_high}")
    adv = _sequence_advantages(advantages, mask)  # (B,)
    sign = torch.sign(adv)[:, None]
    signed = sign * _masked_log_ratio(logp, old_logp, mask)  # (B, T)
    kept = torch.minimum(signed, signed.clamp(-eps_low, eps_high))
    log_r = sign[:, 0] * kept.sum(1) / mask.bool().sum(1).clamp(min=1)  # (B,)
    return _on_tokens(-torch.exp(log_r) * adv, mask)


@torch.no_grad()
def token_covariance(logp: Tensor, advantages: Tensor, mask: Tensor) -> Tensor:
    """Per-token centred product ``(log pi(y_t) - mean log pi) (A_t - mean A)`` over the batch's valid tokens.

    Cui et al. 2025 (arXiv:2505.22617), the covariance of its entropy-dynamics theorem: the entropy change of a policy-gradient step is driven by
    the covariance of ``log pi`` and ``A``; tokens with a large positive term cut the entropy the most.

    Args:
        logp: Log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).

    Returns:
        (B, T) terms, no gradient; 0 at padding. Their mean over valid tokens is the covariance.

    Example:
        >>> token_covariance(torch.tensor([[-1.0, -3.0]]), torch.tensor([[2.0, 0.0]]), torch.ones(1, 2)).tolist()
        [[1.0, 1.0]]
    """
    valid = mask.bool()
    adv = _per_token_advantages(advantages, logp).expand(logp.shape)
    zero = torch.zeros((), dtype=logp.dtype, device=logp.device)
    n = valid.sum().clamp(min=1)
    lp_c = logp - torch.where(valid, logp, zero).sum() / n
    adv_c = adv - torch.where(valid, adv, zero).sum() / n
    return torch.where(valid, lp_c * adv_c, zero)


def _count(ratio: float, mask: Tensor) -> int:
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"cov_ratio must be in (0, 1]; got {ratio}")
    n = int(mask.bool().sum())
    return min(max(int(ratio * n), 1), n)  # at least one token, as in the paper's code, when any is valid


@torch.no_grad()
def clip_cov_selection(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, mask: Tensor, *, ratio: float = 2e-4,
    low: float = 1.0, high: float = 5.0, eps_low: float = 0.2, eps_high: float = 0.2,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Clip-Cov's tokens: ``max(1, int(ratio N))`` of the N valid ones, drawn uniformly among those whose
    covariance term lies in (low, high) and that the PPO clip has not already cut.

    Cui et al. 2025 (arXiv:2505.22617), Clip-Cov: ``I_clip ~ Uniform(t | Cov(y_t) in [w_low, w_high])``,
    ``|I_clip| = r N``; the paper's defaults r = 2e-4, w = (1, 5).

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).
        ratio: Fraction r of the valid tokens to select, in (0, 1].
        low: Lower covariance bound.
        high: Upper covariance bound.
        eps_low: The PPO clip's lower range (tokens it clips are not selected again).
        eps_high: The PPO clip's upper range.
        generator: RNG of the uniform draw.

    Returns:
        (B, T) bool, True on the selected tokens (possibly fewer than r N, if fewer are in range).
    """
    _check(logp, old_logp, mask)
    cov = token_covariance(logp, advantages, mask)
    unclipped, clipped = _surrogate_terms(logp, old_logp, advantages, eps_low, eps_high)
    candidates = (mask.bool() & (cov > low) & (cov < high) & ~(clipped < unclipped)).flatten().nonzero()[:, 0]
    k = _count(ratio, mask) if mask.any() else 0
    order = torch.randperm(candidates.numel(), generator=generator, device=candidates.device)
    chosen = torch.zeros(mask.numel(), dtype=torch.bool, device=mask.device)
    chosen[candidates[order[:k]]] = True
    return chosen.view(mask.shape)


@torch.no_grad()
def kl_cov_selection(logp: Tensor, advantages: Tensor, mask: Tensor, *, ratio: float = 2e-3) -> Tensor:
    """KL-Cov's tokens: the ``max(1, int(ratio N))`` valid tokens of largest covariance (a top-k).

    Cui et al. 2025 (arXiv:2505.22617), KL-Cov: ``I_KL = {t | Rank(Cov(y_t)) <= k N}``; paper default k = 2e-3.

    Args:
        logp: Log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).
        ratio: Fraction k of the valid tokens to select, in (0, 1].

    Returns:
        (B, T) bool, True on the selected tokens; ties are broken by position.
    """
    cov = token_covariance(logp, advantages, mask).masked_fill(~mask.bool(), float("-inf")).flatten()
    k = _count(ratio, mask) if mask.any() else 0
    chosen = torch.zeros(mask.numel(), dtype=torch.bool, device=mask.device)
    chosen[torch.topk(cov, k).indices] = True
    return chosen.view(mask.shape)


def clip_cov_surrogate(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, *, selected: Tensor, eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> Tensor:
    """Clip-Cov loss: the PPO clipped surrogate with the selected tokens' gradient cut.

    Cui et al. 2025 (arXiv:2505.22617), L_Clip-Cov: ``L = r_t A_t`` for ``t not in I_clip``, 0 (detached) else.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        selected: (B, T) bool from ``clip_cov_selection``.
        eps_low: Lower clip range.
        eps_high: Upper clip range.

    Returns:
        (B, T) loss, 0 on selected tokens.
    """
    unclipped, clipped = _surrogate_terms(logp, old_logp, advantages, eps_low, eps_high)
    loss = -torch.minimum(unclipped, clipped)
    return torch.where(selected, torch.zeros_like(loss), loss)


def kl_cov_surrogate(
    logp: Tensor, old_logp: Tensor, advantages: Tensor, *, selected: Tensor, kl_coef: float = 1.0
) -> Tensor:
    """KL-Cov loss ``-r_t A_t + beta |log pi - log pi_old|`` on selected tokens, ``-r_t A_t`` elsewhere.

    Cui et al. 2025 (arXiv:2505.22617), L_KL-Cov; no ratio clip (the penalty replaces it), beta = 1 in the paper.

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        selected: (B, T) bool from ``kl_cov_selection``.
        kl_coef: beta >= 0.

    Returns:
        (B, T) loss.

    Example:
        >>> lp = torch.log(torch.tensor([[2.0, 2.0]]))
        >>> sel = torch.tensor([[True, False]])
        >>> [round(v, 4) for v in kl_cov_surrogate(lp, torch.zeros(1, 2), torch.tensor([1.0]), selected=sel)[0].tolist()]
        [-1.3069, -2.0]
    """
    if logp.shape != old_logp.shape or selected.shape != logp.shape:
        raise ValueError(f"logp, old_logp and selected must share a shape; got {tuple(logp.shape)}, "
                         f"{tuple(old_logp.shape)}, {tuple(selected.shape)}")
    if kl_coef < 0:
        raise ValueError(f"kl_coef must be >= 0; got {kl_coef}")
    log_ratio = logp - old_logp
    pg = -torch.exp(log_ratio) * _per_token_advantages(advantages, logp)
    return torch.where(selected, pg + kl_coef * log_ratio.abs(), pg)


# ---------------------------------------------------------------- diagnostics (logged as ``train/clip_frac``)
@torch.no_grad()
def gspo_clip_fraction(logp: Tensor, old_logp: Tensor, advantages: Tensor, mask: Tensor, *, eps_low: float = 3e-4,
                       eps_high: float = 4e-4) -> Tensor:
    """Fraction of sequences whose clipped GSPO term is the active one (their gradient is zero).

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).
        eps_low: As in ``gspo_surrogate``.
        eps_high: As in ``gspo_surrogate``.

    Returns:
        Scalar in [0, 1] over the rows with a valid token; 0.0 when there is none.
    """
    log_s = _mean_log_ratio(logp, old_logp, mask)[:, None]
    unclipped, clipped = _surrogate_terms(log_s, torch.zeros_like(log_s), _sequence_advantages(advantages, mask),
                                          eps_low, eps_high)
    rows = mask.bool().any(1)
    return ((clipped < unclipped)[:, 0] & rows).sum() / rows.sum().clamp(min=1)


@torch.no_grad()
def cispo_clip_fraction(logp: Tensor, old_logp: Tensor, mask: Tensor, *, eps_low: float = 1.0,
                        eps_high: float = 0.28) -> Tensor:
    """Fraction of valid tokens whose CISPO weight was truncated (their gradient is scaled, never cut).

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        mask: Valid-token mask, (B, T).
        eps_low: As in ``cispo_surrogate``.
        eps_high: As in ``cispo_surrogate``.

    Returns:
        Scalar in [0, 1]; 0.0 when no token is valid.
    """
    r = torch.exp(_masked_log_ratio(logp, old_logp, mask))
    cut = ((r > 1.0 + eps_high) | (r < 1.0 - eps_low)) & mask.bool()
    return cut.sum() / mask.bool().sum().clamp(min=1)


@torch.no_grad()
def gmpo_clip_fraction(logp: Tensor, old_logp: Tensor, advantages: Tensor, mask: Tensor, *, eps_low: float = 0.4,
                       eps_high: float = 0.4) -> Tensor:
    """Fraction of valid tokens whose clipped GMPO log-ratio is the active one (no gradient through them).

    Args:
        logp: Current log-probabilities, (B, T).
        old_logp: Sampling-policy log-probabilities, (B, T).
        advantages: (B,) or (B, T).
        mask: Valid-token mask, (B, T).
        eps_low: As in ``gmpo_surrogate``.
        eps_high: As in ``gmpo_surrogate``.

    Returns:
        Scalar in [0, 1]; 0.0 when no token is valid.
    """
    sign = torch.sign(_sequence_advantages(advantages, mask))[:, None]
    signed = sign * _masked_log_ratio(logp, old_logp, mask)
    cut = (signed.clamp(-eps_low, eps_high) < signed) & mask.bool() & (sign != 0)
    return cut.sum() / mask.bool().sum().clamp(min=1)

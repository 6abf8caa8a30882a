"""Importance-sampling correction for rollouts from a stale or different sampler (report sec 8.4.4 eq 132).

A rollout engine (vLLM, an older policy version in an asynchronous actor-learner) samples with
probabilities ``mu`` that differ from the learner's ``pi_old`` for the same weights (kernels, precision)
or for older weights. The policy-gradient estimate stays consistent when each token's loss is weighted
by ``pi_old / mu``; eq 132 writes the sequence product ``prod_t pi / mu``. Both forms are truncated at
``cap`` (truncated IS, Espeholt et al. 2018, IMPALA, arXiv:1802.01561 eq 1), because an untruncated
product over hundreds of tokens has unbounded variance. Multiply the per-token loss by the weights
(no gradient flows through them).
"""

from __future__ import annotations

import torch
from torch import Tensor


def _log_ratio(logp: Tensor, sampler_logp: Tensor, mask: Tensor, cap: float) -> Tensor:
    if not (logp.shape == sampler_logp.shape == mask.shape) or logp.dim() != 2:
        raise ValueError(
            f"logp, sampler_logp and mask must be (B, T) of one shape; got {tuple(logp.shape)}, "
            f"{tuple(sampler_logp.shape)}, {tuple(mask.shape)}"
        )
    if cap <= 0:
        raise ValueError(f"cap must be > 0; got {cap}")
    zero = torch.zeros((), dtype=logp.dtype, device=logp.device)
    return torch.where(mask.bool(), logp.detach() - sampler_logp, zero)  # (B, T), 0 at padding


def token_is_weights(logp: Tensor, sampler_logp: Tensor, mask: Tensor, *, cap: float = 2.0) -> Tensor:
    """Per-token truncated ratio ``min(pi(a_t|s_t) / mu(a_t|s_t), cap)``.

    Args:
        logp: Learner log-probabilities of the sampled tokens (e.g. ``pi_old`` recomputed), (B, T).
        sampler_logp: The sampler's log-probabilities of the same tokens, (B, T).
        mask: Valid-token mask, (B, T).
        cap: Truncation level > 0.

    Returns:
        (B, T) weights without gradient; 1 at padding.

    Example:
        >>> lp, mu = torch.log(torch.tensor([[0.5, 0.9]])), torch.log(torch.tensor([[0.25, 0.1]]))
        >>> [round(w, 4) for w in token_is_weights(lp, mu, torch.ones(1, 2), cap=3.0)[0].tolist()]
        [2.0, 3.0]
    """
    return torch.exp(_log_ratio(logp, sampler_logp, mask, cap)).clamp(max=cap)


def sequence_is_weights(logp: Tensor, sampler_logp: Tensor, mask: Tensor, *, cap: float = 2.0) -> Tensor:
    """Eq 132 truncated: ``min(prod_t pi(a_t|s_t) / mu(a_t|s_t), cap)`` per sequence.

    Computed as ``exp(min(sum_t log ratio, log cap))`` so that a long sequence cannot overflow.

    Args:
        logp: Learner log-probabilities, (B, T).
        sampler_logp: Sampler log-probabilities, (B, T).
        mask: Valid-token mask, (B, T).
        cap: Truncation level > 0.

    Returns:
        (B,) weights without gradient; 1 for a fully masked row.

    Example:
        >>> lp, mu = torch.log(torch.tensor([[0.5, 0.9]])), torch.log(torch.tensor([[0.25, 0.6]]))
        >>> round(sequence_is_weights(lp, mu, torch.ones(1, 2), cap=5.0).item(), 4)
        3.0
    """
    total = _log_ratio(logp, sampler_logp, mask, cap).sum(1)  # (B,)
    return torch.exp(total.clamp(max=torch.log(torch.tensor(cap, dtype=total.dtype)).item()))


@torch.no_grad()
def sampler_mismatch_kl(logp: Tensor, sampler_logp: Tensor, mask: Tensor) -> Tensor:
    """Token-mean k3 estimate of KL(mu || pi) from the sampler's tokens: how far the engines disagree.

    A diagnostic to log next to the correction (0 when the learner reproduces the sampler exactly).

    Args:
        logp: Learner log-probabilities, (B, T).
        sampler_logp: Sampler log-probabilities, (B, T).
        mask: Valid-token mask, (B, T).

    Returns:
        Scalar >= 0; 0.0 when no token is valid.
    """
    log_ratio = _log_ratio(logp, sampler_logp, mask, 1.0)  # log(pi / mu)
    k3 = torch.expm1(log_ratio) - log_ratio
    return k3.sum() / mask.bool().sum().clamp(min=1)

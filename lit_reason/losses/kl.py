"""KL penalties against the reference policy (report sec 3.2.2 eq. 26, sec 8.3.4 eq. 126-128).

The penalty ``beta * D_KL[pi || pi_ref]`` is estimated per token from tokens sampled by ``pi``,
with ``d = logp - ref_logp`` (Schulman 2020, "Approximating KL divergence",
http://joschu.net/blog/kl-approx.html):

- ``k1 = d``: unbiased, high variance, can be negative.
- ``k2 = d**2 / 2``: biased, low variance, >= 0.
- ``k3 = exp(-d) + d - 1``: unbiased and >= 0; the GRPO estimator (DeepSeekMath,
  arXiv:2402.03300, eq. 4).

``full_kl`` is the exact per-token KL of eq. 128, summed over the vocabulary.

Which estimator is valid where (exact expectations over a categorical, tests/losses/test_kl_gradients.py):

- In the **loss** (differentiated through ``logp``, tokens sampled from pi): ``E[grad k1] = E[grad log pi] = 0``,
  so k1 penalises nothing and is rejected (:func:`check_loss_estimator`); ``E[grad k2] = grad KL(pi || ref)``;
  ``E[grad k3] = grad KL(ref || pi)`` (GRPO's choice); ``full`` (eq. 128) differentiates the exact KL.
- In the **reward** (a detached per-token reward ``-beta * k``, reaching the policy through the
  score-function gradient ``E[k * grad log pi]``): k1 gives ``grad KL(pi || ref)``, the PPO default of
  InstructGPT, TRL, OpenRLHF and verl; k3 gives ``grad KL(pi || ref) - grad KL(ref || pi)``, which cancels
  to first order near the reference (a penalty that barely acts), so it only warns
  (:func:`check_reward_estimator`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.losses._registry import resolve


def kl_k1(logp: Tensor, ref_logp: Tensor) -> Tensor:
    """k1 estimator ``logp - ref_logp``, per token (same shape as the inputs)."""
    return logp - ref_logp


def kl_k2(logp: Tensor, ref_logp: Tensor) -> Tensor:
    """k2 estimator ``0.5 * (logp - ref_logp)**2``, per token (same shape as the inputs)."""
    return 0.5 * (logp - ref_logp).square()


def kl_k3(logp: Tensor, ref_logp: Tensor) -> Tensor:
    """k3 estimator ``exp(ref_logp - logp) - (ref_logp - logp) - 1``, per token.

    Not clamped: an overflow shows up as inf (a non-finite loss the trainer counts and skips)
    rather than as a silently altered gradient.
    """
    d = ref_logp - logp
    # expm1(d) - d == exp(d) - d - 1, without the cancellation of exp(d) - 1 for small d.
    return torch.expm1(d) - d


KL_ESTIMATORS = {"k1": kl_k1, "k2": kl_k2, "k3": kl_k3}
LOSS_KL_ESTIMATORS = ("k2", "k3", "full")  # "full": eq. 128 over the vocabulary, from logits (:func:`full_kl`)
REWARD_KL_ESTIMATORS = ("k1", "k2", "k3")


def check_loss_estimator(kind: str, *, option: str = "kl_estimator") -> None:
    """Raise unless ``kind`` is an estimator whose gradient in the loss is a KL's (module docstring).

    Raises:
        ValueError: ``k1`` (zero expected gradient) or an unknown name; the message names ``option``.
    """
    if kind == "k1":
        raise ValueError(
            f"{option}='k1' in the loss has zero expected gradient (E_pi[grad log pi] = 0) and penalises "
            "nothing; use 'k2' (grad KL(pi||ref)), 'k3' (grad KL(ref||pi)) or 'full' (eq. 128), or put k1 in "
            "the reward (PPO's reward_kl_estimator)"
        )
    if kind not in LOSS_KL_ESTIMATORS:
        raise ValueError(f"{option} must be one of {list(LOSS_KL_ESTIMATORS)}, got {kind!r}")


def check_reward_estimator(kind: str, *, option: str = "reward_kl_estimator") -> str | None:
    """Validate a reward-side estimator; returns a warning for one whose policy gradient is not a KL's.

    Raises:
        ValueError: An unknown name; the message names ``option``.
    """
    if kind not in REWARD_KL_ESTIMATORS:
        raise ValueError(f"{option} must be one of {list(REWARD_KL_ESTIMATORS)}, got {kind!r}")
    if kind == "k1":
        return None
    return (f"{option}={kind!r}: as a reward its expected policy gradient is not grad KL(pi||ref) (k3: grad "
            "KL(pi||ref) - grad KL(ref||pi), ~0 near the reference); 'k1' is the unbiased choice")


def resolve_kl(kind: str):
    """Return the per-token KL estimator registered as ``kind`` in ``KL_ESTIMATORS``.

    Args:
        kind: ``"k1"``, ``"k2"`` or ``"k3"``.

    Returns:
        A function ``(logp, ref_logp) -> Tensor`` of the inputs' shape.

    Raises:
        ValueError: Unknown kind; the message lists the valid names.
    """
    return resolve(KL_ESTIMATORS, kind, what="KL estimator")


def kl_penalty(logp: Tensor, ref_logp: Tensor, *, kind: str = "k3") -> Tensor:
    """Per-token estimate of ``D_KL[pi || pi_ref]`` from the sampled tokens' log-probabilities.

    Args:
        logp: Log-probabilities of the sampled tokens under the policy, (B, T).
        ref_logp: Their log-probabilities under the reference policy, (B, T).
        kind: ``"k1"``, ``"k2"`` or ``"k3"`` (see the module docstring).

    Returns:
        Per-token penalty, (B, T); mask and reduce it with ``losses.aggregate``.

    Raises:
        ValueError: Unknown ``kind`` or mismatched shapes.

    Example:
        >>> logp, ref = torch.tensor([[0.0]]), torch.tensor([[-1.0]])
        >>> [round(kl_penalty(logp, ref, kind=k).item(), 4) for k in ("k1", "k2", "k3")]
        [1.0, 0.5, 0.3679]
    """
    estimator = resolve_kl(kind)
    if logp.shape != ref_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and ref_logp {tuple(ref_logp.shape)} differ in shape")
    return estimator(logp, ref_logp)


def full_kl(logits: Tensor, ref_logits: Tensor) -> Tensor:
    """Exact ``sum_v pi(v) * (log pi(v) - log pi_ref(v))`` per position (report eq. 128).

    Computed from ``log_softmax`` (never ``log(softmax)``), in float32 or wider. A token that the
    policy gives probability 0 (logit ``-inf``, e.g. from top-k masking) contributes 0 even where
    the reference also gives it 0. Memory is that of the (..., V) inputs: chunk over tokens in
    the caller for long sequences and large vocabularies.

    Args:
        logits: Policy logits, (..., V), e.g. (B, T, V).
        ref_logits: Reference logits, same shape.

    Returns:
        KL per position, (...), e.g. (B, T); >= 0 up to rounding.

    Raises:
        ValueError: Mismatched shapes or a 0-dimensional input.

    Example:
        >>> round(full_kl(torch.log(torch.tensor([0.5, 0.5])), torch.log(torch.tensor([0.9, 0.1]))).item(), 4)
        0.5108
    """
    if logits.shape != ref_logits.shape or logits.dim() == 0:
        raise ValueError(
            f"full_kl expects logits and ref_logits of one shape (..., V); got {tuple(logits.shape)} "
            f"and {tuple(ref_logits.shape)}"
        )
    dtype = torch.promote_types(logits.dtype, torch.float32)
    logp = torch.log_softmax(logits.to(dtype), dim=-1)  # (..., V)
    ref_logp = torch.log_softmax(ref_logits.to(dtype), dim=-1)  # (..., V)
    p = logp.exp()
    # p == 0 entries would give 0 * (-inf - x) = nan; their true contribution is 0. Zeroing the
    # log-ratio (not the product) keeps the backward pass free of 0 * inf as well.
    zero = torch.zeros((), dtype=dtype, device=p.device)
    log_ratio = torch.where(p > 0, logp - ref_logp, zero)  # (..., V)
    return (p * log_ratio).sum(dim=-1)  # (...)

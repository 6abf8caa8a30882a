"""Offline preference losses over per-sequence log-probabilities (report sec 3.3, 6.16, 6.22).

Every ``*_logps`` argument is a (B,) tensor of log pi(y | x) summed over the completion tokens (the EOS
included); ``*_lengths`` are the matching token counts. Each function returns a :class:`PreferenceLoss`
whose rewards are the method's implicit rewards, detached, for logging margins and preference accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from lit_reason.losses._registry import resolve


class PreferenceLoss(NamedTuple):
    """A preference loss and the implicit rewards behind it."""

    loss: Tensor  # scalar, mean over the batch
    chosen_rewards: Tensor  # (B,) implicit rewards of the chosen (desirable) completions, detached
    rejected_rewards: Tensor  # (B,) implicit rewards of the rejected (undesirable) completions, detached


def _check_same_shape(what: str, **tensors: Tensor) -> None:
    shapes = {k: tuple(v.shape) for k, v in tensors.items()}
    first = next(iter(shapes.values()))
    if len(first) != 1 or any(s != first for s in shapes.values()):
        raise ValueError(f"{what}: expected (B,) tensors of one shape, got {shapes}")


def _check_positive(what: str, **values: float) -> None:
    for k, v in values.items():
        if not v > 0:
            raise ValueError(f"{what}: {k} must be > 0, got {v}")


def _check_lengths(what: str, **lengths: Tensor) -> None:
    for k, v in lengths.items():
        if (v <= 0).any():
            raise ValueError(f"{what}: {k} must be > 0 tokens everywhere, got {v.tolist()}")


def dpo_loss(
    chosen_logps: Tensor,
    rejected_logps: Tensor,
    ref_chosen_logps: Tensor,
    ref_rejected_logps: Tensor,
    beta: float = 0.1,
    label_smoothing: float = 0.0,
) -> PreferenceLoss:
    """Direct Preference Optimization, Rafailov et al. 2023 (arXiv:2305.18290) eq. 7; report sec 3.3.2 eq 32.

    ``h = beta * [(log pi(y_w) - log pi_ref(y_w)) - (log pi(y_l) - log pi_ref(y_l))]`` and
    ``L = -(1 - eps) * log sigmoid(h) - eps * log sigmoid(-h)``: with ``eps = label_smoothing > 0`` this is
    conservative DPO (Mitchell 2023, "A note on DPO with noisy preferences"): the labels are trusted
    with probability ``1 - eps``.

    Args:
        chosen_logps: (B,) policy log-probs of the preferred completions y_w.
        rejected_logps: (B,) policy log-probs of the dispreferred completions y_l.
        ref_chosen_logps: (B,) reference log-probs of y_w.
        ref_rejected_logps: (B,) reference log-probs of y_l.
        beta: Inverse temperature of the implicit reward (strength of the pull to the reference).
        label_smoothing: Probability eps in [0, 0.5) that a label is flipped.

    Returns:
        Loss (mean over B) and rewards ``beta * (logp - ref_logp)`` of each side.
    """
    _check_same_shape(
        "dpo_loss", chosen_logps=chosen_logps, rejected_logps=rejected_logps,
        ref_chosen_logps=ref_chosen_logps, ref_rejected_logps=ref_rejected_logps,
    )
    _check_positive("dpo_loss", beta=beta)
    if not 0.0 <= label_smoothing < 0.5:
        raise ValueError(f"dpo_loss: label_smoothing must be in [0, 0.5), got {label_smoothing}")
    chosen = chosen_logps - ref_chosen_logps
    rejected = rejected_logps - ref_rejected_logps
    h = beta * (chosen - rejected)  # (B,)
    losses = -(1.0 - label_smoothing) * F.logsigmoid(h) - label_smoothing * F.logsigmoid(-h)
    return PreferenceLoss(losses.mean(), beta * chosen.detach(), beta * rejected.detach())


def spin_loss(
    real_logps: Tensor,
    generated_logps: Tensor,
    ref_real_logps: Tensor,
    ref_generated_logps: Tensor,
    beta: float = 0.1,
) -> PreferenceLoss:
    """Self-Play Fine-Tuning, Chen et al. 2024 (arXiv:2401.01335) eq. 4.7 (logistic loss); report sec 6.22.1 eq 73.

    The DPO form of eq 32 with the SFT target ``y*`` as winner and ``y_hat ~ pi_old`` (the previous
    iteration's generation) as loser; ``pi_ref`` is the previous iteration's model.

    Args:
        real_logps: (B,) policy log-probs of the SFT targets y*.
        generated_logps: (B,) policy log-probs of the previous iteration's generations y_hat.
        ref_real_logps: (B,) previous-iteration (reference) log-probs of y*.
        ref_generated_logps: (B,) previous-iteration (reference) log-probs of y_hat.
        beta: Inverse temperature (lambda in the SPIN paper).

    Returns:
        Loss and rewards ``beta * (logp - ref_logp)`` of the real (chosen) and generated (rejected) sides.
    """
    return dpo_loss(real_logps, generated_logps, ref_real_logps, ref_generated_logps, beta=beta)


def ipo_loss(
    chosen_logps: Tensor,
    rejected_logps: Tensor,
    ref_chosen_logps: Tensor,
    ref_rejected_logps: Tensor,
    *,
    beta: float = 0.1,
) -> PreferenceLoss:
    """Identity Preference Optimization, Azar et al. 2023 (arXiv:2310.12036) eq. 17; report sec 6.16.2 eq 71.

    ``L = (h - 1 / (2 beta))^2`` with ``h = (log pi(y_w) - log pi_ref(y_w)) - (log pi(y_l) - log pi_ref(y_l))``:
    a squared loss that regresses the log-ratio margin to a finite target instead of pushing it to infinity.

    Args:
        chosen_logps: (B,) policy log-probs of y_w.
        rejected_logps: (B,) policy log-probs of y_l.
        ref_chosen_logps: (B,) reference log-probs of y_w.
        ref_rejected_logps: (B,) reference log-probs of y_l.
        beta: Regularisation (tau in the paper); the target margin is ``1 / (2 beta)`` nats.

    Returns:
        Loss (mean over B) and rewards ``beta * (logp - ref_logp)``.
    """
    _check_same_shape(
        "ipo_loss", chosen_logps=chosen_logps, rejected_logps=rejected_logps,
        ref_chosen_logps=ref_chosen_logps, ref_rejected_logps=ref_rejected_logps,
    )
    _check_positive("ipo_loss", beta=beta)
    chosen = chosen_logps - ref_chosen_logps
    rejected = rejected_logps - ref_rejected_logps
    losses = (chosen - rejected - 1.0 / (2.0 * beta)) ** 2  # (B,)
    return PreferenceLoss(losses.mean(), beta * chosen.detach(), beta * rejected.detach())


def simpo_loss(
    chosen_logps: Tensor,
    rejected_logps: Tensor,
    chosen_lengths: Tensor,
    rejected_lengths: Tensor,
    *,
    beta: float = 2.0,
    gamma: float = 1.0,
) -> PreferenceLoss:
    """Simple Preference Optimization, Meng et al. 2024 (arXiv:2405.14734) eq. 6; report sec 6.22.5 eq 76.

    ``L = -log sigmoid(beta / |y_w| * log pi(y_w) - beta / |y_l| * log pi(y_l) - gamma)``: the reward is
    the length-normalised log-likelihood, so no reference model is needed; gamma is a target margin.

    Args:
        chosen_logps: (B,) summed policy log-probs of y_w.
        rejected_logps: (B,) summed policy log-probs of y_l.
        chosen_lengths: (B,) token counts |y_w| (> 0).
        rejected_lengths: (B,) token counts |y_l| (> 0).
        beta: Reward scale (the paper uses 2.0-2.5).
        gamma: Target reward margin (the paper uses gamma / beta around 0.5).

    Returns:
        Loss (mean over B) and rewards ``beta * logp / length``.
    """
    _check_same_shape(
        "simpo_loss", chosen_logps=chosen_logps, rejected_logps=rejected_logps,
        chosen_lengths=chosen_lengths, rejected_lengths=rejected_lengths,
    )
    _check_positive("simpo_loss", beta=beta)
    _check_lengths("simpo_loss", chosen_lengths=chosen_lengths, rejected_lengths=rejected_lengths)
    chosen = beta * chosen_logps / chosen_lengths
    rejected = beta * rejected_logps / rejected_lengths
    losses = -F.logsigmoid(chosen - rejected - gamma)  # (B,)
    return PreferenceLoss(losses.mean(), chosen.detach(), rejected.detach())


def kto_loss(
    logps: Tensor,
    ref_logps: Tensor,
    desirable: Tensor,
    *,
    beta: float = 0.1,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    kl_logps: Tensor | None = None,
    ref_kl_logps: Tensor | None = None,
) -> PreferenceLoss:
    """Kahneman-Tversky Optimization, Ethayarajh et al. 2024 (arXiv:2402.01306) eq. 8; report sec 6.22.3 eq 74.

    Unpaired: each completion is labelled desirable or not. With ``r = log pi(y) - log pi_ref(y)`` and the
    reference point ``z0 = max(0, mean(kl_logps - ref_kl_logps))`` (a batch estimate of
    KL(pi || pi_ref), detached so no gradient flows through it),
    ``L = lambda_y * sigmoid(beta * s_y * (z0 - r))`` where ``s_y = +1`` for desirable completions (eq 74
    as printed: ``lambda_D * (1 - sigmoid(beta (r - z0)))``) and ``-1`` for undesirable ones
    (``lambda_U * (1 - sigmoid(beta (z0 - r)))``, the paper's other branch).

    Args:
        logps: (B,) policy log-probs of the completions.
        ref_logps: (B,) reference log-probs.
        desirable: (B,) bool, True where the completion is desirable.
        beta: Inverse temperature.
        desirable_weight: lambda_D.
        undesirable_weight: lambda_U (the paper keeps ``lambda_D n_D / (lambda_U n_U)`` in [1, 4/3]).
        kl_logps: (M,) policy log-probs of mismatched pairs (x_i, y_j) for the KL estimate; None uses
            the batch's own ``logps``.
        ref_kl_logps: (M,) reference log-probs of the same mismatched pairs.

    Returns:
        Loss (mean over B) and rewards ``beta * r``: ``chosen_rewards`` of the desirable completions
        (N_desirable,), ``rejected_rewards`` of the others (N_undesirable,), in batch order.
    """
    _check_same_shape("kto_loss", logps=logps, ref_logps=ref_logps, desirable=desirable)
    if desirable.dtype != torch.bool:
        raise ValueError(f"kto_loss: desirable must be a bool tensor, got {desirable.dtype}")
    _check_positive("kto_loss", beta=beta)
    if desirable_weight < 0 or undesirable_weight < 0:
        raise ValueError(
            f"kto_loss: desirable_weight and undesirable_weight must be >= 0, got "
            f"{desirable_weight} and {undesirable_weight}"
        )
    if (kl_logps is None) != (ref_kl_logps is None):
        raise ValueError("kto_loss: give both kl_logps and ref_kl_logps, or neither")
    r = logps - ref_logps  # (B,)
    kl = r if kl_logps is None else kl_logps - ref_kl_logps
    z0 = kl.detach().mean().clamp(min=0)
    sign = torch.where(desirable, 1.0, -1.0).to(r.dtype)
    weight = torch.where(desirable, desirable_weight, undesirable_weight).to(r.dtype)
    losses = weight * torch.sigmoid(beta * sign * (z0 - r))  # (B,)
    rewards = beta * r.detach()
    return PreferenceLoss(losses.mean(), rewards[desirable], rewards[~desirable])


def log_odds(mean_logps: Tensor) -> Tensor:
    """``log(p / (1 - p))`` for ``log p = mean_logps`` (< 0), computed as ``log p - log(-expm1(log p))``.

    A mean log-prob of exactly 0 (p = 1, infinite odds) is clamped to -1e-6 to keep the odds finite.
    """
    lp = mean_logps.clamp(max=-1e-6)
    return lp - torch.log(-torch.expm1(lp))


def orpo_loss(
    chosen_logps: Tensor,
    rejected_logps: Tensor,
    chosen_lengths: Tensor,
    rejected_lengths: Tensor,
    *,
    lam: float = 0.1,
) -> PreferenceLoss:
    """Odds Ratio Preference Optimization, Hong et al. 2024 (arXiv:2403.07691) eq. 6-7; report sec 6.22.4 eq 75.

    ``L = L_SFT(y_w) - lam * log sigmoid(log odds(y_w) - log odds(y_l))`` with ``odds(y) = p / (1 - p)``
    and ``p = exp(log pi(y) / |y|)`` (the paper's length-normalised likelihood); ``L_SFT`` is the
    token-mean NLL of the chosen completions over the batch. No reference model.

    Deviation from the report: eq 75 prints ``+ lam * log sigmoid(...)``, which would reward *lowering*
    the odds of the chosen answer; the paper's ``L_OR = -log sigmoid(...)`` is implemented.

    Args:
        chosen_logps: (B,) summed policy log-probs of y_w.
        rejected_logps: (B,) summed policy log-probs of y_l.
        chosen_lengths: (B,) token counts of y_w (> 0).
        rejected_lengths: (B,) token counts of y_l (> 0).
        lam: Weight lambda of the odds-ratio term.

    Returns:
        Loss and rewards ``lam * logp / length`` (the paper's logged rewards).
    """
    _check_same_shape(
        "orpo_loss", chosen_logps=chosen_logps, rejected_logps=rejected_logps,
        chosen_lengths=chosen_lengths, rejected_lengths=rejected_lengths,
    )
    if lam < 0:
        raise ValueError(f"orpo_loss: lam must be >= 0, got {lam}")
    _check_lengths("orpo_loss", chosen_lengths=chosen_lengths, rejected_lengths=rejected_lengths)
    chosen_mean = chosen_logps / chosen_lengths
    rejected_mean = rejected_logps / rejected_lengths
    nll = -chosen_logps.sum() / chosen_lengths.sum()
    odds_ratio = -F.logsigmoid(log_odds(chosen_mean) - log_odds(rejected_mean))  # (B,)
    loss = nll + lam * odds_ratio.mean()
    return PreferenceLoss(loss, lam * chosen_mean.detach(), lam * rejected_mean.detach())


PREFERENCE_LOSSES: dict[str, Callable[..., PreferenceLoss]] = {
    "dpo": dpo_loss,
    "ipo": ipo_loss,
    "simpo": simpo_loss,
    "kto": kto_loss,
    "orpo": orpo_loss,
    "spin": spin_loss,
}


def resolve_preference_loss(name: str) -> Callable[..., PreferenceLoss]:
    """The function registered as ``name`` in :data:`PREFERENCE_LOSSES`; an unknown name lists the valid ones."""
    return resolve(PREFERENCE_LOSSES, name, what="preference loss")

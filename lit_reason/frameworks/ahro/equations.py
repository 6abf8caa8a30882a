"""AHRO's equations as pure functions of tensors (report sec 7.1.2, eq 78-80 and alg 10 step 10).

Shapes: ``B`` samples, ``L`` reward layers, ``H`` the question embedding's width.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor


def question_embedding(hidden: Tensor, mask: Tensor, *, eps: float = 1e-5) -> Tensor:
    """embed(q) of eq 79: the masked mean of the prompt's hidden states, centred and scaled to unit norm.

    A unit-norm input makes the weight network's logits move by about ``lr * sqrt(H)`` per Adam step whatever
    the backbone's activation scale, so one learning rate suits a 64-wide tiny model and a 576-wide SmolLM2.

    Args:
        hidden: (B, T, H) final hidden states of the prompt tokens.
        mask: (B, T) 1 for real prompt tokens (left padding 0).
        eps: Added to the variance.

    Returns:
        (B, H); a row with no real token is all zeros.
    """
    m = mask.to(hidden.dtype).unsqueeze(-1)  # (B, T, 1)
    mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)  # (B, H)
    centred = mean - mean.mean(-1, keepdim=True)
    return centred / torch.sqrt(centred.pow(2).sum(-1, keepdim=True) + eps)


def adaptive_weights(embedding: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Eq 79: ``omega(q) = softmax(W embed(q) + b)`` over the L layers.

    Args:
        embedding: (B, H) question embeddings.
        weight: (L, H) W.
        bias: (L,) b.

    Returns:
        (B, L) weights, each row summing to 1.
    """
    return torch.softmax(embedding @ weight.T + bias, dim=-1)


def layered_reward(layer_rewards: Tensor, scored: Tensor, weights: Tensor) -> Tensor:
    """Eq 78: ``R_AHRO(q, o) = sum_l omega_l(q) R_l(q, o)``, over the layers that could score the sample.

    A layer that returns None for a sample (a reasoning layer on a completion with no steps) is left out and
    the remaining weights are renormalised, so the reward stays a weighted mean of what was measured; with
    every layer scored this is eq 78 exactly. A sample no layer scored gets 0 (the caller counts it).

    Args:
        layer_rewards: (B, L) R_l (any value where not scored).
        scored: (B, L) bool, whether layer l scored the sample.
        weights: (B, L) omega(q) of the sample's question.

    Returns:
        (B,) rewards.
    """
    w = weights * scored
    total = w.sum(-1)  # (B,)
    r = torch.where(scored, layer_rewards, torch.zeros_like(layer_rewards))
    return torch.where(total > 0, (w * r).sum(-1) / total.clamp(min=1e-12), torch.zeros_like(total))


def prediction_loss(layer_rewards: Tensor, scored: Tensor, weights: Tensor, target: Tensor) -> Tensor:
    """Alg 10 step 10: the squared error of the layered reward as a predictor of the outcome.

    "Update the weight network to maximise the accuracy of reward prediction": the combined reward of eq 78
    should predict the verifier's verdict, so layers whose scores track success on a kind of question gain
    weight on it. Samples no layer scored are left out.

    Args:
        layer_rewards: (B, L); scored: (B, L) bool; weights: (B, L) with gradients; target: (B,) in [0, 1].

    Returns:
        Scalar mean squared error (0 when no sample is scored).
    """
    keep = scored.any(-1)
    if not keep.any():
        return weights.sum() * 0.0
    err = layered_reward(layer_rewards, scored, weights) - target
    return err[keep].pow(2).mean()


class WeightRegulariser(NamedTuple):
    """The two parts of eq 80's L_weight (each a scalar tensor)."""

    diversity: Tensor  # 1 - H(omega) / log L, mean over questions: 0 for uniform weights, 1 for one-hot
    stability: Tensor  # || mean_q omega(q) - previous mean ||^2: the allocation's change between iterations


def weight_regulariser(weights: Tensor, previous_mean: Tensor | None) -> WeightRegulariser:
    """Eq 80's L_weight, "encouraging diversity and stability of the weight allocation".

    Diversity is the normalised negative entropy of each question's weights (minimising it keeps every layer
    in play); stability is the squared distance between this batch's mean allocation and the previous
    iteration's (minimising it damps jumps). The report gives no formula; these are the two properties it
    names, each on [0, 1] (diversity) or [0, 2] (stability).

    Args:
        weights: (B, L) omega with gradients.
        previous_mean: (L,) the previous iteration's mean weights, None at the first iteration (stability 0).

    Example:
        >>> w = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
        >>> reg = weight_regulariser(w, torch.tensor([0.5, 0.5]))
        >>> round(float(reg.diversity), 4), round(float(reg.stability), 4)  # (0 + 1) / 2; 2 * 0.25**2
        (0.5, 0.125)
    """
    n_layers = weights.shape[-1]
    if n_layers == 1:
        diversity = weights.sum() * 0.0
    else:
        entropy = -(weights * torch.log(weights.clamp(min=1e-12))).sum(-1)  # (B,)
        diversity = (1.0 - entropy / math.log(n_layers)).mean()
    if previous_mean is None:
        stability = weights.sum() * 0.0
    else:
        stability = (weights.mean(0) - previous_mean).pow(2).sum()
    return WeightRegulariser(diversity, stability)


def weight_loss(prediction: Tensor, reg: WeightRegulariser, *, lam: float, stability: float) -> Tensor:
    """Eq 80 for the weight network: ``L_pred + lambda (L_diversity + stability L_stability)``.

    L_RL of eq 80 does not depend on the weight network's parameters (the policy gradient treats the reward
    as a constant), so the joint objective splits: the policy minimises L_RL, the weight network this.
    """
    return prediction + lam * (reg.diversity + stability * reg.stability)

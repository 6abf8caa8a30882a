"""BitNet quantisers as pure functions of tensors (report section 13.1.2, eqs. 154-158).

Every quantiser returns a :class:`Quantized` pair ``(values, scale)`` with ``values * scale``
approximating the input: ``values`` holds integers (stored as float so that they flow through
autograd and ``F.linear``) and ``scale`` broadcasts against it. Weight quantisers use one scale per
tensor (BitNet's choice); activation quantisers one per token (last dimension).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

QUANT_EPS = 1e-5  # the epsilon of eqs. 156-157, guards the division for an all-zero tensor or token


class Quantized(NamedTuple):
    """Integer levels and the scale that maps them back: ``x ~= values * scale``."""

    values: Tensor
    scale: Tensor

    def dequantize(self) -> Tensor:
        return self.values * self.scale


def weight_sign(w: Tensor) -> Quantized:
    """1-bit weights of the original BitNet.

    BitNet, Wang et al. 2023 (arXiv:2310.11453) eq. 1-2; report §13.1.2 eqs. 154-155:
    ``W~ = Sign(W - E[W])`` with ``Sign(x) = +1 if x > 0 else -1``, rescaled by
    ``beta = ||W||_1 / (n m)`` (the mean absolute value).

    Args:
        w: Weight, any shape (``(out, in)`` for a linear layer).

    Returns:
        ``values`` in {-1, +1} (same shape as ``w``) and a scalar ``scale = mean(|W|)``.
    """
    w = w.float()
    values = torch.where(w - w.mean() > 0, 1.0, -1.0)
    return Quantized(values, w.abs().mean())


def weight_ternary(w: Tensor) -> Quantized:
    """Ternary absmean weights of BitNet b1.58.

    BitNet b1.58, Ma et al. 2024 (arXiv:2402.17764) eq. 1-3; report §13.1.2 eq. 156:
    ``W~ = RoundClip(W / (gamma + eps), -1, 1)`` with ``gamma = mean(|W|)``. As in the authors' released
    training code the divisor is ``max(gamma, eps)`` rather than ``gamma + eps``, so the scale that
    dequantises is exactly the divisor.

    Args:
        w: Weight, any shape.

    Returns:
        ``values`` in {-1, 0, +1} and a scalar ``scale = max(mean(|W|), eps)``.
    """
    w = w.float()
    scale = w.abs().mean().clamp(min=QUANT_EPS)
    return Quantized((w / scale).round().clamp(-1, 1), scale)


def act_absmax(x: Tensor, bits: int = 8) -> Quantized:
    """Per-token absmax activation quantisation to ``bits``-bit integers.

    BitNet eq. 5 / b1.58 §2; report §13.1.2 eq. 157:
    ``X~ = Clip(X * Q_b / ||X||_inf, -Q_b + eps, Q_b - eps)``. Deviations, as in BitNet b1.58's released
    code: ``Q = 2^(b-1) - 1`` (127 for 8 bits) so that the largest entry maps exactly to ``Q`` and the
    range stays symmetric, and the report's floor is a round to nearest (half to even, torch's ``round``).

    Args:
        x: Activations ``(..., K)``; each row over the last dimension is one token.
        bits: Integer width ``b``.

    Returns:
        ``values`` (..., K) in ``[-Q, Q]`` and ``scale`` (..., 1) ``= 1 / (Q / max(||x||_inf, eps))``.
    """
    q = 2 ** (bits - 1) - 1
    x = x.float()
    inv = q / x.abs().amax(dim=-1, keepdim=True).clamp(min=QUANT_EPS)
    return Quantized((x * inv).round().clamp(-q, q), 1.0 / inv)


def act_absmean(x: Tensor, bits: int = 4) -> Quantized:
    """Per-token absmean activation quantisation of BitNet a4.8.

    BitNet a4.8, Wang et al. 2024 (arXiv:2411.04965) §2 (INT4 quantiser for the Gaussian-like inputs of
    attention and FFN): ``Q(X) = beta / sqrt(Q) * RoundClip(sqrt(Q) X / (beta + eps), -Q - 1, Q)`` with
    ``beta = mean(|X|)`` per token and ``Q = 2^(b-1) - 1`` (``sqrt(7)`` and ``[-8, 7]`` for 4 bits).
    Not in the report's equations (§13.1.1 names a4.8 only).

    Args:
        x: Activations ``(..., K)``.
        bits: Integer width ``b``.

    Returns:
        ``values`` (..., K) in ``[-Q - 1, Q]`` and ``scale`` (..., 1) ``= max(beta, eps) / sqrt(Q)``.
    """
    q = 2 ** (bits - 1) - 1
    x = x.float()
    inv = q**0.5 / x.abs().mean(dim=-1, keepdim=True).clamp(min=QUANT_EPS)
    return Quantized((x * inv).round().clamp(-q - 1, q), 1.0 / inv)


def topk_sparsify(x: Tensor, keep: float) -> Tensor:
    """Keep the ``keep`` fraction of entries of largest magnitude in each token, zero the rest.

    BitNet a4.8 §2: the intermediate states (input of the attention output projection and of the FFN
    down projection) are sparsified by TopK before 8-bit quantisation. Ties at the threshold are kept.

    Args:
        x: Activations ``(..., K)``.
        keep: Fraction in (0, 1] of the ``K`` entries to keep (``ceil(keep * K)`` of them).

    Returns:
        ``x`` with the small entries set to zero, same shape and dtype.
    """
    k = x.shape[-1]
    n_keep = max(1, min(k, math.ceil(keep * k)))
    threshold = x.abs().topk(n_keep, dim=-1).values[..., -1:]  # (..., 1)
    return torch.where(x.abs() >= threshold, x, torch.zeros_like(x))


def ste(x: Tensor, x_hat: Tensor) -> Tensor:
    """Straight-through estimator: the value of ``x_hat``, the gradient of the identity.

    Bengio et al. 2013 (arXiv:1308.3432); BitNet §2.2; report §13.2.1 eq. 158:
    ``dL/dW ~= dL/dW~``. Latent full-precision weights receive the gradient computed at the
    quantised weights.

    Args:
        x: The full-precision tensor (receives the gradient).
        x_hat: Its quantised-dequantised value, same shape.

    Returns:
        ``x + (x_hat - x).detach()`` in ``x``'s dtype.
    """
    return x + (x_hat.to(x.dtype) - x).detach()


def rms_norm(x: Tensor, eps: float = 1e-6) -> Tensor:
    """Parameter-free RMSNorm over the last dimension: ``x / sqrt(mean(x^2) + eps)``."""
    x = x.float()
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps)


def layer_norm(x: Tensor, eps: float = 1e-6) -> Tensor:
    """Parameter-free LayerNorm over the last dimension (biased variance)."""
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
    return (x - mean) * torch.rsqrt(var + eps)


def no_norm(x: Tensor, eps: float = 1e-6) -> Tensor:
    """Identity (for inputs that the host model already normalises)."""
    return x.float()


WEIGHT_QUANTIZERS = {"sign": weight_sign, "ternary": weight_ternary}
ACT_QUANTIZERS = {"absmax": act_absmax, "absmean": act_absmean}
NORMS = {"rms": rms_norm, "layer": layer_norm, "none": no_norm}


def resolve(registry: dict, name: str, option: str):
    """Look ``name`` up in ``registry``; an unknown name raises a ValueError listing the valid ones."""
    if name not in registry:
        raise ValueError(f"{option} must be one of {sorted(registry)}, got {name!r}")
    return registry[name]

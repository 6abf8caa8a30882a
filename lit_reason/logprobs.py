"""Per-token log-probabilities from hidden states without a (B, T, V) tensor.

The LM head is applied in chunks of tokens; each chunk's logits live only inside the chunk, in the forward
and again (recomputed) in the backward. Peak memory for the head is ``chunk x V`` instead of ``B x T x V``
for the logits, their log-softmax and its gradient: for a 49k vocabulary and 32 x 100 tokens that is the
difference between ~60 MB and ~1.9 GB in fp32. The gradient is the classic softmax-cross-entropy one,
``d logp_y / d z = onehot(y) - softmax(z)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

# Logits per chunk when the caller does not choose: big enough that the matmuls stay efficient, small
# enough that the chunk's logits, softmax and gradient (three buffers) stay in the tens of megabytes.
CHUNK_ELEMENTS = 1 << 22


class TokenStats(NamedTuple):
    """Per-token outputs for the flattened valid tokens: log-probabilities and, on request, entropies."""

    logprobs: Tensor  # (N,)
    entropy: Tensor | None  # (N,), detached


def _chunk_logits(h: Tensor, weight: Tensor, bias: Tensor | None, temperature: float) -> Tensor:
    logits = h @ weight.t()
    if bias is not None:
        logits = logits + bias
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()  # the softmax of a 49k vocabulary is not safe in half precision
    return logits / temperature if temperature != 1.0 else logits


class _ChunkedLogprob(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h, weight, bias, targets, temperature, chunk, want_entropy):  # noqa: D102
        n, dt = h.shape[0], torch.promote_types(h.dtype, torch.float32)
        logp = h.new_empty(n, dtype=dt)
        lse = h.new_empty(n, dtype=dt)
        ent = h.new_empty(n, dtype=dt) if want_entropy else None
        for s in range(0, n, chunk):
            z = _chunk_logits(h[s : s + chunk], weight, bias, temperature)
            lse_c = torch.logsumexp(z, dim=-1)
            lse[s : s + chunk] = lse_c
            logp[s : s + chunk] = z.gather(-1, targets[s : s + chunk, None]).squeeze(-1) - lse_c
            if ent is not None:
                p = torch.exp(z - lse_c[:, None])
                ent[s : s + chunk] = lse_c - (p * z).sum(-1)
        ctx.save_for_backward(h, weight, bias, targets, lse)
        ctx.temperature, ctx.chunk = temperature, chunk
        if ent is not None:
            ctx.mark_non_differentiable(ent)
        return logp, ent

    @staticmethod
    def backward(ctx, grad_logp, _grad_ent):  # noqa: D102
        h, weight, bias, targets, lse = ctx.saved_tensors
        need_h, need_w, need_b = ctx.needs_input_grad[:3]
        grad_h = torch.zeros_like(h) if need_h else None
        acc = torch.promote_types(weight.dtype, torch.float32)
        grad_w = torch.zeros_like(weight, dtype=acc) if need_w else None
        grad_b = torch.zeros_like(bias, dtype=acc) if (need_b and bias is not None) else None
        for s in range(0, h.shape[0], ctx.chunk):
            sl = slice(s, s + ctx.chunk)
            z = _chunk_logits(h[sl], weight, bias, ctx.temperature)
            g = -torch.exp(z - lse[sl, None])  # -softmax
            g.scatter_add_(-1, targets[sl, None], torch.ones_like(g[:, :1]))  # onehot - softmax
            g *= (grad_logp[sl] / ctx.temperature)[:, None]
            if grad_h is not None:
                grad_h[sl] = (g.to(weight.dtype) @ weight).to(h.dtype)
            if grad_w is not None:
                grad_w += g.t() @ h[sl].to(acc)
            if grad_b is not None:
                grad_b += g.sum(0)
        grad_w = grad_w.to(weight.dtype) if grad_w is not None else None
        grad_b = grad_b.to(bias.dtype) if grad_b is not None else None
        return grad_h, grad_w, grad_b, None, None, None, None


def chunked_token_logprobs(
    hidden: Tensor,
    weight: Tensor,
    targets: Tensor,
    *,
    bias: Tensor | None = None,
    temperature: float = 1.0,
    chunk: int | None = None,
    entropy: bool = False,
) -> TokenStats:
    """log softmax(hidden @ weight.T / temperature)[target] for each row, chunked over rows.

    Args:
        hidden: (N, H) final hidden states at the positions that predict ``targets``.
        weight: (V, H) output embedding (the LM head).
        targets: (N,) token ids.
        bias: (V,) optional LM-head bias.
        temperature: Logits are divided by it, as the sampler does, so sampler and learner agree.
        chunk: Rows per chunk; memory is O(chunk x V). None sizes chunks to ``CHUNK_ELEMENTS`` logits
            (16 MB in fp32), e.g. 85 tokens for a 49k vocabulary.
        entropy: Also return the entropy of each row's distribution (no gradient).

    Returns:
        ``TokenStats(logprobs (N,), entropy (N,) or None)``; log-probabilities carry gradients to
        ``hidden``, ``weight`` and ``bias``.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 for log-probabilities, got {temperature}")
    if chunk is None:
        chunk = max(1, CHUNK_ELEMENTS // weight.shape[0])
    logp, ent = _ChunkedLogprob.apply(hidden, weight, bias, targets, float(temperature), int(chunk), entropy)
    return TokenStats(logp, ent)

"""Per-token log-probabilities from hidden states without a (B, T, V) tensor.

The LM head is applied in chunks of tokens; each chunk's logits live only inside the chunk, in the forward
and again (recomputed) in the backward, unless the batch is small enough to keep its softmax (a
micro-batch of a few completions: ``keep_elements``). Peak memory for the head is ``chunk x V`` instead of ``B x T x V``
for the logits, their log-softmax and its gradient: for a 49k vocabulary and 32 x 100 tokens that is the
difference between ~60 MB and ~1.9 GB in fp32. The gradient is the classic softmax-cross-entropy one,
``d logp_y / d z = onehot(y) - softmax(z)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from lit_reason.losses.kl import full_kl

# Logits per chunk when the caller does not choose: big enough that the matmuls stay efficient, small
# enough that the chunk's logits, softmax and gradient (three buffers) stay in the tens of megabytes.
CHUNK_ELEMENTS = 1 << 22
# Up to this many logits (64 MB in fp32) the forward keeps the softmax for the backward, which then skips
# recomputing the LM head (a third of the head's FLOPs) and runs its two gradient matmuls once over all rows.
KEEP_ELEMENTS = 1 << 24


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
    def forward(ctx, h, weight, bias, targets, temperature, chunk, want_entropy, keep_elements):  # noqa: D102
        n, dt = h.shape[0], torch.promote_types(h.dtype, torch.float32)
        logp = h.new_empty(n, dtype=dt)
        lse = h.new_empty(n, dtype=dt)
        ent = h.new_empty(n, dtype=dt) if want_entropy else None
        # A small batch keeps its softmax for the backward instead of recomputing the LM head there.
        keep = any(ctx.needs_input_grad[:3]) and n * weight.shape[0] <= keep_elements
        probs = h.new_empty(n, weight.shape[0], dtype=dt) if keep else None
        for s in range(0, n, chunk):
            z = _chunk_logits(h[s : s + chunk], weight, bias, temperature)
            lse_c = torch.logsumexp(z, dim=-1)
            lse[s : s + chunk] = lse_c
            logp[s : s + chunk] = z.gather(-1, targets[s : s + chunk, None]).squeeze(-1) - lse_c
            if ent is not None or probs is not None:
                p = torch.exp(z - lse_c[:, None], out=None if probs is None else probs[s : s + chunk])
                if ent is not None:
                    ent[s : s + chunk] = lse_c - (p * z).sum(-1)
        ctx.save_for_backward(h, weight, bias, targets, lse)
        ctx.temperature, ctx.chunk, ctx.probs = temperature, chunk, probs
        if ent is not None:
            ctx.mark_non_differentiable(ent)
        return logp, ent

    @staticmethod
    def backward(ctx, grad_logp, _grad_ent):  # noqa: D102
        h, weight, bias, targets, lse = ctx.saved_tensors
        need_h, need_w, need_b = ctx.needs_input_grad[:3]
        acc = torch.promote_types(weight.dtype, torch.float32)
        grad_h = torch.empty_like(h) if need_h else None
        grad_w = grad_b = None
        probs, ctx.probs = ctx.probs, None  # used up in place; a second backward recomputes
        step = max(h.shape[0], 1) if probs is not None else ctx.chunk  # no tokens: the loop runs zero times
        for s in range(0, h.shape[0], step):
            sl = slice(s, s + step)
            if probs is not None:
                g = probs[sl].neg_()
            else:
                g = torch.exp(_chunk_logits(h[sl], weight, bias, ctx.temperature) - lse[sl, None]).neg_()
            g.scatter_add_(-1, targets[sl, None], torch.ones_like(g[:, :1]))  # onehot - softmax
            g *= (grad_logp[sl] / ctx.temperature)[:, None]
            if grad_h is not None:
                grad_h[sl] = (g.to(weight.dtype) @ weight).to(h.dtype)
            if need_w:  # accumulated in place: no V x H temporary per chunk
                hs = h[sl].to(acc)
                grad_w = g.t() @ hs if grad_w is None else grad_w.addmm_(g.t(), hs)
            if need_b and bias is not None:
                grad_b = g.sum(0) if grad_b is None else grad_b.add_(g.sum(0))
        if need_w and grad_w is None:  # no rows
            grad_w = torch.zeros_like(weight, dtype=acc)
        if need_b and bias is not None and grad_b is None:
            grad_b = torch.zeros_like(bias, dtype=acc)
        grad_w = grad_w.to(weight.dtype) if grad_w is not None else None
        grad_b = grad_b.to(bias.dtype) if grad_b is not None else None
        return grad_h, grad_w, grad_b, None, None, None, None, None


def chunked_token_logprobs(
    hidden: Tensor,
    weight: Tensor,
    targets: Tensor,
    *,
    bias: Tensor | None = None,
    temperature: float = 1.0,
    chunk: int | None = None,
    entropy: bool = False,
    keep_elements: int = KEEP_ELEMENTS,
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
        keep_elements: When gradients are needed and ``N x V`` is at most this, the softmax is kept from the
            forward for the backward instead of being recomputed; 0 always recomputes.

    Returns:
        ``TokenStats(logprobs (N,), entropy (N,) or None)``; log-probabilities carry gradients to
        ``hidden``, ``weight`` and ``bias``.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 for log-probabilities, got {temperature}")
    if chunk is None:
        chunk = max(1, CHUNK_ELEMENTS // weight.shape[0])
    logp, ent = _ChunkedLogprob.apply(hidden, weight, bias, targets, float(temperature), int(chunk), entropy,
                                     int(keep_elements))
    return TokenStats(logp, ent)


def _full_kl_chunk(h: Tensor, ref_h: Tensor, weight: Tensor, bias: Tensor | None, ref_weight: Tensor,
                   ref_bias: Tensor | None, temperature: float) -> Tensor:
    return full_kl(_chunk_logits(h, weight, bias, temperature), _chunk_logits(ref_h, ref_weight, ref_bias, temperature))


def chunked_full_kl(
    hidden: Tensor,
    weight: Tensor,
    ref_hidden: Tensor,
    ref_weight: Tensor,
    *,
    bias: Tensor | None = None,
    ref_bias: Tensor | None = None,
    temperature: float = 1.0,
    chunk: int | None = None,
) -> Tensor:
    """Exact KL(pi || pi_ref) over the vocabulary at each row (report eq. 128), chunked over rows.

    Each chunk is checkpointed: its (chunk, V) logits are rebuilt in the backward rather than kept, so
    memory stays O(chunk x V) however many rows there are.

    Args:
        hidden: (N, H) policy hidden states; gradients flow to them and to ``weight`` / ``bias``.
        weight: (V, H) policy LM head.
        ref_hidden: (N, H) reference hidden states (no gradient).
        ref_weight: (V, H) reference LM head.
        bias, ref_bias: Optional LM-head biases.
        temperature: Divides both models' logits, as the sampler did.
        chunk: Rows per chunk; None sizes chunks to ``CHUNK_ELEMENTS`` logits.

    Returns:
        (N,) KL per row.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 for a KL, got {temperature}")
    chunk = chunk or max(1, CHUNK_ELEMENTS // weight.shape[0])
    parts = [
        checkpoint(_full_kl_chunk, h, r, weight, bias, ref_weight, ref_bias, float(temperature), use_reentrant=False)
        for h, r in zip(hidden.split(chunk), ref_hidden.detach().split(chunk))
    ]
    return torch.cat(parts) if parts else hidden.new_zeros(0)

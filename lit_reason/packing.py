"""Shared-prefix packing: each prompt once, its samples back to back, one forward for the group.

A GRPO rollout holds n samples of every prompt. Scoring them as n padded rows recomputes the prompt n
times and pads every completion to the longest one. A packed row is instead

    [prompt | c_1 | c_2 | ... | c_k]

with a block attention mask: prompt tokens attend causally to the prompt; each completion attends to the
whole prompt and causally to itself, never to another completion; position ids restart at ``len(prompt)``
for every completion. Each completion therefore sees exactly the context it sees alone, so the
log-probabilities (and their gradients, which reach the shared prompt once per group) are those of the
unpacked batch, for ``p + sum(c_j)`` positions instead of ``k * (P + T)``. On the SmolLM2 GRPO benchmark
(8 prompts x 4 samples, ~50 prompt and ~36 of at most 64 completion tokens) that is ~190 positions per
group instead of ~450.

The mask is a 4D additive float mask, which Hugging Face models pass to SDPA / eager attention as-is;
kernels that take no mask (FlashAttention-2) cannot use it, so callers fall back to the padded layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class PackedBatch:
    """Packed rows and where the scored tokens' predictions live in them.

    Attributes:
        input_ids: (R, L) packed token ids, right-padded with the first prompt token (masked out).
        position_ids: (R, L).
        allowed: (R, 1, L, L) bool, True where query position may attend to key position.
        predictor: (N,) flat index into ``R * L`` of the hidden state that predicts each scored token.
        targets: (N,) the scored token ids, in the row-major order of ``completion_mask.bool()``.
    """

    input_ids: Tensor
    position_ids: Tensor
    allowed: Tensor
    predictor: Tensor
    targets: Tensor

    def additive_mask(self, dtype: torch.dtype) -> Tensor:
        """The mask as 0 / most-negative floats of ``dtype``, the form attention kernels add to scores."""
        zeros = torch.zeros(self.allowed.shape, dtype=dtype, device=self.allowed.device)
        return zeros.masked_fill(~self.allowed, torch.finfo(dtype).min)


def pack_shared_prefix(
    input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor, group: Tensor
) -> PackedBatch | None:
    """Packs samples that share a group id and identical prompt tokens into one row each.

    Args:
        input_ids: (B, P + T) left-padded prompts followed by right-padded completions.
        attention_mask: (B, P + T).
        completion_mask: (B, T), 1 on the completion tokens to score.
        group: (B,) prompt ids; samples of one group with different prompt tokens are packed apart.

    Returns:
        The packed batch, or None when a completion mask is not a prefix of ones (a hole in a completion
        changes what later tokens attend to, which the packed layout does not express).

    Raises:
        ValueError: A sample with tokens to score has an empty prompt (nothing predicts its first token).
    """
    b, t = completion_mask.shape
    p_cols = input_ids.shape[1] - t
    lengths = completion_mask.sum(1).tolist()
    if any(completion_mask[i, :n].sum().item() != n for i, n in enumerate(lengths)):
        return None
    rows: dict[tuple, list[int]] = {}
    prompts: dict[tuple, Tensor] = {}
    for i in range(b):
        prompt = input_ids[i, :p_cols][attention_mask[i, :p_cols].bool()]
        if prompt.numel() == 0 and lengths[i] > 0:
            raise ValueError(f"pack_shared_prefix: sample {i} has an empty prompt")
        key = (int(group[i]), tuple(prompt.tolist()))
        rows.setdefault(key, []).append(i)
        prompts[key] = prompt
    width = max(len(prompts[k]) + sum(lengths[i] for i in members) for k, members in rows.items())
    return _layout(input_ids[:, p_cols:], lengths, list(rows.items()), prompts, width)


def _layout(
    completions: Tensor, lengths: list[int], rows: list[tuple[tuple, list[int]]], prompts: dict, width: int
) -> PackedBatch:
    device = completions.device
    n_rows = len(rows)
    ids = torch.zeros(n_rows, width, dtype=torch.long, device=device)
    pos = torch.zeros(n_rows, width, dtype=torch.long, device=device)
    seg = torch.full((n_rows, width), -1, dtype=torch.long, device=device)
    predictor: list[list[int]] = [[] for _ in lengths]
    for r, (key, members) in enumerate(rows):
        prompt = prompts[key]
        p = len(prompt)
        ids[r, :p], pos[r, :p], seg[r, :p] = prompt, torch.arange(p, device=device), 0
        ids[r, p:] = prompt[0] if p else 0
        start = p
        for j, i in enumerate(members, start=1):
            n = lengths[i]
            ids[r, start : start + n] = completions[i, :n]
            pos[r, start : start + n] = torch.arange(p, p + n, device=device)
            seg[r, start : start + n] = j
            # token 0 is predicted by the prompt's last position, token k by the completion's token k-1
            # (a sample with nothing to score, e.g. masked out by DAPO's overlong filter, predicts nothing)
            predictor[i] = [r * width + p - 1] + [r * width + start + k - 1 for k in range(1, n)] if n else []
            start += n
    q, k = torch.arange(width, device=device)[:, None], torch.arange(width, device=device)[None, :]
    same = (seg[:, None, :] == 0) | (seg[:, None, :] == seg[:, :, None])
    allowed = (k <= q) & same & (seg[:, :, None] >= 0)
    allowed |= torch.eye(width, dtype=torch.bool, device=device)  # padding attends to itself: no empty rows
    flat = [x for i in range(len(lengths)) for x in predictor[i]]
    targets = torch.cat([completions[i, : lengths[i]] for i in range(len(lengths))]) if flat else ids.new_zeros(0)
    return PackedBatch(ids, pos, allowed[:, None], torch.tensor(flat, dtype=torch.long, device=device), targets)

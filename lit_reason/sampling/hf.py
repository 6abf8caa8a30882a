"""The default sampling engine: batched KV-cached decoding with the policy's own Hugging Face model.

Runs anywhere torch runs (CPU included). Compared with ``model.generate`` it (1) prefills each prompt once
and copies its KV cache to the n samples, (2) drops finished rows from the cache so that late steps cost
only what is still running, (3) returns the per-token log-probabilities it sampled with, so a
single-epoch update needs no second forward pass, and (4) draws from a caller-owned generator, so a
seed reproduces completions exactly.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from transformers import DynamicCache

from lit_reason.policy import Policy, Prompt
from lit_reason.rollout import Rollout
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.processors import pick_tokens


class HFSampler:
    """Generates rollouts with the policy's model: the default rollout engine (``sampling/engine.py``).

    It samples with the learner's own modules, so :meth:`sync_weights` copies nothing and its rollouts are
    always on the learner's current version.

    Args:
        policy: The policy whose model samples.
        batch_size: Prompts prefilled together (each then expands to n samples); None means all at once.
    """

    def __init__(self, policy: Policy, *, batch_size: int | None = None) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"HFSampler.batch_size must be >= 1, got {batch_size}")
        self.policy = policy
        self.batch_size = batch_size
        self.policy_version = 0

    def sync_weights(self, version: int) -> None:
        """Nothing to copy (the engine is the policy); records the version its samples are stamped with."""
        self.policy_version = version

    @torch.no_grad()
    def generate(
        self,
        prompts: list[Prompt],
        params: SamplingParams,
        *,
        columns: dict[str, list[Any]] | None = None,
        generator: torch.Generator | list[torch.Generator] | None = None,
        counts: list[int] | None = None,
    ) -> Rollout:
        """Draws ``params.n`` completions for each prompt (or ``counts[i]`` for prompt i).

        Args:
            prompts: Strings or chat messages.
            params: Sampling parameters (``n`` samples per prompt).
            columns: Per-prompt columns to carry into the rollout (repeated per sample).
            generator: RNG for sampling, or one RNG per chunk of ``batch_size`` prompts (the learner keys
                them by the chunk's global index so that samples do not depend on the number of ranks).
            counts: Samples per prompt, overriding ``params.n`` (adaptive group sizes, eq 30).

        Returns:
            A :class:`Rollout` of ``sum(counts)`` samples, those of one prompt adjacent and sharing a
            ``group`` id.
        """
        columns = columns or {}
        counts = [params.n] * len(prompts) if counts is None else list(counts)
        if len(counts) != len(prompts) or any(c < 1 for c in counts):
            raise ValueError(f"HFSampler.generate: need one count >= 1 per prompt, got {counts}")
        step = self.batch_size or max(len(prompts), 1)
        starts = range(0, len(prompts), step)
        gens = generator if isinstance(generator, list) else [generator] * len(starts)
        if len(gens) != len(starts):
            raise ValueError(f"HFSampler.generate: {len(gens)} generators for {len(starts)} chunks of {step} prompts")
        parts = []
        with self.policy.eval_mode():
            for start, gen in zip(starts, gens):
                parts.append(self._generate(prompts[start : start + step], start, params, gen,
                                            counts[start : start + step]))
        rows = {k: [v for v, c in zip(vals, counts) for _ in range(c)] for k, vals in columns.items()}
        rollout = _concat(parts, rows)
        rollout.policy_version = torch.full((len(rollout),), self.policy_version, dtype=torch.long)
        return rollout

    def _generate(
        self, prompts: list[Prompt], offset: int, params: SamplingParams, generator: torch.Generator | None,
        counts: list[int],
    ) -> dict[str, Any]:
        policy = self.policy
        device = next(policy.parameters()).device
        ids, mask, texts = policy.encode_prompts(prompts)
        ids, mask = ids.to(device), mask.to(device)
        repeats = torch.tensor(counts, device=device)
        tokens, logps, done, lengths = _decode(policy, ids, mask, params, generator, repeats)
        completion_mask = (torch.arange(tokens.shape[1], device=device)[None, :] < lengths[:, None]).long()
        return {
            "prompt_ids": ids.repeat_interleave(repeats, 0),
            "prompt_mask": mask.repeat_interleave(repeats, 0),
            "completion_ids": tokens,
            "completion_mask": completion_mask,
            "sampler_logprobs": logps * completion_mask,
            "group": torch.arange(offset, offset + len(prompts), device=device).repeat_interleave(repeats),
            "finished": done,
            "prompts": [t for t, c in zip(texts, counts) for _ in range(c)],
            "completions": policy.tokenizer.batch_decode(tokens * completion_mask, skip_special_tokens=True),
        }


def _decode(
    policy: Policy, ids: Tensor, mask: Tensor, params: SamplingParams, generator: torch.Generator | None,
    repeats: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Returns tokens (N, T), logprobs (N, T), finished (N,), lengths (N,) for N = sum(repeats) samples.

    Each prompt is prefilled once; its cache is then repeated for its samples. T <= max_new_tokens.
    """
    model, tok = policy.causal_lm, policy.tokenizer
    max_new = params.max_new_tokens
    cache = DynamicCache(config=model.config)
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=pos, cache=cache, use_cache=True,
                logits_to_keep=1)
    if (repeats != 1).any():
        cache.batch_select_indices(torch.arange(len(repeats), device=ids.device).repeat_interleave(repeats))
    logits = out.logits[:, -1].repeat_interleave(repeats, 0)
    attn = mask.repeat_interleave(repeats, 0)
    next_pos = pos[:, -1:].repeat_interleave(repeats, 0) + 1
    total = attn.shape[0]
    tokens = torch.full((total, max_new), tok.pad_token_id, dtype=torch.long, device=ids.device)
    logps = torch.zeros(total, max_new, device=ids.device)
    done = torch.zeros(total, dtype=torch.bool, device=ids.device)
    lengths = torch.zeros(total, dtype=torch.long, device=ids.device)
    alive = torch.arange(total, device=ids.device)
    stopper = _StopStrings(tok, params.stop)
    for t in range(max_new):
        pick = pick_tokens(logits, params, generator)
        tokens[alive, t], logps[alive, t], lengths[alive] = pick.tokens, pick.logprobs, t + 1
        ended = pick.tokens == tok.eos_token_id
        if stopper.active:
            ended |= stopper.hit(tokens[alive, : t + 1])
        done[alive] = ended
        keep = (~ended).nonzero().squeeze(-1)
        if t == max_new - 1 or keep.numel() == 0:
            return tokens[:, : t + 1], logps[:, : t + 1], done, lengths
        if keep.numel() < alive.numel():
            cache.batch_select_indices(keep)
            alive, attn, next_pos = alive[keep], attn[keep], next_pos[keep]
        attn = torch.cat([attn, attn.new_ones(attn.shape[0], 1)], dim=1)
        out = model(input_ids=tokens[alive, t : t + 1], attention_mask=attn, position_ids=next_pos,
                    cache=cache, use_cache=True)
        logits, next_pos = out.logits[:, -1], next_pos + 1
    raise AssertionError("unreachable: the loop returns at t == max_new - 1")


class _StopStrings:
    """Detects stop strings at the end of each running completion."""

    def __init__(self, tokenizer: Any, stop: list[str]) -> None:
        self.tokenizer, self.stop = tokenizer, [s for s in stop if s]
        self.active = bool(self.stop)
        # Every token decodes to >= 1 character, so this many trailing tokens cover the longest stop string.
        self.window = max((len(s) for s in self.stop), default=0) + 2

    def hit(self, tokens: Tensor) -> Tensor:
        tails = self.tokenizer.batch_decode(tokens[:, -self.window :], skip_special_tokens=True)
        return torch.tensor([any(s in tail for s in self.stop) for tail in tails], device=tokens.device)


def _concat(parts: list[dict[str, Any]], columns: dict[str, list[Any]]) -> Rollout:
    if len(parts) == 1:
        return Rollout(**parts[0], columns=columns)
    t = max(p["completion_ids"].shape[1] for p in parts)
    p_len = max(p["prompt_ids"].shape[1] for p in parts)
    merged: dict[str, Any] = {}
    for key in parts[0]:
        vals = [p[key] for p in parts]
        if key in ("prompts", "completions"):
            merged[key] = [x for v in vals for x in v]
        elif key in ("prompt_ids", "prompt_mask"):
            merged[key] = torch.cat([torch.nn.functional.pad(v, (p_len - v.shape[1], 0)) for v in vals])
        elif vals[0].dim() == 2:
            merged[key] = torch.cat([torch.nn.functional.pad(v, (0, t - v.shape[1])) for v in vals])
        else:
            merged[key] = torch.cat(vals)
    return Rollout(**merged, columns=columns)

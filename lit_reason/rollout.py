"""Rollout: the one batch type that flows through RL (DESIGN.md, "The data that flows")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

# Per-sample tensor fields, in the order they are moved, indexed and concatenated.
_TENSORS = (
    "prompt_ids",
    "prompt_mask",
    "completion_ids",
    "completion_mask",
    "sampler_logprobs",
    "group",
    "finished",
    "rewards",
    "reward_none",
    "correct",
    "token_rewards",
    "old_logprobs",
    "ref_logprobs",
    "values",
    "advantages",
    "returns",
    "is_weights",
    "policy_version",
)


@dataclass
class Rollout:
    """Generated completions for a batch of prompts, and what the algorithm computes on them.

    Shapes: ``B`` samples (prompts x n), ``P`` prompt length (left-padded), ``T`` completion length
    (right-padded).

    Args:
        prompt_ids: (B, P) left-padded prompt ids.
        prompt_mask: (B, P).
        completion_ids: (B, T) right-padded completion ids.
        completion_mask: (B, T), 1 on generated tokens (EOS included), 0 on padding.
        sampler_logprobs: (B, T) log-probabilities the sampler drew each token with (at its temperature).
        group: (B,) the prompt each sample came from; the n samples of one prompt share a group id.
        finished: (B,) True where the completion ended by EOS or a stop string, not by length.
        prompts: B formatted prompt texts.
        completions: B decoded completions (special tokens removed).
        columns: The prompt rows' other columns (``answer``, ``tests``, ...), each a list of B values.
        rewards: (B,) scalar reward per sample.
        reward_none: (B,) bool, True where no reward function could score the sample (it was given
            ``none_reward``; counted in ``train/reward_none_frac``).
        correct: (B,) bool, the verifier's verdict (score >= 1), when the module has a verifier.
        token_rewards: (B, T) per-token rewards, for methods that use them.
        old_logprobs: (B, T) log-probabilities under the policy that generated the batch.
        ref_logprobs: (B, T) log-probabilities under the reference policy.
        values: (B, T) critic values.
        advantages: (B,) or (B, T).
        returns: (B, T) value targets.
        is_weights: (B, T) truncated importance weights pi_old / pi_sampler (eq 132), when corrected.
        policy_version: (B,) learner updates the sampling weights had seen (``sampling/engine.py``).
    """

    prompt_ids: Tensor
    prompt_mask: Tensor
    completion_ids: Tensor
    completion_mask: Tensor
    sampler_logprobs: Tensor
    group: Tensor
    finished: Tensor
    prompts: list[str]
    completions: list[str]
    columns: dict[str, list[Any]] = field(default_factory=dict)
    rewards: Tensor | None = None
    reward_none: Tensor | None = None
    correct: Tensor | None = None
    token_rewards: Tensor | None = None
    old_logprobs: Tensor | None = None
    ref_logprobs: Tensor | None = None
    values: Tensor | None = None
    advantages: Tensor | None = None
    returns: Tensor | None = None
    is_weights: Tensor | None = None
    policy_version: Tensor | None = None

    def __post_init__(self) -> None:
        b = self.completion_ids.shape[0]
        for name in _TENSORS:
            t = getattr(self, name)
            if t is not None and t.shape[0] != b:
                raise ValueError(f"Rollout.{name} has {t.shape[0]} rows, completion_ids has {b}")
        for name, values in [("prompts", self.prompts), ("completions", self.completions), *self.columns.items()]:
            if len(values) != b:
                raise ValueError(f"Rollout.{name} has {len(values)} entries, completion_ids has {b} rows")

    def __len__(self) -> int:
        return self.completion_ids.shape[0]

    @property
    def input_ids(self) -> Tensor:
        """(B, P + T) prompt followed by completion."""
        return torch.cat([self.prompt_ids, self.completion_ids], dim=1)

    @property
    def attention_mask(self) -> Tensor:
        """(B, P + T)."""
        return torch.cat([self.prompt_mask, self.completion_mask], dim=1)

    def to(self, device: torch.device | str) -> Rollout:
        """A copy with every tensor on ``device``."""
        moved = {n: getattr(self, n).to(device) for n in _TENSORS if getattr(self, n) is not None}
        return replace(self, **moved)

    def select(self, index: Tensor | list[int]) -> Rollout:
        """The samples at ``index``, with every field indexed consistently."""
        idx = torch.as_tensor(index, dtype=torch.long)
        out: dict[str, Any] = {n: getattr(self, n)[idx] for n in _TENSORS if getattr(self, n) is not None}
        rows = idx.tolist()
        out["prompts"] = [self.prompts[i] for i in rows]
        out["completions"] = [self.completions[i] for i in rows]
        out["columns"] = {k: [v[i] for i in rows] for k, v in self.columns.items()}
        return replace(self, **out)

    def minibatches(
        self, size: int, *, shuffle: bool = True, generator: torch.Generator | None = None, block: int = 1
    ) -> Iterator[Rollout]:
        """Splits the rollout into minibatches of ``size`` samples (the last may be smaller).

        Args:
            size: Samples per minibatch (a multiple of ``block``).
            shuffle: Permute samples first (with ``generator``, for reproducible runs).
            generator: RNG for the permutation.
            block: Rows ``[k * block, (k + 1) * block)`` stay together and in order, e.g. 2 for interleaved
                (chosen, rejected) pairs; blocks, not rows, are permuted.
        """
        if size < 1:
            raise ValueError(f"minibatch size must be >= 1, got {size}")
        if block < 1 or len(self) % block or (size % block and size < len(self)):
            raise ValueError(f"minibatches of {size} rows in blocks of {block}: {len(self)} rows and the size "
                             "must be multiples of the block")
        n = len(self) // block
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        per = max(size // block, 1)
        for start in range(0, n, per):
            units = order[start : start + per]
            yield self.select((units[:, None] * block + torch.arange(block)).flatten())

    def trimmed(self) -> Rollout:
        """Drops completion columns that are padding in every row (after selecting a minibatch)."""
        keep = int(self.completion_mask.sum(0).nonzero().max().item()) + 1 if self.completion_mask.any() else 1
        pkeep = int(self.prompt_mask.sum(0).nonzero().min().item()) if self.prompt_mask.any() else 0
        out: dict[str, Any] = {}
        for f in fields(self):
            t = getattr(self, f.name)
            if f.name in ("prompt_ids", "prompt_mask"):
                out[f.name] = t[:, pkeep:]
            elif isinstance(t, Tensor) and t.dim() == 2 and f.name not in ("prompt_ids", "prompt_mask"):
                out[f.name] = t[:, :keep]
        return replace(self, **out)

    @staticmethod
    def concat(parts: list[Rollout]) -> Rollout:
        """The samples of ``parts`` in order, as one rollout (e.g. rollouts generated in separate draws).

        Prompts are re-padded on the left and completions on the right to the widest part; the group ids of
        each part are shifted past those of the parts before it, so that groups of different draws stay
        apart. A field missing (None) in any part is None in the result; columns must have the same keys.
        """
        if not parts:
            raise ValueError("Rollout.concat needs at least one rollout")
        keys = set(parts[0].columns)
        if any(set(p.columns) != keys for p in parts):
            raise ValueError(f"Rollout.concat: the parts' columns differ: {[sorted(p.columns) for p in parts]}")
        p_len = max(p.prompt_ids.shape[1] for p in parts)
        t_len = max(p.completion_ids.shape[1] for p in parts)
        out: dict[str, Any] = {"prompts": [x for p in parts for x in p.prompts],
                               "completions": [x for p in parts for x in p.completions],
                               "columns": {k: [x for p in parts for x in p.columns[k]] for k in keys}}
        for name in _TENSORS:
            vals = [getattr(p, name) for p in parts]
            if any(v is None for v in vals):
                out[name] = None
            elif name in ("prompt_ids", "prompt_mask"):
                out[name] = torch.cat([torch.nn.functional.pad(v, (p_len - v.shape[1], 0)) for v in vals])
            elif vals[0].dim() == 2:
                out[name] = torch.cat([torch.nn.functional.pad(v, (0, t_len - v.shape[1])) for v in vals])
            else:
                out[name] = torch.cat(vals)
        offsets, total = [], 0
        for p in parts:
            offsets.append(total)
            total += int(p.group.max()) + 1 if len(p) else 0
        out["group"] = torch.cat([p.group + off for p, off in zip(parts, offsets)])
        return Rollout(**out)

@dataclass(frozen=True)
class IterationRecord:
    """What callbacks may read about the last RL iteration: ``pl_module.last_iteration``.

    Set by :class:`~lit_reason.algorithms.base.OnPolicyModule` at the end of each ``training_step``, so a
    callback's ``on_train_batch_end`` sees the iteration just trained on; None before the first one.

    Args:
        iteration: Rollouts collected so far, this one included (``train/iteration``).
        rollout: The rollout as collected and scored, before ``select``: every sample, with ``rewards``,
            ``reward_none`` and, with a verifier, ``correct``.
    """

    iteration: int
    rollout: Rollout


@runtime_checkable
class KeepsIterations(Protocol):
    """A module that publishes :class:`IterationRecord` for callbacks (every on-policy module does)."""

    last_iteration: IterationRecord | None


def require_iterations(who: str, module: object) -> None:
    """Raises the one error of a callback that reads ``last_iteration`` from a module that publishes none."""
    if not isinstance(module, KeepsIterations):
        raise TypeError(f"{who} needs a module that publishes `last_iteration` (every on-policy module does); "
                        f"{type(module).__name__} has none")

"""Reward combinators: hybrid ORM + PRM (report sec 3.5.5 eq 42, sec 10.2 eq 140) and potential-based shaping
(sec 3.5.6 eq 43; Ng, Harada & Russell 1999).

- :func:`hybrid` builds ``R = alpha * R_ORM + (1 - alpha) * R_PRM (+ beta * R_format)`` as a
  :class:`~lit_reason.rewards.combine.WeightedSum`, so a None from any part follows its rule and a raising
  part is named with its row. (Eq 140 writes alpha on the PRM; ``hybrid(prm=..., orm=..., alpha=1 - a)`` is
  the same reward.)
- :func:`potential_shaping` is eq 43 on step rewards: ``r'_t = r_t + gamma * Phi(s_{t+1}) - Phi(s_t)``.
- :class:`PotentialShaped` applies it to a sequence reward with step states ``s_t`` = prompt + the first
  ``t`` steps and a potential given as any reward function (a PRM's prefix score is a progress potential):
  the return ``R + sum_t gamma^t (gamma Phi(s_{t+1}) - Phi(s_t))`` telescopes to
  ``R + gamma^T Phi(s_T) - Phi(s_0)``. Deliberate deviation from eq 43's invariance theorem: the final
  state's potential is kept, not set to 0, since a zero terminal potential makes the shaping a constant per
  prompt that group-normalised advantages cancel.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from lit_reason.rewards.combine import RewardFn, WeightedSum
from lit_reason.rewards.registry import get_reward
from lit_reason.rewards.steps import resolve_splitter


def hybrid(orm: str | RewardFn, prm: str | RewardFn, alpha: float = 0.5, format: str | RewardFn | None = None,
           beta: float = 0.0) -> WeightedSum:
    """Eq 42 / eq 140: ``alpha * R_ORM + (1 - alpha) * R_PRM + beta * R_format``.

    Args:
        orm: Outcome reward (``math_accuracy``, an ORM directory, a callable).
        prm: Process reward (a PRM directory or a callable), scored on the whole completion.
        alpha: Weight of the ORM, in [0, 1].
        format: Optional format reward (eq 140's ``R_format``).
        beta: Its weight.

    Example:
        >>> def orm(prompts, completions, **columns):
        ...     return [1.0] * len(completions)
        >>> def prm(prompts, completions, **columns):
        ...     return [0.5] * len(completions)
        >>> hybrid(orm, prm, alpha=0.75)(["q"], ["a"])
        [0.875]
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"hybrid: alpha must be in [0, 1], got {alpha}")
    parts, weights = [get_reward(orm), get_reward(prm)], [alpha, 1.0 - alpha]
    if format is not None:
        parts, weights = parts + [get_reward(format)], weights + [beta]
    return WeightedSum(parts, weights, name="hybrid")


def potential_shaping(rewards: Tensor, potentials: Tensor, mask: Tensor, *, gamma: float = 1.0) -> Tensor:
    """Eq 43 per step: ``r'_t = r_t + gamma * Phi(s_{t+1}) - Phi(s_t)``, 0 on padded steps.

    Args:
        rewards: (B, S) step rewards.
        potentials: (B, S + 1) ``Phi(s_0) .. Phi(s_S)``.
        mask: (B, S) 1 on real steps.
        gamma: Discount.

    Returns:
        (B, S) shaped rewards.
    """
    shaped = rewards + gamma * potentials[:, 1:] - potentials[:, :-1]
    return shaped * mask.to(shaped.dtype)


class PotentialShaped:
    """A sequence reward plus the discounted sum of eq 43's shaping terms over the completion's steps.

    Args:
        reward: The base reward R.
        potential: Phi, any reward function, called on the step prefixes ``s_0 = ""`` .. ``s_T`` (None counts 0).
        gamma: Discount of eq 43.
        split: Step segmentation: ``newline``, ``step_k`` or ``sentence``.

    Example:
        >>> base = lambda prompts, completions, **c: [1.0] * len(completions)
        >>> progress = lambda prompts, completions, **c: [0.1 * c.count("\\n") for c in completions]
        >>> PotentialShaped(base, progress)(["q"], ["a\\nb\\nc"])  # 1 + Phi("a\\nb\\nc") - Phi("") = 1.2
        [1.2]
    """

    __name__ = "potential_shaped"

    def __init__(self, reward: str | RewardFn, potential: str | RewardFn, gamma: float = 1.0,
                 split: str = "newline") -> None:
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"PotentialShaped: gamma must be in (0, 1], got {gamma}")
        self.reward, self.potential = get_reward(reward), get_reward(potential)
        self.gamma, self.splitter = gamma, resolve_splitter(split)

    def __call__(self, prompts: list[str], completions: list[str], **columns: Any) -> list[float | None]:
        base = self.reward(prompts, completions, **columns)
        steps = [self.splitter(c) for c in completions]
        owner = [i for i, st in enumerate(steps) for _ in range(len(st) + 1)]
        prefixes = ["".join(st[:t]) for st in steps for t in range(len(st) + 1)]
        phi = self.potential([prompts[i] for i in owner], prefixes,
                             **{k: [v[i] for i in owner] for k, v in columns.items()})
        out, pos = [], 0
        for r, st in zip(base, steps):
            p = [0.0 if x is None else float(x) for x in phi[pos : pos + len(st) + 1]]
            pos += len(st) + 1
            shaping = sum(self.gamma**t * (self.gamma * p[t + 1] - p[t]) for t in range(len(st)))
            out.append(None if r is None else float(r) + shaping)
        return out

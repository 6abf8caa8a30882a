"""Iterative refinement: a generate -> evaluate -> revise loop (report sec 6.21 table "Iterative
Refinement"; Self-Refine, Madaan et al. 2023, arXiv:2303.17651), with the evaluation done by a scorer of
step prefixes instead of the model's own critique.

Round 0 samples one solution per prompt. Each later round scores every step prefix ``y_<=t`` of the current
solution, finds the first step whose prefix score falls below ``threshold`` (the step a PRM blames), keeps
the steps before it and samples ``n`` new continuations from there; the best of those (by the scorer on
the full text) replaces the current solution when it scores higher. A solution with no step below the
threshold is final.

Deliberate deviation from Self-Refine: no natural-language feedback is fed back (a small policy cannot use
it); the revision is a resample from the last trusted step, as PRM-guided revision in the style of
"Let's Verify Step by Step" suggests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from lit_reason.policy import Prompt
from lit_reason.rewards.steps import resolve_splitter
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.search.basic import Choice, ScoreFn, _argmax_first, _as_float
from lit_reason.sampling.search.expand import raise_errors, settings_errors


@dataclass
class RefineSettings:
    """Iterative refinement.

    Args:
        rounds: Revision rounds after the first solution.
        n: Continuations sampled per revision.
        threshold: A step whose prefix scores below this is revised.
        split: Step segmentation: ``newline``, ``step_k`` or ``sentence``.
        temperature: Sampling temperature.
        max_new_tokens: Token bound of a (re)generated continuation.
    """

    rounds: int = 2
    n: int = 4
    threshold: float = 0.5
    split: str = "newline"
    temperature: float = 1.0
    max_new_tokens: int = 64

    def __post_init__(self) -> None:
        errors = settings_errors({"n": self.n, "max_new_tokens": self.max_new_tokens}, temperature=self.temperature)
        if self.rounds < 0:
            errors.insert(0, f"rounds must be >= 0, got {self.rounds}")
        raise_errors("RefineSettings", errors)
        resolve_splitter(self.split)


def first_weak_step(prefix_scores: list[float], threshold: float) -> int | None:
    """Index of the first step whose prefix score is below ``threshold``, or None.

    Example:
        >>> first_weak_step([0.9, 0.4, 0.8], 0.5), first_weak_step([0.9], 0.5)
        (1, None)
    """
    return next((t for t, s in enumerate(prefix_scores) if s < threshold), None)


def refine(
    sampler: HFSampler,
    prompts: list[Prompt],
    score_fn: ScoreFn,
    settings: RefineSettings,
    *,
    columns: dict[str, list[Any]] | None = None,
    generator: torch.Generator | None = None,
) -> list[Choice]:
    """Generate, then revise from the first weak step for ``settings.rounds`` rounds (module docstring).

    Returns:
        One :class:`Choice` per prompt: the final solution and its score; candidates are the solutions
        accepted round by round.
    """
    texts = [sampler.policy.format_prompt(p) for p in prompts]
    cols = columns or {}
    split = resolve_splitter(settings.split)
    params = SamplingParams(temperature=settings.temperature, n=1, max_new_tokens=settings.max_new_tokens)
    current = sampler.generate(texts, params, generator=generator).completions
    scores = [_as_float(s) for s in score_fn(texts, current, **cols)]
    history, history_scores = [[c] for c in current], [[s] for s in scores]
    for _ in range(settings.rounds):
        steps = [split(c) for c in current]
        owner = [i for i, st in enumerate(steps) for _ in st]
        prefixes = ["".join(st[: t + 1]) for st in steps for t in range(len(st))]
        flat = [_as_float(s) for s in score_fn([texts[i] for i in owner], prefixes,
                                               **{k: [v[i] for i in owner] for k, v in cols.items()})]
        keep: dict[int, str] = {}
        for i, st in enumerate(steps):
            mine = [s for s, o in zip(flat, owner) if o == i]
            weak = first_weak_step(mine, settings.threshold)
            if weak is not None:
                keep[i] = "".join(st[:weak])
        if not keep:
            break
        todo = sorted(keep)
        roll = sampler.generate([texts[i] + keep[i] for i in todo], params.with_(n=settings.n), generator=generator)
        cands = [keep[i] + c for i, c in zip([i for i in todo for _ in range(settings.n)], roll.completions)]
        owners = [i for i in todo for _ in range(settings.n)]
        new = [_as_float(s) for s in score_fn([texts[i] for i in owners], cands,
                                              **{k: [v[i] for i in owners] for k, v in cols.items()})]
        for j, i in enumerate(todo):
            block = new[j * settings.n : (j + 1) * settings.n]
            best = _argmax_first(block)
            if block[best] > scores[i]:
                current[i], scores[i] = cands[j * settings.n + best], block[best]
                history[i].append(current[i])
                history_scores[i].append(scores[i])
    return [Choice(c, s, h, hs) for c, s, h, hs in zip(current, scores, history, history_scores)]

"""Best-of-N and self-consistency: report sec 8.2.4 eq 110 / sec 6.8.3 eq 57 (best-of-N) and sec 6.3.2
eq 47 (self-consistency, Wang et al. 2022, arXiv:2203.11171).

A scorer is any function with the TRL reward signature ``fn(prompts, completions, **columns)``; a None
score ranks below every number.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from lit_reason.policy import Prompt
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams

ScoreFn = Callable[..., list]


@dataclass
class Choice:
    """The completion a search picked for one prompt.

    Args:
        completion: The chosen text.
        score: Its score (eq 110: the reward; eq 58: sum of log-probabilities + alpha * V).
        candidates: Every candidate considered last, in generation order.
        scores: Their scores.
    """

    completion: str
    score: float
    candidates: list[str]
    scores: list[float]


@dataclass
class Vote:
    """Self-consistency result for one prompt.

    Args:
        answer: The majority answer (None when no completion had an extractable answer).
        count: Votes for it.
        completion: The first completion that gave it.
        answers: Extracted answer of every completion (None where none).
    """

    answer: str | None
    count: int
    completion: str | None
    answers: list[str | None]


def _as_float(score: Any) -> float:
    return -math.inf if score is None else float(score)


def _argmax_first(values: list[float]) -> int:
    """Index of the largest value; ties go to the earliest."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


def best_of_n(
    sampler: HFSampler,
    prompts: list[Prompt],
    params: SamplingParams,
    score_fn: ScoreFn,
    *,
    columns: dict[str, list[Any]] | None = None,
    generator: torch.Generator | None = None,
) -> list[Choice]:
    """Best-of-N, report eq 110: ``o* = argmax_{o in o_1..o_N} R(q, o)`` with ``N = params.n``.

    Args:
        sampler: Draws the N candidates.
        prompts: The prompts.
        params: Sampling parameters; ``n`` is N.
        score_fn: R, with the TRL signature (called once on all candidates).
        columns: Per-prompt columns passed to ``score_fn``.
        generator: Sampling RNG.

    Returns:
        One :class:`Choice` per prompt; ties go to the candidate generated first.
    """
    rollout = sampler.generate(prompts, params, columns=columns, generator=generator)
    scores = [_as_float(s) for s in score_fn(rollout.prompts, rollout.completions, **rollout.columns)]
    n, out = params.n, []
    for i in range(len(prompts)):
        cands, sc = rollout.completions[i * n : (i + 1) * n], scores[i * n : (i + 1) * n]
        best = _argmax_first(sc)
        out.append(Choice(cands[best], sc[best], cands, sc))
    return out


def majority_vote(answers: list[str | None]) -> tuple[str | None, int]:
    """Eq 47: ``a^ = argmax_a sum_i 1[a_i = a]`` over the non-None answers; ties go to the answer seen first.

    Example:
        >>> majority_vote(["4", None, "5", "5", "4"])
        ('4', 2)
    """
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None, 0
    return counts.most_common(1)[0]  # Counter keeps first-insertion order among equal counts


def self_consistency(
    sampler: HFSampler,
    prompts: list[Prompt],
    params: SamplingParams,
    *,
    extract: Callable[[str], str | None] = extract_answer,
    generator: torch.Generator | None = None,
) -> list[Vote]:
    """Self-consistency, report eq 47: sample ``params.n`` paths, extract answers, take the majority.

    Answers are compared as extracted strings after stripping (use a normalising ``extract`` to merge
    ``0.5`` and ``1/2``).

    Args:
        sampler: Draws the reasoning paths.
        prompts: The prompts.
        params: Sampling parameters; ``n`` paths per prompt.
        extract: Final-answer extraction (default :func:`lit_reason.rewards.math.extract.extract_answer`).
        generator: Sampling RNG.

    Returns:
        One :class:`Vote` per prompt.
    """
    rollout = sampler.generate(prompts, params, generator=generator)
    n, out = params.n, []
    for i in range(len(prompts)):
        texts = rollout.completions[i * n : (i + 1) * n]
        answers = [a.strip() if (a := extract(t)) is not None else None for t in texts]
        answer, count = majority_vote(answers)
        first = next((t for t, a in zip(texts, answers) if a is not None and a == answer), None)
        out.append(Vote(answer, count, first, answers))
    return out

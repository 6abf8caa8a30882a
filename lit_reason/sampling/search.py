"""Inference-time search: best-of-N, self-consistency and verifier-guided step-level beam search.

Report sec 8.2.4 eq 110 / sec 6.8.3 eq 57 (best-of-N), sec 6.3.2 eq 47 (self-consistency, Wang et al.
2022, arXiv:2203.11171) and sec 6.8.3 eq 58 (beam search with a verifier). They serve evaluation (maj@k,
verifier-ranked accuracy) and as the "expert" of Expert Iteration (report alg 5).

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
STEP_KINDS = ("newline", "tokens")


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


@dataclass
class BeamSettings:
    """Step-level beam search guided by a scorer (report eq 58).

    Args:
        beam_width: Partial solutions kept per prompt (k).
        expansions: Continuations sampled from each kept partial solution per step.
        step: ``newline`` (a step ends at a newline, or after ``step_tokens``) or ``tokens`` (fixed chunks of
            ``step_tokens``).
        step_tokens: Token bound of one step.
        max_steps: Steps before the search stops; unfinished beams then compete as they are.
        alpha: Weight of the scorer V against the summed log-probability.
        temperature: Sampling temperature of the expansions.
    """

    beam_width: int = 4
    expansions: int = 2
    step: str = "newline"
    step_tokens: int = 16
    max_steps: int = 8
    alpha: float = 1.0
    temperature: float = 1.0

    def __post_init__(self) -> None:
        errors = [f"{k} must be >= 1, got {v}" for k, v in [("beam_width", self.beam_width),
                  ("expansions", self.expansions), ("step_tokens", self.step_tokens),
                  ("max_steps", self.max_steps)] if v < 1]
        if self.step not in STEP_KINDS:
            errors.append(f"step must be one of {STEP_KINDS}, got {self.step!r}")
        if self.temperature <= 0:
            errors.append(f"temperature must be > 0 (the beam samples its expansions), got {self.temperature}")
        if errors:
            raise ValueError("BeamSettings: " + "; ".join(errors))


@dataclass
class _Beam:
    prompt: int
    text: str
    logp: float
    done: bool
    score: float = -math.inf


def verifier_beam(
    sampler: HFSampler,
    prompts: list[Prompt],
    score_fn: ScoreFn,
    settings: BeamSettings,
    *,
    columns: dict[str, list[Any]] | None = None,
    generator: torch.Generator | None = None,
) -> list[Choice]:
    """Verifier-guided step-level beam search, report eq 58:
    ``y* = argmax_{y in Beam_k} sum_t log pi(y_t | y_<t, x) + alpha * V(x, y)``.

    Each step expands every live partial solution with ``expansions`` sampled steps, scores the partial
    solutions by eq 58 (V applied to the partial text), and keeps the best ``beam_width`` per prompt. A
    candidate that ended with EOS is finished; the answer is the best finished candidate (or, after
    ``max_steps``, the best of all). Partial texts are re-encoded after the prompt, which matches the sampled
    tokens for character tokenizers and may re-segment a BPE boundary; chat prompts are formatted once with
    the policy's template and continued as text.

    Args:
        sampler: Generates the steps (its policy provides the log-probabilities).
        prompts: The prompts.
        score_fn: V, with the TRL signature, called on the formatted prompts and partial completions.
        settings: Beam width, step definition and alpha.
        columns: Per-prompt columns passed to ``score_fn``.
        generator: Sampling RNG.

    Returns:
        One :class:`Choice` per prompt, with the final beam as candidates.
    """
    texts = [sampler.policy.format_prompt(p) for p in prompts]
    cols = columns or {}
    stop = ["\n"] if settings.step == "newline" else []
    params = SamplingParams(temperature=settings.temperature, max_new_tokens=settings.step_tokens, stop=stop,
                            n=settings.expansions)
    beams = [_Beam(i, "", 0.0, False) for i in range(len(prompts))]
    for _ in range(settings.max_steps):
        live = [b for b in beams if not b.done]
        if not live:
            break
        roll = sampler.generate([texts[b.prompt] + b.text for b in live], params, generator=generator)
        step_logp = roll.sampler_logprobs.sum(1).tolist()
        children = []
        for j, (comp, lp, fin) in enumerate(zip(roll.completions, step_logp, roll.finished.tolist())):
            parent = live[j // settings.expansions]
            ended_by_eos = fin and not any(comp.endswith(s) for s in stop)
            children.append(_Beam(parent.prompt, parent.text + comp, parent.logp + lp, ended_by_eos))
        beams = _prune([b for b in beams if b.done] + children, texts, score_fn, cols, settings)
    return _choices(beams, len(prompts))


def _prune(cands: list[_Beam], texts: list[str], score_fn: ScoreFn, columns: dict[str, list[Any]],
           settings: BeamSettings) -> list[_Beam]:
    """Scores the candidates by eq 58 and keeps the best ``beam_width`` of each prompt."""
    v = score_fn([texts[c.prompt] for c in cands], [c.text for c in cands],
                 **{k: [vals[c.prompt] for c in cands] for k, vals in columns.items()})
    for c, s in zip(cands, v):
        c.score = c.logp + settings.alpha * (0.0 if s is None else float(s))
    kept = []
    for i in sorted({c.prompt for c in cands}):
        mine = [c for c in cands if c.prompt == i]
        kept += sorted(mine, key=lambda c: -c.score)[: settings.beam_width]  # stable: ties keep order
    return kept


def _choices(beams: list[_Beam], n_prompts: int) -> list[Choice]:
    out = []
    for i in range(n_prompts):
        mine = [b for b in beams if b.prompt == i]
        pool = [b for b in mine if b.done] or mine
        best = _argmax_first([b.score for b in pool])
        out.append(Choice(pool[best].text, pool[best].score, [b.text for b in mine], [b.score for b in mine]))
    return out

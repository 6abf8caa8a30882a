"""Step-level beam search: verifier / PRM-guided (report sec 6.8.3 eq 58), length-normalised (sec 8.2.5
eq 114) and diverse (eq 113).

Every step expands each live partial solution with ``expansions`` sampled steps, scores the candidates and
keeps ``beam_width`` per prompt. The score of a candidate ``b`` with summed log-probability ``log P(b)``,
``|b|`` tokens and scorer value ``V`` (an ORM, a PRM, or any reward with the TRL signature) is

- ``verifier`` (eq 58): ``log P(b) + alpha * V(x, b)``; with a PRM as V this is PRM-guided beam search,
  and ``alpha`` large makes it rank by the PRM alone;
- ``length_normalized`` (eq 114): ``log P(b) / |b|^length_alpha + alpha * V(x, b)``; ``alpha = 0`` is the
  plain length-normalised beam of eq 114;

and with ``diversity`` lambda > 0 the beam is chosen greedily by eq 113, ``score(b) - lambda *
max_{b' selected} sim(b, b')`` with ``sim`` the Jaccard similarity of character trigrams.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from lit_reason.policy import Prompt
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.search.basic import Choice, ScoreFn, _argmax_first
from lit_reason.sampling.search.expand import raise_errors, sample_steps, settings_errors, step_params


def _verifier_score(logp: float, tokens: int, v: float, s: BeamSettings) -> float:
    return logp + s.alpha * v


def _length_normalized_score(logp: float, tokens: int, v: float, s: BeamSettings) -> float:
    return logp / max(tokens, 1) ** s.length_alpha + s.alpha * v


BEAM_SCORES: dict[str, Callable[[float, int, float, Any], float]] = {
    "verifier": _verifier_score,
    "length_normalized": _length_normalized_score,
}


@dataclass
class BeamSettings:
    """Step-level beam search.

    Args:
        beam_width: Partial solutions kept per prompt (k).
        expansions: Continuations sampled from each kept partial solution per step.
        step: ``newline`` (a step ends at a newline, or after ``step_tokens``) or ``tokens`` (fixed chunks of
            ``step_tokens``).
        step_tokens: Token bound of one step.
        max_steps: Steps before the search stops; unfinished beams then compete as they are.
        alpha: Weight of the scorer V against the log-probability term.
        temperature: Sampling temperature of the expansions.
        score: ``verifier`` (eq 58) or ``length_normalized`` (eq 114).
        length_alpha: Exponent of ``|b|`` in eq 114.
        diversity: lambda of eq 113 (0: no diversity penalty).
    """

    beam_width: int = 4
    expansions: int = 2
    step: str = "newline"
    step_tokens: int = 16
    max_steps: int = 8
    alpha: float = 1.0
    temperature: float = 1.0
    score: str = "verifier"
    length_alpha: float = 1.0
    diversity: float = 0.0

    def __post_init__(self) -> None:
        counts = {"beam_width": self.beam_width, "expansions": self.expansions, "step_tokens": self.step_tokens,
                  "max_steps": self.max_steps}
        errors = settings_errors(counts, step=self.step, temperature=self.temperature,
                                 what="the beam samples its expansions")
        if self.score not in BEAM_SCORES:
            errors.append(f"score must be one of {sorted(BEAM_SCORES)}, got {self.score!r}")
        if self.length_alpha < 0 or self.diversity < 0:
            errors.append(f"length_alpha and diversity must be >= 0, got {self.length_alpha}, {self.diversity}")
        raise_errors("BeamSettings", errors)


@dataclass
class _Beam:
    prompt: int
    text: str
    logp: float
    tokens: int
    done: bool
    score: float = -math.inf


def trigram_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character trigrams of ``a`` and ``b`` (1 for equal texts).

    Example:
        >>> trigram_similarity("3+4=7", "3+4=7"), round(trigram_similarity("3+4=7", "3+4=8"), 3)
        (1.0, 0.5)
    """
    ga, gb = {a[i : i + 3] for i in range(len(a) - 2)} or {a}, {b[i : i + 3] for i in range(len(b) - 2)} or {b}
    return len(ga & gb) / len(ga | gb)


def verifier_beam(
    sampler: HFSampler,
    prompts: list[Prompt],
    score_fn: ScoreFn,
    settings: BeamSettings,
    *,
    columns: dict[str, list[Any]] | None = None,
    generator: torch.Generator | None = None,
) -> list[Choice]:
    """Step-level beam search scored by ``settings.score`` (module docstring): eq 58, eq 114, eq 113.

    A candidate that ended with EOS is finished and stays in the pool; the answer is the best finished
    candidate (or, after ``max_steps``, the best of all).

    Args:
        sampler: Generates the steps (its policy provides the log-probabilities).
        prompts: The prompts (chat prompts are formatted once with the policy's template).
        score_fn: V, with the TRL signature, called on the formatted prompts and partial completions.
        settings: Beam width, step definition, scoring.
        columns: Per-prompt columns passed to ``score_fn``.
        generator: Sampling RNG.

    Returns:
        One :class:`Choice` per prompt, with the final beam as candidates.
    """
    texts = [sampler.policy.format_prompt(p) for p in prompts]
    params = step_params(settings.step, settings.step_tokens, settings.temperature, settings.expansions)
    beams = [_Beam(i, "", 0.0, 0, False) for i in range(len(prompts))]
    for _ in range(settings.max_steps):
        live = [b for b in beams if not b.done]
        if not live:
            break
        expanded = sample_steps(sampler, [texts[b.prompt] + b.text for b in live], params, generator)
        children = [_Beam(b.prompt, b.text + s.text, b.logp + s.logp, b.tokens + s.tokens, s.done)
                    for b, steps in zip(live, expanded) for s in steps]
        beams = _prune([b for b in beams if b.done] + children, texts, score_fn, columns or {}, settings)
    return _choices(beams, len(prompts))


def _prune(cands: list[_Beam], texts: list[str], score_fn: ScoreFn, columns: dict[str, list[Any]],
           settings: BeamSettings) -> list[_Beam]:
    """Scores the candidates and keeps the best ``beam_width`` of each prompt (greedy eq 113 if diverse)."""
    v = score_fn([texts[c.prompt] for c in cands], [c.text for c in cands],
                 **{k: [vals[c.prompt] for c in cands] for k, vals in columns.items()})
    scoring = BEAM_SCORES[settings.score]
    for c, s in zip(cands, v):
        c.score = scoring(c.logp, c.tokens, 0.0 if s is None else float(s), settings)
    kept = []
    for i in sorted({c.prompt for c in cands}):
        mine = sorted([c for c in cands if c.prompt == i], key=lambda c: -c.score)  # stable: ties keep order
        kept += _diverse(mine, settings) if settings.diversity > 0 else mine[: settings.beam_width]
    return kept


def _diverse(ranked: list[_Beam], settings: BeamSettings) -> list[_Beam]:
    """Eq 113: repeatedly take the candidate maximising ``score - lambda * max similarity to those taken``."""
    chosen, pool = [], list(ranked)
    while pool and len(chosen) < settings.beam_width:
        penalised = [c.score - settings.diversity * max((trigram_similarity(c.text, d.text) for d in chosen),
                                                        default=0.0) for c in pool]
        chosen.append(pool.pop(_argmax_first(penalised)))
    return chosen


def _choices(beams: list[_Beam], n_prompts: int) -> list[Choice]:
    out = []
    for i in range(n_prompts):
        mine = [b for b in beams if b.prompt == i]
        pool = [b for b in mine if b.done] or mine
        best = _argmax_first([b.score for b in pool])
        out.append(Choice(pool[best].text, pool[best].score, [b.text for b in mine], [b.score for b in mine]))
    return out

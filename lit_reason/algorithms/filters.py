"""Sample filters of the self-training family: which generated completions an iteration trains on.

Also the JSONL form of samples (:func:`write_samples`, :func:`read_samples`) the module writes per iteration.

Each filter is a small class whose ``__call__(samples, iteration=0)`` returns the kept samples, in the
order given. A :class:`Sample` carries the index of its prompt in the grow set, the completion, its reward
and whether the verifier judged it correct. Report sec 6.4 (STaR, alg 3), 6.6 (ReST, alg 4), 6.7 (ReST-EM,
eq 54), 6.11 (RAFT, alg 6), 6.12 (RSF, eq 64).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

Prompt = str | list[dict[str, str]]
_SAMPLE_FIELDS = ("index", "prompt", "completion", "reward", "correct")


@dataclass
class Sample:
    """One generated completion and its scores.

    Args:
        index: Index of its prompt in the grow set (samples of one prompt share it).
        prompt: The prompt the model is trained on (the row's prompt, string or chat messages).
        completion: The generated text.
        reward: Weighted reward, None when no reward function could score it.
        correct: The verifier's judgement (score >= 1).
        columns: The prompt row's other columns (``answer``, ...).
        hinted_prompt: For a STaR rationalisation, the prompt with the answer hint it was generated from.
    """

    index: int
    prompt: Prompt
    completion: str
    reward: float | None
    correct: bool
    columns: dict[str, Any] = field(default_factory=dict)
    hinted_prompt: Prompt | None = None


class SampleFilter:
    """Base of the filters: keeps every sample. Subclasses override :meth:`__call__`."""

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        """The kept samples.

        Args:
            samples: One iteration's scored samples.
            iteration: 0-based self-training iteration (for schedules).

        Returns:
            The kept samples, in input order.
        """
        return list(samples)

    def rationalization_prompts(self, samples: list[Sample]) -> dict[int, Prompt]:
        """Prompts to sample again with a hint (STaR); ``{}`` for filters without rationalisation."""
        return {}


def _score(s: Sample) -> float:
    return -math.inf if s.reward is None else s.reward


class ThresholdFilter(SampleFilter):
    """ReST (Gulcehre et al. 2023, arXiv:2308.08998) alg 4 / report eq 50: keep ``R(x, y) >= tau``.

    ReST raises the threshold over Improve steps; here iteration ``t`` uses ``tau_schedule[t]`` (the last
    entry once the schedule runs out), or ``tau`` without a schedule. Unscored samples are dropped.

    Args:
        tau: Threshold without a schedule.
        tau_schedule: Non-decreasing thresholds, one per iteration.
    """

    def __init__(self, tau: float = 1.0, tau_schedule: list[float] | None = None) -> None:
        if tau_schedule is not None and (
            not tau_schedule or any(b < a for a, b in zip(tau_schedule, tau_schedule[1:]))
        ):
            raise ValueError(f"ThresholdFilter.tau_schedule must be non-empty and non-decreasing, got {tau_schedule}")
        self.tau, self.tau_schedule = tau, tau_schedule

    def threshold(self, iteration: int) -> float:
        """tau of ``iteration``."""
        if self.tau_schedule is None:
            return self.tau
        return self.tau_schedule[min(iteration, len(self.tau_schedule) - 1)]

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        tau = self.threshold(iteration)
        return [s for s in samples if s.reward is not None and s.reward >= tau]


class BinaryRewardFilter(SampleFilter):
    """ReST-EM (Singh et al. 2023, arXiv:2312.06585) E-step, report eq 54: ``q(y|x) ∝ pi(y|x) 1[R(x, y)]``
    with the binary correctness reward, i.e. keep the samples the verifier judges correct."""

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        return [s for s in samples if s.correct]


class TopKPerPrompt(SampleFilter):
    """RAFT (Dong et al. 2023, arXiv:2304.06767) alg 6: the k highest-reward samples of every prompt.

    Ties are broken by sample order: among equal rewards the sample generated first (earlier in the
    list) ranks higher, so the choice is deterministic for a given generation. Unscored samples (None)
    are never kept.

    Args:
        k: Samples kept per prompt.
        min_reward: Also require ``reward >= min_reward`` (None: keep the top k whatever their reward).
    """

    def __init__(self, k: int = 1, min_reward: float | None = None) -> None:
        if k < 1:
            raise ValueError(f"TopKPerPrompt.k must be >= 1, got {k}")
        self.k, self.min_reward = k, min_reward

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        by_prompt: dict[int, list[int]] = {}
        for pos, s in enumerate(samples):
            if s.reward is not None and (self.min_reward is None or s.reward >= self.min_reward):
                by_prompt.setdefault(s.index, []).append(pos)
        kept: set[int] = set()
        for positions in by_prompt.values():
            # sorted() is stable: equal rewards keep their generation order
            kept.update(sorted(positions, key=lambda p: -_score(samples[p]))[: self.k])
        return [s for pos, s in enumerate(samples) if pos in kept]


def normalize_whitespace(text: str) -> str:
    """Collapses runs of whitespace to one space and strips the ends: the key of :class:`CorrectDedup`."""
    return " ".join(text.split())


class CorrectDedup(SampleFilter):
    """Rejection-sampling fine-tuning (RSF; Yuan et al. 2023, arXiv:2308.01825), report eq 64: keep the
    correct samples, de-duplicated per prompt after whitespace normalisation (the first copy is kept)."""

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        seen: set[tuple[int, str]] = set()
        kept = []
        for s in samples:
            key = (s.index, normalize_whitespace(s.completion))
            if s.correct and key not in seen:
                seen.add(key)
                kept.append(s)
        return kept


class STaRFilter(SampleFilter):
    """STaR (Zelikman et al. 2022, arXiv:2203.14465), report alg 3 with rationalisation.

    Keeps correct samples. A prompt with no correct sample is sampled again with the gold answer as a
    hint in the prompt (:meth:`rationalization_prompts`); a correct rationalisation is kept with the hint
    removed: it trains on the original prompt, as if the model had found the answer unaided.

    Args:
        hint_template: How the hint is added to a string prompt, with ``{prompt}`` and ``{answer}``. For chat
            prompts the text of ``hint_template`` after ``{prompt}`` is appended to the last user message.
        answer_column: The row column holding the gold answer.
    """

    def __init__(self, hint_template: str = "{prompt}(hint: {answer}) ", answer_column: str = "answer") -> None:
        if "{prompt}" not in hint_template or "{answer}" not in hint_template:
            raise ValueError(f"STaRFilter.hint_template must contain {{prompt}} and {{answer}}, got {hint_template!r}")
        self.hint_template, self.answer_column = hint_template, answer_column

    def hint(self, prompt: Prompt, answer: Any) -> Prompt:
        """The prompt with the gold answer as a hint."""
        if isinstance(prompt, str):
            return self.hint_template.format(prompt=prompt, answer=answer)
        suffix = self.hint_template.split("{prompt}", 1)[1].format(answer=answer)
        last_user = max(i for i, m in enumerate(prompt) if m.get("role") == "user")
        return [
            {**m, "content": m["content"] + suffix} if i == last_user else m for i, m in enumerate(prompt)
        ]

    def rationalization_prompts(self, samples: list[Sample]) -> dict[int, Prompt]:
        """``{prompt index: hinted prompt}`` for the prompts none of whose samples is correct."""
        solved = {s.index for s in samples if s.correct}
        out: dict[int, Prompt] = {}
        for s in samples:
            if s.index in solved or s.index in out or s.hinted_prompt is not None:
                continue
            if self.answer_column not in s.columns:
                raise ValueError(f"STaRFilter: sample of prompt {s.index} has no {self.answer_column!r} column")
            out[s.index] = self.hint(s.prompt, s.columns[self.answer_column])
        return out

    def __call__(self, samples: list[Sample], iteration: int = 0) -> list[Sample]:
        solved = {s.index for s in samples if s.correct and s.hinted_prompt is None}
        kept = []
        for s in samples:
            if not s.correct:
                continue
            if s.hinted_prompt is None:
                kept.append(s)
            elif s.index not in solved:  # rationalise only what the model could not solve unaided
                kept.append(replace(s, hinted_prompt=None))
        return kept


def write_samples(path: str, samples: list[Sample], key: str | None = None) -> None:
    """Writes samples as JSONL rows ``{index, prompt, completion, reward, correct, **columns}``.

    ``key`` (:func:`grown_key`) goes to ``{path}.key``, so that :func:`read_current_samples` reuses the
    file only for the same settings and data.

    A row column named like a sample field (e.g. the SFT target ``completion`` of synthetic rows) is not
    written: the sample's own value takes that key.
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for s in samples:
            cols = {k: v for k, v in s.columns.items() if k not in _SAMPLE_FIELDS}
            row = {"index": s.index, "prompt": s.prompt, "completion": s.completion, "reward": s.reward,
                   "correct": s.correct, **cols}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if key is not None:
        with open(path + ".key", "w", encoding="utf-8") as f:
            f.write(key + "\n")
    os.replace(tmp, path)  # a crash mid-write leaves no partial file to be read back as complete


def read_samples(path: str) -> list[Sample]:
    """Reads :func:`write_samples` output back; a malformed line fails naming the file, line and field."""
    samples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                row = json.loads(line)
                fields = [row[k] for k in _SAMPLE_FIELDS]
            except (json.JSONDecodeError, KeyError) as e:
                raise ValueError(f"{path}, line {n}: not a self-training sample row ({e!r})") from e
            cols = {k: v for k, v in row.items() if k not in _SAMPLE_FIELDS}
            samples.append(Sample(*fields, columns=cols))
    return samples


def grown_key(settings: dict[str, Any], rows: list[dict[str, Any]], iteration: int) -> str:
    """A digest of what grew an iteration's set: the module's settings, the prompt rows and the iteration."""
    blob = json.dumps([settings, rows, iteration], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_current_samples(path: str, key: str) -> list[Sample] | None:
    """The samples at ``path`` if they were written with ``key`` (see :func:`write_samples`), else None.

    A set grown by another config or other data (a re-run with another ``train_size``) is not reused: a
    warning says so and the caller regenerates it. Files without a key (older runs) are regenerated too.
    """
    if not os.path.exists(path):
        return None
    try:
        with open(path + ".key", encoding="utf-8") as f:
            recorded = f.read().strip()
    except OSError:
        recorded = None
    if recorded != key:
        warnings.warn(f"{path} was grown by another config or other data (key {recorded} != {key}); "
                      "regenerating it", stacklevel=2)
        return None
    return read_samples(path)

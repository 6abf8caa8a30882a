"""A solution at MGRCR's granularities (report sec 7.4.2) and the checks of sec 7.4.4 on each.

| granularity | units of a completion | internal check (eq 85) |
|---|---|---|
| span | its integer equations ``a op b = c`` (``rewards/equations.py``) | each holds (numerical consistency) |
| step | its steps (``rewards/steps.py``: lines by default) | each step uses the previous step's result (temporal) |
| solution | its final answer (``rewards/math`` extraction) | it agrees with the other samples of the prompt |

and the cross checks of eq 86: (span, solution), the final answer is the computed value of the last
equation; (step, solution), the final answer is the result of the last reasoning step (the last step, or
the one before it when the last only restates an answer). The token granularity of the report is the
policy's own (the loss is per token); its chain granularity is the whole step sequence, which the step
check reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from lit_reason.frameworks.mgrcr.consistency import Scored, group_agreement
from lit_reason.rewards.equations import Equation, equations
from lit_reason.rewards.math import extract_answer
from lit_reason.rewards.steps import resolve_splitter

#: The terms, in the order of the score columns: internal (eq 85), then cross (eq 86).
INTERNAL = ("span", "step", "solution")
CROSS = ("span_solution", "step_solution")
TERMS = INTERNAL + CROSS
_INT = re.compile(r"(?<![\w.])-?\d+(?![\w.])")


@dataclass(frozen=True)
class Units:
    """One completion segmented: its equations, steps, each step's result (last integer) and final answer."""

    equations: list[Equation]
    steps: list[str]
    results: list[int | None]
    answer: str | None


def segment(completion: str, split: str = "newline") -> Units:
    """The units of a completion at every granularity; ``split`` names a ``rewards/steps.py`` splitter.

    Example:
        >>> u = segment("5+3=8\\n8+2=10\\nThe answer is 10")
        >>> [e.expression for e in u.equations], u.results, u.answer
        (['5+3', '8+2'], [8, 10, 10], '10')
    """
    steps = [s for s in resolve_splitter(split)(completion) if s.strip()]
    results = []
    for s in steps:
        ints = _INT.findall(s)
        results.append(int(ints[-1]) if ints else None)
    return Units(equations(completion), steps, results, extract_answer(completion))


def answer_key(answer: str | None) -> str | None:
    """The canonical form answers are compared in: whitespace, a trailing period and leading zeros gone.

    Example:
        >>> answer_key(" 012. "), answer_key("1 / 2"), answer_key(None)
        ('12', '1/2', None)
    """
    if answer is None:
        return None
    text = "".join(answer.split()).rstrip(".")
    return str(int(text)) if re.fullmatch(r"-?\d+", text) else text or None


def _span(u: Units) -> float | None:
    return sum(e.holds for e in u.equations) / len(u.equations) if u.equations else None


def _step(u: Units) -> float | None:
    # Step k (k >= 2) is consistent with step k-1 when it mentions k-1's result.
    pairs = [(prev, cur) for prev, cur in zip(u.results, u.steps[1:]) if prev is not None]
    if not pairs:
        return None
    return sum(str(prev) in _INT.findall(cur) for prev, cur in pairs) / len(pairs)


def _span_solution(u: Units) -> float | None:
    key = answer_key(u.answer)
    if not u.equations or key is None:
        return None
    return float(key == str(u.equations[-1].value))


def _step_solution(u: Units) -> float | None:
    key = answer_key(u.answer)
    if key is None or len(u.steps) < 2:
        return None
    results = list(u.results)
    if set(_INT.findall(u.steps[-1])) <= {key}:  # the last step only states the answer: check the one before
        results = results[:-1]
    last = next((r for r in reversed(results) if r is not None), None)
    return None if last is None else float(key == str(last))


_PER_SAMPLE = {"span": _span, "step": _step, "span_solution": _span_solution, "step_solution": _step_solution}


def term_scores(units: list[Units], group: torch.Tensor) -> Scored:
    """(B, K) scores and definedness of every term of :data:`TERMS` for a rollout's segmented samples."""
    keys = [answer_key(u.answer) for u in units]
    vocab = {k: i for i, k in enumerate(sorted({k for k in keys if k is not None}))}
    ids = torch.tensor([vocab[k] if k is not None else -1 for k in keys], device=group.device)
    agreement = group_agreement(ids, group)
    scores = torch.zeros(len(units), len(TERMS), device=group.device)
    defined = torch.zeros(len(units), len(TERMS), dtype=torch.bool, device=group.device)
    for j, term in enumerate(TERMS):
        if term == "solution":
            scores[:, j], defined[:, j] = agreement.score, agreement.defined
            continue
        for i, u in enumerate(units):
            value = _PER_SAMPLE[term](u)
            if value is not None:
                scores[i, j], defined[i, j] = value, True
    return Scored(scores, defined)

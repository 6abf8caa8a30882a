"""AHRO's reward layers (report sec 7.1.2): each a TRL-signature reward, most of them our existing ones.

| layer (report) | default reward | what it measures |
|---|---|---|
| R_1 syntax | :func:`answer_format` | the completion commits to an answer (a marked one, or a bare answer) |
| R_3 reasoning | :func:`lit_reason.rewards.equations.equation_validity` | the stated equations hold (None without any) |
| R_4 result | ``math_accuracy`` | the final answer is right |
| R_5 efficiency | ``length_penalty`` (eq 38) | no text past the free length |

R_2 (semantic coherence) has no rule-based scorer here: add an ``LLMJudge`` (``lit_reason.rewards.judge``) as
a layer where a judge model is available.
"""

from __future__ import annotations

from lit_reason.rewards.math import extract_answer
from lit_reason.rewards.math.final import is_bare_answer

DEFAULT_LAYERS: dict[str, str] = {
    "format": "lit_reason.frameworks.ahro.layers.answer_format",
    "reasoning": "lit_reason.rewards.equations.equation_validity",
    "result": "math_accuracy",
    "efficiency": "length_penalty",
}


def answer_format(prompts: list[str], completions: list[str], **columns) -> list[float | None]:
    """Syntax layer: 1.0 when a completion commits to an answer, else 0.0 (never None).

    An answer counts when a marker points to it (``\\boxed{}``, "the answer is", an answer tag) or the whole
    completion is a bare answer (``55``); text that merely ends in a number does not.

    Example:
        >>> answer_format(["q"] * 5, ["55", "so \\\\boxed{3}", "5+3=8 hmm 8", "55))", "12+"])
        [1.0, 1.0, 0.0, 0.0, 0.0]
    """
    out = []
    for c in completions:
        text = c.strip()
        marked = extract_answer(text, allow_fallback=False) is not None
        out.append(1.0 if marked or _well_formed_bare(text) else 0.0)
    return out


def _well_formed_bare(text: str) -> bool:
    # is_bare_answer accepts any prose-free line; a syntax layer also wants it complete: no dangling
    # operator ("12+") and balanced brackets.
    return bool(text) and is_bare_answer(text) and text[-1] not in "+-*/=^(" and _balanced(text)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0

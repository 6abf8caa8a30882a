"""Step segmentation of a solution, for process rewards, Math-Shepherd labels and step-level search.

A splitter maps a completion to its steps such that ``"".join(steps) == text``: every character belongs to
exactly one step, so the prefix ``y_{<=t}`` of eq 66-67 is ``"".join(steps[:t])`` and the solution a step
prefix continues is the same text the policy generated. Text that is only whitespace is never a step of
its own; it joins the step before it (or, at the start, the first step).

- ``newline``: a step ends after each ``\\n`` (the PRM800K / Math-Shepherd convention of one step a line);
- ``step_k``: a step starts at each ``Step k:`` marker (case-insensitive);
- ``sentence``: a step ends after ``.``, ``!`` or ``?`` followed by whitespace (so ``3.5`` is not split).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_STEP_K = re.compile(r"(?=\bstep\s*\d+\s*[:.)])", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])(?=\s)")


def _merge_blank(pieces: list[str]) -> list[str]:
    steps: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if steps and (not piece.strip() or not steps[-1].strip()):
            steps[-1] += piece
        else:
            steps.append(piece)
    return steps


def _cut(text: str, boundaries: list[int]) -> list[str]:
    edges = [0, *boundaries, len(text)]
    return _merge_blank([text[a:b] for a, b in zip(edges, edges[1:])])


def newline_steps(text: str) -> list[str]:
    """Steps ending at newlines.

    Example:
        >>> newline_steps("3+4=7\\n7+5=12\\n\\n12")
        ['3+4=7\\n', '7+5=12\\n\\n', '12']
    """
    return _cut(text, [i + 1 for i, ch in enumerate(text) if ch == "\n"])


def step_k_steps(text: str) -> list[str]:
    """Steps starting at ``Step k:`` markers; text before the first marker joins the first step.

    Example:
        >>> step_k_steps("Step 1: 3+4=7. Step 2: 7+5=12.")
        ['Step 1: 3+4=7. ', 'Step 2: 7+5=12.']
    """
    starts = [m.start() for m in _STEP_K.finditer(text) if m.start() > 0]
    steps = _cut(text, starts)
    if len(steps) > 1 and not _STEP_K.match(steps[0]):  # a preamble is part of step 1
        steps[:2] = [steps[0] + steps[1]]
    return steps


def sentence_steps(text: str) -> list[str]:
    """Steps ending at sentence ends (``.``, ``!``, ``?`` then whitespace; the whitespace stays with it).

    Example:
        >>> sentence_steps("We add 3.5 and 1. That is 4.5! Done")
        ['We add 3.5 and 1. ', 'That is 4.5! ', 'Done']
    """
    # the boundary falls before the whitespace; move it past the run of whitespace
    bounds = []
    for m in _SENTENCE.finditer(text):
        j = m.start()
        while j < len(text) and text[j].isspace():
            j += 1
        bounds.append(j)
    return _cut(text, bounds)


STEP_SPLITTERS: dict[str, Callable[[str], list[str]]] = {
    "newline": newline_steps,
    "step_k": step_k_steps,
    "sentence": sentence_steps,
}


def resolve_splitter(name: str) -> Callable[[str], list[str]]:
    """The splitter called ``name``; an unknown name raises an error listing the valid ones."""
    if name not in STEP_SPLITTERS:
        raise ValueError(f"unknown step split {name!r}; choose one of {sorted(STEP_SPLITTERS)}")
    return STEP_SPLITTERS[name]

"""StepLabelDataModule: solutions with per-step correctness labels, to train a process reward model.

Three row shapes, one per ``format``, all read into ``{"prompt", "steps": [str], "labels": [float]}``:

- ``steps`` (lit-reason's own, what :mod:`lit_reason.algorithms.math_shepherd` writes):
  ``{"prompt": "3+4+5=", "steps": ["3+4=7\\n", "7+5=12"], "labels": [1, 0.25]}``; labels are 0/1,
  booleans or soft estimates in [0, 1];
- ``math_shepherd`` (Wang et al. 2024, arXiv:2312.08935; the ``peiyi9979/Math-Shepherd`` rows):
  ``{"input": "<question> Step 1: ... ки\\nStep 2: ... ки", "label": "<question> Step 1: ... +\\nStep 2: ... -"}``;
  each ``ки`` tag ends a step and the same place in ``label`` holds ``+`` or ``-``; the question is the text
  before the first ``Step 1`` marker;
- ``prm800k`` (Lightman et al. 2023, arXiv:2305.20050): ``{"question": {"problem"}, "label": {"steps":
  [{"completions": [{"text", "rating"}], "chosen_completion": i}]}}``; a step's text is its chosen
  completion (else the first), rating 1 is correct, -1 wrong, 0 neutral (``neutral_label``); the solution
  stops at the first step without a rating.
"""

from __future__ import annotations

import math
import re
from typing import Any

from lit_reason.datamodules.files import _LINE, DatasetFormatError, read_rows, row_location, validate_rows
from lit_reason.datamodules.prompt import PromptDataModule

STEP_FORMATS = ("steps", "math_shepherd", "prm800k")
SHEPHERD_TAG = "ки"
_FIRST_STEP = re.compile(r"step\s*1\s*[:.)]", re.IGNORECASE)


def check_steps(row: dict[str, Any]) -> str | None:
    """What is wrong with a row's ``steps`` and ``labels``, or None; labels become floats in place."""
    steps, labels = row.get("steps"), row.get("labels")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
        return "field 'steps' must be a non-empty list of non-empty strings"
    if not isinstance(labels, list) or len(labels) != len(steps):
        return f"field 'labels' must be a list of {len(steps)} labels, one per step, got {labels!r:.60}"
    for i, v in enumerate(labels):
        if not isinstance(v, (bool, int, float)) or not (math.isfinite(v) and 0 <= v <= 1):
            return f"field 'labels' item {i} must be a boolean or a number in [0, 1], got {v!r}"
    row["labels"] = [float(v) for v in labels]
    return None


def from_math_shepherd(row: dict[str, Any]) -> dict[str, Any] | str:
    """A Math-Shepherd row as a ``steps`` row, or the reason it cannot be read."""
    text, tagged = row.get("input"), row.get("label")
    if not isinstance(text, str) or not isinstance(tagged, str):
        return "needs string fields 'input' and 'label'"
    pieces, pos, marks = text.split(SHEPHERD_TAG), 0, []
    for piece in pieces[:-1]:
        if tagged[pos : pos + len(piece)] != piece or tagged[pos + len(piece) : pos + len(piece) + 1] not in "+-":
            return f"field 'label' does not match 'input' with '+'/'-' in place of {SHEPHERD_TAG!r}"
        marks.append(1.0 if tagged[pos + len(piece)] == "+" else 0.0)
        pos += len(piece) + 1
    first = _FIRST_STEP.search(pieces[0])
    if not marks or first is None or not pieces[0][: first.start()].strip():
        return f"field 'input' needs a question, then steps from 'Step 1' each ending with {SHEPHERD_TAG!r}"
    steps = [pieces[0][first.start() :]] + pieces[1:-1]
    steps = [s.strip(" ") for s in steps]
    for i in range(1, len(steps)):  # a step's leading newline ends the step before it, as ``newline`` splits
        body = steps[i].lstrip()
        steps[i - 1], steps[i] = steps[i - 1] + steps[i][: len(steps[i]) - len(body)], body
    return {"prompt": pieces[0][: first.start()].strip(), "steps": steps, "labels": marks}


def from_prm800k(row: dict[str, Any], neutral_label: float) -> dict[str, Any] | str:
    """A PRM800K row as a ``steps`` row, or the reason it cannot be read."""
    question, label = row.get("question"), row.get("label")
    if not isinstance(question, dict) or not isinstance(question.get("problem"), str):
        return "field 'question' must be an object with a string 'problem'"
    if not isinstance(label, dict) or not isinstance(label.get("steps"), list):
        return "field 'label' must be an object with a list 'steps'"
    steps, labels = [], []
    for i, step in enumerate(label["steps"]):
        completions = step.get("completions") if isinstance(step, dict) else None
        if not completions:
            return f"field 'label.steps' item {i} has no completions"
        chosen = step.get("chosen_completion")
        pick = completions[chosen if isinstance(chosen, int) and 0 <= chosen < len(completions) else 0]
        rating = pick.get("rating") if isinstance(pick, dict) else None
        if rating is None:
            break
        steps.append(pick.get("text", "") + "\n")
        labels.append({1: 1.0, -1: 0.0, 0: neutral_label}.get(rating, math.nan))
    steps[-1:] = [s.rstrip("\n") for s in steps[-1:]]
    return {"prompt": question["problem"], "steps": steps, "labels": labels}


class StepLabelDataModule(PromptDataModule):
    """Batches of step-labelled solutions, validated (file, line and field named) before training starts.

    Takes the file arguments of :class:`PromptDataModule` (``train_file``, ``val_file``, ``batch_size``,
    ``val_batch_size``, ``rename``, ``chat``, ``shuffle``, ``seed``), plus:

    Args:
        format: ``steps``, ``math_shepherd`` or ``prm800k`` (module docstring).
        neutral_label: Label of a PRM800K step rated 0 (neutral).
    """

    def __init__(self, *args: Any, format: str = "steps", neutral_label: float = 1.0, **kwargs: Any) -> None:
        if format not in STEP_FORMATS:
            raise ValueError(f"StepLabelDataModule.format must be one of {STEP_FORMATS}, got {format!r}")
        if not 0 <= neutral_label <= 1:
            raise ValueError(f"StepLabelDataModule.neutral_label must be in [0, 1], got {neutral_label}")
        kwargs.setdefault("required_fields", [])
        super().__init__(*args, **kwargs)
        self.format, self.neutral_label = format, neutral_label

    @staticmethod
    def default_fields() -> list[str]:
        return ["prompt", "steps", "labels"]

    def load_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        val = self._read(self.val_file, split=None) if self.val_file else []
        return self._read(self.train_file), val

    def _read(self, source: str, split: str | None = "train") -> list[dict[str, Any]]:
        raw = read_rows(source, split=split)
        converted = []
        for index, before in enumerate(raw, start=1):
            if not isinstance(before, dict):
                raise DatasetFormatError(f"{source}, row {index}: expected an object, got {type(before).__name__}")
            row = self._convert(before)
            if isinstance(row, str):
                raise DatasetFormatError(f"{row_location(source, before, index)}: {row} (format={self.format!r})")
            converted.append({**row, **{k: v for k, v in before.items() if k == _LINE}})
        rows = validate_rows(converted, source, ["prompt", "steps", "labels"], self.rename)
        for index, (before, row) in enumerate(zip(raw, rows), start=1):
            problem = check_steps(row)
            if problem:
                raise DatasetFormatError(f"{row_location(source, before, index)}: {problem}")
        return rows

    def _convert(self, row: dict[str, Any]) -> dict[str, Any] | str:
        clean = {k: v for k, v in row.items() if k != _LINE}
        if self.format == "math_shepherd":
            return from_math_shepherd(clean)
        if self.format == "prm800k":
            return from_prm800k(clean, self.neutral_label)
        return clean


def worked_solution(expr: str) -> str:
    """A left-to-right worked solution of a sum or difference, one line a step, the answer last.

    Example:
        >>> worked_solution("3+4-5")
        '3+4=7\\n7-5=2'
    """
    tokens = re.findall(r"\d+|[+-]", expr)
    if not tokens or len(tokens) % 2 == 0 or any(t in "+-" for t in tokens[::2]):
        raise ValueError(f"worked_solution: need integers joined by + or -, got {expr!r}")
    value, lines = int(tokens[0]), []
    for op, num in zip(tokens[1::2], tokens[2::2]):
        new = value + int(num) if op == "+" else value - int(num)
        lines.append(f"{value}{op}{num}={new}")
        value = new
    return "\n".join(lines)


def with_worked_solutions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Arithmetic rows (``prompt`` ``"3+4+5="``) with ``completion`` set to their :func:`worked_solution`."""
    return [{**r, "completion": worked_solution(r["prompt"].rstrip("="))} for r in rows]

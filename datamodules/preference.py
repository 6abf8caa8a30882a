"""PreferenceDataModule: preference pairs ``{prompt, chosen, rejected}`` or KTO rows ``{prompt, completion, label}``.

The synthetic option turns :class:`ArithmeticTask` rows into pairs whose rejected side is a plausible near
miss (off by one, off by ten, one digit changed), drawn deterministically from the seed.
"""

from __future__ import annotations

import random
from typing import Any

from lit_reason.datamodules.files import (
    DatasetFormatError,
    field_label,
    read_rows,
    row_location,
    validate_rows,
)
from lit_reason.datamodules.prompt import PromptDataModule
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask

PAIRED_FIELDS = ["prompt", "chosen", "rejected"]
UNPAIRED_FIELDS = ["prompt", "completion", "label"]


class PreferenceDataModule(PromptDataModule):
    """Batches of preference rows, validated before training starts.

    Paired rows are ``{"prompt", "chosen", "rejected", ...columns}``; unpaired rows (KTO) are
    ``{"prompt", "completion", "label": bool, ...}``. A file holds one kind: a file whose first row has
    ``label`` is read as unpaired. With ``unpaired=True`` paired training rows are split into one
    desirable and one undesirable row each; validation rows stay as they are, so that the preference
    accuracy of held-out pairs stays measurable. Validation rows that carry ``answer`` also give
    ``val/accuracy`` by generation.

    Takes the arguments of :class:`PromptDataModule` (``required_fields`` defaults to the fields of the
    file's kind), plus:

    Args:
        unpaired: Yield unpaired rows for KTO (paired files are split automatically).
    """

    def __init__(self, *args: Any, unpaired: bool = False, **kwargs: Any) -> None:
        if kwargs.get("required_fields") is None:
            kwargs["required_fields"] = []  # the fields of the file's kind are always required
        super().__init__(*args, **kwargs)
        self.unpaired = unpaired

    @staticmethod
    def default_fields() -> list[str]:
        return list(PAIRED_FIELDS)

    def load_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if self.synthetic is not None:
            train, val = preference_splits(self.synthetic, self.train_size, self.val_size, seed=self.seed)
        else:
            train = self._load_preferences(self.train_file, "train")
            val = self._load_preferences(self.val_file, None) if self.val_file else []
        return (unpair(train) if self.unpaired else train), val

    def _load_preferences(self, source: str, split: str | None) -> list[dict[str, Any]]:
        raw = read_rows(source, split=split)
        first = raw[0] if raw and isinstance(raw[0], dict) else {}
        kind = UNPAIRED_FIELDS if "label" in _renamed(first, self.rename) else PAIRED_FIELDS
        required = kind + [f for f in self.required_fields if f not in kind]
        rows = validate_rows(raw, source, required, self.rename)
        check_preference_rows(raw, rows, source, self.rename)
        return rows


def _renamed(row: dict[str, Any], rename: dict[str, str]) -> set[str]:
    return {rename.get(k, k) for k in row}


def check_preference_rows(
    raw: list[dict[str, Any]], rows: list[dict[str, Any]], source: str, rename: dict[str, str] | None = None
) -> None:
    """Checks the preference fields that ``validate_rows`` does not know.

    ``chosen``, ``rejected`` and ``completion`` must be non-empty strings, ``label`` a bool.

    Args:
        raw: The rows as read (they carry JSONL line numbers).
        rows: The same rows after :func:`validate_rows` (renamed).
        source: The file or dataset, for messages.
        rename: ``{field in the file: our field}``.

    Raises:
        DatasetFormatError: naming the file, the row (line) and the field.
    """
    original = {ours: theirs for theirs, ours in (rename or {}).items()}
    for index, (before, row) in enumerate(zip(raw, rows, strict=True), start=1):
        where = row_location(source, before, index)
        for name in ("chosen", "rejected", "completion"):
            value = row.get(name)
            if name in row and (not isinstance(value, str) or not value.strip()):
                problem = "is empty" if isinstance(value, str) else f"must be a string, got {type(value).__name__}"
                raise DatasetFormatError(f"{where}: field {field_label(name, original)} {problem}")
        if "label" in row and not isinstance(row["label"], bool):
            raise DatasetFormatError(
                f"{where}: field {field_label('label', original)} must be true or false, got {row['label']!r:.40}"
            )


def unpair(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Splits each pair into ``{..., "completion": chosen, "label": True}`` and one with the rejected side.

    Rows that are already unpaired pass through unchanged.
    """
    out = []
    for row in rows:
        if "label" in row:
            out.append(row)
            continue
        rest = {k: v for k, v in row.items() if k not in ("chosen", "rejected", "completion")}
        out.append({**rest, "completion": row["chosen"], "label": True})
        out.append({**rest, "completion": row["rejected"], "label": False})
    return out


def near_miss(answer: int, rng: random.Random) -> int:
    """A plausible wrong answer: off by one, off by ten, or one digit changed; never ``answer`` itself.

    Example:
        >>> near_miss(47, random.Random(0)) != 47
        True
    """
    digits = str(abs(answer))
    while True:
        kind = rng.randrange(3)
        if kind == 0:
            wrong = answer + rng.choice((-1, 1))
        elif kind == 1:
            wrong = answer + rng.choice((-10, 10))
        else:
            i = rng.randrange(len(digits))
            new = rng.choice([d for d in "0123456789" if d != digits[i] and (i > 0 or d != "0" or len(digits) == 1)])
            wrong = int(digits[:i] + new + digits[i + 1 :]) * (-1 if answer < 0 else 1)
        if wrong != answer:
            return wrong


def preference_splits(
    task: ArithmeticTask, train_size: int, val_size: int, *, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Disjoint synthetic (train, validation) pairs from ``task``.

    Each row is ``{"prompt", "chosen", "rejected", "answer", "difficulty"}``: ``chosen`` is the task's
    completion of the right answer, ``rejected`` the same template filled with :func:`near_miss`.

    Args:
        task: The arithmetic task (its ``completion_template`` shapes both sides).
        train_size: Training pairs.
        val_size: Validation pairs.
        seed: Seed of the problems and of the wrong answers.

    Returns:
        ``(train_rows, val_rows)``.
    """
    train, val = task.splits(train_size, val_size, seed=seed)
    rng = random.Random(seed * 7919 + 17)  # its own stream: the problems do not depend on it
    return [_pair(task, r, rng) for r in train], [_pair(task, r, rng) for r in val]


def _pair(task: ArithmeticTask, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    wrong = near_miss(int(row["answer"]), rng)
    return {
        "prompt": row["prompt"],
        "chosen": row["completion"],
        "rejected": task.completion_template.format(answer=wrong),
        "answer": row["answer"],
        "difficulty": row["difficulty"],
    }

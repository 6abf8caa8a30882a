"""Loading rows from JSONL, JSON, Parquet or Hugging Face ``datasets``, validated before training starts.

Every row is checked eagerly (DataModule ``setup``), so a malformed row fails with the file, the row and
the field named before the first step rather than as a ``KeyError`` hours into a run (DESIGN.md, "Bad
input and faults").
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

from lit_reason.paths import missing_local

# Internal key carrying a JSONL row's line number from reading to validation; removed by validate_rows.
_LINE = "__row__"


class DatasetFormatError(ValueError):
    """A row is malformed; the message names the file, the row and the field."""


def split_source(source: str) -> tuple[str, str | None, str | None]:
    """Splits ``name[:config][@split]`` into its parts; an existing path is returned whole.

    Example:
        >>> split_source("openai/gsm8k:main@test")
        ('openai/gsm8k', 'main', 'test')
    """
    if os.path.exists(source):
        return source, None, None
    name, _, split = source.partition("@")
    if os.path.exists(name):  # a local dataset directory with a split: "data/ds@validation"
        return name, None, split or None
    name, _, config = name.partition(":")
    return name, config or None, split or None


def read_rows(source: str, *, split: str | None = "train") -> list[dict[str, Any]]:
    """All rows of ``source``.

    Args:
        source: A ``.jsonl``/``.json``/``.parquet`` file, a ``datasets`` directory saved with
            ``save_to_disk``, or a hub dataset name; ``name[:config][@split]`` picks a config and a split.
        split: Split to read when the dataset has several and ``source`` names none; None accepts only a
            dataset with a single split.

    Returns:
        The rows as dicts, in file order.

    Raises:
        DatasetFormatError: The file is not JSON/JSONL where it should be, the split does not exist, or
            ``datasets`` is needed but not installed.
    """
    check_source(source)
    if source.endswith(".jsonl"):
        return _read_jsonl(source)
    if source.endswith(".json"):
        with open(source, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise DatasetFormatError(f"{source}: invalid JSON at line {e.lineno} ({e.msg})") from None
        if not isinstance(data, list):
            raise DatasetFormatError(f"{source}: expected a JSON list of objects, got {type(data).__name__}")
        return data
    if source.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError as e:
            raise DatasetFormatError(
                f"{source}: reading Parquet needs `pip install 'lit-reason[data]'`"
            ) from e
        return pq.read_table(source).to_pylist()
    return _read_datasets(source, split)


SUPPORTED = ".jsonl, .json, .parquet, a `datasets` directory (save_to_disk) or a hub name 'owner/name[@split]'"


def check_source(source: str) -> None:
    """Fails at once, naming ``source``, when it looks local but does not exist or has an unknown extension.

    Called before any ``datasets`` import or hub lookup, so ``data/trian`` or ``data/train.txt`` is a
    one-line error rather than a stalled network request.

    Raises:
        DatasetFormatError: naming the path and the supported formats.
    """
    name = split_source(source)[0]
    if missing_local(source):
        raise DatasetFormatError(f"{name}: no such file or directory (supported: {SUPPORTED})")
    ext = os.path.splitext(name)[1]
    if os.path.isfile(name) and ext not in (".jsonl", ".json", ".parquet"):
        raise DatasetFormatError(f"{name}: unsupported file type {ext or '(none)'!r} (supported: {SUPPORTED})")


def _read_datasets(source: str, split: str | None) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError as e:
        raise DatasetFormatError(
            f"{source}: not a .jsonl/.json/.parquet file; "
            "loading datasets needs `pip install 'lit-reason[data]'`"
        ) from e
    name, config, named_split = split_source(source)
    if os.path.isdir(name) and _is_saved_dataset(name):
        ds = datasets.load_from_disk(name)
    else:
        ds = datasets.load_dataset(name, config)
    if isinstance(ds, datasets.DatasetDict):
        wanted = named_split or split
        if wanted is None and len(ds) == 1:
            wanted = next(iter(ds))
        if wanted not in ds:
            raise DatasetFormatError(
                f"{source}: no split {wanted!r}; splits are {sorted(ds)} (choose one with '{name}@<split>')"
            )
        ds = ds[wanted]
    return ds.to_list()


def _is_saved_dataset(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, f)) for f in ("dataset_dict.json", "state.json"))


def _read_jsonl(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetFormatError(f"{path}, line {line_no}: invalid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise DatasetFormatError(
                    f"{path}, line {line_no}: expected an object, got {type(row).__name__}"
                )
            row[_LINE] = line_no
            rows.append(row)
    return rows


def validate_rows(
    rows: list[Any], source: str, required: list[str], rename: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Renames fields (``{dataset_name: our_name}``) and checks every row; returns clean rows.

    Checks: each ``required`` field is present and not null; wherever present, ``prompt`` is a non-empty
    string or a non-empty list of ``{"role", "content"}`` messages, ``answer`` a non-empty string or a
    number (converted to a string), ``completion`` a non-empty string, and ``difficulty`` a number or
    string (the curriculum groups rows by it).

    Args:
        rows: Rows from :func:`read_rows`.
        source: Name used in error messages (the file or dataset).
        required: Fields every row must have, by our names.
        rename: ``{field in the file: field lit-reason expects}``.

    Returns:
        The renamed rows, numeric answers as strings.

    Raises:
        DatasetFormatError: naming ``source``, the row (the JSONL line, else the 1-based index) and the
            field as the file names it, e.g. ``train.jsonl, line 2: missing field 'answer'``.
    """
    rename = rename or {}
    original = {ours: theirs for theirs, ours in rename.items()}
    out = []
    for index, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            raise DatasetFormatError(f"{source}, row {index}: expected an object, got {type(raw).__name__}")
        where = row_location(source, raw, index)
        row = {rename.get(k, k): v for k, v in raw.items() if k != _LINE}
        for name in required:
            if row.get(name) is None:
                raise DatasetFormatError(f"{where}: missing field {field_label(name, original)}")
        for name, check in CHECKS.items():
            if row.get(name) is not None:
                problem = check(row, name)
                if problem:
                    raise DatasetFormatError(f"{where}: field {field_label(name, original)} {problem}")
        out.append(row)
    if not out:
        raise DatasetFormatError(f"{source}: no rows")
    return out


def row_location(source: str, raw: dict[str, Any], index: int) -> str:
    """``"<file>, line <n>"`` for rows read from a line-oriented file, else ``"<source>, row <index>"``."""
    return f"{source}, line {raw[_LINE]}" if _LINE in raw else f"{source}, row {index}"


def field_label(name: str, original: dict[str, str]) -> str:
    """The field as the file names it, with our name when renamed: ``'question' (read as 'prompt')``."""
    return f"{original[name]!r} (read as {name!r})" if name in original else repr(name)


def _check_prompt(row: dict[str, Any], name: str) -> str | None:
    value = row[name]
    if isinstance(value, str):
        return "is empty" if not value.strip() else None
    if isinstance(value, list):
        if not value:
            return "is empty"
        for i, m in enumerate(value):
            if not (
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            ):
                return f"message {i} must be {{'role': str, 'content': str}}, got {m!r:.80}"
        return None
    return f"must be a string or chat messages, got {type(value).__name__}"


def _check_answer(row: dict[str, Any], name: str) -> str | None:
    value = row[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return f"must be a string or a number, got {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be finite, got {value}"
    row[name] = str(value)  # verifiers compare text; 68 and "68" are the same answer
    return "is empty" if not row[name].strip() else None


def _check_completion(row: dict[str, Any], name: str) -> str | None:
    value = row[name]
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    return "is empty" if not value.strip() else None


def _check_difficulty(row: dict[str, Any], name: str) -> str | None:
    value = row[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return f"must be a number or a string, got {type(value).__name__}"
    return None


CHECKS: dict[str, Callable[[dict[str, Any], str], str | None]] = {
    "prompt": _check_prompt,
    "answer": _check_answer,
    "completion": _check_completion,
    "difficulty": _check_difficulty,
}

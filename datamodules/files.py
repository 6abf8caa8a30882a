"""Loading rows from JSONL, JSON, Parquet or Hugging Face ``datasets``, validated before training starts."""

from __future__ import annotations

import json
import os
from typing import Any


class DatasetFormatError(ValueError):
    """A row is malformed; the message names the file, the row and the field."""


def read_rows(source: str, *, split: str = "train") -> list[dict[str, Any]]:
    """All rows of ``source``: a ``.jsonl``/``.json``/``.parquet`` file, a ``datasets`` directory saved with
    ``save_to_disk``, or a hub dataset name (with ``datasets`` installed)."""
    if source.endswith(".jsonl"):
        return _read_jsonl(source)
    if source.endswith(".json"):
        with open(source, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise DatasetFormatError(f"{source}: expected a JSON list of objects, got {type(data).__name__}")
        return data
    if source.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(source).to_pylist()
    try:
        import datasets
    except ImportError as e:
        raise DatasetFormatError(
            f"{source}: not a .jsonl/.json/.parquet file; loading datasets needs `pip install 'lit-reason[data]'`"
        ) from e
    ds = datasets.load_from_disk(source) if os.path.isdir(source) else datasets.load_dataset(source, split=split)
    if isinstance(ds, datasets.DatasetDict):
        ds = ds[split]
    return ds.to_list()


def _read_jsonl(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise DatasetFormatError(f"{path}, line {line_no}: invalid JSON ({e.msg})") from None
            rows[-1]["__row__"] = line_no
    return rows


def validate_rows(
    rows: list[Any], source: str, required: list[str], rename: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Renames fields (``{dataset_name: our_name}``) and checks every row; returns clean rows.

    Raises:
        DatasetFormatError: naming ``source``, the row (the JSONL line, else the 1-based index) and the field.
    """
    rename = rename or {}
    out = []
    for index, raw in enumerate(rows, start=1):
        where = f"{source}, line {raw.get('__row__', index)}" if isinstance(raw, dict) else f"{source}, row {index}"
        if not isinstance(raw, dict):
            raise DatasetFormatError(f"{where}: expected an object, got {type(raw).__name__}")
        row = {rename.get(k, k): v for k, v in raw.items() if k != "__row__"}
        for name in required:
            if name not in row or row[name] is None:
                raise DatasetFormatError(f"{where}: missing field {name!r}")
        prompt = row.get("prompt")
        if "prompt" in required and not (isinstance(prompt, str) and prompt.strip()) and not _is_chat(prompt):
            raise DatasetFormatError(f"{where}: field 'prompt' must be a non-empty string or chat messages")
        out.append(row)
    if not out:
        raise DatasetFormatError(f"{source}: no rows")
    return out


def _is_chat(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "content" in m for m in value)

"""Checkpoint hygiene: keep what a module writes loadable with ``torch.load(weights_only=True)``."""

from __future__ import annotations

import dataclasses
from typing import Any


def plain(value: Any) -> Any:
    """Dataclasses become dicts (recursively) and callables their names, so no custom object is pickled."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if callable(value) and not isinstance(value, type):  # a reward object (e.g. an LLM judge): its name
        return getattr(value, "__name__", type(value).__name__)
    return value


def plain_hyperparameters(checkpoint: dict[str, Any]) -> None:
    """Rewrites ``checkpoint["hyper_parameters"]`` in place with :func:`plain` values."""
    if "hyper_parameters" in checkpoint:
        checkpoint["hyper_parameters"] = plain(dict(checkpoint["hyper_parameters"]))

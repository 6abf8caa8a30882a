"""Name -> function lookup shared by the loss registries (STYLE.md section 2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def resolve(registry: Mapping[str, Callable], name: str, *, what: str) -> Callable:
    """Return ``registry[name]`` or raise an error that lists the valid names.

    Args:
        registry: Mapping from a YAML-facing name to a function.
        name: The name to look up.
        what: What the registry holds, for the error message (e.g. ``"aggregation"``).

    Returns:
        The registered function.

    Raises:
        ValueError: ``name`` is not registered; the message lists the valid names.
    """
    try:
        return registry[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in registry)
        raise ValueError(f"unknown {what} {name!r}; valid names: {valid}") from None

"""Composite rewards (report sec 3.5.4 eq. 39; judge ensembles as in sec 3.4.3 eq. 34).

``R_total = alpha * R_accuracy + beta * R_format + gamma * R_length``: ``WeightedSum`` turns any
list of TRL-compatible reward functions into one, and reports what went wrong by name and row.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

RewardFn = Callable[..., list]


def reward_name(fn: Callable) -> str:
    """The name a reward function is logged under.

    Args:
        fn: A reward function, a callable instance, or a ``functools.partial`` of either.

    Returns:
        ``fn.__name__`` when it is a string, else the class name (a partial is named after the
        function it wraps).

    Example:
        >>> def accuracy(prompts, completions, **columns):
        ...     return [1.0] * len(completions)
        >>> reward_name(accuracy), reward_name(functools.partial(accuracy))
        ('accuracy', 'accuracy')
    """
    if isinstance(fn, functools.partial):
        return reward_name(fn.func)
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


class RewardFunctionError(RuntimeError):
    """A reward function raised; ``name`` and ``row`` say which one and on which row.

    Args:
        message: The full message.
        name: The reward function's name (``reward_name``).
        row: Index of the first row that fails on its own, or None if no single row does.
    """

    def __init__(self, message: str, *, name: str, row: int | None) -> None:
        super().__init__(message)
        self.name = name
        self.row = row


def _is_sequence(value) -> bool:
    """A list-like of rows (list, tuple, tensor, array), not a string or a mapping."""
    return (
        hasattr(value, "__len__")
        and hasattr(value, "__getitem__")
        and not isinstance(value, (str, bytes, dict))
    )


def _row_columns(columns: dict, row: int, n_rows: int) -> dict:
    """Slice the per-row columns (sequences of length ``n_rows``) to one row; pass others through."""
    out = {}
    for key, value in columns.items():
        per_row = _is_sequence(value) and len(value) == n_rows
        out[key] = value[row : row + 1] if per_row else value
    return out


def _first_failing_row(fn: RewardFn, prompts: list, completions: list, columns: dict) -> int | None:
    """Re-run ``fn`` one row at a time (only after a failure) to find the row that raises."""
    n = len(completions)
    for row in range(n):
        try:
            fn(prompts[row : row + 1], completions[row : row + 1], **_row_columns(columns, row, n))
        except Exception:
            return row
    return None


def _as_score(value, name: str, row: int) -> float | None:
    """Check one returned score: None, or a finite real number."""
    if value is None:
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"reward {name!r} returned {type(value).__name__} {value!r} at row {row}; "
            "expected a float or None"
        ) from None
    if not math.isfinite(score):
        raise ValueError(f"reward {name!r} returned non-finite {score} at row {row}; return None instead")
    return score


class WeightedSum:
    """Weighted sum of reward functions, ``sum_k w_k * r_k`` (report eq. 39).

    ``None`` (cannot score): a row's total is None only when every component returned None for
    it; otherwise it is the weighted sum over the components that did score (TRL's ``nansum``).
    So a math reward that finds no answer does not wipe out the format reward of that row.

    Weights default to 1 for each function. For the plain ensemble mean of eq. 34 pass
    ``weights=[1 / K] * K``.

    A component that raises is re-raised as ``RewardFunctionError`` naming the component and
    the first row that fails on its own (found by re-running that component row by row, which
    only happens on failure). Output of the wrong length, a non-number, NaN or inf is a
    ValueError or TypeError naming the component.

    TRL-compatible reward: ``fn(prompts, completions, **columns) -> list[float | None]``.

    Args:
        funcs: Reward functions with the TRL signature; their names (``reward_name``) must be
            distinct, set ``name=`` on instances to tell two apart.
        weights: One finite weight per function, or None for all ones.
        name: The ``__name__`` under which the total is logged.

    Example:
        >>> def one(prompts, completions, **columns):
        ...     return [1.0, None]
        >>> def half(prompts, completions, **columns):
        ...     return [0.5, None]
        >>> total = WeightedSum([one, half], weights=[2.0, -1.0])
        >>> total(["p", "p"], ["a", "b"])
        [1.5, None]
        >>> total.score_components(["p", "p"], ["a", "b"])
        {'one': [1.0, None], 'half': [0.5, None]}
    """

    def __init__(
        self, funcs: list[RewardFn], weights: list[float] | None = None, *, name: str = "weighted_sum"
    ) -> None:
        if not funcs:
            raise ValueError("WeightedSum needs at least one reward function")
        for fn in funcs:
            if not callable(fn):
                raise TypeError(f"WeightedSum: {fn!r} is not callable")
        names = [reward_name(fn) for fn in funcs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"WeightedSum: duplicate reward names {duplicates}; give each a distinct name")
        weights = [1.0] * len(funcs) if weights is None else [float(w) for w in weights]
        if len(weights) != len(funcs):
            raise ValueError(f"WeightedSum: {len(weights)} weights for {len(funcs)} reward functions")
        if not all(math.isfinite(w) for w in weights):
            raise ValueError(f"WeightedSum: weights must be finite; got {weights}")
        self.funcs = list(funcs)
        self.names = names
        self.weights = weights
        self.__name__ = name

    def _score(self, fn: RewardFn, name: str, prompts: list, completions: list, columns: dict) -> list:
        try:
            out = fn(prompts, completions, **columns)
        except Exception as err:
            row = _first_failing_row(fn, prompts, completions, columns)
            where = f"at row {row}" if row is not None else "on the batch (no single row fails alone)"
            raise RewardFunctionError(
                f"reward {name!r} raised {where}: {type(err).__name__}: {err}", name=name, row=row
            ) from err
        if not _is_sequence(out) or len(out) != len(completions):
            got = f"length {len(out)}" if _is_sequence(out) else type(out).__name__
            raise ValueError(f"reward {name!r} returned {got} for {len(completions)} completions")
        return [_as_score(v, name, row) for row, v in enumerate(out)]

    def score_components(
        self, prompts: list[str], completions: list[str], **columns
    ) -> dict[str, list[float | None]]:
        """Each component's scores, unweighted, keyed by its name (for per-reward logging).

        Args:
            prompts: The prompts, one per completion.
            completions: The generated texts.
            **columns: Dataset columns, passed to every component.

        Returns:
            ``{name: scores}`` in the order of ``funcs``.
        """
        return {
            name: self._score(fn, name, prompts, completions, columns)
            for name, fn in zip(self.names, self.funcs, strict=True)
        }

    def combine(self, components: dict[str, list[float | None]]) -> list[float | None]:
        """Weighted sum of ``score_components`` output, with the None rule of the class docstring.

        Args:
            components: ``{name: scores}`` as returned by ``score_components``.

        Returns:
            One total per row, None where no component scored.
        """
        columns = [components[name] for name in self.names]
        totals: list[float | None] = []
        for row_scores in zip(*columns, strict=True):
            scored = [w * s for w, s in zip(self.weights, row_scores, strict=True) if s is not None]
            totals.append(math.fsum(scored) if scored else None)
        return totals

    def __call__(self, prompts: list[str], completions: list[str], **columns) -> list[float | None]:
        """Score with every component and return the weighted totals.

        Args:
            prompts: The prompts, one per completion.
            completions: The generated texts.
            **columns: Dataset columns, passed to every component.

        Returns:
            One total per completion, None where no component could score.

        Raises:
            RewardFunctionError: A component raised (message names it and the row).
            ValueError: A component returned the wrong length, NaN or inf.
            TypeError: A component returned something other than a number or None.
        """
        return self.combine(self.score_components(prompts, completions, **columns))

    def __repr__(self) -> str:
        parts = ", ".join(f"{w}*{n}" for w, n in zip(self.weights, self.names, strict=True))
        return f"WeightedSum({parts}, name={self.__name__!r})"

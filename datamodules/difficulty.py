"""Difficulty from features, report sec 7.7.2 eq 96: ``difficulty(q) = f(steps, concepts, complexity, novelty)``.

The report leaves f open. Here f is a weighted sum of the features after standardising each over the
training rows (so that weights compare features of different units), cut into ``levels`` equally populated
levels at the training quantiles. The same statistics and cut points label validation rows, so a level means
the same on both splits. The output is the integer ``difficulty`` column that ``DifficultySampler`` and
``CurriculumScheduler`` (eq 97-98) read.
"""

from __future__ import annotations

import bisect
import math
from typing import Any


class FeatureDifficulty:
    """Eq 96 fitted on training rows.

    Args:
        weights: ``{feature column: weight}``; every row needs each column as a number.
        levels: Number of difficulty levels (quantile bins), >= 1.

    Example:
        >>> rows = [{"steps": s, "digits": d} for s, d in [(1, 2), (1, 4), (2, 3), (3, 6)]]
        >>> fd = FeatureDifficulty({"steps": 1.0, "digits": 0.5}, levels=2).fit(rows)
        >>> [fd.level(r) for r in rows]
        [0, 0, 1, 1]
    """

    def __init__(self, weights: dict[str, float], levels: int = 3) -> None:
        if not weights or levels < 1 or any(not math.isfinite(w) for w in weights.values()):
            raise ValueError(f"FeatureDifficulty: need finite weights of >= 1 feature and levels >= 1, "
                             f"got {weights}, {levels}")
        self.weights, self.levels = dict(weights), levels
        self.stats: dict[str, tuple[float, float]] = {}
        self.edges: list[float] = []

    def fit(self, rows: list[dict[str, Any]], source: str = "rows") -> FeatureDifficulty:
        """Standardisation statistics and level cut points from ``rows`` (the training split)."""
        if not rows:
            raise ValueError(f"FeatureDifficulty.fit: {source} is empty")
        for name in self.weights:
            values = [_feature(r, name, i, source) for i, r in enumerate(rows)]
            mean = sum(values) / len(values)
            std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            self.stats[name] = (mean, std if std > 0 else 1.0)
        scores = sorted(self.score(r) for r in rows)
        # Edge k is the score at quantile k / levels; a row at or below it stays in the lower level, so
        # tied scores (discrete features) share a level and the lowest level is never empty.
        self.edges = [scores[max(0, math.ceil(k * len(scores) / self.levels) - 1)] for k in range(1, self.levels)]
        return self

    def score(self, row: dict[str, Any], index: int = 0, source: str = "rows") -> float:
        """The weighted sum of standardised features of one row."""
        if not self.stats:
            raise RuntimeError("FeatureDifficulty: call fit() first")
        return sum(w * (_feature(row, name, index, source) - self.stats[name][0]) / self.stats[name][1]
                   for name, w in self.weights.items())

    def level(self, row: dict[str, Any], index: int = 0, source: str = "rows") -> int:
        """The row's difficulty level in ``0 .. levels - 1``."""
        return bisect.bisect_left(self.edges, self.score(row, index, source))

    def label(self, rows: list[dict[str, Any]], source: str = "rows") -> list[dict[str, Any]]:
        """Copies of ``rows`` with their ``difficulty`` column set to the level."""
        return [{**r, "difficulty": self.level(r, i, source)} for i, r in enumerate(rows)]


def _feature(row: dict[str, Any], name: str, index: int, source: str) -> float:
    if name not in row:
        raise ValueError(f"{source}: row {index} has no difficulty feature {name!r} (fields: {sorted(row)})")
    try:
        value = float(row[name])
    except (TypeError, ValueError):
        raise ValueError(f"{source}: row {index} field {name!r} is not a number: {row[name]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{source}: row {index} field {name!r} is not finite: {value}")
    return value

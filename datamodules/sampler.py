"""DifficultySampler: row indices drawn by per-difficulty weights, the hook of curriculum sampling.

A curriculum (CRRL, report sec 7.7.3, eq 97:
``P(q | theta) ~ exp(-(difficulty(q) - capability)^2 / (2 sigma^2))``) reweights problems by difficulty
as training goes; it does so through :meth:`DifficultySampler.set_sampling_weights`.

Draws are counter-based: the index at stream position ``p`` is a pure function of ``(seed, p)`` and the
current weights. A checkpoint therefore needs only the position and the weights to resume exactly, and
new weights apply from the next draw without replaying a generator.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch.utils.data import Sampler

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(x: int) -> int:
    """splitmix64's finaliser (Steele et al. 2014): a bijective 64-bit hash with full avalanche."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def uniform_at(seed: int, position: int) -> float:
    """A uniform number in [0, 1) for ``(seed, position)``: splitmix64 at counter ``position``."""
    return (_mix64((_mix64(seed & _MASK) + (position + 1) * _GOLDEN) & _MASK) >> 11) / float(1 << 53)


class DifficultySampler(Sampler[int]):
    """Indices of rows, uniform or weighted by each row's difficulty.

    Without weights, ``shuffle`` gives a fresh permutation of all rows per pass (pass ``e`` uses
    ``torch.randperm`` seeded with ``seed * 1_000_003 + e``), and no shuffle gives ``0, 1, ..., n-1``
    repeated. With weights, every draw picks row ``i`` with probability proportional to
    ``weights[difficulty_i]`` (with replacement): the weight is per row, as eq 97 is per question, so a
    difficulty with more rows gets more draws at equal weight.

    Args:
        difficulties: The difficulty of each row (rows without one share the key ``None``).
        num_samples: Indices per iteration (``len(self)``); default the number of rows. The stream goes on
            across iterations, so consecutive iterations never repeat a pass.
        shuffle: Permute rows in the unweighted mode.
        seed: Seed of the permutations and of the weighted draws.
        weights: Initial ``{difficulty: weight}``; None for the unweighted mode.
    """

    def __init__(
        self,
        difficulties: Sequence[Hashable],
        *,
        num_samples: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        weights: Mapping[Any, float] | None = None,
    ) -> None:
        if not difficulties:
            raise ValueError("DifficultySampler: no rows")
        if num_samples is not None and num_samples < 1:
            raise ValueError(f"DifficultySampler: num_samples must be >= 1, got {num_samples}")
        self.difficulties = list(difficulties)
        self.num_samples = num_samples or len(self.difficulties)
        self.shuffle, self.seed = shuffle, seed
        self.position = 0
        self.weights: dict[Any, float] | None = None
        self.row_weights: list[float] | None = None
        self._cdf: list[float] = []
        self._perm: tuple[int, list[int]] | None = None  # (pass, permutation) cache
        self.set_sampling_weights(weights)

    @property
    def difficulty_counts(self) -> dict[Any, int]:
        """Number of rows per difficulty."""
        return dict(Counter(self.difficulties))

    def set_sampling_weights(self, weights_by_difficulty: Mapping[Any, float] | None) -> None:
        """Sets ``{difficulty: weight}`` for the next draws; None returns to the unweighted mode.

        Keys match difficulties exactly or by their string form (YAML may give ``"2"`` for ``2``). A
        difficulty missing from the mapping gets weight 0.

        Raises:
            ValueError: An unknown difficulty, a negative or non-finite weight, or no row with weight > 0.
        """
        if weights_by_difficulty is None:
            self.weights, self.row_weights, self._cdf = None, None, []
            return
        known = self.difficulty_counts
        by_text = {str(d): d for d in known}
        resolved: dict[Any, float] = {}
        for key, w in weights_by_difficulty.items():
            d = key if key in known else by_text.get(str(key), key)
            if d not in known:
                raise ValueError(
                    f"DifficultySampler: unknown difficulty {key!r}; rows have {sorted(known, key=str)}"
                )
            if not (math.isfinite(w) and w >= 0):
                raise ValueError(
                    f"DifficultySampler: weight of difficulty {key!r} must be finite and >= 0, got {w}"
                )
            resolved[d] = float(w)
        self._cdf = _cumulative(
            [resolved.get(d, 0.0) for d in self.difficulties], f"weights {dict(weights_by_difficulty)}"
        )
        self.weights, self.row_weights = resolved, None

    def set_row_weights(self, weights: Sequence[float] | None) -> None:
        """Sets one weight per row instead (what ``RowLoader.set_weights`` passes); None for uniform.

        Raises:
            ValueError: The wrong number of weights, a negative or non-finite one, or all zero.
        """
        if weights is None:
            self.set_sampling_weights(None)
            return
        if len(weights) != len(self.difficulties):
            raise ValueError(
                f"DifficultySampler: {len(weights)} row weights for {len(self.difficulties)} rows"
            )
        bad = [w for w in weights if not (math.isfinite(w) and w >= 0)]
        if bad:
            raise ValueError(f"DifficultySampler: row weights must be finite and >= 0, got {bad[0]}")
        self._cdf = _cumulative([float(w) for w in weights], "the row weights")
        self.weights, self.row_weights = None, [float(w) for w in weights]

    def index_at(self, position: int) -> int:
        """The row index at stream position ``position`` under the current weights."""
        n = len(self.difficulties)
        if not self._cdf:
            if not self.shuffle:
                return position % n
            return self._permutation(position // n)[position % n]
        x = uniform_at(self.seed, position) * self._cdf[-1]
        i = bisect.bisect_right(self._cdf, x)
        # x < cdf[-1] up to rounding; fall back to the last row with weight > 0.
        return i if i < n else bisect.bisect_left(self._cdf, self._cdf[-1])

    def indices(self, start: int, count: int) -> list[int]:
        """``count`` indices from stream position ``start``."""
        return [self.index_at(p) for p in range(start, start + count)]

    def _permutation(self, epoch: int) -> list[int]:
        if self._perm is None or self._perm[0] != epoch:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._perm = (epoch, torch.randperm(len(self.difficulties), generator=gen).tolist())
        return self._perm[1]

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        for _ in range(self.num_samples):
            index = self.index_at(self.position)
            self.position += 1
            yield index

    def state_dict(self) -> dict[str, Any]:
        """Position in the stream and the current weights."""
        return {
            "position": self.position,
            "weights": self.weights,
            "row_weights": self.row_weights,
            "num_rows": len(self.difficulties),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restores :meth:`state_dict`.

        Raises:
            ValueError: The state was saved over a different number of rows.
        """
        rows = state.get("num_rows", len(self.difficulties))
        if rows != len(self.difficulties):
            raise ValueError(
                f"DifficultySampler: state saved over {rows} rows cannot resume over {len(self.difficulties)}"
            )
        self.position = state.get("position", 0)
        if state.get("row_weights") is not None:
            self.set_row_weights(state["row_weights"])
        else:
            self.set_sampling_weights(state.get("weights"))


def _cumulative(weights: list[float], described: Any) -> list[float]:
    """Running sums of ``weights``; an error naming ``described`` when none is positive."""
    cdf, total = [], 0.0
    for w in weights:
        total += w
        cdf.append(total)
    if total <= 0:
        raise ValueError(f"DifficultySampler: {described} give no row a positive weight")
    return cdf

"""RowLoader: batches of rows (``list[dict]``), shuffled per epoch from a seed, resumable mid-epoch.

Lightning checkpoints any loader with ``state_dict``/``load_state_dict`` and, because this one has a
length, does not prefetch from it, so the saved position is exactly the number of batches trained on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch


class RowLoader:
    """Iterates over ``rows`` in batches.

    Args:
        rows: The rows.
        batch_size: Rows per batch.
        shuffle: A new permutation each epoch, drawn from ``seed`` and the epoch number.
        seed: Seed of the permutations.
        weights: Per-row sampling weights; when given, each epoch draws ``len(rows)`` rows with replacement
            in proportion to them (used by curriculum sampling, report eq 97).
        drop_last: Drop a last incomplete batch.
    """

    def __init__(
        self,
        rows: list[dict[str, Any]],
        batch_size: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
        weights: list[float] | None = None,
        drop_last: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"RowLoader.batch_size must be >= 1, got {batch_size}")
        self.rows, self.batch_size, self.shuffle, self.seed = rows, batch_size, shuffle, seed
        self.drop_last = drop_last
        self.weights = weights
        self.epoch, self.position = 0, 0

    def set_weights(self, weights: list[float] | None) -> None:
        """Changes the sampling weights; they apply from the next batch drawn."""
        if weights is not None and (len(weights) != len(self.rows) or min(weights) < 0 or sum(weights) <= 0):
            raise ValueError(f"RowLoader.set_weights needs {len(self.rows)} non-negative weights with a positive sum")
        self.weights = weights

    def __len__(self) -> int:
        n = len(self.rows)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch_indices(self, b: int) -> list[int]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        n = len(self.rows)
        if self.weights is not None:
            gen.manual_seed(self.seed * 1_000_003 + self.epoch * 7919 + b)  # weights may change between batches
            w = torch.tensor(self.weights, dtype=torch.float64)
            return torch.multinomial(w, min(self.batch_size, n), replacement=True, generator=gen).tolist()
        order = torch.randperm(n, generator=gen) if self.shuffle else torch.arange(n)
        return order[b * self.batch_size : (b + 1) * self.batch_size].tolist()

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        while self.position < len(self):
            idx = self._batch_indices(self.position)
            self.position += 1
            yield [self.rows[i] for i in idx]
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.position = state.get("epoch", 0), state.get("position", 0)

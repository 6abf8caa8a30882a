"""RowLoader: batches of rows (``list[dict]``), shuffled per epoch from a seed, resumable mid-epoch.

Lightning checkpoints any loader with ``state_dict``/``load_state_dict`` and, because this one has a
length, does not prefetch from it, so the saved position is exactly the number of batches trained on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from lit_reason.datamodules.sampler import DifficultySampler


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
        difficulty_sampler: Draw indices from this sampler instead (``shuffle``, ``seed`` and ``weights``
            are then the sampler's); an epoch is ``len(sampler)`` indices. Its stream position is derived from
            ``(epoch, position)``, so this loader's state resumes it exactly.
        resumable: Continue a partly consumed epoch on the next ``iter()`` (training loaders, so that a
            resumed run draws the batches an uninterrupted one would). False starts every ``iter()`` at the
            first batch (validation loaders, which a sanity check may leave half-read).
        rank: This process's rank under a distributed strategy (Lightning's ``global_rank``).
        world_size: Number of ranks. Each step draws one global batch of ``batch_size x world_size`` rows
            exactly as a single process with that batch size would, and rank ``r`` takes its ``r``-th slice:
            every rank sees its own rows, and 2 ranks x ``b`` see the rows 1 rank x ``2b`` sees. The epoch's
            last global batch is padded with its first rows (as ``DistributedSampler`` pads), so every rank
            runs the same number of steps (a rank with fewer would hang the others' all-reduce).
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
        difficulty_sampler: DifficultySampler | None = None,
        resumable: bool = True,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"RowLoader.batch_size must be >= 1, got {batch_size}")
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"RowLoader: need 0 <= rank < world_size, got rank={rank}, world_size={world_size}")
        self.rank, self.world_size = rank, world_size
        self.rows, self.batch_size, self.shuffle, self.seed = rows, batch_size, shuffle, seed
        self.drop_last = drop_last
        self.weights = weights
        # Not named ``sampler``: Lightning treats an object with that attribute as a torch DataLoader.
        self.difficulty_sampler = difficulty_sampler
        if difficulty_sampler is not None and (
            weights is not None or len(difficulty_sampler.difficulties) != len(rows)
        ):
            raise ValueError(
                "RowLoader: a sampler over all the rows replaces weights; set them on the sampler"
            )
        self.resumable = resumable
        self.epoch, self.position = 0, 0

    def set_weights(self, weights: list[float] | None) -> None:
        """Changes the per-row sampling weights; they apply from the next batch drawn (and are saved in
        ``state_dict`` when the loader draws from a :class:`DifficultySampler`)."""
        if self.difficulty_sampler is not None:
            self.difficulty_sampler.set_row_weights(weights)
            return
        if weights is not None and (len(weights) != len(self.rows) or min(weights) < 0 or sum(weights) <= 0):
            raise ValueError(
                f"RowLoader.set_weights needs {len(self.rows)} non-negative weights with a positive sum"
            )
        self.weights = weights

    @property
    def global_batch_size(self) -> int:
        """Rows per step over all ranks."""
        return self.batch_size * self.world_size

    def __len__(self) -> int:
        n = len(self.difficulty_sampler) if self.difficulty_sampler is not None else len(self.rows)
        g = self.global_batch_size
        return n // g if self.drop_last else -(-n // g)

    def _batch_indices(self, b: int) -> list[int]:
        """This rank's slice of global batch ``b`` of the current epoch."""
        g, start = self.global_batch_size, b * self.global_batch_size
        if self.difficulty_sampler is not None:
            n = len(self.difficulty_sampler)
            base = self.epoch * n
            self.difficulty_sampler.position = base + min(start + g, n)
            return [self.difficulty_sampler.index_at(base + p) for p in self._positions(start, n)]
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        n = len(self.rows)
        if self.weights is not None:
            gen.manual_seed(
                self.seed * 1_000_003 + self.epoch * 7919 + b
            )  # weights may change between batches
            w = torch.tensor(self.weights, dtype=torch.float64)
            count = g if self.world_size > 1 else min(g, n)
            draws = torch.multinomial(w, count, replacement=True, generator=gen).tolist()
            return draws[self.rank * self.batch_size : (self.rank + 1) * self.batch_size]
        order = (torch.randperm(n, generator=gen) if self.shuffle else torch.arange(n)).tolist()
        return [order[p] for p in self._positions(start, n)]

    def _positions(self, start: int, n: int) -> list[int]:
        """Epoch positions of this rank's rows in the global batch starting at ``start`` (of ``n`` a epoch)."""
        first = start + self.rank * self.batch_size
        if self.world_size == 1:
            return list(range(first, min(first + self.batch_size, n)))
        return [p % n for p in range(first, first + self.batch_size)]

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        if not self.resumable:
            self.position = 0
        elif self.position >= len(self):
            # Lightning stops after len(self) batches without exhausting the generator, so the previous
            # epoch's end (below) never ran.
            self.epoch, self.position = self.epoch + 1, 0
        while self.position < len(self):
            idx = self._batch_indices(self.position)
            self.position += 1
            yield [self.rows[i] for i in idx]
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict[str, Any]:
        """Epoch and batch position (and the sampler's weights): what Lightning saves for an exact resume."""
        state: dict[str, Any] = {"epoch": self.epoch, "position": self.position}
        if self.difficulty_sampler is not None:
            state["sampler"] = self.difficulty_sampler.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.position = state.get("epoch", 0), state.get("position", 0)
        if self.difficulty_sampler is not None and "sampler" in state:
            self.difficulty_sampler.load_state_dict(state["sampler"])

"""PromptDataModule: prompt rows for RL, from files, ``datasets`` or the synthetic arithmetic task."""

from __future__ import annotations

from typing import Any

import lightning as L

from lit_reason.datamodules.difficulty import FeatureDifficulty
from lit_reason.datamodules.files import check_source, read_rows, validate_rows
from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.sampler import DifficultySampler
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask


class PromptDataModule(L.LightningDataModule):
    """Batches of prompt rows ``{"prompt": str | messages, "answer": ..., ...}``.

    Every row is validated in ``setup`` (before any training step): a missing field fails with the file,
    row and field named.

    Training batches come from :attr:`train_sampler`, a :class:`DifficultySampler` over the rows'
    ``difficulty`` column: a new permutation each epoch, or draws weighted by difficulty once a curriculum
    calls :meth:`set_sampling_weights`. Epochs continue one stream, so RL runs bounded by ``max_steps``
    see fresh permutations rather than a repeated epoch. The loader's ``state_dict`` (saved by Lightning
    with the checkpoint) holds the epoch, the batch and the weights, so a resumed run draws the same
    batches as an uninterrupted one.

    Args:
        train_file: JSONL / JSON / Parquet file, ``datasets`` directory or hub name
            (``name[:config][@split]``, split ``train`` by default); or None for ``synthetic``.
        val_file: Held-out rows, same formats; a dataset with several splits needs ``@split``.
        synthetic: Generate train and validation rows (disjoint) from this task instead of files.
        train_size: Synthetic training rows.
        val_size: Synthetic validation rows.
        batch_size: Prompts per training batch (per RL iteration) and per rank: under DDP each rank draws its
            own ``batch_size`` rows of one global batch (``RowLoader``'s ``rank``/``world_size``).
        val_batch_size: Prompts per validation batch.
        required_fields: Fields every row must have (after ``rename``).
        rename: ``{field in the file: field lit-reason expects}``, e.g. ``{"question": "prompt"}``.
        chat: Wrap string prompts as chat messages (the policy applies its chat template).
        system_prompt: System message prepended when ``chat`` is on (and to chat prompts without one).
        shuffle: Reshuffle training rows every epoch.
        seed: Seed of the synthetic data and of the shuffling.
        difficulty_features: Eq 96: set each row's ``difficulty`` from these numeric feature columns,
            ``{column: weight}`` (see ``datamodules/difficulty.py``); None keeps the rows' own column.
        difficulty_levels: Number of levels ``difficulty_features`` cuts the training rows into.
    """

    def __init__(
        self,
        train_file: str | None = None,
        val_file: str | None = None,
        synthetic: ArithmeticTask | None = None,
        train_size: int = 4000,
        val_size: int = 128,
        batch_size: int = 16,
        val_batch_size: int = 64,
        required_fields: list[str] | None = None,
        rename: dict[str, str] | None = None,
        chat: bool = False,
        system_prompt: str | None = None,
        shuffle: bool = True,
        seed: int = 0,
        difficulty_features: dict[str, float] | None = None,
        difficulty_levels: int = 3,
    ) -> None:
        super().__init__()
        if (train_file is None) == (synthetic is None):
            raise ValueError(
                f"{type(self).__name__}: give exactly one of train_file and synthetic (for your own data: "
                "train_file: FILE and synthetic: null)"
            )
        if system_prompt is not None and not chat:
            raise ValueError(
                f"{type(self).__name__}: system_prompt needs chat=True (plain prompts have no system role)"
            )
        for source in (train_file, val_file):
            if source is not None:
                check_source(source)  # a mistyped path fails here, before the model loads
        self.train_file, self.val_file, self.synthetic = train_file, val_file, synthetic
        self.train_size, self.val_size = train_size, val_size
        self.batch_size, self.val_batch_size = batch_size, val_batch_size
        self.required_fields = required_fields if required_fields is not None else self.default_fields()
        self.rename, self.chat, self.system_prompt = rename or {}, chat, system_prompt
        self.shuffle, self.seed = shuffle, seed
        self.difficulty = FeatureDifficulty(difficulty_features, difficulty_levels) if difficulty_features else None
        self.train_rows: list[dict[str, Any]] = []
        self.val_rows: list[dict[str, Any]] = []
        self.train_loader: RowLoader | None = None
        self.train_sampler: DifficultySampler | None = None
        self._state_to_load: dict[str, Any] = {}

    @staticmethod
    def default_fields() -> list[str]:
        return ["prompt", "answer"]

    def setup(self, stage: str | None = None) -> None:
        if self.train_rows:
            return
        self.train_rows, self.val_rows = self.load_rows()
        if self.difficulty is not None:
            source = self.train_file or "synthetic train rows"
            self.train_rows = self.difficulty.fit(self.train_rows, source).label(self.train_rows, source)
            self.val_rows = self.difficulty.label(self.val_rows, self.val_file or "synthetic validation rows")
        self.train_rows = [self._format(r) for r in self.train_rows]
        self.val_rows = [self._format(r) for r in self.val_rows]
        self.train_sampler = DifficultySampler(
            [r.get("difficulty") for r in self.train_rows], shuffle=self.shuffle, seed=self.seed
        )
        rank, world = self.shard()
        self.train_loader = RowLoader(self.train_rows, self.batch_size, difficulty_sampler=self.train_sampler,
                                      rank=rank, world_size=world)
        if self._state_to_load:
            self.train_loader.load_state_dict(self._state_to_load)

    def load_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The validated (train, validation) rows, before chat formatting; subclasses read other formats."""
        if self.synthetic is not None:
            return self.synthetic.splits(self.train_size, self.val_size, seed=self.seed)
        val = self._load(self.val_file, ["prompt", "answer"], split=None) if self.val_file else []
        return self._load(self.train_file, self.required_fields), val

    def set_sampling_weights(self, weights_by_difficulty: dict[Any, float] | None) -> None:
        """Weights of the training draws by ``difficulty`` from the next batch on (curriculum, eq 97).

        See :meth:`DifficultySampler.set_sampling_weights`; None returns to uniform epochs.
        """
        if self.train_sampler is None:
            raise RuntimeError(f"{type(self).__name__}.set_sampling_weights: call setup() first")
        self.train_sampler.set_sampling_weights(weights_by_difficulty)

    def _load(self, source: str, required: list[str], split: str | None = "train") -> list[dict[str, Any]]:
        return validate_rows(read_rows(source, split=split), source, required, self.rename)

    def _format(self, row: dict[str, Any]) -> dict[str, Any]:
        if not self.chat:
            return row
        prompt = row["prompt"]
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        if isinstance(prompt, str):
            return {**row, "prompt": system + [{"role": "user", "content": prompt}]}
        if system and prompt[0].get("role") != "system":
            return {**row, "prompt": system + prompt}
        return row

    def shard(self) -> tuple[int, int]:
        """``(rank, world_size)`` of the trainer's strategy; ``batch_size`` is per rank (as in Lightning)."""
        trainer = self.trainer
        return (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)

    def train_dataloader(self) -> RowLoader:
        assert self.train_loader is not None, "setup() first"
        return self.train_loader

    def val_dataloader(self) -> RowLoader | list:
        if not self.val_rows:
            return []
        rank, world = self.shard()
        return RowLoader(self.val_rows, self.val_batch_size, resumable=False, rank=rank, world_size=world)

    def test_dataloader(self) -> RowLoader | list:
        return self.val_dataloader()

    def state_dict(self) -> dict[str, Any]:
        """The training loader's position and sampling weights."""
        return self.train_loader.state_dict() if self.train_loader else dict(self._state_to_load)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restores :meth:`state_dict`; before ``setup`` it is kept and applied there."""
        if self.train_loader is not None:
            self.train_loader.load_state_dict(state)
        else:
            self._state_to_load = dict(state)

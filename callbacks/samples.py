"""SampleTableLogger: a table of prompts, completions and rewards every N iterations (report sec 8.7.3)."""

from __future__ import annotations

import csv
import json
import os
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import WandbLogger
from typing_extensions import override

from lit_reason.callbacks._state import in_fit
from lit_reason.rollout import require_iterations

FORMATS = ("jsonl", "csv")


class SampleTableLogger(Callback):
    """Every ``every_n_iterations`` iterations, logs the first ``max_rows`` samples of the last rollout.

    It reads ``pl_module.last_iteration.rollout`` (:class:`~lit_reason.rollout.IterationRecord`). Columns:
    ``iteration``, ``prompt``, ``completion``, ``reward``, then ``correct`` (the rollout's verifier verdicts)
    when known and each of ``extra_columns`` of the rollout (e.g. ``answer``).
    With a ``WandbLogger`` the table goes to W&B (``log_table`` under ``key``); otherwise rows are appended
    to ``<dirpath>/samples.jsonl`` or ``samples.csv`` ("look at generations regularly", sec 8.7.3).

    Args:
        every_n_iterations: Iterations between tables.
        max_rows: Samples per table.
        extra_columns: Rollout columns to add.
        key: W&B table name.
        dirpath: Directory of the file when W&B is off; default the trainer's ``log_dir`` (or root dir).
        file_format: ``jsonl`` or ``csv``.
    """

    def __init__(
        self,
        every_n_iterations: int = 10,
        max_rows: int = 8,
        extra_columns: list[str] | None = None,
        key: str = "samples",
        dirpath: str | None = None,
        file_format: str = "jsonl",
    ) -> None:
        errors = []
        if every_n_iterations < 1 or max_rows < 1:
            errors.append(f"every_n_iterations and max_rows must be >= 1, got {every_n_iterations} and {max_rows}")
        if file_format not in FORMATS:
            errors.append(f"file_format must be one of {list(FORMATS)}, got {file_format!r}")
        if errors:
            raise ValueError("SampleTableLogger: " + "; ".join(errors))
        self.every_n_iterations, self.max_rows = every_n_iterations, max_rows
        self.extra_columns, self.key = list(extra_columns or ["answer"]), key
        self.dirpath, self.file_format = dirpath, file_format
        self.iterations = 0
        self.tables = 0

    @property
    @override
    def state_key(self) -> str:
        return self._generate_state_key(key=self.key)

    @property
    def path(self) -> str | None:
        """The file written when W&B is off (set in ``setup``)."""
        return os.path.join(self.dirpath, f"samples.{self.file_format}") if self.dirpath else None

    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        require_iterations("SampleTableLogger", pl_module)
        if self.dirpath is None:
            self.dirpath = trainer.log_dir or trainer.default_root_dir

    def rows(self, pl_module: L.LightningModule) -> tuple[list[str], list[list[Any]]]:
        """Column names and rows of the table of ``pl_module.last_iteration.rollout``."""
        rollout = pl_module.last_iteration.rollout
        correct = rollout.correct
        n = min(self.max_rows, len(rollout.completions))
        extras = [c for c in self.extra_columns if c in rollout.columns]
        columns = ["iteration", "prompt", "completion", "reward"] + (["correct"] if correct is not None else []) + extras
        data = []
        for i in range(n):
            row = [self.iterations, str(rollout.prompts[i]), rollout.completions[i], float(rollout.rewards[i])]
            row += [bool(correct[i])] if correct is not None else []
            data.append(row + [rollout.columns[c][i] for c in extras])
        return columns, data

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not in_fit(trainer) or pl_module.last_iteration is None:
            return
        self.iterations += 1
        if self.iterations % self.every_n_iterations or not trainer.is_global_zero:
            return
        columns, data = self.rows(pl_module)
        wandb = [lg for lg in trainer.loggers if isinstance(lg, WandbLogger)]
        if wandb:
            wandb[0].log_table(key=self.key, columns=columns, data=data, step=trainer.global_step)
        else:
            self._write(columns, data)
        self.tables += 1

    def _write(self, columns: list[str], data: list[list[Any]]) -> None:
        os.makedirs(self.dirpath, exist_ok=True)
        new = not os.path.exists(self.path)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            if self.file_format == "jsonl":
                for row in data:
                    f.write(json.dumps(dict(zip(columns, row)), default=str) + "\n")
                return
            writer = csv.writer(f)
            if new:
                writer.writerow(columns)
            writer.writerows(data)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "tables": self.tables}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.iterations = state_dict.get("iterations", 0)
        self.tables = state_dict.get("tables", 0)

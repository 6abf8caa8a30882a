"""What ``lit-reason`` prints while and after it runs: a step-based progress bar and a closing summary."""

from __future__ import annotations

import math
import os
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
from typing_extensions import override

from lit_reason.callbacks import ExportPolicy

# Shown by the closing summary when logged, in this order; other train/ and val/ metrics follow.
HEADLINE = ("val/accuracy", "val/accuracy_sampled", "train/reward", "train/accuracy", "train/kl", "train/loss")


class StepProgressBar(TQDMProgressBar):
    """Counts optimizer steps against ``trainer.max_steps`` when that bounds the run.

    Lightning's bar counts batches of the current epoch: RL runs bounded by ``max_steps`` read
    ``Epoch 0/-2``, and a resumed run ``200/59``. This bar reads ``step 120/200`` and drops ``v_num``
    (the logger's version, not a metric). Runs bounded by epochs keep Lightning's per-epoch bar.
    """

    @override
    def on_train_epoch_start(self, trainer: L.Trainer, *args: Any) -> None:
        bar = self.train_progress_bar
        if trainer.max_steps <= 0 or bar is None:
            super().on_train_epoch_start(trainer, *args)
            if trainer.max_epochs is not None and trainer.max_epochs > 0 and self.train_progress_bar is not None:
                self.train_progress_bar.set_description(f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}")
            return
        if bar.total != trainer.max_steps:  # once per fit: later epochs continue the same bar
            bar.reset(total=trainer.max_steps)
            bar.initial = bar.n = trainer.global_step  # a resumed run starts at its step, its rate from there
            bar.set_description("step")

    @override
    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        if trainer.max_steps <= 0:
            super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)
            return
        bar = self.train_progress_bar
        if bar is not None and not bar.disable:
            bar.n = min(trainer.global_step, trainer.max_steps)
            bar.set_postfix(self.get_metrics(trainer, pl_module))
            bar.refresh()

    @override
    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)
        return items


def summary(trainer: L.Trainer, what: str) -> str:
    """The closing lines of a ``fit``/``validate``: final metrics, and where weights and logs went."""
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith(("train/", "val/"))}
    shown = [k for k in HEADLINE if k in metrics] + sorted(k for k in metrics if k not in HEADLINE)
    lines = [f"lit-reason {what}: done at step {trainer.global_step}"]
    if shown:
        lines.append("  " + "  ".join(f"{k}={_fmt(metrics[k])}" for k in shown[:8]))
    for cb in trainer.callbacks:
        if isinstance(cb, ExportPolicy) and cb.exported:
            lines.append(f"  weights:     {os.path.abspath(cb.dirpath)} (load with Policy(model=...))")
        if isinstance(cb, ModelCheckpoint) and cb.last_model_path:
            lines.append(f"  checkpoint:  {os.path.abspath(cb.last_model_path)} (resume with --ckpt_path)")
    for logger in trainer.loggers:
        if getattr(logger, "log_dir", None):
            lines.append(f"  logs:        {os.path.abspath(logger.log_dir)} (curves: lit-reason plot DIR)")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)

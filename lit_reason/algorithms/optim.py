"""Optimizer settings shared by every method: AdamW with linear warmup and an optional cosine decay.

Report sec 8.3.2 eq 118 (warmup) and eq 119 (cosine); Loshchilov & Hutter 2017 (arXiv:1608.03983).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import nn

SCHEDULES = ("constant", "cosine")


class ScheduleError(ValueError):
    """A schedule that cannot be built from the trainer's bounds, found when fitting starts (the command line
    reports it as one line on ``optimizer.schedule``)."""


@dataclass
class OptimizerSettings:
    """AdamW and its learning-rate warmup.

    Args:
        lr: Peak learning rate.
        weight_decay: Decoupled weight decay.
        betas: Adam betas.
        warmup_steps: Optimizer steps of linear warmup from 0 to ``lr`` (eq 118).
        schedule: After warmup, ``constant`` or ``cosine`` decay to ``min_lr`` at ``total_steps`` (eq 119).
        total_steps: Optimizer steps the cosine runs over; None takes ``trainer.max_steps``.
        min_lr: Final learning rate of ``cosine``.
    """

    lr: float = 1e-5
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.99)
    warmup_steps: int = 0
    schedule: str = "constant"
    total_steps: int | None = None
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"OptimizerSettings.lr must be > 0, got {self.lr}")
        if self.warmup_steps < 0:
            raise ValueError(f"OptimizerSettings.warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"OptimizerSettings.schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.schedule == "cosine" and self.total_steps is not None and self.total_steps <= self.warmup_steps:
            raise ValueError(
                f"OptimizerSettings.total_steps must be > warmup_steps ({self.warmup_steps}) for the cosine "
                f"schedule, got {self.total_steps}"
            )
        if not 0.0 <= self.min_lr <= self.lr:
            raise ValueError(f"OptimizerSettings.min_lr must be in [0, lr={self.lr}], got {self.min_lr}")

    def build(self, module: nn.Module, max_steps: int | None = None) -> dict:
        """The ``configure_optimizers`` return value for the trainable parameters of ``module``.

        Args:
            module: Its trainable parameters are optimised.
            max_steps: ``trainer.max_steps``: the cosine schedule's ``total_steps`` when that is unset.

        Raises:
            ValueError: ``cosine`` with neither ``total_steps`` nor a positive ``max_steps`` beyond warmup.
        """
        settings = self
        if self.schedule == "cosine" and self.total_steps is None:
            if max_steps is None or max_steps <= self.warmup_steps:
                raise ScheduleError(
                    "OptimizerSettings.schedule cosine needs total_steps, or trainer.max_steps > warmup_steps "
                    f"({self.warmup_steps}) to take it from; got max_steps={max_steps}"
                )
            settings = replace(self, total_steps=max_steps)
        params = [p for p in module.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay, betas=tuple(self.betas))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, settings.lr_factor)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def lr_factor(self, step: int) -> float:
        """Multiplier of ``lr`` at optimizer step ``step`` (0-based): warmup (eq 118), then the schedule.

        Warmup reaches ``lr`` at its last step, ``(step + 1) / warmup_steps``; the cosine of eq 119 then
        runs from ``lr`` at ``warmup_steps`` to ``min_lr`` at ``total_steps`` and stays there.
        """
        warm = self.warmup_steps
        if warm and step < warm:
            return min(1.0, (step + 1) / warm)
        if self.schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warm) / (self.total_steps - warm))
        floor = self.min_lr / self.lr
        return floor + 0.5 * (1.0 - floor) * (1.0 + math.cos(math.pi * progress))

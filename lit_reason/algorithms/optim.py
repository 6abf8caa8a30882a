"""Optimizer settings shared by every method: AdamW with linear warmup (report sec 8.3.2 eq 118)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class OptimizerSettings:
    """AdamW and its learning-rate warmup.

    Args:
        lr: Peak learning rate.
        weight_decay: Decoupled weight decay.
        betas: Adam betas.
        warmup_steps: Optimizer steps of linear warmup from 0 to ``lr`` (eq 118); then constant.
    """

    lr: float = 1e-5
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.99)
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"OptimizerSettings.lr must be > 0, got {self.lr}")
        if self.warmup_steps < 0:
            raise ValueError(f"OptimizerSettings.warmup_steps must be >= 0, got {self.warmup_steps}")

    def build(self, module: nn.Module) -> dict:
        """The ``configure_optimizers`` return value for the trainable parameters of ``module``."""
        params = [p for p in module.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay, betas=tuple(self.betas))
        warm = self.warmup_steps
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) if warm else 1.0)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

"""Helpers shared by the callbacks: reading logged metrics, and snapshots of weights and optimizer state."""

from __future__ import annotations

import copy
import math
import os
from typing import Any

import lightning as L
import torch


def metric(trainer: L.Trainer, name: str) -> float | None:
    """The last logged value of ``name`` from ``trainer.callback_metrics``, or None if it was not logged."""
    value = trainer.callback_metrics.get(name)
    return None if value is None else float(value)


def is_finite(value: float | None) -> bool:
    """True for a logged, finite number."""
    return value is not None and math.isfinite(value)


def snapshot(trainer: L.Trainer, pl_module: L.LightningModule, path: str | None = None) -> dict[str, Any] | str:
    """A copy of the module weights, optimizer and LR-scheduler states.

    Args:
        trainer: The trainer whose optimizers and schedulers are copied.
        pl_module: The module whose ``state_dict`` is copied.
        path: Write the copy to this file (large models) instead of keeping it in memory.

    Returns:
        The copy, or ``path`` when it was written to disk.
    """
    state = {
        "module": {k: v.detach().clone() for k, v in pl_module.state_dict().items()},
        "optimizers": [copy.deepcopy(opt.state_dict()) for opt in trainer.optimizers],
        "schedulers": [copy.deepcopy(cfg.scheduler.state_dict()) for cfg in trainer.lr_scheduler_configs],
    }
    if path is None:
        return state
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(state, path)
    return path


def restore(trainer: L.Trainer, pl_module: L.LightningModule, saved: dict[str, Any] | str) -> None:
    """Loads a :func:`snapshot` back into the module, optimizers and schedulers (exactly)."""
    state = torch.load(saved, weights_only=True) if isinstance(saved, str) else saved
    with torch.no_grad():
        pl_module.load_state_dict(state["module"])
    for opt, opt_state in zip(trainer.optimizers, state["optimizers"]):
        opt.load_state_dict(copy.deepcopy(opt_state))
    for cfg, sched_state in zip(trainer.lr_scheduler_configs, state["schedulers"]):
        cfg.scheduler.load_state_dict(copy.deepcopy(sched_state))


def scale_lr(trainer: L.Trainer, factor: float) -> list[float]:
    """Multiplies every learning rate by ``factor``, schedulers' base rates included.

    A scheduler such as ``LambdaLR`` recomputes ``lr = base_lr * lambda(step)`` at each step, so scaling only
    the param groups would be undone by the next ``scheduler.step()``.

    Returns:
        The new learning rates of all param groups.
    """
    for opt in trainer.optimizers:
        for group in opt.param_groups:
            group["lr"] *= factor
            if "initial_lr" in group:
                group["initial_lr"] *= factor
    for cfg in trainer.lr_scheduler_configs:
        base = getattr(cfg.scheduler, "base_lrs", None)  # torch LRScheduler's documented attribute
        if base is not None:
            cfg.scheduler.base_lrs = [lr * factor for lr in base]
    return [g["lr"] for opt in trainer.optimizers for g in opt.param_groups]


def in_fit(trainer: L.Trainer) -> bool:
    """True while fitting outside the sanity check: the only time the callbacks act."""
    return trainer.training and not trainer.sanity_checking

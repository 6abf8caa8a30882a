"""CheckpointRollback: restore the last good weights and optimizer state when training goes wrong."""

from __future__ import annotations

import os
from enum import Enum
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_warn
from typing_extensions import override

from lit_reason.callbacks._state import in_fit, is_finite, metric, restore, scale_lr, snapshot


class RollbackReason(str, Enum):
    """What triggered a rollback."""

    KL = "kl_above_bound"
    REWARD_DROP = "reward_drop"
    NON_FINITE = "non_finite_loss"


class CheckpointRollback(Callback):
    """PPO with rollback (report sec 3.1.5): on trouble, restore theta_checkpoint and lower the learning rate.

    The weights an iteration starts from generated its rollout, so they are judged by that iteration's
    metrics: they become the *last good state* (weights, optimizer and LR-scheduler states) when the iteration
    shows no trigger. Triggers: ``train/kl`` above ``kl_bound`` (d_max), ``train/reward`` below the last good
    state's reward by more than ``reward_drop``, or ``train/nonfinite_skipped`` increased (a non-finite loss).
    A rollback restores the last good state exactly, multiplies every learning rate by ``lr_factor``, and
    counts; past ``max_rollbacks`` training stops instead.

    Works under manual optimisation (the lit-reason RL modules) and automatic optimisation. The last good
    state is not part of a Lightning checkpoint (the checkpoint already holds weights); after a resume it is
    taken again from the first healthy iteration.

    Args:
        kl_bound: d_max of sec 3.1.5; None disables the KL trigger.
        reward_drop: Largest tolerated fall of ``train/reward`` below the last good reward; None disables.
        non_finite: Roll back when ``train/nonfinite_skipped`` increases.
        lr_factor: Multiplier of the learning rates after each rollback, in (0, 1].
        max_rollbacks: Rollbacks allowed before training stops.
        every_n_iterations: Iterations between good-state candidates (a copy costs memory and time).
        dirpath: Keep the last good state in this directory instead of memory (large models).
    """

    def __init__(
        self,
        kl_bound: float | None = None,
        reward_drop: float | None = None,
        non_finite: bool = True,
        lr_factor: float = 0.5,
        max_rollbacks: int = 3,
        every_n_iterations: int = 1,
        dirpath: str | None = None,
    ) -> None:
        errors = []
        for name, value in dict(kl_bound=kl_bound, reward_drop=reward_drop).items():
            if value is not None and not value > 0:
                errors.append(f"{name} must be > 0 or None, got {value}")
        if not 0 < lr_factor <= 1:
            errors.append(f"lr_factor must be in (0, 1], got {lr_factor}")
        if max_rollbacks < 0:
            errors.append(f"max_rollbacks must be >= 0, got {max_rollbacks}")
        if every_n_iterations < 1:
            errors.append(f"every_n_iterations must be >= 1, got {every_n_iterations}")
        if kl_bound is None and reward_drop is None and not non_finite:
            errors.append("no trigger: set kl_bound, reward_drop or non_finite")
        if errors:
            raise ValueError("CheckpointRollback: " + "; ".join(errors))
        self.kl_bound, self.reward_drop, self.non_finite = kl_bound, reward_drop, non_finite
        self.lr_factor, self.max_rollbacks = lr_factor, max_rollbacks
        self.every_n_iterations, self.dirpath = every_n_iterations, dirpath
        self.rollbacks = 0
        self.iterations = 0
        self.good_reward: float | None = None
        self.nonfinite_seen = 0.0
        self._good: dict[str, Any] | str | None = None
        self._candidate: dict[str, Any] | str | None = None

    @property
    @override
    def state_key(self) -> str:
        return self._generate_state_key(kl_bound=self.kl_bound, reward_drop=self.reward_drop)

    def _trigger(self, kl: float | None, reward: float | None, nonfinite: float | None) -> RollbackReason | None:
        """The first trigger the iteration's metrics fire, or None when it is healthy."""
        if self.non_finite and nonfinite is not None and nonfinite > self.nonfinite_seen:
            return RollbackReason.NON_FINITE
        if self.kl_bound is not None and kl is not None and (not is_finite(kl) or kl > self.kl_bound):
            return RollbackReason.KL
        if self.reward_drop is not None and self.good_reward is not None and reward is not None:
            if not is_finite(reward) or self.good_reward - reward > self.reward_drop:
                return RollbackReason.REWARD_DROP
        return None

    @override
    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any, batch_idx: int) -> None:
        if in_fit(trainer) and self.iterations % self.every_n_iterations == 0:
            path = os.path.join(self.dirpath, "candidate.pt") if self.dirpath else None
            self._candidate = snapshot(trainer, pl_module, path)

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not in_fit(trainer):
            return
        self.iterations += 1
        nonfinite = metric(trainer, "train/nonfinite_skipped")
        reward = metric(trainer, "train/reward")
        reason = self._trigger(metric(trainer, "train/kl"), reward, nonfinite)
        reason = trainer.strategy.broadcast(reason)
        if nonfinite is not None:
            self.nonfinite_seen = nonfinite
        if reason is None:
            self._accept(reward)
        else:
            self._candidate = None
            self._roll_back(trainer, pl_module, reason)
        pl_module.log("callback/rollbacks", float(self.rollbacks), on_step=True, on_epoch=False, batch_size=1)

    def _accept(self, reward: float | None) -> None:
        """The iteration was healthy: the weights it started from become the last good state."""
        if self._candidate is None:
            return
        if isinstance(self._candidate, str):
            good = os.path.join(self.dirpath, "last_good.pt")
            os.replace(self._candidate, good)
            self._candidate = good
        self._good, self._candidate = self._candidate, None
        self.good_reward = reward

    def _roll_back(self, trainer: L.Trainer, pl_module: L.LightningModule, reason: RollbackReason) -> None:
        if self._good is None:
            rank_zero_warn(f"CheckpointRollback: {reason.value} but no good state is kept yet; nothing restored")
            return
        if self.rollbacks >= self.max_rollbacks:
            rank_zero_warn(f"CheckpointRollback: {reason.value} after {self.rollbacks} rollbacks "
                           f"(max_rollbacks={self.max_rollbacks}); stopping")
            trainer.should_stop = True
            return
        restore(trainer, pl_module, self._good)
        lrs = scale_lr(trainer, self.lr_factor)
        self.rollbacks += 1
        rank_zero_warn(f"CheckpointRollback: {reason.value} at iteration {self.iterations}; restored the last good "
                       f"state (rollback {self.rollbacks}/{self.max_rollbacks}), learning rates now {lrs}")

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"rollbacks": self.rollbacks, "iterations": self.iterations, "good_reward": self.good_reward,
                "nonfinite_seen": self.nonfinite_seen}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rollbacks = state_dict.get("rollbacks", 0)
        self.iterations = state_dict.get("iterations", 0)
        self.good_reward = state_dict.get("good_reward")
        self.nonfinite_seen = state_dict.get("nonfinite_seen", 0.0)

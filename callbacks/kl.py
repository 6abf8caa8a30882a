"""AdaptiveKLController: the KL coefficient beta of the policy's penalty to its reference (report sec 8.3.4)."""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_warn
from typing_extensions import override

from lit_reason.callbacks._state import in_fit, is_finite, metric, restore, snapshot

log = logging.getLogger(__name__)


class KLReason(str, Enum):
    """Why beta changed (or did not) after an iteration."""

    KEPT = "kept"
    RAISED = "raised"
    LOWERED = "lowered"
    BOUND_EXCEEDED = "bound_exceeded"


def _doubling(coef: float, kl: float, n_steps: int, cb: AdaptiveKLController) -> float:
    """Eq 127 (and PPO-penalty, sec 3.1.5): x factor above target*tolerance, / factor below target/tolerance."""
    if kl > cb.target * cb.tolerance:
        return coef * cb.factor
    if kl < cb.target / cb.tolerance:
        return coef / cb.factor
    return coef


def _proportional(coef: float, kl: float, n_steps: int, cb: AdaptiveKLController) -> float:
    """Ziegler et al. 2019 (arXiv:1909.08593) sec 2.2: beta *= 1 + clip(KL/target - 1, +-max_error) * n/horizon."""
    error = min(max(kl / cb.target - 1.0, -cb.max_error), cb.max_error)
    return coef * (1.0 + error * n_steps / cb.horizon)


def _fixed(coef: float, kl: float, n_steps: int, cb: AdaptiveKLController) -> float:
    """Eq 126 with a constant beta."""
    return coef


KL_RULES = {"doubling": _doubling, "proportional": _proportional, "fixed": _fixed}
VIOLATION_ACTIONS = ("stop", "skip")


class AdaptiveKLController(Callback):
    """Sets the module's ``kl_coef`` (or another ``attribute``) from the logged ``train/kl`` (or ``metric``).

    The default drives beta of the penalty to the reference (eq 126-127). PPO-penalty (eq 19) adapts its beta
    to the KL to the old policy: ``AdaptiveKLController(attribute="penalty_beta", metric="train/penalty_kl",
    target=0.01)``.

    Modes (report sec 8.3.4): ``doubling`` is eq 127 (beta x2 when KL > 1.5 target, /2 when KL < target/1.5,
    the PPO-penalty rule of sec 3.1.5); ``proportional`` is the target/horizon controller of Ziegler et al.
    2019 (arXiv:1909.08593); ``fixed`` keeps beta (eq 126) and only enforces the bound. ``kl_bound`` is the
    hard constraint delta of eq 125: an iteration whose KL exceeds it stops training (``stop``) or is undone,
    weights and optimizer restored to their state before it, and beta multiplied by ``factor`` (``skip``).

    Deviation: eq 125 is a constraint on the optimisation; here it is enforced after the fact, per iteration,
    on the KL the module measured during its update.

    Args:
        mode: ``doubling``, ``proportional`` or ``fixed``.
        init_kl_coef: Starting beta; None keeps the module's ``kl_coef``.
        target: d_target of eq 127, in the units of ``train/kl``.
        horizon: Iterations over which ``proportional`` closes the error (Ziegler et al. count samples).
        factor: Multiplier of ``doubling`` (2 in eq 127), and beta's raise after a ``skip``.
        tolerance: Band of ``doubling`` (1.5 in eq 127).
        max_error: Clip of the relative error in ``proportional``.
        min_coef: Lower bound of beta.
        max_coef: Upper bound of beta.
        kl_bound: delta of eq 125; None disables the hard constraint.
        on_violation: ``stop`` or ``skip`` when ``train/kl > kl_bound``.
        attribute: The module attribute set to beta: ``kl_coef`` (every RL module) or ``penalty_beta`` (PPO
            with ``policy_loss: kl_penalty``).
        metric: The logged KL compared with ``target`` (and ``kl_bound``).
    """

    def __init__(
        self,
        mode: str = "doubling",
        init_kl_coef: float | None = None,
        target: float = 0.05,
        horizon: int = 100,
        factor: float = 2.0,
        tolerance: float = 1.5,
        max_error: float = 0.2,
        min_coef: float = 1e-6,
        max_coef: float = 10.0,
        kl_bound: float | None = None,
        on_violation: str = "stop",
        attribute: str = "kl_coef",
        metric: str = "train/kl",
    ) -> None:
        errors = []
        if not attribute.isidentifier():
            errors.append(f"attribute must be a module attribute name, got {attribute!r}")
        if mode not in KL_RULES:
            errors.append(f"mode must be one of {sorted(KL_RULES)}, got {mode!r}")
        if on_violation not in VIOLATION_ACTIONS:
            errors.append(f"on_violation must be one of {list(VIOLATION_ACTIONS)}, got {on_violation!r}")
        for name, value in dict(target=target, horizon=horizon, max_error=max_error, min_coef=min_coef).items():
            if not value > 0:
                errors.append(f"{name} must be > 0, got {value}")
        if not factor > 1 or not tolerance > 1:
            errors.append(f"factor and tolerance must be > 1, got {factor} and {tolerance}")
        if not max_coef >= min_coef:
            errors.append(f"max_coef must be >= min_coef ({min_coef}), got {max_coef}")
        if init_kl_coef is not None and not min_coef <= init_kl_coef <= max_coef:
            errors.append(f"init_kl_coef must be in [{min_coef}, {max_coef}], got {init_kl_coef}")
        if kl_bound is not None and not kl_bound > 0:
            errors.append(f"kl_bound must be > 0, got {kl_bound}")
        if errors:
            raise ValueError("AdaptiveKLController: " + "; ".join(errors))
        self.mode, self.rule = mode, KL_RULES[mode]
        self.target, self.horizon, self.factor, self.tolerance = target, horizon, factor, tolerance
        self.max_error, self.min_coef, self.max_coef = max_error, min_coef, max_coef
        self.kl_bound, self.on_violation = kl_bound, on_violation
        self.attribute, self.metric = attribute, metric
        self.coef: float | None = init_kl_coef
        self.violations = 0
        self._undo: dict[str, Any] | str | None = None

    @property
    @override
    def state_key(self) -> str:
        # The attribute is in the key only when it is not the default, so older checkpoints still resume.
        extra = {} if self.attribute == "kl_coef" else {"attribute": self.attribute}
        return self._generate_state_key(mode=self.mode, target=self.target, kl_bound=self.kl_bound, **extra)

    def _next_coef(self, kl: float, n_steps: int = 1) -> tuple[float, KLReason]:
        """beta after an iteration that measured ``kl`` over ``n_steps`` iterations, and why."""
        assert self.coef is not None, "AdaptiveKLController: beta is set in on_train_start"
        if self._violates(kl):
            return min(self.coef * self.factor, self.max_coef), KLReason.BOUND_EXCEEDED
        new = min(max(self.rule(self.coef, kl, n_steps, self), self.min_coef), self.max_coef)
        reason = KLReason.RAISED if new > self.coef else KLReason.LOWERED if new < self.coef else KLReason.KEPT
        return new, reason

    def _violates(self, kl: float) -> bool:
        return self.kl_bound is not None and kl > self.kl_bound

    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if not hasattr(pl_module, self.attribute):
            raise TypeError(f"AdaptiveKLController(attribute={self.attribute!r}) needs a module with "
                            f"`{self.attribute}`; {type(pl_module).__name__} has none")

    @override
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.coef is None:
            self.coef = float(getattr(pl_module, self.attribute))
        if self.coef <= 0 and self.mode != "fixed":
            raise ValueError(
                f"AdaptiveKLController: mode {self.mode!r} scales beta and cannot start from "
                f"{type(pl_module).__name__}.{self.attribute} = {self.coef}; set it (or init_kl_coef) > 0"
            )
        setattr(pl_module, self.attribute, self.coef)

    @override
    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any, batch_idx: int) -> None:
        if self.kl_bound is not None and self.on_violation == "skip" and in_fit(trainer):
            self._undo = snapshot(trainer, pl_module)

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not in_fit(trainer):
            return
        kl = metric(trainer, self.metric)
        if not is_finite(kl):
            if kl is None:
                rank_zero_warn(f"AdaptiveKLController: `{self.metric}` was not logged (is kl_coef > 0, or "
                               "policy_loss kl_penalty?); beta unchanged")
            return
        new, reason = self._next_coef(kl)
        new = trainer.strategy.broadcast(new)
        if reason is KLReason.BOUND_EXCEEDED:
            self._on_violation(trainer, pl_module, kl)
        if reason is not KLReason.KEPT:
            log.info("AdaptiveKLController: %s %s %.6g -> %.6g (%s %.4g, target %.4g)",
                     self.attribute, reason.value, self.coef, new, self.metric, kl, self.target)
        self.coef = new
        setattr(pl_module, self.attribute, new)
        pl_module.log(f"callback/{self.attribute}", new, on_step=True, on_epoch=False, batch_size=1)

    def _on_violation(self, trainer: L.Trainer, pl_module: L.LightningModule, kl: float) -> None:
        self.violations += 1
        message = f"{self.metric} {kl:.4g} exceeds kl_bound {self.kl_bound} (eq 125)"
        if self.on_violation == "stop" or self._undo is None:
            rank_zero_warn(f"AdaptiveKLController: {message}; stopping")
            trainer.should_stop = True
            return
        rank_zero_warn(f"AdaptiveKLController: {message}; the iteration is undone and beta raised")
        restore(trainer, pl_module, self._undo)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"coef": self.coef, "violations": self.violations}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.coef = state_dict.get("coef", self.coef)
        self.violations = state_dict.get("violations", 0)

"""ProgressiveStrength: ARRE's staged perturbation strength (report sec 7.6.4, alg 13)."""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from typing_extensions import override

from lit_reason.callbacks._state import in_fit
from lit_reason.datamodules.variants import VariantPromptDataModule
from lit_reason.frameworks.arre.objective import stage_strength
from lit_reason.rollout import require_iterations

log = logging.getLogger(__name__)


class ProgressiveStrength(Callback):
    """Raises the perturbation strength stage by stage: ``eps_s = eps_0 (1 + alpha s)`` (alg 13 line 3).

    After each iteration it reads the rollout (``pl_module.last_iteration``: the ``variant`` column of
    :class:`~lit_reason.datamodules.variants.VariantPromptDataModule` rows and ``correct``) into a window of
    clean and perturbed outcomes. Alg 13 line 10 ("evaluate robustness, decide whether to enter the next
    stage"): the stage advances when robustness, the perturbed accuracy over the clean accuracy of the window,
    reaches ``robustness`` after at least ``min_iterations`` iterations in the stage, or in any case after
    ``max_iterations``; the last stage is ``stages``. The strength goes to
    ``trainer.datamodule.set_strength`` and applies from the next batch; every change is logged
    (``callback/arre_stage``, ``callback/arre_strength``, ``callback/arre_robustness``).

    Args:
        eps0: eps_0, the base strength.
        alpha: alpha, the strength's growth per stage.
        stages: S, the number of stages (the strength starts at stage 1's).
        robustness: Robustness (perturbed / clean accuracy) that completes a stage, in (0, 1].
        min_iterations: Iterations a stage lasts at least.
        max_iterations: Iterations a stage lasts at most (>= min_iterations).
        window: Samples of each side (clean, perturbed) in the robustness window.
    """

    def __init__(self, eps0: float = 1.0, alpha: float = 0.5, stages: int = 3, robustness: float = 0.9,
                 min_iterations: int = 20, max_iterations: int = 100, window: int = 512) -> None:
        errors = []
        if not eps0 > 0 or not alpha >= 0:
            errors.append(f"eps0 must be > 0 and alpha >= 0, got {eps0} and {alpha}")
        if stages < 1:
            errors.append(f"stages must be >= 1, got {stages}")
        if not 0 < robustness <= 1:
            errors.append(f"robustness must be in (0, 1], got {robustness}")
        if not 1 <= min_iterations <= max_iterations:
            errors.append(f"need 1 <= min_iterations <= max_iterations, got {min_iterations} and {max_iterations}")
        if window < 1:
            errors.append(f"window must be >= 1, got {window}")
        if errors:
            raise ValueError("ProgressiveStrength: " + "; ".join(errors))
        self.eps0, self.alpha, self.stages, self.robustness = eps0, alpha, stages, robustness
        self.min_iterations, self.max_iterations = min_iterations, max_iterations
        self.clean: deque[bool] = deque(maxlen=window)
        self.perturbed: deque[bool] = deque(maxlen=window)
        self.stage, self.in_stage = 1, 0

    # ------------------------------------------------------------------ decisions (no Trainer needed)
    @property
    def strength(self) -> float:
        return stage_strength(self.eps0, self.alpha, self.stage)

    def measured_robustness(self) -> float:
        """Perturbed over clean accuracy of the window (0 while either side is empty or clean is 0)."""
        if not self.clean or not self.perturbed:
            return 0.0
        clean = sum(self.clean) / len(self.clean)
        return (sum(self.perturbed) / len(self.perturbed)) / clean if clean > 0 else 0.0

    def observe(self, variants: list[int], correct: list[bool]) -> bool:
        """Adds one iteration's outcomes; returns True when the stage advanced (the window then restarts)."""
        for v, ok in zip(variants, correct):
            (self.perturbed if int(v) > 0 else self.clean).append(bool(ok))
        self.in_stage += 1
        if self.stage >= self.stages or self.in_stage < self.min_iterations:
            return False
        if self.measured_robustness() >= self.robustness or self.in_stage >= self.max_iterations:
            self.stage, self.in_stage = self.stage + 1, 0
            self.clean.clear()
            self.perturbed.clear()
            return True
        return False

    # ------------------------------------------------------------------ hooks
    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        require_iterations("ProgressiveStrength", pl_module)
        if stage == "fit" and not isinstance(trainer.datamodule, VariantPromptDataModule):
            raise TypeError(f"ProgressiveStrength needs a VariantPromptDataModule (it sets the perturbation "
                            f"strength); got {type(trainer.datamodule).__name__}")

    @override
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        trainer.datamodule.set_strength(self.strength)  # also after a resume: the restored stage's strength

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        record = pl_module.last_iteration
        if not in_fit(trainer) or record is None:
            return
        rollout = record.rollout
        correct = rollout.correct if rollout.correct is not None else rollout.rewards >= 1
        robustness = self.measured_robustness()
        if self.observe(list(rollout.columns["variant"]), correct.tolist()):
            log.info("ProgressiveStrength: robustness %.3f (target %.3f) after the stage; stage %d, strength %.3f",
                     robustness, self.robustness, self.stage, self.strength)
            trainer.datamodule.set_strength(self.strength)
        pl_module.log_dict({"callback/arre_stage": float(self.stage), "callback/arre_strength": self.strength,
                            "callback/arre_robustness": self.measured_robustness()},
                           on_step=True, on_epoch=False, batch_size=1)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "in_stage": self.in_stage, "clean": list(self.clean),
                "perturbed": list(self.perturbed)}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.stage, self.in_stage = state_dict.get("stage", 1), state_dict.get("in_stage", 0)
        for window, key in ((self.clean, "clean"), (self.perturbed, "perturbed")):
            window.clear()
            window.extend(state_dict.get(key, []))

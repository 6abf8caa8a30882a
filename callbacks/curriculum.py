"""CurriculumScheduler: curriculum reinforcement reasoning learning (CRRL, report sec 7.7)."""

from __future__ import annotations

import logging
import math
from collections import deque
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from typing_extensions import override

from lit_reason.callbacks._state import in_fit
from lit_reason.rollout import require_iterations

log = logging.getLogger(__name__)


class CurriculumScheduler(Callback):
    """Moves training from easy to hard difficulty levels as the policy's accuracy grows (report sec 7.7).

    - Difficulty of a prompt (eq 96): the rows' ``difficulty`` column, one of ``levels`` (ordered easy to hard).
    - Per-level accuracy: a sliding window of the last ``window`` samples of each level, read after every
      iteration from ``pl_module.last_iteration.rollout`` (:class:`~lit_reason.rollout.IterationRecord`):
      its ``columns["difficulty"]`` and ``correct`` (a (B,) bool tensor; when None, ``rewards >=
      correct_reward``).
    - Milestones (sec 7.7.4): levels unlock one at a time; level ``k+1`` opens once level ``k``'s window holds
      ``min_samples`` samples with accuracy >= ``thresholds[k]``.
    - Capability (eq 98, in level units): ``frontier + accuracy(frontier)``, the frontier being the hardest
      unlocked level; it rises from k to k+1 as level k is mastered.
    - Sampling (eq 97): unlocked level ``l`` (its index in ``levels``) gets weight
      ``exp(-(l - capability)^2 / (2 sigma^2))``, locked levels 0; the weights go to
      ``trainer.datamodule.set_sampling_weights`` (``PromptDataModule``) and apply from the next batch.

    Deviation: eq 98 takes the expectation over an evaluation set; here it is the training rollouts' window,
    which costs no extra generation.

    Args:
        levels: Difficulty values from easiest to hardest, as in the ``difficulty`` column.
        thresholds: Milestone accuracy of each level but the last (one number applies to all).
        window: Samples per level in the sliding accuracy window.
        min_samples: Samples a level's window needs before its milestone can be reached.
        sigma: Width of eq 97 in level units.
        start_level: Index of the hardest level unlocked at the start.
        correct_reward: Reward counted as correct when the module has no verifier.
    """

    def __init__(
        self,
        levels: list[int | str],
        thresholds: float | list[float] = 0.9,
        window: int = 256,
        min_samples: int = 64,
        sigma: float = 0.5,
        start_level: int = 0,
        correct_reward: float = 1.0,
    ) -> None:
        errors = []
        if len(levels) < 1 or len(set(map(str, levels))) != len(levels):
            errors.append(f"levels must be distinct values, got {levels}")
        thresholds = [thresholds] * max(len(levels) - 1, 0) if isinstance(thresholds, (int, float)) else thresholds
        if len(thresholds) != max(len(levels) - 1, 0) or any(not 0 < t <= 1 for t in thresholds):
            errors.append(f"thresholds must be {len(levels) - 1} numbers in (0, 1], got {thresholds}")
        if window < 1 or not 1 <= min_samples <= window:
            errors.append(f"window must be >= 1 and min_samples in [1, window], got {window} and {min_samples}")
        if not sigma > 0:
            errors.append(f"sigma must be > 0, got {sigma}")
        if not 0 <= start_level < max(len(levels), 1):
            errors.append(f"start_level must be in [0, {len(levels)}), got {start_level}")
        if errors:
            raise ValueError("CurriculumScheduler: " + "; ".join(errors))
        self.levels, self.thresholds = list(levels), list(thresholds)
        self.window, self.min_samples, self.sigma = window, min_samples, sigma
        self.correct_reward = correct_reward
        self.frontier = start_level
        self.outcomes: list[deque[bool]] = [deque(maxlen=window) for _ in levels]
        self.unlocked_at: list[int] = []  # iteration at which each level past start_level unlocked
        self.iterations = 0

    @property
    @override
    def state_key(self) -> str:
        return self._generate_state_key(levels=[str(v) for v in self.levels])

    # ------------------------------------------------------------------ decisions (no Trainer needed)
    def accuracy(self, level: int) -> float:
        """Accuracy of level index ``level`` over its window (0 when empty)."""
        seen = self.outcomes[level]
        return sum(seen) / len(seen) if seen else 0.0

    @property
    def capability(self) -> float:
        """Eq 98 in level units: the frontier index plus the frontier level's windowed accuracy."""
        return self.frontier + self.accuracy(self.frontier)

    def weights(self) -> dict[int | str, float]:
        """Eq 97 sampling weight of every level (0 for locked levels)."""
        c = self.capability
        return {value: math.exp(-((i - c) ** 2) / (2 * self.sigma**2)) if i <= self.frontier else 0.0
                for i, value in enumerate(self.levels)}

    def observe(self, difficulties: list[Any], correct: list[bool]) -> bool:
        """Adds one iteration's outcomes; returns True when a milestone unlocked the next level."""
        index = {str(v): i for i, v in enumerate(self.levels)}
        for d, ok in zip(difficulties, correct):
            i = index.get(str(d))
            if i is None:
                raise ValueError(f"CurriculumScheduler: difficulty {d!r} is not one of levels {self.levels}")
            self.outcomes[i].append(bool(ok))
        self.iterations += 1
        k = self.frontier
        if k + 1 < len(self.levels) and len(self.outcomes[k]) >= self.min_samples:
            if self.accuracy(k) >= self.thresholds[k]:
                self.frontier += 1
                self.unlocked_at.append(self.iterations)
                return True
        return False

    # ------------------------------------------------------------------ hooks
    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        require_iterations("CurriculumScheduler", pl_module)
        if stage == "fit" and not callable(getattr(trainer.datamodule, "set_sampling_weights", None)):
            raise TypeError(f"CurriculumScheduler needs a datamodule with `set_sampling_weights` (PromptDataModule); "
                            f"got {type(trainer.datamodule).__name__}")

    @override
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        trainer.datamodule.set_sampling_weights(self.weights())

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        record = pl_module.last_iteration
        if not in_fit(trainer) or record is None:
            return
        rollout = record.rollout
        correct = rollout.correct
        if correct is None:
            correct = rollout.rewards >= self.correct_reward
        if self.observe(list(rollout.columns["difficulty"]), correct.tolist()):
            log.info("CurriculumScheduler: milestone %d reached (accuracy %.3f >= %.3f); level %r unlocked",
                     self.frontier, self.accuracy(self.frontier - 1), self.thresholds[self.frontier - 1],
                     self.levels[self.frontier])
        trainer.datamodule.set_sampling_weights(self.weights())
        logged = {"callback/level": float(self.frontier), "callback/capability": self.capability}
        logged.update({f"callback/accuracy_level_{v}": self.accuracy(i) for i, v in enumerate(self.levels)})
        pl_module.log_dict(logged, on_step=True, on_epoch=False, batch_size=1)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"frontier": self.frontier, "outcomes": [list(d) for d in self.outcomes],
                "unlocked_at": list(self.unlocked_at), "iterations": self.iterations}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.frontier = state_dict.get("frontier", self.frontier)
        for seen, saved in zip(self.outcomes, state_dict.get("outcomes", [])):
            seen.clear()
            seen.extend(saved)
        self.unlocked_at = list(state_dict.get("unlocked_at", []))
        self.iterations = state_dict.get("iterations", 0)

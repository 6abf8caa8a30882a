"""RewardHackingMonitor: warning signs of reward hacking and length degeneration (report sec 9.2.1, 9.2.5)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_warn
from typing_extensions import override

from lit_reason.callbacks._state import in_fit, is_finite, metric
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.rollout import KeepsIterations


class HackingSignal(str, Enum):
    """A warning sign of sec 9.2.1 / 9.2.5."""

    REWARD_JUMP = "reward_jump"
    LENGTH_BLOWUP = "length_blowup"
    LENGTH_COLLAPSE = "length_collapse"
    REPETITION = "repetition"
    UNPARSED_HIGH_REWARD = "unparsed_high_reward"


class RewardHackingMonitor(Callback):
    """Logs and warns on the signs of reward hacking (sec 9.2.1) and length degeneration (sec 9.2.5).

    Baselines are exponential moving averages of ``train/reward`` and ``train/completion_len`` over the
    iterations that raised no signal (the first ``warmup`` iterations only build them). Signals:

    - ``reward_jump``: reward above its baseline by more than ``reward_jump`` ("be alert when the reward
      suddenly rises", sec 9.2.1).
    - ``length_blowup`` / ``length_collapse``: mean completion length above ``length_ratio`` x baseline or
      below baseline / ``length_ratio`` (sec 9.2.5).
    - ``repetition``: ``train/repetition`` above ``max_repetition`` ("lengthy but meaningless reasoning").
    - ``unparsed_high_reward``: among the last rollout's samples with reward >= ``high_reward``, the fraction
      with no parseable final answer exceeds ``max_unparsed_frac`` (a format or length reward is being
      gamed). Reads ``pl_module.last_iteration.rollout``; skipped for modules that publish none.

    Monitoring only: it changes nothing in the module. Pair it with CheckpointRollback to act.

    Args:
        reward_jump: Tolerated rise of the reward over its baseline in one iteration.
        length_ratio: Tolerated factor between the completion length and its baseline, > 1.
        max_repetition: Tolerated ``train/repetition`` (fraction of repeated 4-grams).
        high_reward: Reward at or above which a sample counts as high-reward.
        max_unparsed_frac: Tolerated fraction of high-reward samples without a parseable answer.
        ema_decay: Decay of the baselines, in [0, 1).
        warmup: Iterations that only build the baselines.
    """

    def __init__(
        self,
        reward_jump: float = 0.3,
        length_ratio: float = 2.0,
        max_repetition: float = 0.5,
        high_reward: float = 1.0,
        max_unparsed_frac: float = 0.2,
        ema_decay: float = 0.9,
        warmup: int = 3,
    ) -> None:
        errors = []
        if not reward_jump > 0:
            errors.append(f"reward_jump must be > 0, got {reward_jump}")
        if not length_ratio > 1:
            errors.append(f"length_ratio must be > 1, got {length_ratio}")
        for name, value in dict(max_repetition=max_repetition, max_unparsed_frac=max_unparsed_frac).items():
            if not 0 <= value <= 1:
                errors.append(f"{name} must be in [0, 1], got {value}")
        if not 0 <= ema_decay < 1:
            errors.append(f"ema_decay must be in [0, 1), got {ema_decay}")
        if warmup < 1:
            errors.append(f"warmup must be >= 1, got {warmup}")
        if errors:
            raise ValueError("RewardHackingMonitor: " + "; ".join(errors))
        self.reward_jump, self.length_ratio, self.max_repetition = reward_jump, length_ratio, max_repetition
        self.high_reward, self.max_unparsed_frac = high_reward, max_unparsed_frac
        self.ema_decay, self.warmup = ema_decay, warmup
        self.reward_baseline: float | None = None
        self.length_baseline: float | None = None
        self.seen = 0
        self.counts = {s.value: 0 for s in HackingSignal}

    @property
    @override
    def state_key(self) -> str:
        return self._generate_state_key(reward_jump=self.reward_jump, length_ratio=self.length_ratio)

    def _signals(self, reward: float | None, length: float | None, repetition: float | None,
                 unparsed_frac: float | None) -> list[HackingSignal]:
        """The signals one iteration raises; updates the baselines when it raises none."""
        self.seen += 1
        found = []
        if self.seen > self.warmup:
            if is_finite(reward) and self.reward_baseline is not None and reward - self.reward_baseline > self.reward_jump:
                found.append(HackingSignal.REWARD_JUMP)
            if is_finite(length) and self.length_baseline is not None:
                if length > self.length_ratio * self.length_baseline:
                    found.append(HackingSignal.LENGTH_BLOWUP)
                elif length < self.length_baseline / self.length_ratio:
                    found.append(HackingSignal.LENGTH_COLLAPSE)
        if is_finite(repetition) and repetition > self.max_repetition:
            found.append(HackingSignal.REPETITION)
        if unparsed_frac is not None and unparsed_frac > self.max_unparsed_frac:
            found.append(HackingSignal.UNPARSED_HIGH_REWARD)
        if not found:
            self.reward_baseline = self._ema(self.reward_baseline, reward)
            self.length_baseline = self._ema(self.length_baseline, length)
        return found

    def _ema(self, baseline: float | None, value: float | None) -> float | None:
        if not is_finite(value):
            return baseline
        return value if baseline is None else self.ema_decay * baseline + (1 - self.ema_decay) * value

    def unparsed_fraction(self, completions: list[str], rewards: list[float]) -> float | None:
        """Fraction of samples with reward >= ``high_reward`` whose final answer cannot be extracted."""
        high = [c for c, r in zip(completions, rewards) if r >= self.high_reward]
        if not high:
            return None
        return sum(extract_answer(c) is None for c in high) / len(high)

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not in_fit(trainer):
            return
        record = pl_module.last_iteration if isinstance(pl_module, KeepsIterations) else None  # optional signal
        rollout = None if record is None else record.rollout
        unparsed = None
        if rollout is not None and rollout.rewards is not None:
            unparsed = self.unparsed_fraction(list(rollout.completions), rollout.rewards.tolist())
        signals = self._signals(metric(trainer, "train/reward"), metric(trainer, "train/completion_len"),
                                metric(trainer, "train/repetition"), unparsed)
        for s in signals:
            self.counts[s.value] += 1
            rank_zero_warn(f"RewardHackingMonitor: {s.value} at iteration {self.seen} (reward baseline "
                           f"{self.reward_baseline}, length baseline {self.length_baseline}); inspect the samples")
        logged = {f"callback/hacking_{k}": float(v) for k, v in self.counts.items()}
        if unparsed is not None:
            logged["callback/unparsed_high_reward_frac"] = unparsed
        pl_module.log_dict(logged, on_step=True, on_epoch=False, batch_size=1)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"reward_baseline": self.reward_baseline, "length_baseline": self.length_baseline,
                "seen": self.seen, "counts": dict(self.counts)}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.reward_baseline = state_dict.get("reward_baseline")
        self.length_baseline = state_dict.get("length_baseline")
        self.seen = state_dict.get("seen", 0)
        self.counts.update(state_dict.get("counts", {}))

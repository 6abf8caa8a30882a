"""EntropyMonitor: policy-entropy collapse and spikes against a running baseline (report sec 8.7.2, 9.2.2)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_warn
from typing_extensions import override

from lit_reason.callbacks._state import in_fit, is_finite, metric


class EntropyEvent(str, Enum):
    """How an iteration's entropy compares with the baseline."""

    WARMUP = "warmup"
    NORMAL = "normal"
    COLLAPSE = "collapse"
    SPIKE = "spike"


RESPONSES = ("none", "entropy_coef", "temperature", "adaptive")


class EntropyMonitor(Callback):
    """Watches ``train/entropy`` and answers a collapse (mode collapse, sec 9.2.2) with more exploration.

    The baseline is an exponential moving average of the entropy of normal iterations (the first ``warmup``
    iterations only build it). An iteration is a *collapse* when entropy < ``collapse_ratio`` x baseline and a
    *spike* when entropy > ``spike_ratio`` x baseline; anomalous values do not enter the baseline, so a lasting
    collapse keeps being reported. Each event warns. With ``response`` set, a collapse raises the module's
    ``entropy_coef`` (the lambda of sec 9.2.2's entropy regulariser) by ``step`` or the sampling temperature by
    ``step`` (sec 9.2.2, "raise the sampling temperature"), up to ``max_value``; a spike moves it back by
    ``step``, never below its value at the start of training.

    ``response="adaptive"`` is the adaptive entropy coefficient of Skywork-OR1 (He et al. 2025,
    arXiv:2505.22312, sec 3.2.5 "adaptive entropy control"): every iteration a coefficient ``c`` moves by
    ``step`` towards keeping ``train/entropy`` at ``target_entropy`` (``c + step`` below it, ``c - step`` above,
    within [0, ``max_value``]) and the module's ``entropy_coef`` is ``c`` while the entropy is at or below the
    target, 0 above it (so the bonus never pushes the entropy up past the target).

    Entropy mechanisms (Cui et al. 2025, arXiv:2505.22617): the covariance of log-probabilities and
    advantages drives the entropy down while it is positive. When the module logs it (``train/entropy_cov``,
    GRPO with ``policy_loss: clip_cov`` or ``kl_cov``) a collapse warning quotes it, and its value is logged
    as ``callback/entropy_cov``.

    Args:
        collapse_ratio: Fraction of the baseline below which entropy has collapsed, in (0, 1).
        spike_ratio: Multiple of the baseline above which entropy spiked, > 1.
        ema_decay: Decay of the baseline average, in [0, 1).
        warmup: Iterations that only build the baseline.
        response: ``none``, ``entropy_coef``, ``temperature`` or ``adaptive``.
        step: Additive change of the coefficient or temperature per event (per iteration for ``adaptive``).
        max_value: Upper bound of the coefficient or temperature.
        target_entropy: The entropy ``adaptive`` holds; required by it, unused otherwise.
    """

    def __init__(
        self,
        collapse_ratio: float = 0.5,
        spike_ratio: float = 2.0,
        ema_decay: float = 0.9,
        warmup: int = 3,
        response: str = "none",
        step: float = 0.1,
        max_value: float = 1.5,
        target_entropy: float | None = None,
    ) -> None:
        errors = []
        if not 0 < collapse_ratio < 1:
            errors.append(f"collapse_ratio must be in (0, 1), got {collapse_ratio}")
        if not spike_ratio > 1:
            errors.append(f"spike_ratio must be > 1, got {spike_ratio}")
        if not 0 <= ema_decay < 1:
            errors.append(f"ema_decay must be in [0, 1), got {ema_decay}")
        if warmup < 1:
            errors.append(f"warmup must be >= 1, got {warmup}")
        if response not in RESPONSES:
            errors.append(f"response must be one of {list(RESPONSES)}, got {response!r}")
        if not step > 0 or not max_value > 0:
            errors.append(f"step and max_value must be > 0, got {step} and {max_value}")
        if response == "adaptive" and (target_entropy is None or not target_entropy > 0):
            errors.append(f"response='adaptive' needs target_entropy > 0, got {target_entropy}")
        if errors:
            raise ValueError("EntropyMonitor: " + "; ".join(errors))
        self.target_entropy = target_entropy
        self.coef = 0.0  # the adaptive coefficient c (applied only at or below the target)
        self.collapse_ratio, self.spike_ratio, self.ema_decay = collapse_ratio, spike_ratio, ema_decay
        self.warmup, self.response, self.step, self.max_value = warmup, response, step, max_value
        self.baseline: float | None = None
        self.seen = 0
        self.events = {EntropyEvent.COLLAPSE.value: 0, EntropyEvent.SPIKE.value: 0}
        self.floor: float | None = None  # the controlled value at the start: spikes never go below it

    @property
    @override
    def state_key(self) -> str:
        return self._generate_state_key(response=self.response, collapse_ratio=self.collapse_ratio)

    def _classify(self, entropy: float) -> EntropyEvent:
        """Classifies ``entropy`` and updates the baseline with normal and warm-up values."""
        self.seen += 1
        if self.baseline is not None and self.seen > self.warmup:
            if entropy < self.collapse_ratio * self.baseline:
                return EntropyEvent.COLLAPSE
            if entropy > self.spike_ratio * self.baseline:
                return EntropyEvent.SPIKE
            event = EntropyEvent.NORMAL
        else:
            event = EntropyEvent.WARMUP
        d = self.ema_decay
        self.baseline = entropy if self.baseline is None else d * self.baseline + (1 - d) * entropy
        return event

    def _adaptive(self, entropy: float) -> float:
        """Updates ``c`` and returns the coefficient to apply: ``c`` at or below the target entropy, else 0."""
        below = entropy <= self.target_entropy
        self.coef = min(max(self.coef + (self.step if entropy < self.target_entropy else -self.step), 0.0),
                        self.max_value)
        return self.coef if below else 0.0

    def _next_value(self, value: float, event: EntropyEvent) -> float:
        """The controlled value after ``event``: +step on collapse (<= max_value), -step on spike (>= floor)."""
        if event is EntropyEvent.COLLAPSE:
            return min(value + self.step, self.max_value)
        if event is EntropyEvent.SPIKE:
            return max(value - self.step, self.floor if self.floor is not None else value)
        return value

    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if self.response != "none" and not hasattr(pl_module, _ATTRIBUTE[self.response]):
            raise TypeError(f"EntropyMonitor(response={self.response!r}) needs a module with "
                            f"`{_ATTRIBUTE[self.response]}`; {type(pl_module).__name__} has none")

    @override
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.response != "none" and self.floor is None:
            self.floor = _get(pl_module, self.response)
        if self.response == "adaptive" and self.seen == 0:
            self.coef = float(pl_module.entropy_coef)  # c_0: the module's configured coefficient

    @override
    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        entropy = metric(trainer, "train/entropy")
        if not in_fit(trainer) or not is_finite(entropy):
            return
        baseline = self.baseline
        event = self._classify(entropy)
        logged = {"callback/entropy_baseline": float(self.baseline)}
        cov = metric(trainer, "train/entropy_cov")
        if cov is not None:
            logged["callback/entropy_cov"] = cov
        if self.response == "adaptive":
            pl_module.entropy_coef = self._adaptive(entropy)
            logged["callback/entropy_coef"] = float(pl_module.entropy_coef)
        if event in (EntropyEvent.COLLAPSE, EntropyEvent.SPIKE):
            self.events[event.value] += 1
            action = "" if cov is None else f"; train/entropy_cov {cov:.4g}"
            if self.response in ("entropy_coef", "temperature"):
                old = _get(pl_module, self.response)
                new = self._next_value(old, event)
                _set(pl_module, self.response, new)
                logged[f"callback/{_ATTRIBUTE[self.response]}"] = new
                action += f"; {_ATTRIBUTE[self.response]} {old:.4g} -> {new:.4g}"
            rank_zero_warn(f"EntropyMonitor: entropy {event.value} at iteration {self.seen}: train/entropy "
                           f"{entropy:.4g} vs baseline {baseline:.4g}{action}")
        logged.update({f"callback/entropy_{k}s": float(v) for k, v in self.events.items()})
        pl_module.log_dict(logged, on_step=True, on_epoch=False, batch_size=1)

    @override
    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "seen": self.seen, "events": dict(self.events), "floor": self.floor,
                "coef": self.coef}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.baseline = state_dict.get("baseline")
        self.seen = state_dict.get("seen", 0)
        self.events.update(state_dict.get("events", {}))
        self.floor = state_dict.get("floor", self.floor)
        self.coef = state_dict.get("coef", 0.0)


_ATTRIBUTE = {"entropy_coef": "entropy_coef", "temperature": "sampling", "adaptive": "entropy_coef"}


def _get(pl_module: L.LightningModule, response: str) -> float:
    return float(pl_module.sampling.temperature if response == "temperature" else pl_module.entropy_coef)


def _set(pl_module: L.LightningModule, response: str, value: float) -> None:
    if response == "temperature":
        pl_module.sampling = pl_module.sampling.with_(temperature=value)
    else:
        pl_module.entropy_coef = value

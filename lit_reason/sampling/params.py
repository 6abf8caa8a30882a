"""Sampling parameters shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass
class SamplingParams:
    """How completions are drawn.

    Args:
        temperature: Softmax temperature; 0 means greedy.
        top_p: Nucleus mass (report sec 8.2.2); 1 disables.
        top_k: Keep the k most likely tokens; 0 disables.
        dynamic_top_p: alpha of eq 108, p_t = top_p + alpha * entropy(P_t), clipped to [top_p, 1]; 0 disables.
        max_new_tokens: Completion length bound.
        stop: Strings that end a completion (kept in the text).
        n: Samples per prompt (the group size G of GRPO).
    """

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    dynamic_top_p: float = 0.0
    max_new_tokens: int = 64
    stop: list[str] = field(default_factory=list)
    n: int = 1

    def __post_init__(self) -> None:
        errors = []
        if self.temperature < 0:
            errors.append(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            errors.append(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            errors.append(f"top_k must be >= 0, got {self.top_k}")
        if self.dynamic_top_p < 0:
            errors.append(f"dynamic_top_p must be >= 0, got {self.dynamic_top_p}")
        if self.max_new_tokens < 1:
            errors.append(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.n < 1:
            errors.append(f"n must be >= 1, got {self.n}")
        if errors:
            raise ValueError("SamplingParams: " + "; ".join(errors))

    @property
    def greedy(self) -> bool:
        """True when decoding is deterministic argmax."""
        return self.temperature == 0

    def with_(self, **changes: object) -> SamplingParams:
        """A validated copy with ``changes`` applied."""
        return replace(self, **changes)

"""Reference rounds (report eq 59, sec 6.22.2): every ``every`` iterations the frozen reference becomes a copy
of the current policy, so each round is one DPO-style problem ``pi_{t+1} = argmin L(pi; pi_t)``.

Shared by online/iterative DPO, Self-Rewarding and SPIN; checkpointed through the run state (the reference
weights are saved once they are no longer the starting model's).
"""

from __future__ import annotations

from typing import Any

from lit_reason.policy import Policy


class ReferenceRounds:
    """Counts rounds and refreshes ``policy``'s reference at each round's end.

    Args:
        policy: The trained policy; its reference must exist (``init_reference``) and not be the LoRA base.
        every: Iterations per round; None never refreshes (round stays 0).
        owner: Name used in error messages (the module's class).
    """

    def __init__(self, policy: Policy, every: int | None, owner: str = "module") -> None:
        if every is not None and every < 1:
            raise ValueError(f"{owner}: ref_update_every must be >= 1 or None, got {every}")
        if every is not None and policy.uses_lora:
            raise ValueError(f"{owner}: ref_update_every needs a policy without LoRA (the LoRA reference is the "
                             "frozen base)")
        self.policy, self.every, self.round = policy, every, 0

    def after_iteration(self, count: int) -> bool:
        """Ends a round if ``count`` (iterations done) is a multiple of ``every``; True when it did."""
        if self.every is None or count % self.every:
            return False
        self.policy.frozen_reference.refresh()
        self.round += 1
        return True

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"round": self.round}
        if self.round > 0:  # the reference is no longer the starting model: keep it for an exact resume
            state["reference"] = self.policy.frozen_reference.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.round = state.get("round", 0)
        if "reference" in state:
            self.policy.frozen_reference.load_state_dict(state["reference"])

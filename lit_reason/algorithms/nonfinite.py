"""One rule for a non-finite loss, in every lit-reason module (DESIGN.md, "Bad input and faults").

A non-finite loss never reaches the optimizer: the step is skipped (no gradient applied), counted in the
cumulative ``train/nonfinite_skipped`` metric (which ``CheckpointRollback`` watches), and after more than
``max_consecutive`` skips in a row training stops with an error, because a run that only skips trains
nothing. A finite loss resets the consecutive count.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

METRIC = "train/nonfinite_skipped"


class NonFiniteGuard:
    """Counts skipped non-finite losses and stops a run that does nothing else.

    Args:
        max_consecutive: Non-finite losses in a row tolerated before ``check`` raises.
        owner: The module's class name, for the error.
    """

    def __init__(self, max_consecutive: int = 10, owner: str = "module") -> None:
        if max_consecutive < 1:
            raise ValueError(f"{owner}: max_nonfinite_skips must be >= 1, got {max_consecutive}")
        self.max_consecutive, self.owner = max_consecutive, owner
        self.skips = 0  # since the start of the run (checkpointed)
        self.consecutive = 0

    def check(self, loss: Tensor, where: str, *, finite: bool | None = None) -> bool:
        """True for a finite loss; False (counted) for a non-finite one, which the caller must not step on.

        Args:
            loss: The loss.
            where: Where it happened, for the error.
            finite: The decision when it is taken collectively (under DDP every rank skips when any rank's
                loss is non-finite: ``ranks.all_finite``); default: whether ``loss`` itself is finite.

        Raises:
            RuntimeError: more than ``max_consecutive`` non-finite losses in a row.
        """
        if (bool(torch.isfinite(loss).all()) if finite is None else finite):
            self.consecutive = 0
            return True
        self.skips += 1
        self.consecutive += 1
        if self.consecutive > self.max_consecutive:
            raise RuntimeError(
                f"{self.owner}: {self.consecutive} consecutive non-finite losses (last: {loss.detach().flatten()[:1].item()} "
                f"{where}); lower the learning rate or add CheckpointRollback"
            )
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"skips": self.skips, "consecutive": self.consecutive}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.skips = state.get("skips", 0)
        self.consecutive = state.get("consecutive", 0)

"""The frozen reference pi_ref of KL-regularised RL and preference methods, as one strategy object.

Three ways to hold it, chosen once by :meth:`Policy.init_reference <lit_reason.policy.Policy.init_reference>`:

- :class:`CopyReference`: a frozen deep copy of the policy (a second model in memory);
- :class:`OffloadedReference`: the same copy with its weights in a file, in memory only while it scores
  (``Policy(reference_offload=True)``, ``lit_reason/offload.py``);
- :class:`AdapterReference`: under LoRA, the policy itself with its adapters disabled (no copy; it cannot
  move, so iterative methods that refresh the reference refuse LoRA).

Every caller (the KL's log-probabilities, eq 128's full KL, SPIN's self-play generator, the reference rounds,
an implicit PRM's export) goes through the same five members, so none of them branches on the strategy.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor

from lit_reason.offload import DiskOffload

if TYPE_CHECKING:
    from lit_reason.policy import Policy


class FrozenReference:
    """What every reference strategy offers. ``model`` is the frozen copy, None when there is none (LoRA)."""

    #: Whether :meth:`refresh` / :meth:`load_state_dict` can move the reference (not LoRA's frozen base).
    movable: ClassVar[bool] = True
    #: Whether the weights leave memory outside :meth:`weights` (values read inside must be copied).
    offloaded: ClassVar[bool] = False

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.model: Policy | None = None

    def weights(self) -> AbstractContextManager[Policy]:
        """The reference as a :class:`Policy`, with its weights in memory for the ``with`` block."""
        raise NotImplementedError(f"{type(self).__name__} must implement weights()")

    @torch.no_grad()
    def logprobs(self, input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor, **kw: Any) -> Tensor:
        """log pi_ref of the completion tokens (B, T); ``kw`` as :meth:`Policy.token_logprobs`."""
        with self.weights() as ref:
            if next(ref.parameters()).device != input_ids.device:
                ref.to(input_ids.device)
            return ref.token_logprobs(input_ids, attention_mask, completion_mask, **kw).logprobs

    def state_dict(self) -> dict[str, Tensor]:
        """The reference's weights (read from disk when offloaded), e.g. for a checkpoint."""
        with self.weights() as ref:
            return ref.state_dict()

    @torch.no_grad()
    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        """Sets the reference's weights."""
        with self.weights() as ref:
            ref.load_state_dict(state)

    @torch.no_grad()
    def refresh(self) -> None:
        """Makes the reference a copy of the policy's current weights (iterative rounds, report eq 59)."""
        self.load_state_dict(self.policy.state_dict())


class CopyReference(FrozenReference):
    """A frozen deep copy of the policy, outside the module registry (not trained, not in checkpoints)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.model = copy.deepcopy(policy).requires_grad_(False).eval()

    @contextmanager
    def weights(self) -> Iterator[Policy]:
        yield self.model


class OffloadedReference(CopyReference):
    """The frozen copy with its parameters in a file (meta tensors outside :meth:`weights`).

    Args:
        policy: The policy to copy.
        directory: Where the file goes (default the system's temporary directory); it must be on a disk.
    """

    offloaded = True

    def __init__(self, policy: Policy, directory: str | None = None) -> None:
        super().__init__(policy)
        self.offload = DiskOffload(self.model, directory)

    @contextmanager
    def weights(self) -> Iterator[Policy]:
        with self.offload.loaded(next(self.policy.parameters()).device):
            yield self.model

    @torch.no_grad()
    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        with self.weights() as ref:
            ref.load_state_dict(state)
            self.offload.write(dict(ref.named_parameters()))  # else the next load brings the old weights back


class AdapterReference(FrozenReference):
    """Under LoRA: the policy with its adapters disabled, i.e. the frozen base model (nothing copied)."""

    movable = False

    @contextmanager
    def weights(self) -> Iterator[Policy]:
        with self.policy.model.disable_adapter():
            yield self.policy

    def state_dict(self) -> dict[str, Tensor]:
        raise ValueError(self._fixed("state_dict"))

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        raise ValueError(self._fixed("load_state_dict"))

    def refresh(self) -> None:
        raise ValueError(self._fixed("refresh"))

    @staticmethod
    def _fixed(what: str) -> str:
        return (f"AdapterReference.{what}: under LoRA the reference is the base model with adapters disabled and "
                "cannot move; train without LoRA to refresh it")

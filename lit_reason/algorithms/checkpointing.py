"""What a checkpoint holds besides weights and optimizer state (the run state), kept loadable with
``torch.load(weights_only=True)``."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, runtime_checkable

import lightning as L
import torch


def plain(value: Any) -> Any:
    """Dataclasses become dicts (recursively) and callables their names, so no custom object is pickled."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if callable(value) and not isinstance(value, type):  # a reward object (e.g. an LLM judge): its name
        return getattr(value, "__name__", type(value).__name__)
    return value


def plain_hyperparameters(checkpoint: dict[str, Any]) -> None:
    """Rewrites ``checkpoint["hyper_parameters"]`` in place with :func:`plain` values."""
    if "hyper_parameters" in checkpoint:
        checkpoint["hyper_parameters"] = plain(dict(checkpoint["hyper_parameters"]))


@runtime_checkable
class Stateful(Protocol):
    """A component that checkpoints itself (a callback-style ``state_dict`` / ``load_state_dict`` pair)."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class RunState:
    """The progress of a run that a checkpoint restores for an exact resume: ``checkpoint["lit_reason"]``.

    It holds no values of its own: it reads and writes the module attributes a class names in its
    ``checkpointed`` tuple (the sampling generator, the iteration counter, ``kl_coef``, a baseline's EMA, the
    non-finite guard, the reference rounds, ...). Weights and optimizer state are Lightning's; this is the
    rest. A generator is saved as its state, a :class:`Stateful` component by its ``state_dict``, a
    NamedTuple as a plain tuple (loadable with ``weights_only=True``), anything else as is. Keys missing
    from an older checkpoint leave the attribute at its constructed value.

    Args:
        module: The module whose attributes are saved.
        names: The attribute names (the class's ``checkpointed``).
    """

    def __init__(self, module: Any, names: tuple[str, ...]) -> None:
        self.module, self.names = module, tuple(names)

    def state_dict(self) -> dict[str, Any]:
        state = {}
        for name in self.names:
            value = getattr(self.module, name)
            if isinstance(value, torch.Generator):
                value = value.get_state()
            elif isinstance(value, Stateful):
                value = value.state_dict()
            elif isinstance(value, tuple):
                value = tuple(value)
            state[name] = value
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in self.names:
            if name not in state:
                continue
            current = getattr(self.module, name)
            if isinstance(current, torch.Generator):
                current.set_state(state[name])
            elif isinstance(current, Stateful):
                current.load_state_dict(state[name])
            else:
                setattr(self.module, name, state[name])


def save_run_state(module: Any, checkpoint: dict[str, Any]) -> None:
    """``on_save_checkpoint`` of every lit-reason module: plain hyperparameters and the run state."""
    plain_hyperparameters(checkpoint)
    checkpoint["lit_reason"] = RunState(module, module.checkpointed).state_dict()
    # save_hyperparameters leaves the policy out (an nn.Module); how it was built is checked on resume
    checkpoint["lit_reason_policy"] = dict(module.policy_built_from)


def load_run_state(module: Any, checkpoint: dict[str, Any]) -> None:
    """``on_load_checkpoint`` of every lit-reason module."""
    RunState(module, module.checkpointed).load_state_dict(checkpoint.get("lit_reason", {}))


class RunStateModule(L.LightningModule):
    """The base of every lit-reason LightningModule: its checkpoint carries the run state.

    A subclass names in ``checkpointed`` the attributes a resume needs and keeps its non-finite guard in
    ``self.nonfinite`` (``algorithms/nonfinite.py``); saving, loading and the skip count are the same for all.
    """

    checkpointed: tuple[str, ...] = ("nonfinite",)

    @property
    def nonfinite_skips(self) -> int:
        """Non-finite losses skipped since the start of the run (``train/nonfinite_skipped``)."""
        return self.nonfinite.skips

    @property
    def policy_built_from(self) -> dict[str, Any]:
        """How the trained policy was built (``Policy.built_from``), for a resume to compare with its config."""
        return self.policy.built_from

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        save_run_state(self, checkpoint)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        load_run_state(self, checkpoint)

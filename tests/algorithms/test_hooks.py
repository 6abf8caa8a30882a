"""Every on-policy method overrides only the documented hooks of OnPolicyModule (DESIGN.md, "Algorithms")."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import torch

import lit_reason
from lit_reason.algorithms.base import OnPolicyModule, Targets
from lit_reason.rollout import Rollout

HOOKS = {"__init__", "collect", "group_sizes", "select", "annotate", "advantages", "loss"}
SETTINGS = {"checkpointed", "keep_together", "kl_in_loss"}  # documented class attributes of the base


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def on_policy_methods() -> list[type]:
    for info in pkgutil.walk_packages(lit_reason.__path__, prefix="lit_reason."):
        importlib.import_module(info.name)  # every method of the package, wherever it lives
    classes = [c for c in _subclasses(OnPolicyModule) if c.__module__.startswith("lit_reason.")]
    return sorted(classes, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def undocumented_overrides(cls: type) -> set[str]:
    """Names ``cls`` itself defines that shadow something OnPolicyModule (or Lightning) already has."""
    inherited = set(dir(OnPolicyModule))
    own = {n for n in vars(cls) if not (n.startswith("__") and n.endswith("__")) or n == "__init__"}
    return {n for n in own & inherited if n not in HOOKS | SETTINGS}


def test_the_walk_finds_the_methods():
    names = {c.__name__ for c in on_policy_methods()}
    assert {"GRPO", "PPO", "REINFORCE", "RLOO", "OnlineDPO", "IterativeDPO", "SelfRewarding"} <= names, names


def test_hooks_that_extend_the_base_call_it():
    import inspect

    for cls in on_policy_methods():
        for name in ("collect", "annotate"):
            if name in vars(cls) and not (cls.__name__ == "OnlineDPO" and name == "annotate"):
                assert f"super().{name}(" in inspect.getsource(vars(cls)[name]), (cls.__name__, name)


@pytest.mark.parametrize("cls", on_policy_methods(), ids=lambda c: c.__name__)
def test_method_overrides_only_documented_hooks(cls):
    assert undocumented_overrides(cls) == set(), f"{cls.__name__} overrides base machinery"


def test_the_check_catches_an_override():
    class Sneaky(OnPolicyModule):
        def update(self, rollout):  # base machinery, not a hook
            return {}

        def advantages(self, rollout):
            return Targets(rollout.rewards)

        def on_save_checkpoint(self, checkpoint):
            pass

    assert undocumented_overrides(Sneaky) == {"update", "on_save_checkpoint"}


def test_every_hook_is_documented_on_the_base():
    for name in HOOKS - {"__init__"}:
        assert (getattr(OnPolicyModule, name).__doc__ or "").strip(), name


def _rollout(n: int) -> Rollout:
    ones = torch.ones(n, 2, dtype=torch.long)
    return Rollout(prompt_ids=ones, prompt_mask=ones, completion_ids=ones, completion_mask=ones,
                   sampler_logprobs=torch.zeros(n, 2), group=torch.arange(n) // 2,
                   finished=torch.ones(n, dtype=torch.bool), prompts=[""] * n, completions=[""] * n)


def test_blocks_stay_together_in_minibatches():
    r = _rollout(8)
    gen = torch.Generator().manual_seed(0)
    for mb in r.minibatches(4, shuffle=True, generator=gen, block=2):
        rows = mb.group.tolist()
        assert len(rows) == 4 and rows[0::2] == rows[1::2], rows  # each block is one group here
    with pytest.raises(ValueError, match="multiples of the block"):
        next(r.minibatches(3, block=2))

"""Reward presets addressable by name from YAML (``rewards: [math_accuracy, think_format]``)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from lit_reason.rewards.combine import RewardFn, WeightedSum


def _presets() -> dict[str, RewardFn]:
    # Imported here so that `import lit_reason.rewards.registry` stays cheap and free of cycles.
    from lit_reason.rewards.format import think_format
    from lit_reason.rewards.length import length_penalty
    from lit_reason.rewards.math import math_accuracy

    presets: dict[str, RewardFn] = {
        "math_accuracy": math_accuracy,
        "think_format": think_format,
        "length_penalty": length_penalty,
    }
    try:
        from lit_reason.rewards.code import code_pass_rate
    except ImportError:  # the code reward is optional until its module lands
        return presets
    presets["code_pass_rate"] = code_pass_rate
    return presets


def get_reward(spec: str | Callable) -> RewardFn:
    """Resolves a reward given by preset name, dotted import path (``pkg.module.fn``), the directory of a
    saved reward model (ORM / PRM, :mod:`lit_reason.rewards.models`) or as a callable.

    Args:
        spec: ``"math_accuracy"``, ``"my_pkg.rewards.brevity"``, ``"runs/orm/model"`` or a callable with the
            TRL signature ``fn(prompts, completions, **columns) -> list[float | None]``.

    Raises:
        ValueError: Unknown name, listing the presets.
    """
    if callable(spec):
        return spec
    presets = _presets()
    if spec in presets:
        return presets[spec]
    if os.path.isdir(spec):
        from lit_reason.rewards.models import load_reward_model  # loads torch models: only when asked

        return load_reward_model(spec)
    module, _, attr = spec.rpartition(".")
    if module:
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ValueError(f"reward {spec!r}: cannot import {attr!r} from {module!r} ({e}); lit-reason "
                             "imports modules from the working directory and PYTHONPATH") from e
        if not callable(fn):
            raise ValueError(f"reward {spec!r} is not callable")
        return fn
    if "/" in spec or os.sep in spec:  # a path: a reward model's directory that is not there (yet)
        raise ValueError(f"reward {spec!r}: no such directory (a reward model saved by RewardModelModule's "
                         "export_dir; if an earlier run writes it, run that first)")
    raise ValueError(f"unknown reward {spec!r}; presets: {sorted(presets)}, or give a dotted import path")


def reward_from_options(rewards: list[str | Callable] | None, reward_weights: list[float] | None) -> WeightedSum:
    """A module's ``rewards`` and ``reward_weights`` options as one reward (default ``[math_accuracy]``).

    Raises:
        ValueError: Naming the option (``rewards: unknown reward 'x'``), as a user sets it in a config.
    """
    try:
        funcs = [get_reward(r) for r in (rewards or ["math_accuracy"])]
    except (ValueError, TypeError) as e:
        raise ValueError(f"rewards: {e}") from e
    if reward_weights is not None and len(reward_weights) != len(funcs):
        raise ValueError(f"reward_weights: {len(reward_weights)} weights for {len(funcs)} rewards")
    try:
        return WeightedSum(funcs, reward_weights, name="reward")
    except (ValueError, TypeError) as e:
        raise ValueError(f"rewards: {e}") from e

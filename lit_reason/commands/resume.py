"""``--ckpt_path``: what a checkpoint overrides, said before it does, and a refusal on a class mismatch.

LightningCLI re-applies the hyperparameters stored in the checkpoint over the config (and Lightning then
restores the optimizer state, learning rate included). Without a word, a resumed
``--model.init_args.optimizer.lr=0.5`` trained at the checkpoint's rate and ``--config ppo.yaml`` with a GRPO
checkpoint trained GRPO. Here the first becomes a warning listing each replaced value and the second an
error.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from lit_reason.commands.errors import CLIError


def checkpoint_hparams(ckpt_path: str) -> dict[str, Any]:
    """The ``hyper_parameters`` of a Lightning checkpoint (memory-mapped: the weights are not read)."""
    if not os.path.isfile(ckpt_path):
        raise CLIError("ckpt_path", f"{ckpt_path!r}: no such checkpoint file")
    try:
        ckpt = torch.load(ckpt_path, weights_only=True, map_location="cpu", mmap=True)
    except Exception as e:  # a truncated or foreign file: the one line says which
        raise CLIError("ckpt_path", f"{ckpt_path!r} is not a readable Lightning checkpoint ({e})") from e
    return dict(ckpt.get("hyper_parameters") or {})


def resume_overrides(ckpt_path: str, model_config: dict[str, Any]) -> list[str]:
    """Checks the checkpoint against the config's ``model`` entry; returns the values it will replace.

    Args:
        ckpt_path: The ``--ckpt_path`` file.
        model_config: ``{"class_path": ..., "init_args": {...}}`` as parsed from the config and command line.

    Returns:
        ``"optimizer.lr: 0.5 -> 0.001"`` for every init argument whose config value differs from the
        checkpoint's (the checkpoint's is used).

    Raises:
        CLIError: the checkpoint was written by another module class than the config trains.
    """
    hparams = checkpoint_hparams(ckpt_path)
    saved_class = hparams.pop("_class_path", None)
    wanted = model_config.get("class_path")
    if saved_class and wanted and saved_class != wanted:
        raise CLIError(
            "ckpt_path",
            f"{ckpt_path} was written by {saved_class} but the config trains {wanted}; resume with the config "
            "that wrote it, or start a new run from its exported weights (policy.init_args.model)",
        )
    given = _flatten(model_config.get("init_args") or {})
    saved = _flatten(hparams)
    return [f"{k}: {given[k]!r} -> {saved[k]!r}" for k in sorted(saved) if k in given and given[k] != saved[k]]


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for k, v in tree.items():
            if k.startswith("_"):
                continue
            out.update(_flatten(v, f"{prefix}{k}." if k != "init_args" else prefix))
        return out
    if isinstance(tree, tuple):
        tree = list(tree)
    return {prefix.rstrip("."): tree}

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


def read_checkpoint(ckpt_path: str) -> dict[str, Any]:
    """A Lightning checkpoint, memory-mapped (the weights are not read until used)."""
    if not os.path.isfile(ckpt_path):
        raise CLIError("ckpt_path", f"{ckpt_path!r}: no such checkpoint file")
    try:
        return dict(torch.load(ckpt_path, weights_only=True, map_location="cpu", mmap=True))
    except Exception as e:  # a truncated or foreign file: the one line says which
        raise CLIError("ckpt_path", f"{ckpt_path!r} is not a readable Lightning checkpoint ({e})") from e


def checkpoint_hparams(ckpt_path: str) -> dict[str, Any]:
    """The ``hyper_parameters`` of a Lightning checkpoint."""
    return dict(read_checkpoint(ckpt_path).get("hyper_parameters") or {})


def policy_mismatch(ckpt_path: str, policy_config: dict[str, Any]) -> list[str]:
    """How the config builds the policy differently from the checkpoint's (``Policy.built_from``).

    The checkpoint's hyperparameters leave the policy out (it is a module), so the config's policy is built and
    the checkpoint's weights are loaded into it: a different ``model`` only changes where the frozen reference
    comes from (said in a warning), any other difference (``lora``, ``tiny``, ``bitlinear``, ``dtype``,
    ``tokenizer``) makes weights that do not fit or do not mean the same, and is refused.

    Returns:
        One line when only ``model`` differs.

    Raises:
        CLIError: any other built-from setting differs.
    """
    saved = read_checkpoint(ckpt_path).get("lit_reason_policy")
    if not saved:  # a checkpoint of an older lit-reason, or not of a lit-reason module
        return []
    given = dict(policy_config.get("init_args") or {})
    differ = [k for k in saved if k in given and _listed(given[k]) != _listed(saved[k])]
    fatal = [f"policy.{k}: {given[k]!r} here, {saved[k]!r} in the checkpoint" for k in differ if k != "model"]
    if fatal:
        raise CLIError("ckpt_path", f"{ckpt_path} holds the weights of a policy built otherwise ({'; '.join(fatal)}); "
                       "resume with the policy settings that wrote it")
    return [f"policy.model: the checkpoint's run started from {saved[k]!r}, the config's from {given[k]!r} (the "
            f"weights are the checkpoint's; the frozen reference is rebuilt from {given[k]!r})" for k in differ]


def _listed(tree: Any) -> Any:
    """Tuples as lists, recursively, so that a config value and a checkpoint value compare equal."""
    if isinstance(tree, dict):
        return {k: _listed(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_listed(v) for v in tree]
    return tree


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
    unknown = sorted(k for k in hparams if not k.startswith("_") and k not in (model_config.get("init_args") or {}))
    if unknown:  # LightningCLI would pass them on, and the constructor fail on a name the user never wrote
        raise CLIError("ckpt_path", f"{ckpt_path} saved settings that {wanted or 'the module'} does not take here: "
                       f"{', '.join(unknown)} (written by another version of it?)")
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

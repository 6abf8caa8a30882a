"""Pipeline files: parse and check a ``lit-reason pipeline`` YAML before any stage runs.

Every problem is collected and reported together, each naming the pipeline file and the stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml

PIPELINE_KEYS = {"run_dir", "checkpoint_every", "stages"}
STAGE_KEYS = {"name", "config", "overrides", "init_from", "checkpoint_every"}
DEFAULT_CHECKPOINT_EVERY = 50


class PipelineError(ValueError):
    """A pipeline file, run directory or stage is unusable; the message names the file and the stage."""


@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline.

    Args:
        name: Unique name; also the stage's folder under the run directory.
        config: Absolute path of the stage's LightningCLI config.
        overrides: Extra ``lit-reason fit`` arguments, applied after the config.
        init_from: ``"none"`` (the config's own policy) or the name of an earlier stage whose export the
            policy starts from (``previous`` in the file is resolved to a name).
        checkpoint_every: Optimizer steps between saves of the stage's ``last.ckpt``.
    """

    name: str
    config: str
    overrides: tuple[str, ...]
    init_from: str
    checkpoint_every: int

    def spec(self) -> dict[str, Any]:
        """What must not change between a finished run of the stage and a resumed pipeline."""
        return {
            "config": self.config,
            "overrides": list(self.overrides),
            "init_from": self.init_from,
            "checkpoint_every": self.checkpoint_every,
        }


@dataclass(frozen=True)
class Pipeline:
    """A checked pipeline file.

    Args:
        path: The pipeline file.
        run_dir: Default run directory (``runs/pipelines/<file name>`` when the file gives none).
        stages: The stages, in order.
    """

    path: str
    run_dir: str
    stages: tuple[Stage, ...]


def load_pipeline(path: str) -> Pipeline:
    """Reads and checks a pipeline file.

    Stage configs are resolved relative to the pipeline file's folder (absolute paths as they are).

    Args:
        path: The pipeline YAML.

    Returns:
        The checked :class:`Pipeline`.

    Raises:
        PipelineError: The file is missing or malformed; every problem found is in the message.
    """
    if not os.path.isfile(path):
        raise PipelineError(f"pipeline file {path!r} does not exist")
    with open(path) as f:
        try:
            raw = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise PipelineError(f"pipeline {path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("stages"), list) or not raw["stages"]:
        raise PipelineError(f"pipeline {path}: expected a mapping with a non-empty list under 'stages'")
    errors = [f"unknown key {k!r} (valid: {sorted(PIPELINE_KEYS)})" for k in raw if k not in PIPELINE_KEYS]
    default_every = raw.get("checkpoint_every", DEFAULT_CHECKPOINT_EVERY)
    stages: list[Stage] = []
    for index, item in enumerate(raw["stages"]):
        stage, stage_errors = _stage(
            item, index, stages, os.path.dirname(os.path.abspath(path)), default_every
        )
        errors += stage_errors
        if stage is not None:
            stages.append(stage)
    if errors:
        raise PipelineError(f"pipeline {path}:\n  " + "\n  ".join(errors))
    name = os.path.splitext(os.path.basename(path))[0]
    return Pipeline(
        path=path, run_dir=raw.get("run_dir") or os.path.join("runs", "pipelines", name), stages=tuple(stages)
    )


def _stage(
    item: Any, index: int, earlier: list[Stage], base: str, default_every: Any
) -> tuple[Stage | None, list[str]]:
    """Checks one stage entry against the earlier stages; returns the stage (None if unusable), errors."""
    if not isinstance(item, dict):
        return None, [f"stage {index}: expected a mapping with name and config, got {item!r}"]
    name = item.get("name")
    where = f"stage {index} ({name!r})"
    errors = [
        f"{where}: unknown key {k!r} (valid: {sorted(STAGE_KEYS)})" for k in item if k not in STAGE_KEYS
    ]
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        errors.append(f"{where}: 'name' must be a non-empty string usable as a folder name")
    elif name in {s.name for s in earlier}:
        errors.append(f"{where}: duplicate stage name {name!r}")
    config = item.get("config")
    if not isinstance(config, str) or not config:
        errors.append(f"{where}: 'config' must be the path of a LightningCLI config")
        config = ""
    else:
        config = config if os.path.isabs(config) else os.path.normpath(os.path.join(base, config))
        if not os.path.isfile(config):
            errors.append(
                f"{where}: config file {config!r} does not exist (paths are relative to the pipeline file)"
            )
    overrides = item.get("overrides", [])
    if not isinstance(overrides, list) or not all(
        isinstance(o, str) and o.startswith("--") for o in overrides
    ):
        errors.append(f"{where}: 'overrides' must be a list of CLI arguments like '--trainer.max_steps=10'")
        overrides = []
    init_from = item.get("init_from", "previous" if earlier else "none")
    if init_from == "previous":
        if not earlier:
            errors.append(f"{where}: init_from 'previous' but it is the first stage; use init_from: none")
        init_from = earlier[-1].name if earlier else "none"
    elif init_from != "none" and init_from not in {s.name for s in earlier}:
        errors.append(
            f"{where}: init_from {init_from!r} is not 'none', 'previous' or an earlier stage "
            f"({[s.name for s in earlier]})"
        )
    every = item.get("checkpoint_every", default_every)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        errors.append(f"{where}: 'checkpoint_every' must be an integer >= 1, got {every!r}")
    if errors:
        return None, errors
    return Stage(name, config, tuple(overrides), init_from, every), []

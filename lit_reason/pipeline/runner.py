"""``lit-reason pipeline``: a chain of training stages, each starting from the last one's weights.

The DeepSeek-R1 recipe (report sec 4.2: cold-start SFT -> reasoning RL -> rejection-sampling SFT -> RL),
R1-Zero (sec 4.3: RL from a base model, rule rewards only) and distillation (sec 4.5) are pipelines::

    lit-reason pipeline --config configs/pipelines/r1.yaml [--resume] [--from-stage NAME] [--run-dir DIR]

A pipeline file is YAML::

    run_dir: runs/pipelines/r1        # default of --run-dir
    checkpoint_every: 50              # optimizer steps between last.ckpt saves (per stage: same key)
    stages:
      - name: cold_start
        config: stages/r1_cold_start.yaml   # a LightningCLI config, relative to the pipeline file
        overrides: [--trainer.max_steps=100]  # extra lit-reason CLI arguments; {run_dir} and {stage}
                                              # are replaced (a stage's export is {run_dir}/<name>/policy)
        init_from: none                     # none | previous (the default after the first) | a stage name

Each stage runs in its own process (``python -m lit_reason.pipeline.stage``): ``fit`` then ``validate``.
The runner sets ``--model.init_args.policy.init_args.model`` to the ``init_from`` stage's export
(``{run_dir}/<that stage>/policy``), logs to ``{run_dir}/<stage>``, and adds an ExportPolicy and a
ModelCheckpoint (``save_last``) callback. ``{run_dir}/pipeline_state.json`` records finished stages with
their metrics; ``--resume`` skips them and continues an interrupted stage from its ``last.ckpt``.

Why a process per stage: a stage that dies hard (out of memory, killed, a crashed kernel) leaves the
runner alive to record it and say how to resume; every stage starts from clean global state (seeds, GPU
memory, thread pools); and Lightning's multi-GPU launcher re-executes the stage's command, not the whole
pipeline. ``{run_dir}/{stage}/command.txt`` holds the exact command, which can be re-run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from typing import Any

from lit_reason.pipeline.spec import Pipeline, PipelineError, Stage, load_pipeline

STATE_FILE = "pipeline_state.json"
REPORTED = ("val/accuracy", "val/accuracy_sampled")


# ---------------------------------------------------------------- state
def load_state(run_dir: str) -> dict[str, Any]:
    """The run directory's state: ``{"stages": {name: {"metrics", "export", "spec", "minutes"}}}``."""
    path = os.path.join(run_dir, STATE_FILE)
    if not os.path.exists(path):
        return {"stages": {}}
    with open(path) as f:
        return json.load(f)


def save_state(run_dir: str, state: dict[str, Any]) -> None:
    """Writes the state atomically, so an interrupted runner never leaves a truncated file."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, STATE_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


# ---------------------------------------------------------------- one stage
def stage_paths(run_dir: str, name: str) -> dict[str, str]:
    """Where stage ``name`` writes: its log dir, export dir, checkpoint dir, metrics file and command file."""
    root = os.path.join(run_dir, name)
    return {
        "root": root,
        "export": os.path.join(root, "policy"),
        "checkpoints": os.path.join(root, "checkpoints"),
        "last": os.path.join(root, "checkpoints", "last.ckpt"),
        "metrics": os.path.join(root, "metrics.json"),
        "command": os.path.join(root, "command.txt"),
    }


def stage_cli_args(stage: Stage, run_dir: str, init_dir: str | None) -> list[str]:
    """The ``lit-reason fit`` arguments of a stage: its config, its overrides, then the runner's wiring.

    The runner's arguments come last so that they win over the config and the overrides. In overrides,
    ``{run_dir}`` and ``{stage}`` are replaced by the run directory and the stage's name (e.g. a teacher's
    weights: ``--model.init_args.teacher.init_args.model={run_dir}/teacher/policy``).

    Args:
        stage: The stage.
        run_dir: The pipeline's run directory.
        init_dir: Exported weights to start from, or None to keep the config's policy.

    Returns:
        Arguments for :class:`lit_reason.cli.LitReasonCLI`.
    """
    paths = stage_paths(run_dir, stage.name)
    checkpoint = {
        "class_path": "lightning.pytorch.callbacks.ModelCheckpoint",
        "init_args": {
            "dirpath": paths["checkpoints"],
            "save_last": True,
            "save_top_k": 0,
            "every_n_train_steps": stage.checkpoint_every,
            "enable_version_counter": False,
        },
    }
    # overwrite: the runner's state file, not the step count, decides whether a stage's export is current.
    export = {"class_path": "lit_reason.callbacks.ExportPolicy",
              "init_args": {"dirpath": paths["export"], "overwrite": True}}
    overrides = [o.replace("{run_dir}", run_dir).replace("{stage}", stage.name) for o in stage.overrides]
    args = ["--config", stage.config, *overrides]
    if init_dir is not None:
        # One merged update (the policy's other init_args stay): a config that builds the tiny model names
        # its size, which a directory must not get; jsonargparse rejects `...tiny=null` on its own.
        policy = {"init_args": {"model": init_dir, "tiny": None}}
        args.append(f"--model.init_args.policy={json.dumps(policy)}")
    return args + [
        f"--trainer.logger.init_args.save_dir={run_dir}",
        f"--trainer.logger.init_args.name={stage.name}",
        "--trainer.enable_checkpointing=true",
        f"--trainer.callbacks+={json.dumps(checkpoint)}",
        f"--trainer.callbacks+={json.dumps(export)}",
    ]


def launch_stage(cli_args: list[str], paths: dict[str, str], ckpt_path: str | None) -> int:
    """Runs :mod:`lit_reason.pipeline.stage` in a child process; returns its exit code."""
    cmd = [sys.executable, "-m", "lit_reason.pipeline.stage", "--metrics-out", paths["metrics"]]
    if ckpt_path is not None:
        cmd += ["--ckpt-path", ckpt_path]
    cmd += ["--", *cli_args]
    with open(paths["command"], "w") as f:
        f.write(shlex.join(cmd) + "\n")
    sys.stdout.flush()
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the stage too: Lightning shuts it down gracefully and exits 1. Killing it here (as
        # subprocess.run would) could cut a checkpoint write short and spoil --resume.
        return proc.wait()


def _init_dir(pipeline: Pipeline, stage: Stage, run_dir: str, state: dict[str, Any]) -> str | None:
    if stage.init_from == "none":
        return None
    # Derived from run_dir, not read from the state file, so that a moved run directory still works.
    export = stage_paths(run_dir, stage.init_from)["export"]
    if stage.init_from not in state["stages"] or not os.path.isdir(export):
        raise PipelineError(
            f"pipeline {pipeline.path}: stage {stage.name!r} starts from stage {stage.init_from!r}, "
            f"which has no finished export in this run directory; run that stage first "
            f"(e.g. --from-stage {stage.init_from})"
        )
    return export


def run_one(
    pipeline: Pipeline, stage: Stage, run_dir: str, state: dict[str, Any], resume: bool
) -> dict[str, Any]:
    """Runs one stage (resuming from its ``last.ckpt`` when ``resume``) and returns its state entry.

    Raises:
        PipelineError: The stage's process failed; the message says how to resume.
    """
    paths = stage_paths(run_dir, stage.name)
    init_dir = _init_dir(pipeline, stage, run_dir, state)
    ckpt = paths["last"] if resume and os.path.exists(paths["last"]) else None
    if ckpt is None:
        # A fresh start begins from an empty stage folder: nothing of an earlier attempt (a checkpoint, a
        # self-training module's kept set) may be picked up later as if this run had written it.
        shutil.rmtree(paths["root"], ignore_errors=True)
    os.makedirs(paths["root"], exist_ok=True)
    if os.path.exists(paths["metrics"]):
        os.remove(paths["metrics"])
    origin = f"from {init_dir}" if init_dir else "from the config's policy"
    print(f"pipeline: stage {stage.name} {origin}" + (f", resuming from {ckpt}" if ckpt else ""), flush=True)
    t0 = time.perf_counter()
    code = launch_stage(stage_cli_args(stage, run_dir, init_dir), paths, ckpt)
    if code != 0 or not os.path.exists(paths["metrics"]):
        raise PipelineError(
            f"pipeline {pipeline.path}: stage {stage.name!r} failed (exit code {code}); its command is in "
            f"{paths['command']}. Rerun with --resume to continue it from its last checkpoint."
        )
    with open(paths["metrics"]) as f:
        metrics = json.load(f)
    return {
        "metrics": metrics,
        "export": paths["export"],
        "spec": stage.spec(),
        "minutes": (time.perf_counter() - t0) / 60,
    }


# ---------------------------------------------------------------- the chain
def run_pipeline(
    pipeline: Pipeline, run_dir: str | None = None, *, resume: bool = False, from_stage: str | None = None
) -> dict[str, dict[str, Any]]:
    """Runs the pipeline's stages in order, skipping finished ones under ``resume``.

    Args:
        pipeline: From :func:`load_pipeline`.
        run_dir: Overrides ``pipeline.run_dir``.
        resume: Skip stages the state file records as finished; continue an interrupted stage from its
            ``last.ckpt``.
        from_stage: Re-run this stage and every later one from scratch; earlier stages must be finished.

    Returns:
        ``{stage name: state entry}`` of every stage, in order.

    Raises:
        PipelineError: Unknown ``from_stage``, a run directory holding finished stages without ``resume``
            or ``from_stage``, a finished stage whose spec has changed, or a failed stage.
    """
    run_dir = run_dir or pipeline.run_dir
    state = load_state(run_dir)
    names = [s.name for s in pipeline.stages]
    start = 0
    if from_stage is not None:
        if from_stage not in names:
            raise PipelineError(
                f"pipeline {pipeline.path}: --from-stage {from_stage!r} is not a stage; stages: {names}"
            )
        start = names.index(from_stage)
        for name in names[start:]:
            state["stages"].pop(name, None)
        save_state(run_dir, state)  # a later --resume must not skip stages built on the replaced weights
    elif state["stages"] and not resume:
        raise PipelineError(
            f"pipeline {pipeline.path}: run directory {run_dir} already holds finished stages "
            f"{[n for n in names if n in state['stages']]}; pass --resume to continue, "
            "--from-stage to re-run, or another --run-dir"
        )
    for index, stage in enumerate(pipeline.stages):
        done = state["stages"].get(stage.name)
        if done is None and index < start:
            print(f"pipeline: stage {stage.name} comes before --from-stage {from_stage} and has not run")
            continue
        if done is not None:
            if done["spec"] != stage.spec():
                raise PipelineError(
                    f"pipeline {pipeline.path}: stage {stage.name!r} finished with a different spec "
                    f"{done['spec']}; re-run it with --from-stage {stage.name}"
                )
            print(f"pipeline: stage {stage.name} finished earlier, skipping: {_metric_text(done['metrics'])}")
            continue
        state["stages"][stage.name] = run_one(pipeline, stage, run_dir, state, resume)
        save_state(run_dir, state)
        print(
            f"pipeline: stage {stage.name} {_metric_text(state['stages'][stage.name]['metrics'])}", flush=True
        )
    print(summary_table(pipeline, state))
    return {name: state["stages"][name] for name in names}


def _metric_text(metrics: dict[str, float]) -> str:
    return " ".join(f"{k}={metrics[k]:.3f}" if k in metrics else f"{k}=n/a" for k in REPORTED)


def summary_table(pipeline: Pipeline, state: dict[str, Any]) -> str:
    """A markdown table: one row per stage with its validation metrics, minutes and export directory."""
    lines = [
        f"pipeline {pipeline.path}:",
        "| stage | " + " | ".join(REPORTED) + " | minutes | export |",
        "|---" * (len(REPORTED) + 3) + "|",
    ]
    for stage in pipeline.stages:
        done = state["stages"].get(stage.name)
        if done is None:
            lines.append(f"| {stage.name} | " + " | ".join("-" for _ in REPORTED) + " | - | not run |")
            continue
        vals = [f"{done['metrics'][k]:.3f}" if k in done["metrics"] else "n/a" for k in REPORTED]
        lines.append(
            f"| {stage.name} | " + " | ".join(vals) + f" | {done['minutes']:.1f} | {done['export']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``lit-reason pipeline``: parse the arguments, run the pipeline, exit with a message on errors."""
    parser = argparse.ArgumentParser(prog="lit-reason pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="pipeline YAML (a list of stages)")
    parser.add_argument(
        "--resume", action="store_true", help="skip finished stages, continue an interrupted one"
    )
    parser.add_argument("--from-stage", default=None, help="re-run this stage and all later ones")
    parser.add_argument(
        "--run-dir", default=None, help="where stages log and export (default: the file's run_dir)"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        run_pipeline(load_pipeline(args.config), args.run_dir, resume=args.resume, from_stage=args.from_stage)
    except PipelineError as e:
        raise SystemExit(f"lit-reason pipeline: error: {e}") from None
    print(f"pipeline took {(time.perf_counter() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()

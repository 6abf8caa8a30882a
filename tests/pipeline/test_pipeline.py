"""``lit-reason pipeline``: stage chaining, resume, and errors, on 1-layer tiny models and 8-step stages."""

from __future__ import annotations

import json
import os
import textwrap

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from safetensors.torch import load_file

from lit_reason.cli import main as cli_main
from lit_reason.pipeline import load_state, run_pipeline, stage_cli_args
from lit_reason.pipeline.spec import PipelineError, load_pipeline
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STAGE = """\
seed_everything: 0
trainer:
  max_steps: 8
  log_every_n_steps: 1
  num_sanity_val_steps: 0
  check_val_every_n_epoch: null
  val_check_interval: 1000
  enable_progress_bar: false
  enable_model_summary: false
model:
  class_path: lit_reason.algorithms.SFTModule
  init_args:
    policy:
      class_path: lit_reason.policy.Policy
      init_args: {model: tiny, tiny: {hidden_size: 32, num_layers: 1, num_heads: 2, intermediate_size: 64}}
    val_sampling: {temperature: 1.0, n: 2, max_new_tokens: 3}
    optimizer: {lr: 3.0e-3}
data:
  class_path: lit_reason.datamodules.SFTDataModule
  init_args: {synthetic: {levels: [[1, 1]]}, train_size: 64, val_size: 8, batch_size: 8}
"""


class CrashOnce(Callback):
    """Records the step each fit starts at; raises once, the first time ``global_step`` reaches ``step``.

    Args:
        step: Optimizer step at which the first run dies.
        marker: File written when it dies (and the start steps of every run); its presence disarms it.
    """

    def __init__(self, step: int, marker: str) -> None:
        self.step, self.marker = step, marker

    def _log(self, key: str, value: int) -> dict:
        log = json.load(open(self.marker)) if os.path.exists(self.marker) else {"starts": []}
        log["starts" if key == "start" else key] = (log["starts"] + [value]) if key == "start" else value
        json.dump(log, open(self.marker, "w"))
        return log

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._log("start", trainer.global_step)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        log = json.load(open(self.marker))
        if "crashed_at" not in log and trainer.global_step >= self.step:
            self._log("crashed_at", trainer.global_step)
            raise RuntimeError("CrashOnce: simulated failure")


def _write(tmp_path, stages: str, stage_yaml: str = STAGE) -> str:
    (tmp_path / "stage.yaml").write_text(stage_yaml)
    path = tmp_path / "pipe.yaml"
    path.write_text(f"run_dir: {tmp_path / 'run'}\ncheckpoint_every: 2\nstages:\n" + textwrap.dedent(stages))
    return str(path)


TWO_STAGES = """\
  - {name: a, config: stage.yaml, init_from: none}
  - {name: b, config: stage.yaml, overrides: [--trainer.max_steps=0]}
"""


@pytest.fixture(scope="module")
def two_stage_run(tmp_path_factory):
    """Pipeline a -> b run once: ``a`` trains 8 steps from scratch; ``b`` starts from a's export, 0 steps."""
    tmp = tmp_path_factory.mktemp("two")
    path = _write(tmp, TWO_STAGES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        results = run_pipeline(load_pipeline(path))
    return path, tmp / "run", results


def test_second_stage_starts_from_first_export(two_stage_run):
    _, run, results = two_stage_run
    a, b = (
        load_file(str(run / "a/policy/model.safetensors")),
        load_file(str(run / "b/policy/model.safetensors")),
    )
    # b trains 0 steps, so it exports exactly the weights it loaded: a's export, not a fresh tiny init.
    for key in a:
        torch.testing.assert_close(b[key], a[key], atol=0.0, rtol=0.0)
    # ... and a's export is trained, not the tiny model's seeded initialisation that b's config would build.
    fresh = Policy(
        "tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)
    ).model
    assert any(not torch.equal(fresh.state_dict()[k], a[k]) for k in a)
    assert results["a"]["metrics"]["global_step"] == 8.0 and results["b"]["metrics"]["global_step"] == 0.0
    assert results["a"]["metrics"]["val_rows"] == 8.0  # the n of the quickstart's standard errors
    config = open(
        next(os.path.join(d, "config.yaml") for d, _, fs in os.walk(run / "b") if "config.yaml" in fs)
    ).read()
    assert f"model: {run / 'a/policy'}" in config


def test_state_file_records_finished_stages(two_stage_run):
    _, run, results = two_stage_run
    state = load_state(str(run))
    assert sorted(state["stages"]) == ["a", "b"]
    assert state["stages"]["b"]["export"] == str(run / "b/policy")
    assert set(state["stages"]["a"]["metrics"]) >= {"val/accuracy", "val/accuracy_sampled", "global_step"}
    assert os.path.exists(run / "a/checkpoints/last.ckpt") and os.path.isdir(run / "a/version_0")


def test_resume_skips_finished_stages(two_stage_run, capsys):
    path, run, results = two_stage_run
    before = os.path.getmtime(run / "a/policy/model.safetensors")
    again = run_pipeline(load_pipeline(path), resume=True)
    out = capsys.readouterr().out
    assert "stage a finished earlier, skipping" in out and "stage b finished earlier, skipping" in out
    assert os.path.getmtime(run / "a/policy/model.safetensors") == before  # nothing re-ran
    assert again["a"]["metrics"] == results["a"]["metrics"]
    assert "| a |" in out and "| b |" in out


def test_rerun_without_resume_is_refused(two_stage_run):
    path, run, _ = two_stage_run
    with pytest.raises(PipelineError, match=r"already holds finished stages \['a', 'b'\].*--resume"):
        run_pipeline(load_pipeline(path))


def test_interrupted_stage_resumes_from_last_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", ROOT)  # the stage process imports CrashOnce from this file
    marker = tmp_path / "crash.json"
    crash = json.dumps(
        {"class_path": "tests.pipeline.test_pipeline.CrashOnce", "init_args": {"step": 5, "marker": str(marker)}}
    )
    path = _write(
        tmp_path, f"  - name: a\n    config: stage.yaml\n    overrides: ['--trainer.callbacks+={crash}']\n"
    )
    with pytest.raises(PipelineError, match=r"stage 'a' failed \(exit code 1\).*--resume"):
        run_pipeline(load_pipeline(path))
    assert load_state(str(tmp_path / "run"))["stages"] == {}
    results = run_pipeline(load_pipeline(path), resume=True)
    log = json.load(open(marker))
    # Crashed at step 5; last.ckpt is written every 2 steps, so the resumed fit starts at step 4, ends at 8.
    assert log["crashed_at"] == 5 and log["starts"] == [0, 4]
    assert results["a"]["metrics"]["global_step"] == 8.0


def test_from_stage_reruns_that_stage_only(two_stage_run, capsys, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    path, run, _ = two_stage_run
    a_before = os.path.getmtime(run / "a/policy/model.safetensors")
    (run / "b" / "stale.txt").write_text("from an earlier attempt")
    run_pipeline(load_pipeline(path), from_stage="b")
    out = capsys.readouterr().out
    assert "stage a finished earlier, skipping" in out and "pipeline: stage b from " in out
    assert os.path.getmtime(run / "a/policy/model.safetensors") == a_before
    assert not (run / "b" / "stale.txt").exists()  # a fresh stage starts from an empty folder
    assert os.path.isfile(run / "b/policy/model.safetensors")


def test_from_stage_of_unknown_name(two_stage_run):
    path, _, _ = two_stage_run
    with pytest.raises(
        PipelineError, match=r"pipe.yaml: --from-stage 'c' is not a stage; stages: \['a', 'b'\]"
    ):
        run_pipeline(load_pipeline(path), from_stage="c")


def test_cli_reports_errors_with_file_and_stage(tmp_path):
    path = _write(
        tmp_path,
        "  - {name: a, config: missing.yaml, init_from: none}\n"
        "  - {name: b, config: stage.yaml, init_from: z}\n",
    )
    with pytest.raises(SystemExit) as err:
        cli_main(["pipeline", "--config", path])
    msg = str(err.value)
    assert msg.startswith(f"lit-reason pipeline: error: pipeline {path}:")
    assert f"stage 0 ('a'): config file '{tmp_path / 'missing.yaml'}' does not exist" in msg
    assert "stage 1 ('b'): init_from 'z' is not 'none', 'previous' or an earlier stage" in msg


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (
            "  - {name: a, config: stage.yaml, init_from: previous}\n",
            r"stage 0 \('a'\): init_from 'previous' but it is the first",
        ),
        (
            "  - {name: a, config: stage.yaml}\n  - {name: a, config: stage.yaml}\n",
            r"stage 1 \('a'\): duplicate stage name",
        ),
        ("  - {name: a, config: stage.yaml, epochs: 3}\n", r"stage 0 \('a'\): unknown key 'epochs'"),
        (
            "  - {name: a, config: stage.yaml, overrides: [max_steps=3]}\n",
            r"stage 0 \('a'\): 'overrides' must be a list",
        ),
        (
            "  - {name: a, config: stage.yaml, checkpoint_every: 0}\n",
            r"stage 0 \('a'\): 'checkpoint_every' must be",
        ),
    ],
)
def test_bad_stage_entries(tmp_path, stages, message):
    with pytest.raises(PipelineError, match=message):
        load_pipeline(_write(tmp_path, stages))


def test_missing_pipeline_file(tmp_path):
    with pytest.raises(PipelineError, match="pipeline file .*nope.yaml' does not exist"):
        load_pipeline(str(tmp_path / "nope.yaml"))


def test_stage_from_an_unfinished_stage_is_refused(tmp_path):
    path = _write(tmp_path, TWO_STAGES)
    with pytest.raises(PipelineError, match=r"stage 'b' starts from stage 'a', which has no finished export"):
        run_pipeline(load_pipeline(path), from_stage="b")


def test_runner_arguments_override_the_config_last(tmp_path):
    pipe = load_pipeline(_write(tmp_path, TWO_STAGES))
    args = stage_cli_args(pipe.stages[1], "RUN", "RUN/a/policy")
    assert args[:3] == ["--config", str(tmp_path / "stage.yaml"), "--trainer.max_steps=0"]
    assert args[3] == '--model.init_args.policy={"init_args": {"model": "RUN/a/policy", "tiny": null}}'
    assert "--trainer.logger.init_args.name=b" in args and args[-1].startswith("--trainer.callbacks+=")
    assert json.loads(args[-1].split("=", 1)[1])["init_args"] == {"dirpath": "RUN/b/policy", "overwrite": True}


@pytest.mark.parametrize("name", ["r1", "r1_zero", "distill"])
def test_shipped_pipelines_load(name):
    # Their stage configs are LightningCLI configs, parsed by tests/test_configs.py.
    pipe = load_pipeline(os.path.join(ROOT, "configs", "pipelines", f"{name}.yaml"))
    assert all(os.path.isfile(s.config) for s in pipe.stages)
    assert pipe.run_dir == f"runs/pipelines/{name}"

"""The real `lit-reason` command (a subprocess) through a short GRPO run: summary, resume, validate, plot.

One 2-step run of `configs/grpo/quickstart.yaml` on the untrained tiny Llama (module fixture) writes the
checkpoint, export and logs the other tests read. It also names a reward module of the working directory,
which the console script must import without PYTHONPATH.
"""

import os
import re

import pytest
import torch

from lit_reason.commands.resume import policy_mismatch
from tests.test_cli_errors import GRPO, TINY, lit_reason, one_line_error

PPO = os.path.join(os.path.dirname(GRPO), "..", "ppo", "quickstart.yaml")
QUIET = ["--trainer.enable_progress_bar=false", "--data.init_args.val_size=8", "--trainer.val_check_interval=2"]
LAST = "runs/quickstart/checkpoints/grpo/last.ckpt"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli_run")
    (cwd / "my_rewards.py").write_text("def brevity(prompts, completions, **kw):\n"
                                       "    return [1.0 / (1 + len(c)) for c in completions]\n")
    every_step = '{"class_path": "lightning.pytorch.callbacks.ModelCheckpoint", "init_args": {"dirpath": "ck", ' \
                 '"every_n_train_steps": 1}}'
    out = lit_reason("fit", "--config", GRPO, TINY, "--trainer.max_steps=2", *QUIET, f"--trainer.callbacks+={every_step}",
                     "--model.init_args.rewards=[math_accuracy, my_rewards.brevity]", cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    # Lightning's 14-line warning about checkpoints under manual optimisation is silenced deliberately.
    assert "Using ModelCheckpoint with manual optimization" not in out.stderr
    return cwd, out.stdout


def test_fit_ends_with_a_summary(run_dir):
    cwd, stdout = run_dir
    assert "lit-reason fit: done at step 2" in stdout
    assert re.search(r"val/accuracy=[0-9.]+", stdout) and "train/reward=" in stdout
    assert f"weights:     {cwd}/runs/quickstart/grpo" in stdout
    assert f"checkpoint:  {cwd}/{LAST}" in stdout and (cwd / LAST).is_file()
    assert f"logs:        {cwd}/runs/quickstart/grpo/version_0" in stdout


def test_resume_says_what_the_checkpoint_overrides(run_dir):
    cwd, _ = run_dir
    # the config's rewards are not the checkpoint's (the fixture added my_rewards.brevity): said, not silently used
    out = lit_reason("fit", "--config", GRPO, TINY, "--trainer.max_steps=3", *QUIET, f"--ckpt_path={LAST}",
                     "--model.init_args.optimizer.lr=0.5", "--trainer.enable_progress_bar=true", cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    # The bar counts optimizer steps of the whole run (it read `Epoch 0/-2`, `v_num` and `200/59` on resume).
    assert re.search(r"step: +100%\|.*\| 3/3 ", out.stdout) and "v_num" not in out.stdout, out.stdout[-2000:]
    warning = [ln for ln in out.stderr.splitlines() if ln.startswith("lit-reason: warning: resuming from")]
    assert len(warning) == 1, out.stderr[-3000:]
    assert "optimizer.lr: 0.5 -> 0.001" in warning[0], warning[0]
    assert "rewards: ['math_accuracy'] -> ['math_accuracy', 'my_rewards.brevity']" in warning[0], warning[0]
    assert "lit-reason fit: done at step 3" in out.stdout


def test_resume_refuses_a_checkpoint_of_another_method(run_dir):
    cwd, _ = run_dir
    line = one_line_error(lit_reason("fit", "--config", PPO, f"--ckpt_path={LAST}", cwd=cwd))
    assert "was written by lit_reason.algorithms.GRPO but the config trains lit_reason.algorithms.PPO" in line
    line = one_line_error(lit_reason("fit", "--config", GRPO, "--ckpt_path=runs/nope.ckpt", cwd=cwd))
    assert line == "lit-reason: error: ckpt_path: 'runs/nope.ckpt': no such checkpoint file"


def test_resume_refuses_a_policy_built_otherwise(run_dir):
    # the policy is not in the saved hyperparameters (a module): its weights would not fit a 64-wide tiny Llama
    cwd, _ = run_dir
    line = one_line_error(lit_reason("fit", "--config", GRPO, TINY, f"--ckpt_path={LAST}",
                                     "--model.init_args.policy.init_args.tiny.hidden_size=64", cwd=cwd))
    assert line.startswith(f"lit-reason: error: ckpt_path: {LAST} holds the weights of a policy built otherwise "
                           "(policy.tiny: {'hidden_size': 64,"), line
    assert line.endswith("None in the checkpoint); resume with the policy settings that wrote it"), line
    # another starting model only moves the frozen reference: a warning (no process needed to check its text)
    lines = policy_mismatch(str(cwd / LAST), {"init_args": {"model": "runs/quickstart/sft", "lora": None}})
    assert lines == ["policy.model: the checkpoint's run started from 'tiny', the config's from "
                     "'runs/quickstart/sft' (the weights are the checkpoint's; the frozen reference is rebuilt from "
                     "'runs/quickstart/sft')"]


def test_resume_refuses_settings_this_version_does_not_take(run_dir):
    cwd, _ = run_dir
    ckpt = torch.load(cwd / LAST, weights_only=True)
    ckpt["hyper_parameters"]["removed_option"] = 1
    torch.save(ckpt, cwd / "old.ckpt")
    line = one_line_error(lit_reason("fit", "--config", GRPO, TINY, "--ckpt_path=old.ckpt", cwd=cwd))
    assert line == ("lit-reason: error: ckpt_path: old.ckpt saved settings that lit_reason.algorithms.GRPO does not "
                    "take here: removed_option (written by another version of it?)")
    ckpt["hyper_parameters"].pop("removed_option")
    ckpt["hyper_parameters"]["sampling"]["n"] = "eight"
    torch.save(ckpt, cwd / "old.ckpt")
    line = one_line_error(lit_reason("fit", "--config", GRPO, TINY, "--ckpt_path=old.ckpt", cwd=cwd))
    assert line == ("lit-reason: error: ckpt_path: old.ckpt: its saved model settings do not parse here "
                    "(model.init_args.sampling.n: Expected a <class 'int'> (got eight))")


def test_validate_scores_the_exported_model(run_dir):
    cwd, _ = run_dir
    out = lit_reason("validate", "--config", GRPO, "--model.init_args.policy.init_args.model=runs/quickstart/grpo",
                     *QUIET, cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "lit-reason validate: done" in out.stdout and re.search(r"val/accuracy=[0-9.]+", out.stdout)


def test_plot_draws_the_run(run_dir):
    pytest.importorskip("matplotlib")  # the `plot` and `test` extras install it
    cwd, _ = run_dir
    out = lit_reason("plot", "runs/quickstart/grpo", cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    png = cwd / "runs/quickstart/grpo/curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    line = one_line_error(lit_reason("plot", "runs/none", cwd=cwd))
    assert line == "lit-reason: error: RUN_DIR: runs/none: no such directory"


def test_quickstart_pipeline_runs_with_the_configs_own_checkpoint(tmp_path):
    # `make quickstart` failed here: configs/grpo/quickstart.yaml writes its own last.ckpt and the runner adds
    # its stage checkpoint on the same schedule, which Lightning refuses; the later (the runner's) now wins.
    sft = os.path.join(os.path.dirname(GRPO), "..", "sft", "quickstart.yaml")
    short = "--trainer.max_steps={}, --data.init_args.val_size=8, --trainer.enable_progress_bar=false"
    (tmp_path / "pipe.yaml").write_text(
        f"run_dir: {tmp_path}/run\nstages:\n"
        f"  - {{name: sft, config: {sft}, init_from: none, overrides: [{short.format(4)}]}}\n"
        f"  - {{name: grpo, config: {GRPO}, overrides: [{short.format(2)}, --trainer.val_check_interval=2]}}\n")
    out = lit_reason("pipeline", "--config", "pipe.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    replaced = [ln for ln in out.stderr.splitlines() if "lit-reason: warning: trainer.callbacks:" in ln]
    assert len(replaced) == 1, out.stderr[-3000:]
    assert (f"ModelCheckpoint(dirpath={tmp_path}/runs/quickstart/checkpoints/grpo) is replaced by the later "
            f"ModelCheckpoint(dirpath={tmp_path}/run/grpo/checkpoints)") in replaced[0]
    assert (tmp_path / "run/grpo/checkpoints/last.ckpt").is_file()
    assert not (tmp_path / "runs/quickstart/checkpoints").exists()


def test_a_second_run_replaces_the_checkpoint(run_dir):
    # ModelCheckpoint's version counter wrote last-v1.ckpt beside the first run's last.ckpt, and the README's
    # resume command then continued the first run.
    cwd, _ = run_dir
    before = (cwd / LAST).stat().st_mtime_ns
    out = lit_reason("fit", "--config", GRPO, TINY, "--trainer.max_steps=2", *QUIET, cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"checkpoint:  {cwd}/{LAST}" in out.stdout
    assert (cwd / LAST).stat().st_mtime_ns > before
    assert sorted(p.name for p in (cwd / LAST).parent.iterdir()) == ["last.ckpt"]

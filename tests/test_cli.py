"""The console CLI: a short SFT run with CSV logging and with Weights & Biases in offline mode."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHORT = ["--trainer.max_steps=4", "--trainer.log_every_n_steps=1", "--trainer.val_check_interval=2", "--data.init_args.val_size=8",
         "--trainer.enable_progress_bar=false", "--trainer.callbacks=[]"]


def _fit(tmp_path, *extra):
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_DIR": str(tmp_path), "WANDB_SILENT": "true"}
    cmd = [sys.executable, "-m", "lit_reason.cli", "fit", "--config",
           os.path.join(ROOT, "configs/sft/quickstart.yaml"), *SHORT, *extra]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_fit_logs_csv_metrics(tmp_path):
    out = _fit(tmp_path, f"--trainer.logger.init_args.save_dir={tmp_path}/runs")
    assert out.returncode == 0, out.stderr[-3000:]
    metrics = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "runs") for f in fs if f == "metrics.csv"]
    assert metrics, "no metrics.csv written"
    header = open(metrics[0]).readline()
    assert "train/loss" in header and "val/accuracy" in header


def test_wandb_switch_in_offline_mode(tmp_path):
    out = _fit(tmp_path, "--trainer.logger=lightning.pytorch.loggers.WandbLogger",
               "--trainer.logger.init_args.project=lit-reason-test", f"--trainer.logger.init_args.save_dir={tmp_path}")
    assert out.returncode == 0, out.stderr[-3000:]
    runs = [d for d, _, fs in os.walk(tmp_path / "wandb") if any(f.endswith(".wandb") for f in fs)]
    assert runs, "no offline W&B run written"

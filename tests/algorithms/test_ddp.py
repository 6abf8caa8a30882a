"""The learners under ``--trainer.strategy ddp --trainer.devices 2`` on CPU (gloo), as a user launches them.

Each two-rank run is a real ``python -m lit_reason.cli fit`` (Lightning's DDP launcher re-runs the command
once per rank); the one-rank references fit the same config in the test's process (``LitReasonCLI``, as the
pipeline's stages do), which saves an interpreter start each. The tests are few and short; they are marked
``ddp`` (``pytest -m "not ddp"`` skips them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback

from lit_reason.cli import LitReasonCLI
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig

# Several CLI processes per test: on a loaded 2-core machine one test took 9 min (load average 14), past the
# suite's 10-minute default; an idle CI machine runs it in a fraction of that.
pytestmark = [pytest.mark.ddp, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
TINY = {"model": "tiny", "tiny": {"hidden_size": 32, "num_layers": 1, "num_heads": 2, "intermediate_size": 64}}


def odd_start(prompts, completions, **columns):
    """A reward with variance under a random tiny model (its characters are near uniform): 1 when the
    completion's first character has an odd code point."""
    return [float(bool(c) and ord(c[0]) % 2 == 1) for c in completions]


class DumpRollouts(Callback):
    """Writes each rank's rollout prompts and completions per step to ``{path}.rank{r}.json``."""

    def __init__(self, path: str) -> None:
        self.path, self.steps = path, []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        r = pl_module.last_iteration.rollout
        self.steps.append({"prompts": r.prompts, "completions": r.completions})
        Path(f"{self.path}.rank{trainer.global_rank}.json").write_text(json.dumps(self.steps))


def run_fit(tmp: Path, name: str, model: dict, data: dict, *, devices: int, steps: int,
            ckpt: Path | None = None, dump: bool = False) -> Path:
    """Runs ``lit-reason fit`` and returns the directory of its ``step=N.ckpt`` checkpoints (every 2 steps)."""
    out = tmp / name
    callbacks = [{"class_path": "lightning.pytorch.callbacks.ModelCheckpoint",
                  "init_args": {"dirpath": str(out), "filename": "{step}", "every_n_train_steps": 2,
                                "save_top_k": -1}}]
    if dump:
        callbacks.append({"class_path": "tests.algorithms.test_ddp.DumpRollouts",
                          "init_args": {"path": str(out / "rollouts")}})
    trainer = {"max_steps": steps, "devices": devices, "default_root_dir": str(out), "accelerator": "cpu", "logger": False,
               "enable_progress_bar": False, "enable_model_summary": False, "limit_val_batches": 0,
               "callbacks": callbacks, **({"strategy": "ddp"} if devices > 1 else {})}
    config = {"seed_everything": 0, "trainer": trainer, "model": model, "data": data}
    out.mkdir(parents=True)
    (out / "config.json").write_text(json.dumps(config))
    if devices == 1:  # the one-rank reference runs in this process: an interpreter start saved per run
        fit_in_process(out / "config.json", ckpt)
        return out
    cmd = [sys.executable, "-m", "lit_reason.cli", "fit", "--config", str(out / "config.json")]
    if ckpt is not None:
        cmd += ["--ckpt_path", str(ckpt)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def fit_in_process(config: Path, ckpt: Path | None) -> None:
    """``lit-reason fit --config config [--ckpt_path ckpt]`` as the pipeline's stages run it, without a process."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
        cli = LitReasonCLI(args=["--config", str(config)], run=False)
    cli.trainer.fit(cli.model, datamodule=cli.datamodule, ckpt_path=None if ckpt is None else str(ckpt))


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def assert_same_weights(a: Path, b: Path, atol: float) -> None:
    """Equal weights in two checkpoints, which must both have trained away from the tiny start."""
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], atol=atol, rtol=0, msg=lambda m, k=k: f"{k}: {m}")
    L.seed_everything(0, verbose=False)  # as the CLI does before it builds the policy
    start = Policy("tiny", tiny=TinyConfig(**TINY["tiny"])).state_dict()
    moved = max((wa[f"policy.{k}"] - v).abs().max().item() for k, v in start.items())
    assert moved > 1e-3, f"{a} did not train (max weight change {moved})"


def grpo(**kw) -> dict:
    args = {"policy": {"class_path": "lit_reason.policy.Policy", "init_args": TINY},
            "rewards": ["tests.algorithms.test_ddp.odd_start"], "verifier": None, "kl": {"coef": 0.02},
            "sampling": {"n": 4, "max_new_tokens": 6}, "batching": {"generation_batch_size": 2},
            "optimizer": {"lr": 2e-2}, **kw}
    return {"class_path": "lit_reason.algorithms.GRPO", "init_args": args}


def prompts_data(batch_size: int) -> dict:
    return {"class_path": "lit_reason.datamodules.PromptDataModule",
            "init_args": {"synthetic": {"levels": [[1, 1]]}, "train_size": 64, "val_size": 8,
                          "batch_size": batch_size}}


def test_grpo_two_ranks_equal_one_rank_of_twice_the_batch_and_resume_exactly(tmp_path):
    # 2 ranks x 2 prompts vs 1 rank x 4 prompts, 4 GRPO iterations (1 optimizer step each), checkpoints at 2.
    ddp = run_fit(tmp_path, "ddp", grpo(), prompts_data(2), devices=2, steps=4, dump=True)
    single = run_fit(tmp_path, "single", grpo(), prompts_data(4), devices=1, steps=4, dump=True)

    # Each rank drew its own prompts and samples, and together exactly those of the single process.
    r0, r1 = (json.loads((ddp / f"rollouts.rank{r}.json").read_text()) for r in (0, 1))
    one = json.loads((single / "rollouts.rank0.json").read_text())
    for a, b, s in zip(r0, r1, one):
        assert not set(a["prompts"]) & set(b["prompts"])
        assert a["prompts"] + b["prompts"] == s["prompts"]
        assert a["completions"] + b["completions"] == s["completions"]
    # Gradients are all-reduced with global token shares: the weights match to float rounding (observed
    # max |diff| ~1e-8 on this machine; the batches' sums run in a different order).
    assert_same_weights(ddp / "step=4.ckpt", single / "step=4.ckpt", atol=1e-5)

    # The DDP checkpoint at step 2 resumes exactly on 2 ranks and on 1 rank (with the doubled batch).
    resumed2 = run_fit(tmp_path, "resumed2", grpo(), prompts_data(2), devices=2, steps=4,
                       ckpt=ddp / "step=2.ckpt")
    assert_same_weights(resumed2 / "step=4.ckpt", ddp / "step=4.ckpt", atol=0)
    resumed1 = run_fit(tmp_path, "resumed1", grpo(), prompts_data(4), devices=1, steps=4,
                       ckpt=ddp / "step=2.ckpt")
    assert_same_weights(resumed1 / "step=4.ckpt", single / "step=4.ckpt", atol=1e-5)


def _on_policy(cls: str, **kw) -> dict:
    spec = grpo(**kw)
    return {**spec, "class_path": cls}


def _offline(cls: str, data: str, **kw) -> tuple[dict, callable]:
    model = {"class_path": cls, "init_args": {"policy": {"class_path": "lit_reason.policy.Policy",
                                                         "init_args": TINY}, "verifier": None,
                                              "optimizer": {"lr": 1e-2}, **kw}}

    def data_of(batch_size: int) -> dict:
        return {"class_path": data, "init_args": {"synthetic": {"levels": [[1, 1]]}, "train_size": 64,
                                                   "val_size": 8, "batch_size": batch_size}}
    return model, data_of


RLOO = (_on_policy("lit_reason.algorithms.RLOO"), prompts_data)
DPO = _offline("lit_reason.algorithms.DPO", "lit_reason.datamodules.preference.PreferenceDataModule", beta=0.1)
PPO = (_on_policy("lit_reason.algorithms.PPO", critic="shared", whiten_advantages=False), prompts_data)
SFT = _offline("lit_reason.algorithms.SFTModule", "lit_reason.datamodules.SFTDataModule")


@pytest.mark.parametrize("spec", [RLOO, DPO, PPO, SFT], ids=["rloo", "dpo", "ppo", "sft"])
def test_methods_two_ranks_equal_one_rank_of_twice_the_batch(tmp_path, spec):
    # RLOO's leave-one-out baseline is per group, DPO's loss a mean over pairs, PPO without whitening per
    # sample, and SFT's token mean and the on-policy token shares are global (ranks.share_scale): 2 ranks x b
    # train as 1 rank x 2b. (PPO's default whitening is per rank, so it differs there.)
    model, data_of = spec
    ddp = run_fit(tmp_path, "ddp", model, data_of(2), devices=2, steps=2)
    single = run_fit(tmp_path, "single", model, data_of(4), devices=1, steps=2)
    assert_same_weights(ddp / "step=2.ckpt", single / "step=2.ckpt", atol=1e-5)

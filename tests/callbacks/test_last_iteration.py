"""The rollout-reading callbacks work from ``last_iteration``, the one thing an RL module publishes for them."""

from __future__ import annotations

import json

import lightning as L
import pytest
from lightning.pytorch.callbacks import Callback

from lit_reason.algorithms import GRPO, OptimizerSettings
from lit_reason.callbacks import CurriculumScheduler, RewardHackingMonitor, SampleTableLogger
from lit_reason.datamodules import PromptDataModule
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.rollout import IterationRecord, KeepsIterations
from lit_reason.sampling import SamplingParams


class Check(Callback):
    """Asserts, after each step, that the record is the iteration just trained, with every sample scored."""

    def __init__(self):
        self.seen, self.completions = [], []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        record = pl_module.last_iteration
        assert isinstance(record, IterationRecord)
        r = record.rollout
        assert len(r) == len(batch) * pl_module.sampling.n
        assert r.correct is not None and r.reward_none is not None and r.rewards is not None
        self.seen.append(record.iteration)
        self.completions = list(r.completions)


def test_rollout_callbacks_run_on_an_rl_module(tiny_policy, tmp_path):
    module = GRPO(tiny_policy, sampling=SamplingParams(n=2, max_new_tokens=3),
                  optimizer=OptimizerSettings(lr=1e-3))
    assert isinstance(module, KeepsIterations) and module.last_iteration is None
    dm = PromptDataModule(synthetic=ArithmeticTask(levels=[[1, 1], [2, 1]]), train_size=16, val_size=2,
                          batch_size=2)
    samples = SampleTableLogger(every_n_iterations=1, max_rows=2, dirpath=str(tmp_path))
    check = Check()
    callbacks = [check, samples, CurriculumScheduler(levels=[0, 1], window=4, min_samples=4), RewardHackingMonitor(high_reward=0.0)]
    trainer = L.Trainer(max_steps=2, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0, num_sanity_val_steps=0, callbacks=callbacks)
    trainer.fit(module, datamodule=dm)
    assert check.seen == [1, 2]
    rows = [json.loads(line) for line in open(samples.path)]
    assert len(rows) == 4 and {"correct", "reward", "completion"} <= set(rows[0])
    metrics = trainer.callback_metrics
    assert "callback/level" in metrics and "callback/accuracy_level_0" in metrics
    # with high_reward 0 every sample counts as high-reward: the share is that of the last rollout's texts
    # with no extractable answer
    unparsed = sum(extract_answer(c) is None for c in check.completions) / len(check.completions)
    assert float(metrics["callback/unparsed_high_reward_frac"]) == pytest.approx(unparsed, abs=1e-6)


def test_a_module_without_the_record_is_refused():
    with pytest.raises(TypeError, match="publishes `last_iteration`"):
        SampleTableLogger().setup(L.Trainer(logger=False), L.LightningModule(), "fit")


def test_callbacks_reach_the_module_only_through_documented_attributes():
    import ast
    from pathlib import Path

    documented = {"last_iteration", "kl_coef", "entropy_coef", "sampling", "policy"}  # DESIGN.md, README
    root = Path(__file__).resolve().parents[2] / "callbacks"
    used = {}
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pl_module":
                used.setdefault(node.attr, path.name)
    assert "last_iteration" in used
    # anything else must be LightningModule's own API (log, log_dict, state_dict, ...)
    odd = {a: f for a, f in used.items() if a not in documented and not hasattr(L.LightningModule, a)}
    assert odd == {}, odd

"""RewardModelModule: each objective fits its rows (margin / AUC from chance to near 1), exports a reward
usable by path, and names missing fields."""

import random

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings
from lit_reason.algorithms.reward_model import RewardModelModule
from lit_reason.datamodules import ArithmeticTask, near_miss, preference_splits, with_worked_solutions
from lit_reason.losses.verifier import verifier_auc
from lit_reason.rewards.registry import get_reward


def _pairs():
    train, _ = preference_splits(ArithmeticTask(levels=[[1, 1]]), 16, 4, seed=0)
    return train


def _labels():
    return [{"prompt": r["prompt"], "completion": c, "label": lab} for r in _pairs()
            for c, lab in ((r["chosen"], True), (r["rejected"], False))]


def _steps():
    rng = random.Random(0)
    rows = with_worked_solutions(ArithmeticTask(levels=[[1, 1, 1]]).generate(16, seed=0))
    out = []
    for r in rows:
        lines = r["completion"].split("\n")
        bad = rng.randrange(2)  # corrupt the result of one step; it and the steps after it are wrong
        head, _, value = lines[bad].rpartition("=")
        lines[bad] = f"{head}={near_miss(int(value), rng)}"
        out.append({"prompt": r["prompt"], "steps": [lines[0] + "\n", lines[1]], "labels": [float(bad > 0), 0.0]})
    return out


def _fit(module, rows, steps=25):
    trainer = L.Trainer(max_steps=steps, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(rows, batch_size=16, shuffle=True, collate_fn=list))


def test_bradley_terry_margin_grows_and_the_export_is_a_reward_by_path(tiny_policy, tmp_path):
    rows = _pairs()
    module = RewardModelModule(tiny_policy, objective="bradley_terry", optimizer=OptimizerSettings(lr=3e-3),
                               export_dir=str(tmp_path / "orm"))
    _fit(module, rows)
    reward = get_reward(str(tmp_path / "orm"))
    prompts = [r["prompt"] for r in rows]
    margin = torch.tensor(reward(prompts, [r["chosen"] for r in rows])) - torch.tensor(
        reward(prompts, [r["rejected"] for r in rows]))
    # a zero-initialised head starts every margin at exactly 0; observed after 25 steps (default and avx2
    # kernels): mean margin 5.5, 16/16 pairs > 0
    assert margin.mean() > 0.5 and (margin > 0).float().mean() >= 0.8


@pytest.mark.parametrize("objective", ["bce", "step_bce"])
def test_label_objectives_separate_their_training_rows(tiny_policy, objective):
    rows = _labels() if objective == "bce" else _steps()
    module = RewardModelModule(tiny_policy, objective=objective, optimizer=OptimizerSettings(lr=3e-3))
    _fit(module, rows)
    with torch.no_grad():
        _, scores, labels = module._objective(rows)
    # chance is 0.5 (the zero head gives every row the same score); observed (default and avx2 kernels):
    # bce 0.82, step_bce 0.97-0.98
    assert verifier_auc(scores, labels).item() > (0.7 if objective == "bce" else 0.85)


def test_rows_without_the_objectives_fields_are_named(tiny_policy):
    module = RewardModelModule(tiny_policy, objective="step_bce")
    with pytest.raises(ValueError, match=r"lack \['labels', 'steps'\]"):
        module.training_step([{"prompt": "1+1=", "completion": "2", "label": True}], 0)
    with pytest.raises(ValueError, match="objective must be one of"):
        RewardModelModule(tiny_policy, objective="hinge")


def test_non_finite_loss_is_skipped_counted_and_checkpointed(tiny_policy):
    # The one non-finite rule of every base (algorithms/nonfinite.py): no optimizer step, a cumulative count
    # in train/nonfinite_skipped, and the count in checkpoint["lit_reason"] (RunState).
    module = RewardModelModule(tiny_policy, objective="bce", optimizer=OptimizerSettings(lr=3e-3),
                               max_nonfinite_skips=5)
    with torch.no_grad():
        tiny_policy.model.get_input_embeddings().weight[:] = float("nan")
    head = [p.detach().clone() for p in module.model.head.parameters()]
    trainer = L.Trainer(max_steps=3, limit_train_batches=3, max_epochs=1, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(_labels(), batch_size=4, shuffle=False, collate_fn=list))
    assert module.nonfinite.skips == 3
    assert float(trainer.callback_metrics["train/nonfinite_skipped"]) == 3.0
    assert all(torch.equal(p, q) for p, q in zip(module.model.head.parameters(), head))  # no step was taken
    checkpoint = {}
    module.on_save_checkpoint(checkpoint)
    fresh = RewardModelModule(tiny_policy, objective="bce")
    fresh.on_load_checkpoint(checkpoint)
    assert checkpoint["lit_reason"]["nonfinite"]["skips"] == 3 and fresh.nonfinite.skips == 3

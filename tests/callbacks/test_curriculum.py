"""CurriculumScheduler: milestones, eq 97 weights and the sampled mix, state and resume on PromptDataModule."""

import math

import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from lit_reason.callbacks import CurriculumScheduler
from lit_reason.datamodules import ArithmeticTask, PromptDataModule
from lit_reason.datamodules.sampler import DifficultySampler
from tests.callbacks.stub import ScriptedModule, fit, rollout


def test_milestone_trajectory_unlocks_levels_in_order():
    cb = CurriculumScheduler(levels=[0, 1, 2], thresholds=[0.9, 0.8], window=10, min_samples=10)
    # level 0: 9 samples all correct -> too few; the 10th (wrong) gives 9/10 = 0.9 >= 0.9 -> unlock level 1
    assert not cb.observe([0] * 9, [True] * 9)
    assert cb.observe([0], [False]) and cb.frontier == 1
    # level 1: 10 samples at 7/10 < 0.8 keep the frontier; 2 more correct push out 2 of the 3 wrong ones
    # (window of 10): 9/10 >= 0.8 -> unlock 2
    assert not cb.observe([1] * 10, [False] * 3 + [True] * 7)
    assert cb.observe([1, 1], [True, True]) and cb.frontier == 2
    assert cb.unlocked_at == [2, 4]
    assert not cb.observe([2] * 10, [True] * 10)  # the last level has no milestone


def test_eq_97_weights_and_sampled_mix():
    cb = CurriculumScheduler(levels=[0, 1, 2], window=4, min_samples=4, sigma=0.5)
    cb.observe([0] * 4, [True] * 4)  # 4/4 >= 0.9 -> frontier 1, accuracy(1) = 0 -> capability 1.0
    assert cb.capability == 1.0
    # exp(-(0-1)^2 / (2 * 0.25)) = exp(-2) = 0.135335; level 1: exp(0) = 1; level 2 locked: 0
    w = cb.weights()
    torch.testing.assert_close(torch.tensor([w[0], w[1], w[2]]), torch.tensor([math.exp(-2), 1.0, 0.0]))
    sampler = DifficultySampler([0, 1, 2] * 100, weights=w, seed=0)
    drawn = torch.tensor([sampler.difficulties[i] for i in sampler.indices(0, 20000)])
    share = torch.stack([(drawn == d).float().mean() for d in range(3)])
    # expected 0.135335 / 1.135335 = 0.1192, 1 / 1.135335 = 0.8808, 0; binomial std at n=20000 ~ 0.0023
    torch.testing.assert_close(share, torch.tensor([0.1192, 0.8808, 0.0]), atol=0.01, rtol=0)


def test_capability_rises_with_frontier_accuracy():
    cb = CurriculumScheduler(levels=["easy", "hard"], window=4, min_samples=4)
    cb.observe(["easy"] * 4, [True, True, False, False])  # 0.5 < 0.9: frontier stays 0
    assert cb.capability == 0.5 and cb.weights()["hard"] == 0.0


def arithmetic_data():
    task = ArithmeticTask(levels=[[1, 1], [2, 1], [2, 2]])
    return PromptDataModule(synthetic=task, train_size=64, val_size=4, batch_size=8)


def solver(step, batch):
    """Level 0 always solved, level 1 from step 3 on, level 2 never."""
    d = [r["difficulty"] for r in batch]
    ok = [lv == 0 or (lv == 1 and step >= 3) for lv in d]
    return rollout(d, [float(o) for o in ok]), torch.tensor(ok)


def test_plain_module_on_prompt_datamodule_progresses_and_resumes(tmp_path):
    kw = dict(levels=[0, 1, 2], thresholds=0.9, window=8, min_samples=8, sigma=0.5)
    script = [{"train/reward": 0.0}] * 10
    straight = CurriculumScheduler(**kw)
    dm = arithmetic_data()
    fit(ScriptedModule(script, rollout_fn=solver), 6, [straight], datamodule=dm)
    assert straight.frontier == 2  # level 1 unlocked early, level 2 once level 1 is solved
    assert dm.train_sampler.weights[2] > 0

    first = CurriculumScheduler(**kw)
    fit(ScriptedModule(script, rollout_fn=solver), 3, [first, ModelCheckpoint(dirpath=tmp_path, save_last=True)],
        datamodule=arithmetic_data())
    resumed = CurriculumScheduler(**kw)
    fit(ScriptedModule(script, rollout_fn=solver), 6, [resumed, ModelCheckpoint(dirpath=tmp_path / "b")],
        datamodule=arithmetic_data(), ckpt_path=str(tmp_path / "last.ckpt"))
    assert resumed.state_dict() == straight.state_dict()


def test_state_dict_round_trip_and_state_key():
    cb = CurriculumScheduler(levels=[0, 1], window=4, min_samples=2)
    cb.observe([0, 0, 1], [True, True, False])
    other = CurriculumScheduler(levels=[0, 1], window=4, min_samples=2)
    other.load_state_dict(cb.state_dict())
    assert other.state_dict() == cb.state_dict() == {
        "frontier": 1, "outcomes": [[True, True], [False]], "unlocked_at": [1], "iterations": 1}
    assert cb.state_key == "CurriculumScheduler{'levels': ['0', '1']}"


def test_bad_arguments():
    with pytest.raises(ValueError, match="thresholds must be 2 numbers"):
        CurriculumScheduler(levels=[0, 1, 2], thresholds=[0.9])
    with pytest.raises(ValueError, match="levels must be distinct"):
        CurriculumScheduler(levels=[0, 0])
    with pytest.raises(ValueError, match="difficulty 7 is not one of levels"):
        CurriculumScheduler(levels=[0, 1]).observe([7], [True])

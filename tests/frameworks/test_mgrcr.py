"""MGRCR (report sec 7.4, eq 85-88): the consistency equations by hand, the segmentation's term scores on
written solutions, option errors, and the behaviour: the consistency term alone makes groups agree."""

from __future__ import annotations

import copy

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings
from lit_reason.datamodules.tasks import ArithmeticTask
from lit_reason.frameworks.mgrcr import MGRCR, TERMS, segment
from lit_reason.frameworks.mgrcr.consistency import consistency_reward, group_agreement, mgrcr_advantages
from lit_reason.frameworks.mgrcr.units import term_scores
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig
from tests.stats import gain_z

TIGHT = dict(atol=1e-6, rtol=1e-5)


def test_group_agreement_counts_the_other_samples_with_the_same_answer():
    ids = torch.tensor([3, 3, 3, 1, -1, -1, 7])
    group = torch.tensor([0, 0, 0, 0, 1, 1, 2])
    s = group_agreement(ids, group)
    # group 0: each 3 agrees with 2 of its 3 others, the 1 with none; group 1: no answers agree with nothing;
    # group 2 is one sample (G=1): undefined
    assert_close(s.score, torch.tensor([2 / 3, 2 / 3, 2 / 3, 0.0, 0.0, 0.0, 0.0]), **TIGHT)
    assert s.defined.tolist() == [True] * 6 + [False]


def test_consistency_reward_is_eq_87_over_the_defined_terms():
    scores = torch.tensor([[1.0, 0.5, 0.25], [float("nan"), 1.0, 0.0], [0.3, 0.3, 0.3]])
    defined = torch.tensor([[True, True, True], [False, True, True], [False, False, False]])
    weights = torch.tensor([1.0, 2.0, 1.0])
    # row 0: (1 + 1 + 0.25) / 4 = 0.5625; row 1: the NaN term is undefined, (2 * 1 + 0) / 3; row 2: none -> 0
    out = consistency_reward(scores, defined, weights)
    assert_close(out.score, torch.tensor([0.5625, 2 / 3, 0.0]), **TIGHT)
    assert out.defined.tolist() == [True, True, False]


def test_mgrcr_advantages_are_eq_88s_sum_of_group_normalised_terms():
    outcome = torch.tensor([1.0, 0.0, 1.0, 1.0])
    consistency = torch.tensor([1.0, 0.0, 0.2, 0.6])
    group = torch.tensor([0, 0, 1, 1])
    # std=False: outcome (0.5, -0.5, 0, 0) + 0.5 * consistency (0.5, -0.5, -0.2, 0.2)
    expected = torch.tensor([0.75, -0.75, -0.1, 0.1])
    assert_close(mgrcr_advantages(outcome, consistency, group, alpha=0.5, std=False), expected, **TIGHT)
    # std=True, group 0: both terms are {1, 0}, deviations +-0.5 over the unbiased std 0.70711 (+ eps 1e-4),
    # so each part is +-0.5 / 0.70721 and their sum twice that
    a = mgrcr_advantages(outcome, consistency, group, alpha=1.0)
    assert_close(a[:2], torch.tensor([1.0, -1.0]) / (0.70710678 + 1e-4), **TIGHT)
    single = mgrcr_advantages(torch.tensor([1.0]), torch.tensor([1.0]), torch.tensor([0]), alpha=1.0)
    assert single.tolist() == [0.0]  # G=1: no group signal
    with pytest.raises(ValueError, match="NaN|non-finite|inf"):
        mgrcr_advantages(torch.tensor([float("nan"), 1.0]), torch.zeros(2), torch.tensor([0, 0]), alpha=1.0)


def test_term_scores_of_written_solutions():
    completions = [
        "5+3=8\n8+2=10",  # every check holds
        "5+3=9\n9+2=11\nThe answer is 12",  # first equation false; answer restated wrongly
        "5+3=8\n7+2=9",  # second step ignores the first's result
        "10",  # a bare answer: only the solution term applies
    ]
    s = term_scores([segment(c) for c in completions], torch.tensor([0, 0, 0, 0]))
    col = {t: j for j, t in enumerate(TERMS)}
    # span: equations holding 2/2, 1/2 (9+2=11 holds), 2/2, none
    assert s.score[:3, col["span"]].tolist() == [1.0, 0.5, 1.0] and not s.defined[3, col["span"]]
    # step: row 1's steps 2 and 3 use 9 and 11? "9+2=11" uses 9 (yes), "The answer is 12" lacks 11 (no)
    assert s.score[:3, col["step"]].tolist() == [1.0, 0.5, 0.0]
    # solution: answers 10, 12, 9, 10 -> rows 0 and 3 agree with 1 of their 3 others
    assert_close(s.score[:, col["solution"]], torch.tensor([1 / 3, 0.0, 0.0, 1 / 3]), **TIGHT)
    # span_solution: answer vs the computed value of the last equation: 10=10, 12 vs 11, 9=9
    assert s.score[:3, col["span_solution"]].tolist() == [1.0, 0.0, 1.0]
    # step_solution: row 1's last step only restates 12, so compare with the step before (11): 0
    assert s.score[:3, col["step_solution"]].tolist() == [1.0, 0.0, 1.0]
    assert not s.defined[3, col["step_solution"]]


def _tiny_policy() -> Policy:
    return Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))


def test_options_errors():
    with pytest.raises(ValueError, match=r"internal_weights: unknown \['tokens'\]"):
        MGRCR(_tiny_policy(), internal_weights={"tokens": 1.0})
    with pytest.raises(ValueError, match="consistency_coef must be >= 0"):
        MGRCR(_tiny_policy(), consistency_coef=-1.0)
    with pytest.raises(ValueError, match="split: unknown step split"):
        MGRCR(_tiny_policy(), split="paragraph")
    with pytest.raises(ValueError, match="all 0"):
        MGRCR(_tiny_policy(), internal_weights={"span": 0, "step": 0, "solution": 0},
              cross_weights={"span_solution": 0, "step_solution": 0})


# ---------------------------------------------------------------- behaviour
def constant(prompts, completions, **columns):
    """An outcome reward that says nothing: all of MGRCR's signal is then its consistency term."""
    return [0.0] * len(completions)


class Agreement(Callback):
    def __init__(self):
        self.values = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.values.append(float(trainer.callback_metrics["train/mgrcr_solution"]))


TASK = ArithmeticTask(levels=[[2, 1]])


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    return sft_start(TASK.generate(2000, seed=0), steps=100)


def _agreement_run(policy: Policy, seed: int, steps: int = 20) -> list[float]:
    L.seed_everything(seed, verbose=False)
    module = MGRCR(copy.deepcopy(policy), rewards=[constant], verifier=None, consistency_coef=1.0,
                   sampling=SamplingParams(n=8, max_new_tokens=4), optimizer=OptimizerSettings(lr=3e-3), seed=seed)
    rec = Agreement()
    rows = TASK.generate(320, seed=seed + 10)
    trainer = L.Trainer(max_steps=steps, logger=False, enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, limit_val_batches=0, accelerator="cpu", callbacks=[rec])
    trainer.fit(module, DataLoader(rows, batch_size=16, shuffle=True, collate_fn=list))
    return rec.values


@pytest.mark.behaviour
def test_the_consistency_term_alone_makes_each_groups_answers_agree(sft_policy):
    # The SFT start's 8 samples of a prompt often differ; rewarding agreement (eq 85 at the
    # solution granularity) must raise it. First 3 vs last 3 iterations, 3 x 128 samples each.
    # Observed (first -> last, z): native kernel seed 0 0.045 -> 0.938 (z 55), seed 1 0.039 -> 0.964 (z 67);
    # ATEN_CPU_CAPABILITY=default seed 0 0.047 -> 0.845 (z 37), seed 1 0.043 -> 0.935 (z 55).
    for seed in (0, 1):
        values = _agreement_run(sft_policy, seed)
        first, last = sum(values[:3]) / 3, sum(values[-3:]) / 3
        assert gain_z(first, last, 3 * 128) > 4, (seed, values)


def test_doctests():
    import doctest

    import lit_reason.frameworks.mgrcr.consistency as consistency_module
    import lit_reason.frameworks.mgrcr.units as units_module

    assert doctest.testmod(consistency_module).failed == 0 and doctest.testmod(units_module).failed == 0

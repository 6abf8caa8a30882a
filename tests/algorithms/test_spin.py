"""SPIN (sec 6.22.1, eq 73): losers come from the previous-iteration model, rounds replace it, and SPIN raises
validation accuracy over its SFT start on the tiny arithmetic task."""

import copy

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings, SFTModule
from lit_reason.algorithms.evaluation import accuracy_metrics
from lit_reason.algorithms.spin import SPIN
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask
from lit_reason.policy import Policy
from lit_reason.rewards.registry import get_reward
from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.tiny import TinyConfig

TASK = ArithmeticTask(levels=[[1, 1]])
TRAIN = TASK.generate(2000, seed=0)
VAL = TASK.generate(64, seed=1)  # 1-digit addition has 100 problems: fresh draws, not disjoint from TRAIN
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=4)


def fit(module, steps: int, rows=TRAIN, batch_size: int = 16):
    L.Trainer(max_steps=steps, **TRAINER).fit(module, DataLoader(rows, batch_size=batch_size, shuffle=True,
                                                                 collate_fn=list))
    return module


def test_losers_are_generated_by_the_reference(tiny_policy):
    module = SPIN(tiny_policy, sampling=GREEDY)
    with torch.no_grad():  # the policy moves away from the reference (the previous iteration's model)
        for p in module.policy.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    rows = TRAIN[:6]
    pairs = module.self_play_pairs(rows)
    expected = HFSampler(module.policy.reference).generate([r["prompt"] for r in rows], GREEDY).completions
    current = HFSampler(module.policy).generate([r["prompt"] for r in rows], GREEDY).completions
    assert [p["rejected"] for p in pairs] == expected != current
    assert [(p["prompt"], p["chosen"]) for p in pairs] == [(r["prompt"], r["completion"]) for r in rows]


def test_rounds_replace_the_reference_and_clear_its_cache(tiny_policy):
    module = SPIN(tiny_policy, sampling=SamplingParams(max_new_tokens=3), ref_update_every=2,
                  optimizer=OptimizerSettings(lr=1e-2))
    fit(module, steps=1, rows=TRAIN[:32], batch_size=8)
    w = "model.model.embed_tokens.weight"
    ref = module.policy.reference
    assert module.ref_round == 0 and module._ref_cache
    assert not torch.equal(ref.state_dict()[w], module.policy.state_dict()[w])
    fit(module, steps=1, rows=TRAIN[:32], batch_size=8)
    assert module.ref_round == 1 and not module._ref_cache
    assert torch.equal(ref.state_dict()[w], module.policy.state_dict()[w])


def test_rows_without_a_completion_are_named(tiny_policy):
    with pytest.raises(ValueError, match=r"training row 1 of the batch lacks \['completion'\]"):
        SPIN(tiny_policy).self_play_pairs([{"prompt": "1+1=", "completion": "2"}, {"prompt": "2+2="}])
    with pytest.raises(ValueError, match="ref_update_every must be >= 1"):
        SPIN(tiny_policy, ref_update_every=0)


@pytest.fixture(scope="module")
def sft_policy():
    L.seed_everything(0, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))
    fit(SFTModule(policy, optimizer=OptimizerSettings(lr=3e-3)), steps=150, batch_size=32)
    return policy


def val_accuracy(policy: Policy) -> dict[str, float]:
    m = accuracy_metrics(SFTModule(policy).sampler, VAL, get_reward("math_accuracy"),
                         SamplingParams(n=4, max_new_tokens=4), torch.Generator().manual_seed(1))
    return {k: float(v) for k, v in m.items()}


@pytest.mark.behaviour
def test_spin_raises_validation_accuracy(sft_policy):
    start = val_accuracy(sft_policy)
    L.seed_everything(0, verbose=False)
    module = SPIN(copy.deepcopy(sft_policy), beta=2.0, sampling=SamplingParams(max_new_tokens=4), ref_update_every=50,
                  optimizer=OptimizerSettings(lr=5e-4))
    end = val_accuracy(fit(module, steps=100).policy)
    print("SPIN start", start, "end", end)
    # observed (seeds 0, 1, 2): sampled accuracy 0.33 -> 0.44, 0.45, 0.50; greedy 0.59 -> 0.72, 0.80, 0.84.
    # With beta 0.1 (the paper's, for 7B models) the tiny model drifts and loses accuracy instead.
    assert end["val/accuracy_sampled"] > start["val/accuracy_sampled"] + 0.07, (start, end)
    assert module.ref_round == 2 and module.trainer.callback_metrics["train/rewards/margin"] > 0

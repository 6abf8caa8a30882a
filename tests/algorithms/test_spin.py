"""SPIN (sec 6.22.1, eq 73): losers come from the previous-iteration model, rounds replace it, and SPIN raises
the targets' likelihood and the sampled accuracy over its SFT start on the tiny arithmetic task."""

import copy

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings, SFTModule
from lit_reason.algorithms.spin import SPIN
from lit_reason.policy import Policy
from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.tiny import TinyConfig
from tests.heldout import ALL_SUMS, DRAWS, TASK, accuracy
from tests.stats import gain_z, mean_z

TRAIN = TASK.generate(2000, seed=0)  # 1-digit addition has 100 problems: validation is all of them
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


def target_logps(policy: Policy) -> list[float]:
    """log pi(y* | x) of every one-digit sum's target: what eq 73 raises against the previous model's samples."""
    with torch.no_grad():
        return policy.token_logprobs(*policy.encode_pairs([r["prompt"] for r in ALL_SUMS],
                                                          [r["completion"] for r in ALL_SUMS])).logprobs.sum(1).tolist()


@pytest.mark.behaviour
def test_spin_raises_the_targets_likelihood(sft_policy):
    start, start_logps = accuracy(sft_policy), target_logps(sft_policy)
    ends, zs = [], []
    for seed in range(3):  # SPIN's gain on the tiny model is modest and varies by run: judged on three
        L.seed_everything(seed, verbose=False)
        module = SPIN(copy.deepcopy(sft_policy), beta=5.0, sampling=SamplingParams(max_new_tokens=4),
                      ref_update_every=30, optimizer=OptimizerSettings(lr=5e-4))
        fit(module, steps=60)
        assert module.ref_round == 2  # (the last batch's margin is one noisy draw of 16 pairs: not asserted)
        ends.append(accuracy(module.policy))
        zs.append(mean_z([b - a for a, b in zip(start_logps, target_logps(module.policy))]))
    sampled = sum(e["val/accuracy_sampled"] for e in ends) / len(ends)
    z = gain_z(start["val/accuracy_sampled"], sampled, DRAWS)  # the n of one run: conservative for a mean
    print("SPIN start", start, "ends", ends, "target log-prob z", zs, "mean sampled", sampled, "z", z)
    # SPIN's effect on the tiny model is real but not reliable run by run, so the test asks for it in two of
    # three runs: the median run raises log pi(y*) on the 100 sums by >= 3 standard errors of the per-problem
    # change, and the three runs' mean sampled accuracy is above the start by more than one. Observed:
    # native and avx2, log-prob z 5.7, 5.0, 4.3 and sampled 0.39 -> 0.55, 0.51, 0.44 (mean z 3.2); default
    # z 6.8, 0.04, 5.5 and 0.39 -> 0.49, 0.40, 0.49 (mean z 1.9): its seed-1 run learned nothing. SPIN peaks
    # early here: at lr 1e-3, or 200 steps, or beta 0.1 (the paper's, for 7B models) it loses accuracy instead.
    assert sorted(zs)[1] >= 3, zs
    assert z >= 1, (start, ends)

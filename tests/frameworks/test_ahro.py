"""AHRO (report sec 7.1, eq 78-80, alg 10): the equations by hand, the weight network's state, the module's
option errors, and the behaviour: per-question weights learn which layer predicts success on which question."""

from __future__ import annotations

import math

import lightning as L
import pytest
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings
from lit_reason.frameworks.ahro import AHRO, WeightLearner, answer_format
from lit_reason.frameworks.ahro.equations import (
    adaptive_weights,
    layered_reward,
    prediction_loss,
    question_embedding,
    weight_loss,
    weight_regulariser,
)
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

TIGHT = dict(atol=1e-6, rtol=1e-5)


def test_question_embedding_is_the_centred_unit_mean_of_real_tokens():
    hidden = torch.tensor([[[9.0, 9.0], [1.0, 3.0], [3.0, 5.0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    mask = torch.tensor([[0, 1, 1], [0, 0, 0]])
    # row 0: mean of the real tokens (2, 4), centred (-1, 1), norm sqrt 2; row 1 has no real token: zeros
    expected = torch.tensor([[-1.0, 1.0], [0.0, 0.0]]) / torch.tensor([[math.sqrt(2.0)], [1.0]])
    assert_close(question_embedding(hidden, mask, eps=0.0).nan_to_num(), expected, **TIGHT)
    assert torch.equal(question_embedding(hidden, mask)[1], torch.zeros(2))


def test_adaptive_weights_are_eq_79s_softmax():
    emb = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    weight, bias = torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([0.0, math.log(3.0)])
    e = math.e
    # row 0: softmax(1, ln 3) = (e, 3) / (e + 3); row 1: softmax(0, ln 3) = (1, 3) / 4
    expected = torch.tensor([[e / (e + 3), 3 / (e + 3)], [0.25, 0.75]])
    assert_close(adaptive_weights(emb, weight, bias), expected, **TIGHT)


def test_layered_reward_is_eq_78_over_the_scored_layers():
    rewards = torch.tensor([[1.0, 0.5, 0.0], [0.2, 0.4, 1.0], [float("nan"), 1.0, 1.0]])
    scored = torch.tensor([[True, False, True], [True, True, True], [False, False, False]])
    weights = torch.tensor([[0.5, 0.3, 0.2], [0.5, 0.25, 0.25], [0.2, 0.4, 0.4]])
    # row 0: (0.5 * 1 + 0.2 * 0) / 0.7; row 1: eq 78 as printed, 0.1 + 0.1 + 0.25; row 2: nothing scored
    # (its NaN is never read) -> 0
    expected = torch.tensor([0.5 / 0.7, 0.45, 0.0])
    assert_close(layered_reward(rewards, scored, weights), expected, **TIGHT)


def test_prediction_loss_is_the_squared_error_to_the_verdict():
    rewards = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    scored = torch.tensor([[True, True], [True, True], [False, False]])
    weights = torch.tensor([[0.75, 0.25]]).expand(3, 2)
    # predictions 0.75 and 0.25 against 1: ((-0.25)^2 + (-0.75)^2) / 2 = 0.3125; row 2 scored nothing
    loss = prediction_loss(rewards, scored, weights, torch.tensor([1.0, 1.0, 0.0]))
    assert_close(loss, torch.tensor(0.3125), **TIGHT)
    none = prediction_loss(rewards, torch.zeros(3, 2, dtype=torch.bool), weights, torch.ones(3))
    assert float(none) == 0.0


def test_weight_regulariser_and_eq_80():
    w = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
    reg = weight_regulariser(w, torch.tensor([0.5, 0.5]))
    # diversity: 1 - H/ln 2 = 0 (uniform) and 1 (one-hot), mean 0.5; stability: mean (0.75, 0.25),
    # (0.25^2 + 0.25^2) = 0.125
    assert_close(reg.diversity, torch.tensor(0.5), **TIGHT)
    assert_close(reg.stability, torch.tensor(0.125), **TIGHT)
    # eq 80 for phi: 0.3 + 0.1 * (0.5 + 2 * 0.125) = 0.375
    assert_close(weight_loss(torch.tensor(0.3), reg, lam=0.1, stability=2.0), torch.tensor(0.375), **TIGHT)
    first = weight_regulariser(w, None)
    assert float(first.stability) == 0.0
    single = weight_regulariser(torch.ones(3, 1), torch.ones(1))
    assert float(single.diversity) == 0.0 and float(single.stability) == 0.0  # G=1-like: one layer


def test_answer_format_layer():
    assert answer_format(["q"] * 5, ["108", " 7 ", "so \\boxed{3}", "12+", ""]) == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_weight_learner_state_round_trip_continues_exactly():
    torch.manual_seed(0)
    emb = torch.randn(6, 4)
    scores, scored, target = torch.rand(6, 3), torch.ones(6, 3, dtype=torch.bool), torch.rand(6)
    a = WeightLearner(3, 4, lr=0.1, steps=2, lam=0.1, stability=1.0)
    a.fit(emb, scores, scored, target)
    state = a.state_dict()
    b = WeightLearner(3, 4, lr=0.1, steps=2, lam=0.1, stability=1.0)
    b.load_state_dict(state)
    a.fit(emb, scores, scored, target)
    b.fit(emb, scores, scored, target)
    assert torch.equal(a.weights(emb), b.weights(emb))
    assert torch.equal(a.previous_mean, b.previous_mean)
    fresh = WeightLearner(3, 4, lr=0.1, steps=1, lam=0.1, stability=1.0)
    assert_close(fresh.weights(emb), torch.full((6, 3), 1 / 3), **TIGHT)  # W = b = 0: uniform at the start


def _tiny_policy() -> Policy:
    return Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))


def test_options_errors():
    with pytest.raises(ValueError, match="set layers"):
        AHRO(_tiny_policy(), rewards=["math_accuracy"])
    with pytest.raises(ValueError, match="needs a verifier"):
        AHRO(_tiny_policy(), verifier=None)
    with pytest.raises(ValueError, match="weight_lr must be > 0"):
        AHRO(_tiny_policy(), weight_lr=0.0)
    with pytest.raises(ValueError, match="at least one"):
        AHRO(_tiny_policy(), layers={})


# ---------------------------------------------------------------- behaviour
def has_seven(prompts, completions, **columns):
    """The verdict of the behaviour test: a random tiny model writes a '7' in about a third of its samples."""
    return [float("7" in c) for c in completions]


def _noise(c: str) -> float:
    return float(sum(map(ord, c)) % 2)  # a deterministic score unrelated to '7'


def plus_layer(prompts, completions, **columns):
    """Tracks the verdict on '+' questions, noise on '-' ones."""
    return [float("7" in c) if "+" in p else _noise(c) for p, c in zip(prompts, completions)]


def minus_layer(prompts, completions, **columns):
    """Tracks the verdict on '-' questions, noise on '+' ones."""
    return [float("7" in c) if "-" in p else _noise(c) for p, c in zip(prompts, completions)]


def _rows(ops: str, lo: int, hi: int) -> list[dict]:
    return [{"prompt": f"{a}{op}{b}=", "answer": "0"} for a in range(lo, hi) for op in ops for b in (1, 2)]


def _routing_gap(seed: int) -> float:
    """AHRO for 30 iterations; mean omega_plus on held-out '+' questions minus on held-out '-' questions."""
    L.seed_everything(seed, verbose=False)
    module = AHRO(_tiny_policy(), layers={"plus": plus_layer, "minus": minus_layer}, verifier=has_seven,
                  sampling=SamplingParams(n=8, max_new_tokens=6), optimizer=OptimizerSettings(lr=1e-4),
                  weight_lr=0.05, weight_reg=0.01, seed=seed)
    trainer = L.Trainer(max_steps=30, logger=False, enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False, limit_val_batches=0, accelerator="cpu")
    trainer.fit(module, DataLoader(_rows("+-", 10, 50), batch_size=16, shuffle=True, collate_fn=list))
    held_out = {op: _rows(op, 60, 80) for op in "+-"}
    gaps = {}
    for op, rows in held_out.items():
        ids, mask, _ = module.policy.encode_prompts([r["prompt"] for r in rows])
        with torch.no_grad():
            emb = question_embedding(module.policy.hidden_states(ids, mask), mask)
        gaps[op] = module.weight_learner.weights(emb)[:, 0].mean().item()  # omega of the 'plus' layer
    return gaps["+"] - gaps["-"]


@pytest.mark.behaviour
def test_weights_route_each_question_to_the_layer_that_predicts_its_outcome():
    # Uniform weights give a gap of 0. Observed (30 iterations of 16 prompts x 8 samples): seeds 0, 1 ->
    # 0.642, 0.630 with the native kernel and the same under ATEN_CPU_CAPABILITY=default.
    gaps = [_routing_gap(seed) for seed in (0, 1)]
    assert min(gaps) > 0.3, gaps


def test_the_weight_network_travels_in_the_checkpoint(tmp_path):
    module = AHRO(_tiny_policy())
    torch.manual_seed(0)
    emb = torch.randn(4, 32)
    module.weight_learner.fit(emb, torch.rand(4, 4), torch.ones(4, 4, dtype=torch.bool), torch.rand(4))
    checkpoint: dict = {}
    module.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, tmp_path / "c.pt")
    restored = AHRO(_tiny_policy())
    restored.on_load_checkpoint(torch.load(tmp_path / "c.pt", weights_only=True))  # as Lightning loads it
    assert torch.equal(restored.weight_learner.weights(emb), module.weight_learner.weights(emb))
    assert torch.equal(restored.weight_learner.previous_mean, module.weight_learner.previous_mean)


def test_doctests():
    import doctest

    import lit_reason.frameworks.ahro.equations as equations_module
    import lit_reason.frameworks.ahro.layers as layers_module

    assert doctest.testmod(equations_module).failed == 0 and doctest.testmod(layers_module).failed == 0

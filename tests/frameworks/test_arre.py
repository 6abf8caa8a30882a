"""ARRE (report sec 7.6): eq 94-95 and alg 13 against hand-computed values, the perturbers, the selection,
and the consistency samples on the tiny model."""

from __future__ import annotations

import random

import pytest
import torch
from torch.testing import assert_close

from lit_reason.advantages import group_normalized
from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.tasks.arithmetic import evaluate
from lit_reason.datamodules.variants import VariantLoader
from lit_reason.frameworks.arre import (
    ARRE,
    ArithmeticPerturber,
    ProgressiveStrength,
    TextPerturber,
    stage_strength,
    transplant_advantages,
    transplant_pairs,
    worst_case_variant,
)
from lit_reason.frameworks.arre.perturb import EXPRESSION, composed_count
from lit_reason.logprobs import TokenStats
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def test_worst_case_variant_by_hand():
    # question 0: perturbation losses -0.5, -0.125, -0.75 -> column 2 (largest); the clean column 0 is never taken
    # question 1: only column 1 exists -> 1; question 2: no perturbation -> -1; question 3: a tie -> the first
    loss = torch.tensor([[9.0, -0.5, -0.125, -0.75], [9.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                         [0.0, -0.5, -0.5, -1.0]])
    valid = torch.tensor([[True] * 4, [True, True, False, False], [True, False, False, False], [True] * 4])
    assert worst_case_variant(loss, valid).tolist() == [2, 1, -1, 1]


def test_worst_case_variant_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\(S, V\)"):
        worst_case_variant(torch.zeros(3), torch.ones(3, dtype=torch.bool))


def test_transplant_pairs_by_hand():
    # question 0: clean samples 0 (correct), 1 (wrong), 2 (correct); its worst variant is 2 (rows 5, 6);
    # question 1: worst variant 1 (row 9) but no clean sample correct; question 2: no perturbation (-1)
    correct = torch.tensor([True, False, True, False, False, False, False, False, False, False, True])
    source = torch.tensor([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
    variant = torch.tensor([0, 0, 0, 1, 1, 2, 2, 0, 0, 1, 0])
    prompts, completions = transplant_pairs(correct, source, variant, torch.tensor([2, 1, -1]), limit=8)
    assert prompts.tolist() == [5, 5] and completions.tolist() == [0, 2]  # q' row 5 with q's solutions 0 and 2
    prompts, completions = transplant_pairs(correct, source, variant, torch.tensor([2, 1, -1]), limit=1)
    assert prompts.tolist() == [5] and completions.tolist() == [0]


def test_transplant_advantages_by_hand():
    # group 7: sampled rewards 0, 1 (mean 0.5), a transplant of reward 1 -> 0.5; group 2: sampled 0, 0, a
    # transplant 1 -> 1; group 4: only a transplant (no baseline) -> 0; sampled rows -> 0
    rewards = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    group = torch.tensor([7, 7, 7, 2, 2, 2, 4])
    transplanted = torch.tensor([False, False, True, False, False, True, True])
    assert_close(transplant_advantages(rewards, group, transplanted),
                 torch.tensor([0.0, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0]), atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match=r"\(B,\)"):
        transplant_advantages(rewards, group[:3], transplanted)


def test_transplant_pairs_of_nothing():
    empty = torch.zeros(0, dtype=torch.long)
    p, c = transplant_pairs(empty.bool(), empty, empty, torch.tensor([-1]), limit=4)
    assert p.tolist() == [] and c.tolist() == []
    with pytest.raises(ValueError, match=r"\(B,\)"):
        transplant_pairs(torch.ones(2, dtype=torch.bool), torch.zeros(3, dtype=torch.long),
                         torch.zeros(2, dtype=torch.long), torch.tensor([0]), limit=1)


def test_stage_strength_by_hand():
    # eps_s = eps_0 (1 + alpha s): 0.5 (1 + 0.4 * 3) = 1.1
    assert stage_strength(0.5, 0.4, 3) == pytest.approx(1.1)
    assert stage_strength(2.0, 0.0, 5) == 2.0
    with pytest.raises(ValueError, match="stage"):
        stage_strength(1.0, 0.5, -1)


def test_composed_count_follows_the_strength():
    rng = random.Random(0)
    counts = [composed_count(1.5, 4, rng) for _ in range(4000)]
    assert set(counts) == {1, 2} and abs(sum(counts) / len(counts) - 1.5) < 0.05  # floor + Bernoulli(0.5)
    assert composed_count(0.0, 4, rng) == 1 and composed_count(9.0, 4, rng) == 4


@pytest.mark.parametrize("kind", ["rename", "reorder", "rephrase", "distractor"])
def test_each_perturbation_keeps_the_meaning(kind):
    perturb = ArithmeticPerturber(strength=1.0, kinds=[kind])
    rng = random.Random(1)
    for a, b in [(47, 8), (12, 30), (5, 61)]:
        question = f"What is {a}+{b}? Put the final answer in \\boxed{{}}."
        v = perturb(question, str(a + b), rng)
        assert v is not None and v.note == kind
        expr = EXPRESSION.search(v.question.replace(" ", "")).group()
        assert int(v.answer) == evaluate(expr), (question, v)  # the answer is the perturbed question's
        if kind != "rename":
            assert v.answer == str(a + b)
        assert v.question.endswith("? Put the final answer in \\boxed{}.") or kind == "rephrase"


def test_rename_recomputes_and_keeps_digit_counts():
    v = ArithmeticPerturber(kinds=["rename"])("47*8-3=", "373", random.Random(3))
    nums = EXPRESSION.search(v.question).group()
    assert [len(t) for t in nums.replace("*", "-").split("-")] == [2, 1, 1]
    assert v.answer == str(evaluate(nums))


def test_reorder_leaves_a_difference_alone():
    assert ArithmeticPerturber(kinds=["reorder"])("9-3=", "6", random.Random(0)).question == "9-3="


def test_strength_adds_distractor_clauses():
    many = ArithmeticPerturber(strength=3.0, kinds=["distractor"])("1+2=", "3", random.Random(0))
    assert many.question.endswith("1+2=") and len(many.question) > len("1+2=") + 3 * 3


def test_no_expression_gives_no_variant():
    assert ArithmeticPerturber()("hello", "3", random.Random(0)) is None


def test_text_perturber_keeps_the_answer_and_adds_distractors():
    v = TextPerturber(strength=2.0, frames=["Q: {q}"])("How many legs has a cat?", "4", random.Random(0))
    assert v.answer == "4" and v.question.endswith("Q: How many legs has a cat?")
    assert v.note == "frame+2distractors"


def test_bad_perturber_options_are_named():
    with pytest.raises(ValueError, match="kinds"):
        ArithmeticPerturber(kinds=["synonym"])
    with pytest.raises(ValueError, match="frames"):
        TextPerturber(frames=["no placeholder"])


def test_progressive_strength_advances_on_robustness_or_at_the_cap():
    cb = ProgressiveStrength(eps0=1.0, alpha=0.5, stages=3, robustness=0.8, min_iterations=2, max_iterations=4)
    assert cb.strength == 1.5  # stage 1: 1 * (1 + 0.5)
    # clean 1/1 correct, perturbed 1/2 correct: robustness 0.5 < 0.8, so stage 1 runs to max_iterations
    assert [cb.observe([0, 1, 1], [True, True, False]) for _ in range(4)] == [False, False, False, True]
    assert cb.stage == 2 and cb.strength == 2.0
    # perturbed as good as clean: robustness 1 >= 0.8 after min_iterations
    assert [cb.observe([0, 1], [True, True]) for _ in range(2)] == [False, True]
    assert cb.stage == 3 and not any(cb.observe([0, 1], [True, True]) for _ in range(10))  # the last stage
    fresh = ProgressiveStrength()
    fresh.load_state_dict(cb.state_dict())
    assert (fresh.stage, fresh.in_stage, list(fresh.clean)) == (cb.stage, cb.in_stage, list(cb.clean))


def test_progressive_strength_options_are_named():
    with pytest.raises(ValueError, match="min_iterations"):
        ProgressiveStrength(min_iterations=5, max_iterations=2)


# ---------------------------------------------------------------------- the module on the tiny model
SCRIPTED = {0: 1.0, 1: 0.5, 2: 0.0, 3: 0.25}


def by_variant(prompts, completions, variant, **columns):
    """A scripted reward: each variant's fixed score (variant 2 is the adversarial one)."""
    return [SCRIPTED[int(v)] for v in variant]


def tiny_arre(**kw):
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return ARRE(policy, **{"rewards": [by_variant], "verifier": None, "sampling": SamplingParams(n=4, max_new_tokens=3),
                           **kw})


def test_select_keeps_each_question_and_its_worst_perturbation():
    module = tiny_arre()
    rows = VariantLoader(RowLoader([], 1), ArithmeticPerturber(), 3, seed=0).expand(
        [{"prompt": "12+3=", "answer": "15"}, {"prompt": "40+7=", "answer": "47"}], random.Random(0))
    rollout, _ = module.collect(rows)
    with torch.no_grad():
        kept = module.select(rollout)
    assert len(rollout) == 2 * 4 * 4 and len(kept) == 2 * 2 * 4  # 2 questions x (clean + worst) x 4 samples
    assert sorted(set(zip(kept.columns["variant_of"], kept.columns["variant"]))) == [(0, 0), (0, 2), (1, 0), (1, 2)]


def test_correct_clean_solutions_are_rescored_on_the_adversarial_prompt():
    module = tiny_arre(rewards=["math_accuracy"], verifier="math_accuracy", consistency_coef=0.5)
    # distractors keep the answer, so q's correct completion is correct on q' too
    rows = VariantLoader(RowLoader([], 1), ArithmeticPerturber(kinds=["distractor"]), 1, seed=0).expand(
        [{"prompt": "12+3=", "answer": "15"}], random.Random(0))
    rollout, _ = module.collect(rows)
    rollout.completions[:2] = ["15", "14"]  # clean: one right, one wrong; q' (rows 4-7): as sampled
    rollout.correct[:2] = torch.tensor([True, False])
    rollout.rewards[:2] = torch.tensor([1.0, 0.0])
    with torch.no_grad():
        out = module.select(rollout)
    tail = [i for i, t in enumerate(out.columns["arre_transplant"]) if t]
    assert len(out) == 9 and tail == [8]  # 4 clean + 4 adversarial + 1 transplanted
    moved = out.select(tail)
    assert moved.prompts[0] == rollout.prompts[4] and moved.completions[0] == "15" and bool(moved.correct[0])
    assert moved.group.tolist() == [rollout.group[4].item()]  # it joins q''s group
    expected = module.policy.token_logprobs(moved.input_ids, moved.attention_mask, moved.completion_mask,
                                            temperature=1.0)
    expected = expected.logprobs if isinstance(expected, TokenStats) else expected
    assert_close(moved.old_logprobs[:, : expected.shape[1]], expected, atol=1e-5, rtol=1e-5)
    adv = module.advantages(out).advantages
    own = group_normalized(out.rewards[:8], out.group[:8])  # GRPO's, untouched by the transplant
    baseline = out.rewards[4:8].mean()  # q''s own samples
    assert_close(adv, torch.cat([own, 0.5 * (out.rewards[8:] - baseline)]), atol=1e-6, rtol=1e-5)


def test_rows_without_variant_columns_are_refused():
    module = tiny_arre(rewards=["math_accuracy"])
    rollout, _ = module.collect([{"prompt": "1+2=", "answer": "3"}])
    with pytest.raises(ValueError, match="VariantPromptDataModule"):
        module.select(rollout)

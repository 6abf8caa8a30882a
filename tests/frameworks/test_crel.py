"""CREL (report sec 7.9): the causal graphs, eq 102-103 against hand-computed values, the counterfactuals."""

from __future__ import annotations

import math
import random

import pytest
import torch
from torch.testing import assert_close

from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.tasks.arithmetic import evaluate
from lit_reason.datamodules.variants import VariantLoader
from lit_reason.frameworks.crel import (
    CREL,
    Intervention,
    Step,
    causal_graph_reward,
    expression_graph,
    graph_accuracy,
    intervention_accuracy,
    intervention_reward,
    interventions,
    node_matches,
    solution_graph,
)
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def test_graph_accuracy_by_hand():
    # row 0: 2 of 3 true nodes matched; row 1: 1 of 1 (padding ignored); row 2: no true node -> NaN
    matched = torch.tensor([[True, False, True], [True, True, False], [False, False, False]])
    mask = torch.tensor([[True, True, True], [True, False, False], [False, False, False]])
    out = graph_accuracy(matched, mask)
    assert_close(out[:2], torch.tensor([2 / 3, 1.0]), atol=1e-6, rtol=1e-5)
    assert math.isnan(out[2])


def test_intervention_accuracy_by_hand_and_shapes():
    # 1 of 2 interventions followed; a matched hit outside the mask does not count
    out = intervention_accuracy(torch.tensor([[True, False, True]]), torch.tensor([[True, True, False]]))
    assert_close(out, torch.tensor([0.5]), atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match=r"\(B, N\)"):
        intervention_accuracy(torch.ones(2, dtype=torch.bool), torch.ones(2, dtype=torch.bool))


def test_expression_graph_follows_precedence():
    g = expression_graph("2+3*4-5")
    # inputs 2, 3, 4, 5 are nodes 0-3; 3*4=12 is node 4, 2+12=14 node 5, 14-5=9 node 6
    assert g.steps == [Step("*", (1, 2), 12), Step("+", (0, 4), 14), Step("-", (5, 3), 9)]
    assert g.values()[-1] == evaluate("2+3*4-5")
    assert g.render(6) == "2+3*4-5" and g.render(6, {4: 7}) == "2+7-5"
    assert g.execute({1: 4})[-1] == 2 + 4 * 4 - 5


def test_solution_graph_resolves_operands_to_earlier_results():
    g = solution_graph("3+4=7\n7+5=12", [3, 4, 5], 12)
    assert g.steps == [Step("+", (0, 1), 7), Step("+", (3, 2), 12)]  # 7 is node 3, the first step's result
    bare = solution_graph("12", [3, 4, 5], 12)
    assert bare.steps == [Step(None, (0, 1, 2), 12)]  # the implicit step over the unused quantities
    stray = solution_graph("3+9=12", [3, 4, 5], 12)
    assert stray.steps == [Step("+", (0, -1), 12)]  # 9 is no quantity of the problem


def test_node_matches_up_to_operand_order():
    true = expression_graph("47+8")
    assert node_matches(solution_graph("8+47=55", [47, 8], 55), true) == [2]
    assert node_matches(solution_graph("55", [47, 8], 55), true) == [2]  # a bare answer to a one-step problem
    assert node_matches(solution_graph("54", [47, 8], 54), true) == [-1]


def test_causal_graph_reward_by_hand():
    prompts = ["3+4+5=", "3+4+5=", "47+8=", "no problem here"]
    completions = ["3+4=7\n7+5=12", "3+4=7\n3+5=12", "55", "1"]
    # second: 3+4=7 matches, 3+5=12 does not reproduce 7+5=12 (its parents differ): 1/2; a prompt without an
    # expression cannot be scored (None)
    assert causal_graph_reward(prompts, completions) == [1.0, 0.5, 1.0, None]


def test_interventions_catch_a_solution_whose_answer_ignores_its_step():
    true = expression_graph("3+4+5")
    right = solution_graph("3+4=7\n7+5=12", true.inputs, 12)
    # do(3=4), do(4=5), do(5=6) and do(7=8): each moves the final answer by one, and so does the solution
    assert interventions(right, true) == [True, True, True, True]
    wrong = solution_graph("3+4=7\n3+5=12", true.inputs, 12)
    # recomputed: do(3=4): 4+5=9 != 13; do(4=5): 3+5=8; do(5=6): 3+6=9; do(7=8): the answer ignores 7 -> 8
    assert interventions(wrong, true) == [False, False, False, False]


def test_intervention_reward_by_hand():
    prompts = ["3+4*5=", "3+4*5=", "47+8=", "3+4*5="]
    completions = ["4*5=20\n3+20=23", "4*5=20\n3+21=23", "55", "4*5=20\n23"]
    # first: follows do(3=4), do(4=5), do(5=6), do(20=21) -> 1. second: 21 in 3+21 is from nowhere, so the
    # answer is unknown under do(3=4) and stays 23 under do(4=5) (true 28), do(5=6) (true 27), do(20=21)
    # (true 24): 0 of 4. third: a bare answer writes no step (None). fourth: the final answer is an implicit
    # step over {3, 20}, unknown once either changes: 0 of 4
    assert intervention_reward(prompts, completions) == [1.0, 0.0, None, 0.0]


def test_intervention_derives_counterfactual_questions():
    rng = random.Random(0)
    inputs = Intervention(targets="inputs")
    for _ in range(20):
        v = inputs("What is 47+8?", "55", rng)
        expr = v.question.removeprefix("What is ").removesuffix("?")
        a, b = map(int, expr.split("+"))
        assert (a == 47) != (b == 8) and len(str(a)) == 2 and len(str(b)) == 1  # exactly one operand changed
        assert v.answer == str(a + b) and v.note.startswith("do(n")
    mid = Intervention(targets="intermediates")("3+4*5=", "23", random.Random(1))
    assert mid.question.startswith("3+") and "*" not in mid.question  # 4*5 replaced by its new value
    assert mid.answer == str(evaluate(mid.question.rstrip("=")))
    assert Intervention(targets="intermediates")("47+8=", "55", rng) is None  # one step: no intermediate
    two = Intervention(strength=2.0, targets="inputs")("12+34=", "46", random.Random(2))
    assert two.note.count("do(") == 2


def test_bad_intervention_options_are_named():
    with pytest.raises(ValueError, match="targets"):
        Intervention(targets="edges")


# ---------------------------------------------------------------------- the module on the tiny model
REWARDS = ["math_accuracy", "lit_reason.frameworks.crel.causal_graph_reward",
           "lit_reason.frameworks.crel.intervention_reward"]


def test_crel_logs_factual_and_interventional_accuracy():
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    module = CREL(policy, sampling=SamplingParams(n=4, max_new_tokens=3))
    rows = VariantLoader(RowLoader([], 1), Intervention(), 1, seed=0).expand(
        [{"prompt": "12+3=", "answer": "15"}, {"prompt": "40+7=", "answer": "47"}], random.Random(0))
    rollout, _ = module.collect(rows)
    rollout.correct = torch.tensor([True, False, False, False, True, True, False, False,  # question 0, its do()
                                    True, True, True, True, False, False, False, False])  # question 1, its do()
    module.advantages(rollout)
    # factual: 1 + 4 of 8 correct; interventional (eq 103): question 0 2/4, question 1 0/4 -> mean 0.25
    assert module._records["crel_factual_accuracy"] == pytest.approx(5 / 8)
    assert module._records["crel_interventional_accuracy"] == pytest.approx(0.25)

"""WeightedSum (report eq. 39 / eq. 34): weights, None semantics and errors that name the culprit."""

import doctest
import functools
import math

import pytest

import lit_reason.rewards.combine as combine_module
from lit_reason.rewards.combine import RewardFunctionError, WeightedSum, reward_name
from lit_reason.rewards.format import think_format
from lit_reason.rewards.length import LengthPenalty

PROMPTS = ["p"] * 4
COMPLETIONS = ["a", "b", "c", "d"]


def accuracy(prompts, completions, **columns):
    return [1.0, None, 0.25, None]


def fmt(prompts, completions, **columns):
    return [1.0, 1.0, None, None]


def test_weighted_sum_with_none_semantics():
    total = WeightedSum([accuracy, fmt], weights=[2.0, 0.5])
    # row 0: 2 * 1 + 0.5 * 1 = 2.5; row 1: accuracy None -> 0.5 * 1 = 0.5
    # row 2: fmt None -> 2 * 0.25 = 0.5; row 3: all None -> None
    assert total(PROMPTS, COMPLETIONS) == [2.5, 0.5, 0.5, None]


def test_default_weights_are_ones():
    # row 0: 1 + 1 = 2; row 1: 1; row 2: 0.25; row 3: None
    assert WeightedSum([accuracy, fmt])(PROMPTS, COMPLETIONS) == [2.0, 1.0, 0.25, None]


def test_ensemble_mean_eq_34():
    judges = [lambda p, c, **k: [3.0], lambda p, c, **k: [6.0], lambda p, c, **k: [9.0]]
    for i, judge in enumerate(judges):
        judge.__name__ = f"judge{i}"
    # (3 + 6 + 9) / 3 = 6
    assert WeightedSum(judges, weights=[1 / 3] * 3)(["p"], ["c"]) == [pytest.approx(6.0, rel=1e-12)]


def test_score_components_and_columns_pass_through():
    def echo_answer(prompts, completions, answer, **columns):
        return [float(a) for a in answer]

    total = WeightedSum([echo_answer, fmt], weights=[1.0, -1.0])
    comps = total.score_components(PROMPTS, COMPLETIONS, answer=["1", "2", "3", "4"])
    assert comps == {"echo_answer": [1.0, 2.0, 3.0, 4.0], "fmt": [1.0, 1.0, None, None]}
    # 1 - 1 = 0, 2 - 1 = 1, 3, 4
    assert total.combine(comps) == [0.0, 1.0, 3.0, 4.0]


def test_real_components():
    total = WeightedSum([think_format, LengthPenalty(max_len=40, coef=0.1)], weights=[1.0, 2.0])
    good = "<think>x</think><answer>4</answer>"  # 34 chars: format 1, no penalty
    long_bad = "y" * 45  # format 0, penalty -0.1 * 5 = -0.5, weighted -1.0
    out = total(["q", "q"], [good, long_bad])
    assert out[0] == 1.0
    assert out[1] == pytest.approx(-1.0, rel=1e-12)


def test_nested_weighted_sum():
    inner = WeightedSum([accuracy, fmt], name="inner")
    # 3 * (2.0, 1.0, 0.25, None)
    assert WeightedSum([inner], weights=[3.0])(PROMPTS, COMPLETIONS) == [6.0, 3.0, 0.75, None]


def test_raising_component_names_itself_and_the_row():
    def picky(prompts, completions, answer, **columns):
        return [1.0 / float(a) for a in answer]  # ZeroDivisionError on "0"

    total = WeightedSum([fmt, picky])
    with pytest.raises(RewardFunctionError, match=r"'picky' raised at row 2: ZeroDivisionError") as info:
        total(PROMPTS, COMPLETIONS, answer=["1", "2", "0", "4"], trainer_state=object())
    assert info.value.name == "picky" and info.value.row == 2
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_batch_only_failure_is_reported_without_a_row():
    def no_batches(prompts, completions, **columns):
        if len(completions) > 1:
            raise RuntimeError("batch too big")
        return [0.0]

    with pytest.raises(RewardFunctionError, match="'no_batches' raised on the batch") as info:
        WeightedSum([no_batches])(PROMPTS, COMPLETIONS)
    assert info.value.row is None


def test_bad_outputs_name_the_function():
    def short(prompts, completions, **columns):
        return [1.0]

    def nan_row(prompts, completions, **columns):
        return [0.0, math.nan, 0.0, 0.0]

    def text(prompts, completions, **columns):
        return [0.0, 0.0, 0.0, "yes"]

    with pytest.raises(ValueError, match="'short' returned length 1 for 4"):
        WeightedSum([short])(PROMPTS, COMPLETIONS)
    with pytest.raises(ValueError, match="'nan_row' returned non-finite nan at row 1"):
        WeightedSum([nan_row])(PROMPTS, COMPLETIONS)
    with pytest.raises(TypeError, match="'text' returned str 'yes' at row 3"):
        WeightedSum([text])(PROMPTS, COMPLETIONS)


def test_bad_construction():
    with pytest.raises(ValueError, match="at least one"):
        WeightedSum([])
    with pytest.raises(ValueError, match="2 weights for 1"):
        WeightedSum([fmt], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        WeightedSum([fmt], weights=[math.inf])
    with pytest.raises(ValueError, match=r"duplicate reward names \['fmt'\]"):
        WeightedSum([fmt, fmt])
    with pytest.raises(TypeError, match="not callable"):
        WeightedSum([fmt, "accuracy"])


def test_reward_name():
    class Scorer:
        def __call__(self, prompts, completions, **columns):
            return [0.0] * len(completions)

    named = Scorer()
    named.__name__ = "custom"
    assert reward_name(accuracy) == "accuracy"
    assert reward_name(Scorer()) == "Scorer"
    assert reward_name(named) == "custom"
    assert reward_name(functools.partial(fmt)) == "fmt"
    assert reward_name(think_format) == "think_format"
    assert reward_name(WeightedSum([fmt])) == "weighted_sum"


def test_docstring_examples():
    result = doctest.testmod(combine_module)
    assert result.attempted > 0 and result.failed == 0

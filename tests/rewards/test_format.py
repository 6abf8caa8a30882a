"""The think/answer format reward (report eq. 37)."""

import doctest

import pytest

import lit_reason.rewards.format as format_module
from lit_reason.rewards.format import ThinkFormat, think_format

GOOD = [
    "<think>a</think><answer>b</answer>",
    "  <think>\nmulti\nline\n</think>\n\n<answer> 4 </answer>\n",
    "<think></think><answer></answer>",  # empty contents are still the template
    "\t<think>2 + 2 = 4</think> <answer>4</answer>\t",
]
BAD = [
    "",
    "4",
    "<think>x</think>",  # no answer
    "<answer>4</answer>",  # no think
    "<answer>4</answer><think>x</think>",  # wrong order
    "so <think>x</think><answer>4</answer>",  # text before
    "<think>x</think>so<answer>4</answer>",  # text between
    "<think>x</think><answer>4</answer> done",  # text after
    "<think>a</think><think>b</think><answer>4</answer>",  # two thinks
    "<think>x</think><answer>4</answer><answer>5</answer>",  # two answers
    "<think><think>x</think></think><answer>4</answer>",  # nested
    "<think>x<answer>4</answer></think>",  # answer inside think
    "<think>x</think><answer>4",  # unclosed answer
    "<THINK>x</THINK><answer>4</answer>",  # tags are case-sensitive
]


def test_default_instance_scores_one_or_zero():
    scores = think_format(["q"] * (len(GOOD) + len(BAD)), GOOD + BAD)
    assert scores == [1.0] * len(GOOD) + [0.0] * len(BAD)
    assert all(isinstance(s, float) for s in scores)


def test_configured_rewards_tags_and_prefix():
    fmt = ThinkFormat(r_plus=0.5, r_minus=-1.0, think_tag="reasoning", answer_tag="final", name="fmt")
    assert fmt(["q", "q"], ["<reasoning>x</reasoning><final>4</final>", GOOD[0]]) == [0.5, -1.0]
    assert fmt.__name__ == "fmt"
    # the chat template pre-filled "<think>": the completion starts inside the think block
    prefilled = ThinkFormat(completion_prefix="<think>")
    assert prefilled(["q", "q"], ["x</think><answer>4</answer>", GOOD[0]]) == [1.0, 0.0]


def test_ignores_prompts_and_columns():
    assert think_format(["anything"], [GOOD[0]], answer=["4"], completion_ids=[[1, 2]]) == [1.0]
    assert think_format.__name__ == "think_format"


def test_non_string_completion_names_the_row():
    with pytest.raises(TypeError, match="row 1"):
        think_format(["q", "q"], [GOOD[0], [{"role": "assistant", "content": GOOD[0]}]])


def test_bad_options():
    with pytest.raises(ValueError, match="think_tag"):
        ThinkFormat(think_tag="<think>")
    with pytest.raises(ValueError, match="must differ"):
        ThinkFormat(think_tag="a", answer_tag="a")


def test_docstring_examples():
    result = doctest.testmod(format_module)
    assert result.attempted > 0 and result.failed == 0

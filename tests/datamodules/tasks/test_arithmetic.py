"""ArithmeticTask: determinism, levels, templates and held-out splits."""

import pytest

from lit_reason.datamodules import ArithmeticTask, canonical, evaluate


def test_same_seed_same_rows_other_seed_other_rows():
    task = ArithmeticTask(levels=[[1, 1], [2, 2]], ops="+-*")
    assert task.generate(50, seed=7) == task.generate(50, seed=7)
    assert task.generate(50, seed=7) != task.generate(50, seed=8)


def test_rows_are_plain_prompt_integer_answer_and_completion():
    row = ArithmeticTask(levels=[[1, 1]]).generate(1, seed=0)[0]
    # random.Random(0) draws 6 then 0 for the two 1-digit operands: 6+0 = 6
    assert row == {"prompt": "6+0=", "answer": "6", "completion": "6", "difficulty": 0}


def test_levels_change_digits_and_operands():
    task = ArithmeticTask(levels=[[1, 1], [3, 2, 1]], ops="+")
    for level, digits in ((0, [1, 1]), (1, [3, 2, 1])):
        for row in task.generate(30, seed=1, level=level):
            assert row["difficulty"] == level
            operands = row["prompt"].removesuffix("=").split("+")
            # a 1-digit operand is 0-9, so its printed length is its digit count
            assert [len(x) for x in operands] == digits
            assert row["answer"] == str(sum(int(x) for x in operands))


def test_unfixed_level_draws_every_level_and_bad_level_fails():
    task = ArithmeticTask(levels=[[1, 1], [2, 2], [3, 3]])
    assert {r["difficulty"] for r in task.generate(60, seed=0)} == {0, 1, 2}
    with pytest.raises(ValueError, match=r"level must be in \[0, 3\), got 3"):
        task.generate(1, seed=0, level=3)


def test_level_weights_zero_excludes_a_level():
    task = ArithmeticTask(levels=[[1, 1], [2, 2]], level_weights=[0.0, 1.0])
    assert {r["difficulty"] for r in task.generate(40, seed=0)} == {1}


def test_evaluate_and_canonical_by_hand():
    assert evaluate("12-3*4+5") == 5  # 12 - 12 + 5
    assert evaluate("2*3*4-30") == -6  # 24 - 30
    assert canonical("45+23") == "23+45" == canonical("23+45")
    assert canonical("9*10") == "9*10" and canonical("10*9") == "9*10"  # sorted as numbers, not text
    assert canonical("45-23") == "45-23" and canonical("1+2*3") == "1+2*3"


def test_splits_are_disjoint_even_up_to_operand_order():
    task = ArithmeticTask(levels=[[1, 1]], ops="+")  # 55 distinct sums: train must avoid commuted val ones
    train, val = task.splits(300, 20, seed=0)
    val_keys = {canonical(r["prompt"][:-1]) for r in val}
    assert len(train) == 300 and len(val) == 20
    assert not val_keys & {canonical(r["prompt"][:-1]) for r in train}


def test_exhausted_problem_space_is_a_clear_error():
    task = ArithmeticTask(levels=[[1, 1]], ops="+")
    every_sum = [f"{a}+{b}" for a in range(10) for b in range(10)]
    with pytest.raises(ValueError, match="cannot draw 1 problems outside the 55 excluded ones"):
        task.generate(1, seed=0, exclude=set(every_sum))  # 100 expressions, 55 canonical keys


def test_chat_templates_with_literal_braces():
    task = ArithmeticTask(
        levels=[[2, 2]],
        template="What is {expr}? Put the final answer in \\boxed{{}}.",
        completion_template="\\boxed{{{answer}}}",
    )
    row = task.generate(1, seed=3)[0]
    expr = row["prompt"].removeprefix("What is ").removesuffix("? Put the final answer in \\boxed{}.")
    assert row["answer"] == str(evaluate(expr))
    assert row["completion"] == "\\boxed{" + row["answer"] + "}"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"template": "{expr}= \\boxed{}"},
            "template '{expr}= \\\\\\\\boxed{}' is not a valid format string",
        ),
        ({"completion_template": "done"}, "completion_template must contain {answer}"),
        ({"levels": [[2]]}, "levels must be non-empty lists of >= 2 digit counts"),
        ({"level_weights": [1.0, 1.0]}, "level_weights must be 1 non-negative numbers"),
    ],
)
def test_bad_options_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        ArithmeticTask(**kwargs)


def test_splits_with_literal_braces_in_the_template_stay_disjoint():
    from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask, canonical

    task = ArithmeticTask(levels=[[2, 2]], template="What is {expr}? Put the final answer in \\boxed{{}}.")
    train, val = task.splits(200, 20, seed=0)
    strip = lambda p: p[len("What is "): p.index("?")]  # noqa: E731
    assert {canonical(strip(r["prompt"])) for r in train}.isdisjoint({canonical(strip(r["prompt"])) for r in val})

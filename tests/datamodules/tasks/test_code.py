"""CodeExpressionTask: rows, difficulty, held-out splits, the tiny vocabulary, and scores in the sandbox."""

import random

import pytest

from lit_reason.datamodules.tasks.code import CodeExpressionTask
from lit_reason.rewards.code import CodePassRate
from lit_reason.sandbox import SandboxConfig
from lit_reason.tiny import CHARS

TASK = CodeExpressionTask(levels=[2, 3, 4])


@pytest.fixture(scope="module")
def reward() -> CodePassRate:
    return CodePassRate(SandboxConfig(wall_s=5), max_workers=2)


def _score(reward, row, completion):
    return reward([row["prompt"]], [completion], test=[row["test"]], entry_point=[row["entry_point"]])[0]


def test_prompt_describes_the_expression_and_stops_after_return():
    assert TASK.describe("x + 2 * y") == "x plus 2 times y"
    assert TASK.prompt("x + 2 * y") == 'def f(x, y):\n    """Return x plus 2 times y."""\n    return '


def test_value_uses_python_precedence():
    # x - 3 * y + x * y at (2, 5): 2 - 15 + 10 = -3
    assert TASK.value("x - 3 * y + x * y", [2, 5]) == -3
    # 7 - x - y at (1, 2): left to right, (7 - 1) - 2 = 4
    assert TASK.value("7 - x - y", [1, 2]) == 4


def test_test_asserts_each_input_against_the_expression():
    test = TASK.test("x + 2 * y", random.Random(3))
    # random.Random(3) draws the inputs (-2, 4), (3, -3), (0, 4), (2, 5): x + 2y = 6, -3, 8, 12
    assert test == (
        "def check(candidate):\n"
        "    assert candidate(-2, 4) == 6\n"
        "    assert candidate(3, -3) == -3\n"
        "    assert candidate(0, 4) == 8\n"
        "    assert candidate(2, 5) == 12\n"
    )


def test_rows_are_deterministic_and_levels_count_atoms():
    assert TASK.generate(20, seed=3) == TASK.generate(20, seed=3)
    assert TASK.generate(20, seed=3) != TASK.generate(20, seed=4)
    for level, atoms in enumerate(TASK.levels):
        for row in TASK.generate(20, seed=1, level=level):
            assert row["difficulty"] == level
            assert len(row["completion"].split(" ")) == 2 * atoms - 1  # atoms and the ops between them
            assert any(v in row["completion"].split(" ") for v in TASK.variables)
            assert row["entry_point"] == "f" and set(row) == {"prompt", "test", "entry_point", "completion",
                                                              "difficulty"}


def test_splits_hold_out_functions_not_strings():
    task = CodeExpressionTask(levels=[2], ops="+")
    assert task.key("x + y") == task.key("y + x") != task.key("x + 2")
    train, val = task.splits(200, 10, seed=0)
    held = {task.key(r["completion"]) for r in val}
    assert not held & {task.key(r["completion"]) for r in train}


def test_every_character_is_in_the_tiny_vocabulary():
    vocab = set(CHARS)
    for row in TASK.generate(200, seed=0):
        assert set(row["prompt"] + row["completion"]) <= vocab, row


def test_bad_options_fail_naming_them():
    with pytest.raises(ValueError, match="ops must be drawn from"):
        CodeExpressionTask(ops="+/")
    with pytest.raises(ValueError, match="distinct identifiers"):
        CodeExpressionTask(variables=["x", "x"])
    with pytest.raises(ValueError, match="distinct identifiers"):
        CodeExpressionTask(variables=["x"], entry_point="x")
    with pytest.raises(ValueError, match="levels must be"):
        CodeExpressionTask(levels=[])
    with pytest.raises(ValueError, match=r"level must be in \[0, 3\), got 3"):
        TASK.generate(1, seed=0, level=3)
    with pytest.raises(ValueError, match="cannot draw"):
        CodeExpressionTask(levels=[1], variables=["x"]).generate(1, seed=0, exclude={TASK.key("x")[:]})


def test_reference_completions_pass_every_test_in_the_sandbox(reward):
    rows = TASK.generate(12, seed=7)
    scores = reward([r["prompt"] for r in rows], [r["completion"] for r in rows],
                    test=[r["test"] for r in rows], entry_point=[r["entry_point"] for r in rows])
    assert scores == [1.0] * 12


def test_equivalent_rewrites_pass_and_wrong_answers_get_their_fraction(reward):
    row = TASK.row("x + 2 * y", 0, random.Random(3))  # inputs (-2, 4), (3, -3), (0, 4), (2, 5)
    assert _score(reward, row, "2*y+x") == 1.0
    assert _score(reward, row, "y + y + x  # same function") == 1.0
    # x + y at the inputs: 2, 0, 4, 7 against 6, -3, 8, 12: no assert passes
    assert _score(reward, row, "x + y") == 0.0
    # 2y + x**3 // 4: 8 + (-8 // 4) = 6, -6 + 27 // 4 = 0, 8 + 0 = 8, 10 + 8 // 4 = 12: 3 of 4 agree
    assert _score(reward, row, "2 * y + x * x * x // 4") == 0.75
    # x * y + 2 * y: -8 + 8 = 0, -9 - 6 = -15, 0 + 8 = 8, 10 + 10 = 20: only (0, 4) agrees -> 1/4
    assert _score(reward, row, "x * y + 2 * y") == 0.25
    # 2 * y + x // 3: 8 - 1 = 7, -6 + 1 = -5, 8 + 0 = 8, 10 + 0 = 10: only (0, 4) agrees -> 1/4
    assert _score(reward, row, "2 * y + x // 3") == 0.25
    assert _score(reward, row, "x +* y") == 0.0  # a syntax error scores 0, not None

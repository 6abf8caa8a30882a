"""Code rewards: program assembly, HumanEval/MBPP rows, eq. 36 pass rate and the eq. 77 composite."""

from __future__ import annotations

import pytest
import torch

from lit_reason.rewards.code import (
    CodePassRate,
    CodeRLReward,
    build_program,
    extract_code,
    humaneval_tests,
)
from lit_reason.sandbox import SandboxConfig

CFG = SandboxConfig(wall_s=3, cpu_s=3, memory_mb=256, nproc=8)

PROMPT = (
    "from typing import List\n\n\n"
    "def below_zero(ops: List[int]) -> bool:\n"
    '    """True if a running balance starting at 0 ever drops below zero.\n'
    "    >>> below_zero([1, 2, -4])\n    True\n"
    '    """\n'
)
TEST = (
    'METADATA = {"author": "lit-reason"}\n\n\n'
    "def check(candidate):\n"
    "    assert True\n"
    "    assert candidate([]) is False\n"
    "    assert candidate([1, -1]) is False\n"
    "    result = candidate([1, -2])\n"
    "    assert result is True\n"
    "    assert candidate([5, -3, -3]) == True\n"
)
BODY = "    bal = 0\n    for o in ops:\n        bal += o\n        if bal < 0:\n            return True\n    return False\n"
WHOLE = "def below_zero(ops: List[int]) -> bool:\n" + BODY


@pytest.fixture(scope="module")
def reward() -> CodePassRate:
    return CodePassRate(CFG, max_workers=2)


def test_extract_code_prefers_python_fences_defining_the_entry_point():
    text = "```python\ndef helper():\n    pass\n```\n```bash\nls\n```\n```py\ndef f():\n    return 1\n```\nbye"
    assert extract_code(text) == "def f():\n    return 1\n"
    two = "```python\ndef f():\n    return 1\n```\n```python\nprint(f())\n```"
    assert extract_code(two, entry_point="f") == "def f():\n    return 1\n"
    assert extract_code(two) == "print(f())\n"
    assert extract_code("```python\ndef f():\n    return 2") == "def f():\n    return 2"  # cut by max tokens
    assert extract_code("```bash\nls\n```") == "```bash\nls\n```"  # no python block: raw text
    assert extract_code(BODY) == BODY


def test_build_program_handles_continuation_whole_function_and_echo():
    assert build_program(PROMPT, BODY, "below_zero") == PROMPT + BODY
    fenced = f"Here you go:\n```python\n{WHOLE}```"
    assert build_program(PROMPT, fenced, "below_zero") == PROMPT.rstrip("\n") + "\n\n" + WHOLE
    assert build_program(PROMPT, PROMPT + BODY, "below_zero") == PROMPT + BODY
    # MBPP-style: the prompt is prose, the program is the code alone.
    assert build_program("Write f.", "def f():\n    return 1", None) == "def f():\n    return 1"
    assert build_program([{"role": "user", "content": "x"}], BODY, "below_zero") == BODY


def test_humaneval_check_splits_into_one_test_per_candidate_assert():
    setup, tests = humaneval_tests(TEST, "below_zero")
    # `assert True` alone is no test: it is glued to the next assert; `result = ...` to its assert.
    assert tests == [
        "assert True\nassert candidate([]) is False",
        "assert candidate([1, -1]) is False",
        "result = candidate([1, -2])\nassert result is True",
        "assert candidate([5, -3, -3]) == True",
    ]
    assert setup == "METADATA = {'author': 'lit-reason'}\ncandidate = below_zero\n"


def test_humaneval_check_with_return_stays_one_test():
    test = "def check(candidate):\n    if candidate(0):\n        return\n    assert candidate(1)\n"
    setup, tests = humaneval_tests(test, "f")
    assert tests == ["check(f)"]
    assert setup == test + "\n"


def test_pass_rate_humaneval_and_mbpp_rows(reward):
    partial = "    return ops[0] < 0 if ops else False\n"  # right on [] and [1, -1] only: 2 of 4
    he = [BODY, f"```python\n{WHOLE}```", PROMPT + BODY, partial, "    return (\n",
          [{"role": "assistant", "content": f"```python\n{WHOLE}```"}]]
    mbpp = ["def square(x):\n    return x * x", "def square(x):\n    return 2 * x", "def square(x):\n    return x"]
    n_he, n_mbpp = len(he), len(mbpp)
    squares = ["assert square(2) == 4", "assert math.isclose(square(-3), 9)", "assert square(0) == 0"]
    out = reward(
        [PROMPT] * n_he + ["Write square(x)."] * n_mbpp + ["no tests"],
        he + mbpp + ["def g():\n    pass"],
        test=[TEST] * n_he + [None] * (n_mbpp + 1),
        entry_point=["below_zero"] * n_he + [None] * (n_mbpp + 1),
        test_list=[None] * n_he + [squares] * n_mbpp + [None],
        test_imports=[[]] * n_he + [["import math"]] * n_mbpp + [[]],
        trainer_state=object(),  # TRL passes non-column kwargs too; they are ignored
    )
    # square=2x: 4 ok, -6 != 9, 0 ok -> 2/3; square=x: 2 != 4, -3 != 9, 0 ok -> 1/3.
    assert out == [1.0, 1.0, 1.0, 0.5, 0.0, 1.0, 1.0, 2 / 3, 1 / 3, None]


def test_code_rl_composite(reward):
    rl = CodeRLReward(alpha=0.1, beta=0.8, gamma=0.1, efficiency_budget_s=1.0, config=CFG, max_workers=2)
    squares = ["assert square(2) == 4", "assert square(-3) == 9", "assert square(0) == 0"]
    comps = ["def square(x):\n    return x * x", "def square(x):\n    return 2 * x", "def square(x)\n    return x"]
    jobs = rl.jobs(["q"] * 3, comps, test_list=[squares] * 3)
    results = rl.run(jobs)
    full, partial, broken = (rl.reward(j, r) for j, r in zip(jobs, results))
    # full: 0.1 * 1 + 0.8 * 1 + 0.1 * (1 - t / 1.0), t = time spent in the candidate.
    assert full == pytest.approx(0.9 + 0.1 * (1.0 - results[0].candidate_s), abs=1e-12)
    assert 0.95 < full <= 1.0
    # partial: compiles, 2 of 3 pass (2x: 4 ok, -6 no, 0 ok), no efficiency credit: 0.1 + 0.8 * 2/3.
    torch.testing.assert_close(partial, 0.1 + 0.8 * 2 / 3, atol=1e-12, rtol=0)
    assert broken == 0.0  # syntax error: no compile credit, nothing passes


def test_code_rl_efficiency_vanishes_past_the_budget():
    rl = CodeRLReward(alpha=0.2, beta=0.5, gamma=0.3, efficiency_budget_s=0.1, config=CFG)
    slow = "import time\ndef one():\n    time.sleep(0.15)\n    return 1"
    # 0.2 * compiles + 0.5 * 1/1 + 0.3 * max(0, 1 - 0.15 / 0.1) = 0.7
    assert rl(["q"], [slow], test_list=[["assert one() == 1"]]) == [pytest.approx(0.7, abs=1e-12)]


def test_code_rl_rejects_bad_weights():
    with pytest.raises(ValueError, match="alpha"):
        CodeRLReward(alpha=-1.0)
    with pytest.raises(ValueError, match="efficiency_budget_s"):
        CodeRLReward(efficiency_budget_s=0.0)


def test_row_without_tests_is_none_not_zero(reward):
    assert reward(["q", "q"], ["x = 1", "x = 1"], test_list=[[], None]) == [None, None]


def test_prompt_stopping_mid_statement_is_continued_verbatim():
    from lit_reason.rewards.code import build_program

    prompt = "def f():\n    return 4+8 - "
    assert build_program(prompt, "12", "f") == "def f():\n    return 4+8 - 12"
    # a completion that does not complete the statement is taken alone (and fails to define f)
    assert build_program(prompt, "def g(:", "f") == "def g(:"

"""Answer extraction of the math reward: every marker of issue 10, and None when there is none."""

import pytest

from lit_reason.rewards.math import extract_answer
from lit_reason.rewards.math.extract import answer_section, extract_answers

CASES = [
    # \boxed / \fbox, nested braces
    (r"so $\boxed{5}$", "5"),
    (r"$\boxed{\frac{1}{2}}$", r"\frac{1}{2}"),
    (r"nested $\boxed{\frac{\sqrt{2}}{2}}$ done", r"\frac{\sqrt{2}}{2}"),
    (r"Hence \fbox{7}.", "7"),
    (r"So we get $\boxed 5$.", "5"),
    (r"\[\boxed{x^2+1}\]", "x^2+1"),
    (r"$\boxed{\{1, 2\}}$", r"\{1, 2\}"),
    (r"Therefore $x=\boxed{-\frac{3}{2}}$.", r"-\frac{3}{2}"),
    (r"The final answer is $\boxed{12}$. I hope it is correct.", "12"),
    (r"first 3 then $\boxed{4}$", "4"),
    # <answer> tags (DeepSeek-R1 template)
    ("<answer>42</answer>", "42"),
    ("<think>7</think>\n<answer>8</answer>", "8"),
    ("<answer>The answer is 9</answer>", "9"),
    (r"<answer>\boxed{12}</answer>", "12"),
    ("<answer>The product is $6$.</answer>", "6"),
    ("<answer>13", "13"),
    # "the answer is" / "Answer:"
    ("The answer is 11.", "11"),
    (r"The answer is $\frac{3}{4}$.", r"\frac{3}{4}"),
    ("the answer is: 3.5", "3.5"),
    (r"So the answer is \frac13.", r"\frac13"),
    ("The answer is 5, since 2+3=5.", "5"),
    ("The answer is 7 because 3 + 4 = 7.", "7"),
    ("The answer is 12 since each box holds 3.", "12"),
    (r"The answer is \(\frac{1}{4}\).", r"\frac{1}{4}"),
    (r"The answer is $$2\pi$$", r"2\pi"),
    ("The answer could be 7, 8 or 9.", "7, 8 or 9"),
    ("**Answer:** 45", "45"),
    ("Answer: 3/8", "3/8"),
    ("The result is 2.5 m", "2.5 m"),
    # Minerva "Final Answer"
    (r"Final Answer: The final answer is $-\frac{1}{4}$. I hope it is correct.", r"-\frac{1}{4}"),
    ("Final answer: 17", "17"),
    # GSM8K
    ("48 / 2 = 24\n#### 72", "72"),
    ("blah\n#### 1,000", "1,000"),
    # last-number fallback
    ("x = 3 and y = 4 so 7 in total", "7"),
    ("-3 is the value", "-3"),
    ("The total is 1,234,567 dollars", "1,234,567"),
    ("ratio 3/4 overall", "3/4"),
    (r"\boxed{12", "12"),
    # think sections
    ("<think>guess 5</think>\nThe answer is 6.", "6"),
    (r"<think>\boxed{7}</think>", "7"),  # nothing after the think block: it is all there is
    (r"<think>unclosed guess \boxed{5}", "5"),  # no answer section exists
    # no answer at all
    ("no digits here", None),
    ("", None),
    ("<think>The answer is \\boxed{1}.</think>\nI could not finish.", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


def test_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 3 and y = 4 so 7 in total", None),
        (r"\boxed{12", None),
        ("The answer is 11.", "11"),
        ("<answer>no number</answer>", "no number"),
    ],
)
def test_fallback_off(text, expected):
    assert extract_answer(text, allow_fallback=False) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"either $\boxed{3}$ or $\boxed{4}$", ["3", "4"]),
        (r"$\boxed{5}$, indeed $\boxed{ 5 }$", ["5"]),  # same box twice is one answer
        ("<answer>3</answer> hmm, actually <answer>4</answer>", ["3", "4"]),
        (r"<think>\boxed{7}</think> so \boxed{8}", ["8"]),  # the think guess is not a candidate
    ],
)
def test_extract_answers_lists_every_distinct_box(text, expected):
    assert extract_answers(text) == expected


def test_answer_section():
    assert answer_section("<think>a</think>b") == "b"
    assert answer_section("<think>a</think>  ") == "<think>a</think>  "
    assert answer_section("plain") == "plain"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # markers of probe 9 (issue 17): bold and LaTeX-bold labels, "Ans:", "Result:", ∴, Chinese
        (r"\textbf{Answer:} $- 5$", "- 5"),  # the "}" closing \textbf is not part of the answer
        ("**Answer**: 3pi/2", "3pi/2"),
        ("Ans: seven", "seven"),
        ("Result: `1024`", "1024"),
        ("2x = 24 \u2234 x = 12", "x = 12"),
        (r"$\therefore$ $\num{3.2e4}$", r"\num{3.2e4}"),
        ("答案：１２", "12"),  # fullwidth colon and digits
        ("答：长方形的面积是 32 平方厘米。", "32"),  # a Chinese sentence is read inside
        ("小明剩下7个苹果。答：7", "7"),
        # "X is the answer."
        (r"$\pounds 20$ is the answer.", r"$\pounds 20$"),  # raw; normalisation unwraps the span
        ("negative seven is the answer.", "negative seven"),
        ("Thus,\n$$\n0.(3)\n$$\nwhich is the answer.", "0.(3)"),  # "which" points back
        ("12 or 13 is the answer.", "12 or 13"),  # kept whole, so the hedge is seen
        # clause ends: an ellipsis is not a full stop; a prose parenthesis ends the answer
        ("**Answer**: 0.333...", "0.333..."),
        ("Result: 0.75 (i.e. 3/4)", "0.75"),
        ("Ans: 12 (or 13 if the endpoint counts)", "12 (or 13 if the endpoint counts)"),
    ],
)
def test_probe9_markers(text, expected):
    assert extract_answer(text) == expected

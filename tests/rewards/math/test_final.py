"""Unmarked final answers (issue 17): bare answers, the last math span, the standalone-number fallback."""

import pytest

from lit_reason.rewards.math import math_accuracy
from lit_reason.rewards.math.final import math_spans, unmarked_answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\frac{10}{9}", r"\frac{10}{9}"),  # a bare answer, not its last digit 9
        (".4", ".4"),
        ("1 000", "1 000"),
        (r"$\sqrt3 $", r"\sqrt3"),
        (r"$k = \frac{1}{3}$", r"k = \frac{1}{3}"),
        (r"We get $2 + 3 = 5$ and $5 \cdot 2 = 10$. Hence $$\frac{10}{9}$$", r"\frac{10}{9}"),
        (r"Answer \[ 9 \]", "9"),
        (r"Answer \( (9+1) \)", "(9+1)"),
        (r"Therefore $x \geq 5$ is the solution.", r"x \geq 5"),
        (r"The total is $\$1,250$.", r"\$1,250"),  # an escaped dollar is not a delimiter
        ("She earns $5 per hour and $40 in total.", "40"),  # prices, not a math span
        (r"We find $x = 3$, so 7 apples remain.", "7"),  # a number written after the last span
        ("Evelyn", "Evelyn"),
        ("It is 5.", "5"),
        ("I think 0.5", "0.5"),
        ("He sold 1,200 cups, 25% of the stock.", "25%"),
        (r"\boxed{12", "12"),  # generation cut off inside the box
        ("AZYUK2A", None),
        ("The code is B2024 and item #4b.", None),
        (r"So we get \frac{10}{9}", None),  # digits inside an undelimited LaTeX group are never taken
        ("", None),
    ],
)
def test_unmarked_answer(text, expected):
    assert unmarked_answers(text) == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"It is $3$ or $4$.", ["3", "4"]),  # a hedge: the reward scores it 0 unless the gold is 3, 4
        (r"The solutions are $x = 1$ and $x = 2$.", ["x = 1", "x = 2"]),
        (r"So $5$, $6$", ["5", "6"]),
        (r"Then $a = 2$ and $b = 3$.", ["b = 3"]),  # two names: the last one is asked for
        (r"So $x=1$ and $x\ge2$.", ["x=1", r"x\ge2"]),  # one variable, an equation and a relation: one answer
        (r"We use $n$ steps. Hence $7$.", ["7"]),
    ],
)
def test_final_run_of_spans(text, expected):
    assert unmarked_answers(text) == expected


def test_math_spans_delimiters_and_escapes():
    text = r"a $x$ b $$y$$ c \(z\) d \[w\] e \$5 f $\$6$ g \\ h"
    assert [c for _, _, c in math_spans(text)] == ["x", "y", "z", "w", r"\$6"]
    assert math_spans("unclosed $x") == []


CATEGORIES = {
    "bare and math-mode endings": [
        (r"\frac{10}{9}", r"\frac{10}{9}", 1.0), (r"\frac{10}{9}", "9", 0.0), (r"$\sqrt3 $", "3", 0.0),
        (".4", "0.4", 1.0), (".4", "4", 0.0), (r"$\dfrac{1}{3} $", r"\frac13", 1.0),
        (r"$\left( \frac{1}{3} \right)$", r"\frac{1}{3}", 1.0), (r"Thus \(\tfrac{4}{6}\).", r"\frac23", 1.0),
    ],
    "relations": [
        (r"$x \geq 5$", r"x \ge 5", 1.0), ("x >= 5", r"x \geq 5", 1.0), (r"\(x \lt 3\)", "x < 3", 1.0),
        ("$x != 2$", r"x \neq 2", 1.0), (r"So $x \leq 4$ holds.", "x <= 4", 1.0), (r"$x > 5$", r"x \geq 5", 0.0),
    ],
    "sets, tuples, intervals, matrices": [
        (r"$\left\{ 2, 1 \right\}$", r"\{1,2\}", 1.0), ("$(2, 1)$", "(1,2)", 0.0), (r"$[2, 5)$", "[2,5]", 0.0),
        ("\\boxed{\n\\begin{pmatrix}\n1 \\\\\n2\n\\end{pmatrix}\n}", r"\begin{pmatrix}1\\2\end{pmatrix}", 1.0),
        (r"$\begin{bmatrix} 3 & 4 \end{bmatrix}$", r"\begin{pmatrix}3&4\end{pmatrix}", 1.0),
    ],
    "units and text": [
        (r"$7\text{ cm}$", "7", 1.0), (r"$7\mbox{ cm}^2$", "7", 1.0), (r"$7 \textnormal{ miles}$", "7", 1.0),
        ("The answer is 7 m².", "7", 1.0), ("€7", "7", 1.0), (r"$\text{Evelyn}$", "Evelyn", 1.0),
        ("Evelyn", r"\text{Evelyn}", 1.0), ("7 m²", "2", 0.0),
    ],
    "percent, degrees, base-n, thousands": [
        ("7 pct", "7", 1.0), ("7 percent", "7", 1.0), (r"$7\%$", "7", 1.0), (r"$70^\circ$", "70", 1.0),
        (r"$312_{4}$", "312_4", 1.0), (r"$312_4$", "54", 1.0), (r"$312_4$", "4", 0.0), ("1,000.99", "1000.99", 1.0),
        (r"$14{,}916$", "14916", 1.0), ("1 000", "1000", 1.0), (r"$1,\!000$", "1000", 1.0),
    ],
    "prefixes": [
        (r"Answer \[ 9 \]", "9", 1.0), ("Answer $$ 9 $$", "9", 1.0), (r"Answer \( (9+1) \)", "10", 1.0),
        (r"The correct option is (D).", "D", 1.0),
    ],
    "hard negatives": [
        ("AZYUK2A", "2", None), ("$-[0,1)$", "1", 0.0), ("$x^2$", "2", 0.0), ("$a_2$", "2", 0.0),
        (r"$\log_2 8$", "2", 0.0), ("The password is Q7.", "7", None), ("$7x$", "7", 0.0),
    ],
}


@pytest.mark.parametrize(
    ("completion", "gold", "reward"),
    [case for cases in CATEGORIES.values() for case in cases],
)
def test_math_accuracy_by_category(completion, gold, reward):
    # Called exactly as a GRPO run calls it: completions and the answer= column.
    assert math_accuracy(["q"], [completion], answer=[gold]) == [reward]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # probe 9 (issue 17): a remark paragraph after the answer, a condition after the value
        ("So there are 6 ways.\n\nNote: 3! = 6 as expected, and with 4 people it would be 24.", "6"),
        ("x = 5\n\nCheck: 2(5) + 3 = 13.", "x = 5"),
        (r"The maximum value is $8$, attained at $x = 2$.", "8"),
        (r"The minimum is $-1$ when $t = 0$.", "-1"),
        (r"So $x$ lies in $[-1, 3)$.", "[-1, 3)"),  # no condition word: the last span answers
        # numbers: a time of day, {,} grouping, an en-dash minus, Chinese around the digits
        ("The train arrives at 4:30 PM.", "4:30 PM"),
        (r"The total revenue is \$12{,}500.", "12{,}500"),
        ("The change in height is \u20134 m.", "\u20134"),
        ("小明剩下7个。", "7"),
        ("北京", "北京"),  # a word answer in Chinese is bare
        ("The area is 10\u00b2 square units.", None),  # 10 is the base of a power, not the answer
    ],
)
def test_probe9_unmarked(text, expected):
    assert unmarked_answers(text) == ([] if expected is None else [expected])

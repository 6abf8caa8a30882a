"""The cases of ``math_pairs_probe7.jsonl`` (see ``make_math_pairs_probes.py``).

Whole solutions only, written after the probe6 fixes and before the next ones: multi-step chain-of-
thought outputs as instruction-tuned and R1-style models write them, each ending its own way (a box
then a remark, a markdown header, a restated question, a verification step with other numbers, a
trailing chat token), paired with the right gold and with a gold a careless grader would match.
"""

from __future__ import annotations

SOURCES = {
    "model_output": "whole multi-step solutions as instruction-tuned and R1-style models write them",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {}
PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {}

_CHECKED = (
    "First, the train covers 120 km in 2 hours, so its speed is $120 / 2 = 60$ km/h.\n"
    "Then in 5 hours it covers $60 \\times 5 = 300$ km.\n\n"
    "**Verification:** $300 / 60 = 5$ hours, which matches.\n\n"
    "Therefore, the train travels $\\boxed{300}$ km."
)
_REMARK = (
    "We need $\\binom{6}{3} = 20$ ways to choose the committee.\n\n"
    "The answer is $\\boxed{20}$.\n\n"
    "Note: if the order mattered we would get $6 \\cdot 5 \\cdot 4 = 120$ instead."
)
_HEADER = (
    "## Solution\n\nLet $x$ be the smaller number. Then $x + (x + 6) = 30$, so $2x = 24$.\n\n"
    "## Answer\n\n$x = 12$"
)
_R1 = (
    "<think>\nOkay, so the rectangle has perimeter 36 and length twice the width. 2(2w + w) = 36, "
    "6w = 36, w = 6, length 12. Area = 72. Wait, let me double check: 2(12 + 6) = 36. Yes.\n</think>\n\n"
    "The width is $6$ and the length is $12$, so the area is $6 \\times 12 = 72$.\n\n**Answer: 72**"
)
_RESTATE = (
    "To find how many integers between 1 and 100 are divisible by 7, note $\\lfloor 100/7 \\rfloor = 14$.\n"
    "So there are 14 such integers between 1 and 100."
)
_CHAT_TAIL = (
    "The sum of the interior angles of a hexagon is $(6-2) \\cdot 180^\\circ = 720^\\circ$.\n"
    "Final Answer: The final answer is $720^\\circ$. I hope it is correct.<|eot_id|><|start_header_id|>user"
)
_FRACTION_END = (
    "There are 36 outcomes and 6 of them give a sum of 7, so the probability is $\\frac{6}{36}$, "
    "which simplifies to $\\frac{1}{6}$."
)
_MATRIX = (
    "Multiplying, we get\n\\[\n\\mathbf{A}\\mathbf{B} = \\begin{pmatrix} 1 \\cdot 5 + 2 \\cdot 7 & 1 \\cdot 6 + 2 \\cdot 8 \\\\ "
    "3 \\cdot 5 + 4 \\cdot 7 & 3 \\cdot 6 + 4 \\cdot 8 \\end{pmatrix} = \\boxed{\\begin{pmatrix} 19 & 22 \\\\ 43 & 50 \\end{pmatrix}}.\n\\]"
)
_ROOTS = (
    "Factoring, $x^2 - 5x + 6 = (x-2)(x-3) = 0$.\n\nSo the solutions are $x = 2$ and $x = 3$.\n\n"
    "**Final Answer:** $x = 2, 3$"
)
_INTERVAL = (
    "We need $x^2 - 4 > 0$, which holds when $x < -2$ or $x > 2$.\n\n"
    "In interval notation: $\\boxed{(-\\infty, -2) \\cup (2, \\infty)}$"
)
_MONEY = (
    "Janet has 3 shirts at \\$12 each and 2 pants at \\$25 each.\n"
    "Shirts: 3 × \\$12 = \\$36\nPants: 2 × \\$25 = \\$50\nTotal: \\$36 + \\$50 = \\$86\n\n"
    "Janet spends **\\$86** in total."
)
_GSM_UNITS = "She reads 20 pages a day for 7 days: 20 * 7 = 140 pages.\n#### 140 pages"
_UNBOXED_LATEX = (
    "Using the quadratic formula,\n$$x = \\frac{-4 \\pm \\sqrt{16 - 8}}{2} = -2 \\pm \\sqrt{2}.$$\n"
    "Hence the roots are $-2 + \\sqrt{2}$ and $-2 - \\sqrt{2}$."
)
_PERCENT = (
    "The price rose from \\$80 to \\$100, an increase of \\$20.\n"
    "As a percentage: $\\frac{20}{80} \\times 100\\% = 25\\%$.\n\nThe price increased by 25%."
)
_NEG_CHECK = (
    "Solving $2x + 7 = 1$ gives $2x = -6$, so $x = -3$.\n"
    "Check: $2(-3) + 7 = 1$. ✓\n\nThe answer is $-3$."
)

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    (_CHECKED, "300", True, False), (_CHECKED, "60", False, False), (_CHECKED, "5", False, False),
    (_REMARK, "20", True, False), (_REMARK, "120", False, False),
    (_HEADER, "12", True, False), (_HEADER, "18", False, False), (_HEADER, "24", False, False),
    (_R1, "72", True, False), (_R1, "36", False, False),
    (_RESTATE, "14", True, False), (_RESTATE, "100", False, False),
    (_CHAT_TAIL, "720", True, False), (_CHAT_TAIL, "180", False, False),
    (_FRACTION_END, "\\frac16", True, False), (_FRACTION_END, "\\frac{7}{36}", False, False),
    (_MATRIX, "\\begin{pmatrix} 19 & 22 \\\\ 43 & 50 \\end{pmatrix}", True, False),
    (_MATRIX, "\\begin{pmatrix} 19 & 22 \\\\ 50 & 43 \\end{pmatrix}", False, False),
    (_ROOTS, "2, 3", True, False), (_ROOTS, "3", False, False), (_ROOTS, "\\{2, 3\\}", True, False),
    (_INTERVAL, "(-\\infty,-2)\\cup(2,\\infty)", True, False), (_INTERVAL, "(-2, 2)", False, False),
    (_MONEY, "86", True, False), (_MONEY, "36", False, False), (_MONEY, "\\$86", True, False),
    (_GSM_UNITS, "140", True, False), (_GSM_UNITS, "7", False, False),
    (_UNBOXED_LATEX, "-2 \\pm \\sqrt{2}", True, False), (_UNBOXED_LATEX, "-2 + \\sqrt{2}", False, False),
    (_PERCENT, "25\\%", True, False), (_PERCENT, "20", False, False),
    (_NEG_CHECK, "-3", True, False), (_NEG_CHECK, "1", False, False),
]

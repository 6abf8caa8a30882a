"""The cases of ``math_pairs_probe8.jsonl`` (see ``make_math_pairs_probes.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe7 fix, before the next ones: relation and interval answers as several spans or with
spacing, set-builder and membership forms, matrix environments, units and percent spelled inside
``\\text``, scientific notation with units, equal values joined by "or".
"""

from __future__ import annotations

SOURCES = {
    "relation_interval": "relations and intervals with spacing, membership, several spans (MATH inequality answers)",
    "matrix_env": "matrix environments and spacing (Qwen2.5-Math matrix handling)",
    "text_units": "units and percent inside \\text, scientific notation with units (Minerva normalizer)",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "relation_interval": [
        ("[ 2 , 5 )", "[2,5)", True, False), ("\\left( -\\infty, 3 \\right]", "(-\\infty,3]", True, False),
        ("x \\in \\{1, 2\\}", "1, 2", True, False), ("x \\in \\{1, 2\\}", "1, 3", False, False),
        ("\\{x \\mid x > 2\\}", "(2, \\infty)", True, True), ("-3 \\le x < 5", "[-3, 5)", True, True),
        ("x \\ge -\\frac{1}{2}", "x \\geq -0.5", True, False), ("x \\ge -\\frac{1}{2}", "x \\geq 0.5", False, False),
        ("t > 0", "x > 0", False, True), ("(-\\infty, -1] \\cup [1, \\infty)", "|x| \\ge 1", True, False),
    ],
    "matrix_env": [
        ("\\begin{matrix} 1 & 0 \\\\ 0 & 1 \\end{matrix}", "\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 1&0\\\\0&1\\\\ \\end{pmatrix}", "\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}", True, False),
        ("\\begin{pmatrix} -\\frac{1}{2} & 0 \\\\ 0 & 2 \\end{pmatrix}", "\\begin{pmatrix}-0.5&0\\\\0&2\\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}", False, False),
        ("\\begin{pmatrix} 2 \\\\ -1 \\\\ 3 \\end{pmatrix}", "(2, -1, 3)", True, True),
    ],
    "text_units": [
        ("50\\text{\\%}", "50\\%", True, False), ("50 \\text{ percent}", "50", True, False), ("72\\,^\\circ", "72", True, False),
        ("72^\\circ\\text{F}", "72", True, False), ("20 \\text{ sq. ft.}", "20", True, False), ("20\\text{ m}^2", "20", True, False),
        ("3.0 \\times 10^{8} \\text{ m/s}", "3\\times10^8", True, False), ("3.0 \\times 10^{8} \\text{ m/s}", "3\\times10^9", False, False),
        ("1\\ \\frac{1}{2}", "\\frac32", True, False), ("6.02 \\times 10^{23}", "6.02\\times 10^{23}", True, False),
    ],
    "hard_negative": [
        ("[2, 5]", "[2,5)", False, False), ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}2\\\\1\\end{pmatrix}", False, False),
        ("50\\text{\\%}", "5\\%", False, False), ("x \\le 4", "x \\ge 4", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "text_units": [("6.02e23", "6.02\\times10^{23}", True, False), ("3.0e8 m/s", "3\\times10^8", True, False)],
}

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("The inequality holds for $x \\le 4$ or $x \\ge 6$.", "(-\\infty,4]\\cup[6,\\infty)", True, False),
    ("The inequality holds for $x \\le 4$ or $x \\ge 6$.", "[4,6]", False, False),
    ("So $x$ lies in $[-1, 3)$.", "[-1,3)", True, False),
    ("Both $\\frac{1}{2}$ and $0.5$ name the same value, so the answer is $\\frac{1}{2}$.", "0.5", True, False),
    ("The answer is $\\frac12$, i.e. $0.5$.", "\\frac{1}{2}", True, False),
    ("The determinant is $\\begin{vmatrix} 1 & 2 \\\\ 3 & 4 \\end{vmatrix} = -2$.", "-2", True, False),
    ("The determinant is $\\begin{vmatrix} 1 & 2 \\\\ 3 & 4 \\end{vmatrix} = -2$.", "2", False, False),
    ("The speed of light is about $3.0 \\times 10^8$ m/s.", "3\\times 10^8", True, False),
    ("Hence the pairs are $(1, 2)$ and $(2, 1)$.", "(1,2), (2,1)", True, False),
    ("Hence the pairs are $(1, 2)$ and $(2, 1)$.", "(1,2)", False, False),
    ("There were 3 red and 5 blue, so $\\frac{3}{8}$ of the marbles are red.", "\\frac38", True, False),
    ("$$\n\\boxed{x = 2 \\text{ or } x = -2}\n$$", "\\pm 2", True, False),
    ("$$\n\\boxed{x = 2 \\text{ or } x = -2}\n$$", "2", False, False),
]

"""The cases of ``math_pairs_probe4.jsonl`` (see ``make_math_pairs_probe4.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe3 fixes, before the next ones: plain-text maths as chat models write it without
LaTeX (``sqrt(2)/2``, ``3^(1/2)``, unicode ``√ π ≤ ∈``), the PRM800K / Qwen2.5-Math conventions for
degrees, absolute values, ``\\text{None}`` and "no solution", spacing inside commands.
"""

from __future__ import annotations

SOURCES = {
    "plain_expression": "plain-text maths without LaTeX (chat outputs; PRM800K grader's sympy path)",
    "unicode_math": "unicode maths symbols (√ π ≤ ≥ ∈ ∞ − ½ ×) as chat models print them",
    "latex_spacing": "LaTeX with spaces and optional braces (\\frac {1} {2}, \\sqrt {3}, \\left| \\right|)",
    "convention": "grader conventions: ^o degrees, None / no solution, percent vs decimal, x^{1/2}",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "latex_spacing": [
        ("\\frac {1} {2}", "0.5", True, False), ("\\sqrt {3}", "\\sqrt3", True, False), ("\\left| -7 \\right|", "7", True, False),
        ("\\frac{ 3 }{ 4 }", "0.75", True, False), ("2 \\sqrt{ 2 }", "\\sqrt8", True, False), ("\\frac {1} {3}", "0.5", False, False),
        ("x^{ 2 } + 1", "x^2+1", True, False), ("\\pi \\, r^2", "\\pi r^2", True, False),
    ],
    "convention": [
        ("90^o", "90", True, False), ("90^{o}", "90^\\circ", True, False), ("\\text{None}", "\\text{none}", True, False),
        ("\\text{no solution}", "\\text{No solution}", True, False), ("\\emptyset", "\\text{no solution}", True, True),
        ("x^{1/2}", "\\sqrt{x}", True, False), ("x^{\\frac{1}{2}}", "\\sqrt x", True, False), ("\\sqrt[3]{x}", "x^{1/3}", True, False),
        ("50", "0.5", False, True), ("\\frac{1}{2}", "50\\%", True, True), ("e^{i\\pi}", "-1", True, False),
        ("\\ln 8", "3\\ln 2", True, False), ("\\log_2 8 + 1", "4", True, False), ("\\infty", "\\text{infinity}", True, False),
    ],
    "hard_negative": [
        ("\\frac {2} {3}", "\\frac32", False, False), ("\\sqrt {3}", "3", False, False), ("x^{1/3}", "\\sqrt{x}", False, False),
        ("91^\\circ", "90", False, False), ("\\ln 8", "8", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "plain_expression": [
        ("sqrt(2)/2", "\\frac{\\sqrt2}{2}", True, False), ("2*sqrt(3)", "2\\sqrt3", True, False), ("pi/4", "\\frac\\pi4", True, False),
        ("3^(1/2)", "\\sqrt3", True, False), ("1/(2*sqrt(3))", "\\frac{\\sqrt3}{6}", True, False), ("e^(2x)", "e^{2x}", True, False),
        ("ln(2)", "\\ln 2", True, False), ("10^-3", "0.001", True, False), ("5.0e-3", "0.005", True, False),
        ("(1/2, 3)", "\\left(\\frac12, 3\\right)", True, False), ("[1,2)", "[1, 2)", True, False), ("{1, 2, 3}", "\\{1,2,3\\}", True, False),
        ("x=1 or x=2", "1, 2", True, False), ("x^2+2x+1", "(x+1)^2", True, False), ("2(x+3)", "2x+6", True, False),
        ("sqrt(2)/2", "\\sqrt{2}", False, False), ("3^(1/2)", "3", False, False), ("(1/2, 3)", "(3, \\frac12)", False, False),
        ("2(x+3)", "2x+3", False, False), ("x=1 or x=2", "1, 3", False, False), ("sqrt(8)", "2\\sqrt{2}", True, False),
    ],
    "unicode_math": [
        ("√2", "\\sqrt{2}", True, False), ("2√3", "\\sqrt{12}", True, False), ("π/2", "\\frac{\\pi}{2}", True, False),
        ("3π", "3\\pi", True, False), ("1 ≤ x ≤ 3", "[1,3]", True, True), ("x ≥ 2", "x \\geq 2", True, False),
        ("x ∈ [1, 3]", "[1,3]", True, False), ("∞", "\\infty", True, False), ("−5", "-5", True, False), ("½", "\\frac12", True, False),
        ("4 × 10^3", "4000", True, False), ("√2", "2", False, False), ("x ≥ 2", "x > 2", False, False), ("−5", "5", False, False),
    ],
    "hard_negative": [("sqrt(3)", "3", False, False), ("2pi", "2", False, False), ("x^2", "2", False, False)],
}

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("The exact value is sqrt(2)/2, about 0.707.", "\\frac{\\sqrt{2}}{2}", True, False),
    ("Solving, x = 3 or x = -1.", "-1, 3", True, False),
    ("Solving, x = 3 or x = -1.", "3", False, False),
    ("So the area is 25π square units.", "25\\pi", True, False),
    ("So the area is 25π square units.", "25", False, False),
    ("The angle is 90°.", "90^\\circ", True, False),
    ("Therefore, there is no solution.", "\\text{no solution}", True, False),
    ("The length is 4√2 cm.", "4\\sqrt2", True, False),
    ("The length is 4√2 cm.", "4", False, False),
    ("**Answer:** x ∈ (−∞, 2]", "(-\\infty, 2]", True, False),
    ("**Answer:** x ∈ (−∞, 2]", "(-\\infty, 2)", False, False),
    ("The probability is 3/8 = 0.375.", "\\frac38", True, False),
    ("The probability is 3/8 = 0.375.", "\\frac58", False, False),
    ("She needs 2 1/2 cups of flour.", "\\frac52", True, False),
    ("It will take 45 minutes.", "45", True, False),
    ("The matrix is [[1, 2], [3, 4]].", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", True, True),
]

"""Writes ``math_pairs_wild.jsonl``: labelled answer pairs written the way models and datasets write them.

Frozen before the grading code of issue 17 was changed, so the figure measured on it is not fitted
to it. Each *case* is one answer as a model writes it, the gold as a dataset gives it, a human label
(is the answer mathematically the gold), and whether reasonable graders disagree (``contested``).
Each case is then written in several of the surface forms models produce: a bare answer, every LaTeX
delimiter (``$``, ``$$``, ``\\(``, ``\\[``), a full solution whose earlier steps hold other numbers,
``Answer \\[ 9 \\]`` prefixes, boxes, Minerva's "Final Answer" line, ``<think>`` blocks. The label of
a case does not depend on the surface form, so each row's label is the case's.

Conventions come from what the public graders document: math-verify (units, ``\\text``, sets and
intervals, relations, percent), the Qwen2.5-Math / MARIO ``math_equal`` grader (percent readings,
matrices, tuples vs sets, ``\\left( \\right)``), the Hendrycks MATH ``strip_string`` rules
(``\\dfrac``, ``.5``, ``^\\circ``, ``\\%``, ``\\$``, ``\\text{ units}``, ``x = ``), PRM800K's grader
(thousands separators, base-n subscripts, multiple choice). No test file of theirs was copied.

Usage: ``python benchmarks/data/make_math_pairs_wild.py`` (deterministic; rewrites the JSONL).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).parent / "math_pairs_wild.jsonl"

SOURCES = {
    "bare_latex": "answer-only completions and math-mode endings (issue 17; math-verify's bare-LaTeX tests)",
    "relation": "relations and inequalities (math-verify's relation handling; MATH inequality answers)",
    "set_tuple_interval_matrix": "sets, tuples, intervals, matrices (Qwen2.5-Math/MARIO math_equal; MATH)",
    "units_text": "units and text answers (Hendrycks strip_string, math-verify units normalisation)",
    "percent_degree_base": "percent, degrees, base-n (Qwen2.5-Math percent readings; MATH conventions)",
    "thousands": "thousands separators (PRM800K grader; GSM8K answers)",
    "prefix": "'Answer \\[ 9 \\]' style prefixes (issue 17; model outputs without 'is'/':')",
    "hard_negative": "numbers embedded in words or larger expressions: must be rejected (issue 17)",
    "fraction_root": "fractions, roots, decimals, powers (Hendrycks strip_string: \\dfrac, .5, \\frac12)",
    "model_output": "full model outputs as written (think blocks, markdown, boxes, GSM8K, answer tags)",
}

# Solution openings whose numbers are not the answer: a last-number fallback that ignores the
# final math expression picks one of these (or a number inside the answer) and is caught.
PREFIXES = [
    "We first note that $2 \\cdot 3 = 6$ and $6 + 4 = 10$.",
    "Let $n = 12$. Substituting gives $3n - 7 = 29$, and dividing by 29 leaves 1.",
    "From the first equation $x + y = 17$ and from the second $x - y = 3$.",
    "There are 8 cases; 3 of them are symmetric, so 5 remain to check.",
    "Squaring both sides, $4a^2 = 36$, so the 2 candidates are checked one by one.",
    "Step 1: the area of the square is 49. Step 2: subtract the 4 corners.",
]

LATEX_FORMS = [
    "{a}",
    "${a}$",
    "$ {a} $",
    "$${a}$$",
    "\\({a}\\)",
    "\\[ {a} \\]",
    "{p} Therefore, the answer is ${a}$.",
    "{p} So we get\n\\[\n{a}\n\\]",
    "{p} Hence $${a}$$",
    "{p} This gives ${a}$ as the solution.",
    "{p} Thus \\({a}\\).",
    "{p}\nThe final answer is $\\boxed{{{a}}}$.",
    "{p}\n\nFinal Answer: The final answer is ${a}$. I hope it is correct.",
    "Answer \\[ {a} \\]",
    "Answer $$ {a} $$",
    "Answer \\( {a} \\)",
    "**Answer:** ${a}$",
    "<think>\n{p}\n</think>\n${a}$",
    "<think>\n{p}\n</think>\n<answer>${a}$</answer>",
]

PLAIN_FORMS = [
    "{a}",
    "The answer is {a}.",
    "Answer: {a}",
    "{p}\n#### {a}",
    "{p} So the answer is {a}.",
    "{p}\n\n**Final answer:** {a}",
    "<think>\n{p}\n</think>\n<answer>{a}</answer>",
]

# (answer as written, gold as a dataset gives it, label, contested)
CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "bare_latex": [
        ("\\frac{10}{9}", "\\frac{10}{9}", True, False),
        ("\\frac{10}{9}", "9", False, False),
        ("\\sqrt3 ", "\\sqrt{3}", True, False),
        ("\\sqrt3", "3", False, False),
        ("\\dfrac{1}{3} ", "\\frac13", True, False),
        ("k = \\frac{1}{3}", "\\frac{1}{3}", True, False),
        ("\\left( \\frac{1}{3} \\right)", "\\frac{1}{3}", True, False),
        ("\\tfrac{2}{6}", "\\frac{1}{3}", True, False),
        ("\\frac{1}{3}", "\\frac{2}{3}", False, False),
        ("-\\frac{7}{2}", "-3.5", True, False),
        ("\\frac{-7}{2}", "-\\frac72", True, False),
        ("2\\sqrt{5}", "\\sqrt{20}", True, False),
        ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}2", True, False),
        ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}", False, False),
        ("3\\pi", "3 \\pi", True, False),
        ("\\frac{3\\pi}{4}", "\\frac34\\pi", True, False),
        ("\\pi/4", "\\frac{\\pi}{4}", True, False),
        ("2^{10}", "1024", True, False),
        ("x = 7", "7", True, False),
        ("a=-2", "-2", True, False),
        ("\\infty", "\\infty", True, False),
        ("1+\\sqrt{2}", "\\sqrt{2}+1", True, False),
        ("1-\\sqrt{2}", "\\sqrt{2}+1", False, False),
        ("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", True, False),
    ],
    "fraction_root": [
        (".4", "0.4", True, False),
        (".4", "\\frac25", True, False),
        (".4", "4", False, False),
        ("0.5", "\\frac{1}{2}", True, False),
        ("1/3", "\\frac{1}{3}", True, False),
        ("0.333", "\\frac13", False, True),
        ("\\frac12", "0.5", True, False),
        ("2.50", "\\frac{5}{2}", True, False),
        ("\\sqrt{12}", "2\\sqrt{3}", True, False),
        ("\\sqrt{12}", "12", False, False),
        ("5 \\times 10^3", "5000", True, False),
        ("10^{-9}", "9", False, False),
        ("3\\frac{1}{2}", "\\frac{7}{2}", True, True),
        ("\\dfrac{14}{3}", "\\frac{14}{3}", True, False),
        ("-0.25", "-\\frac{1}{4}", True, False),
        ("\\pi", "3.14", False, True),
    ],
    "relation": [
        ("x \\geq 5", "x \\ge 5", True, False),
        ("x >= 5", "x \\geq 5", True, False),
        ("x \\lt 3", "x < 3", True, False),
        ("x \\gt -1", "x > -1", True, False),
        ("x \\neq 2", "x \\ne 2", True, False),
        ("x != 2", "x \\neq 2", True, False),
        ("x <= 4", "x \\le 4", True, False),
        ("x \\leq 4", "x \\leq 4", True, False),
        ("5 \\leq x", "x \\geq 5", True, False),
        ("x > 5", "x \\geq 5", False, False),
        ("x \\leq 5", "x \\geq 5", False, False),
        ("x < 3", "x \\leq 3", False, False),
        ("x \\geq 5", "[5, \\infty)", True, True),
        ("x \\geq 5", "5", False, True),
        ("-2 < x < 3", "(-2, 3)", True, True),
        ("x \\ge \\frac{1}{2}", "x \\geq 0.5", True, False),
        ("y = 2x + 3", "y = 2x + 3", True, False),
        ("y = 2x + 3", "y = 3x + 2", False, False),
    ],
    "set_tuple_interval_matrix": [
        ("\\{1, 2, 3\\}", "\\{3, 2, 1\\}", True, False),
        ("\\left\\{ 1, 2 \\right\\}", "\\{1,2\\}", True, False),
        ("\\{1, 2\\}", "\\{1, 3\\}", False, False),
        ("1, 2, 3", "\\{1,2,3\\}", True, False),
        ("2, -3", "-3, 2", True, False),
        ("2, -3", "-3, 3", False, False),
        ("(1, 2)", "(2, 1)", False, False),
        ("(1,2)", "(1, 2)", True, False),
        ("\\left( 3, -\\frac{1}{2} \\right)", "(3, -\\frac12)", True, False),
        ("(3, -0.5)", "\\left(3, -\\frac{1}{2}\\right)", True, False),
        ("[2, 5)", "[2,5)", True, False),
        ("[2, 5]", "[2, 5)", False, False),
        ("(-\\infty, 3]", "(-\\infty,3]", True, False),
        ("(-\\infty, 3) \\cup (5, \\infty)", "(-\\infty,3)\\cup(5,\\infty)", True, False),
        ("(5, \\infty) \\cup (-\\infty, 3)", "(-\\infty,3)\\cup(5,\\infty)", True, False),
        ("(-\\infty, 3] \\cup (5, \\infty)", "(-\\infty,3)\\cup(5,\\infty)", False, False),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", True, False),
        ("\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", False, False),
        ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", False, False),
        ("\\begin{pmatrix} \\frac{1}{2} \\\\ -1 \\end{pmatrix}", "\\begin{pmatrix} 0.5 \\\\ -1 \\end{pmatrix}", True, False),
        ("\\emptyset", "\\varnothing", True, False),
        ("\\{\\}", "\\emptyset", True, True),
        ("(1, 2, 3)", "\\{1, 2, 3\\}", False, True),
    ],
    "units_text": [
        ("5\\text{ cm}", "5", True, False),
        ("12\\mbox{ cm}^2", "12", True, False),
        ("12 \\text{ cm}^2", "144", False, False),
        ("30 \\textnormal{ miles}", "30", True, False),
        ("30 \\textnormal{ miles}", "31", False, False),
        ("\\text{Evelyn}", "Evelyn", True, False),
        ("\\text{Bob}", "Evelyn", False, False),
        ("\\text{(C)}", "C", True, False),
        ("\\textbf{(B)}", "\\text{(B)}", True, False),
        ("\\text{(A)}", "\\text{(D)}", False, False),
        ("\\$18.90", "18.90", True, False),
        ("\\$ 5", "5", True, False),
        ("5\\text{ m}", "5\\text{ cm}", False, True),
        ("\\text{yes}", "Yes", True, False),
    ],
    "percent_degree_base": [
        ("25\\%", "25", True, False),
        ("25 \\%", "25\\%", True, False),
        ("24\\%", "25", False, False),
        ("25\\%", "0.25", True, True),
        ("30^\\circ", "30", True, False),
        ("30^{\\circ}", "30^\\circ", True, False),
        ("31^\\circ", "30", False, False),
        ("\\frac{\\pi}{6}", "30^\\circ", True, True),
        ("204_5", "204_5", True, False),
        ("204_{5}", "204_5", True, False),
        ("204_5", "204", True, False),
        ("204_5", "54", True, True),
        ("204_5", "5", False, False),
        ("1011_2", "1011_2", True, False),
        ("1011_2", "1010_2", False, False),
    ],
    "thousands": [
        ("1,000.99", "1000.99", True, False),
        ("14{,}916", "14916", True, False),
        ("14{,}916", "14917", False, False),
        ("10\\,000", "10000", True, False),
        ("1,234,567", "1234567", True, False),
        ("3,600", "3600", True, False),
    ],
    "prefix": [
        ("9", "9", True, False),
        ("(9+1)", "10", True, False),
        ("(9+1)", "9", False, False),
        ("\\frac{9}{2}", "4.5", True, False),
        ("x = 9", "9", True, False),
        ("-9", "9", False, False),
    ],
    "hard_negative": [
        ("AZYUK2A", "2", False, False),
        ("-[0,1)", "1", False, False),
        ("x^2", "2", False, False),
        ("2x", "2", False, False),
        ("\\frac{1}{2}", "2", False, False),
        ("\\frac{1}{2}", "1", False, False),
        ("a_2", "2", False, False),
        ("H_2O", "2", False, False),
        ("(1, 2)", "2", False, False),
        ("[0, 1)", "1", False, False),
        ("x + 1", "1", False, False),
        ("2\\pi", "2", False, False),
        ("e^{2}", "2", False, False),
        ("\\frac{10}{9}", "10", False, False),
        ("\\log_2 8", "2", False, False),
        ("\\sqrt[3]{5}", "3", False, False),
    ],
}

# Plain-text answers (no LaTeX), written in the plain forms.
PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "units_text": [
        ("12 m²", "12", True, False),
        ("12 m²", "2", False, False),
        ("€20", "20", True, False),
        ("20 €", "20", True, False),
        ("5 apples", "5", True, False),
        ("7 miles per hour", "7", True, False),
        ("Evelyn", "\\text{Evelyn}", True, False),
        ("$18.90", "18.9", True, False),
        ("6 dollars", "7", False, False),
    ],
    "percent_degree_base": [
        ("25 pct", "25", True, False),
        ("25 percent", "25", True, False),
        ("25%", "25\\%", True, False),
        ("26 percent", "25", False, False),
        ("45 degrees", "45^\\circ", True, False),
    ],
    "thousands": [
        ("1 000", "1000", True, False),
        ("1,000.99", "1000.99", True, False),
        ("1,000", "1000", True, False),
        ("12 500", "12500", True, False),
        ("1 000", "100", False, False),
        ("1,001", "1000", False, False),
    ],
    "hard_negative": [
        ("AZYUK2A", "2", False, False),
        ("B2024", "2024", False, False),
        ("ABC3", "3", False, False),
        ("version v2", "2", False, False),
        ("x2", "2", False, False),
        ("item #4b", "4", False, False),
    ],
}

# Whole completions as models write them: (completion, gold, label, contested).
MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("**Final Answer**\n\\[\n\\boxed{5}\n\\]", "5", True, False),
    ("The answer is: 42", "42", True, False),
    ("So, the answer is **42**.", "42", True, False),
    ("$\\boxed{\\text{(B)}}$", "B", True, False),
    ("Janet sells 16 - 3 - 4 = 9 eggs. She makes 9 * 2 = $18 every day.\n#### 18", "18", True, False),
    ("Janet sells 16 - 3 - 4 = 9 eggs. She makes 9 * 2 = $18 every day.\n#### 18", "16", False, False),
    ("<answer>\n$\\frac12$\n</answer>", "0.5", True, False),
    ("The roots are $x = 2$ and $x = -3$, so the solutions are $\\boxed{2, -3}$.", "-3, 2", True, False),
    ("We need \\boxed{\n\\begin{pmatrix}\n 1 & 2 \\\\\n 3 & 4\n\\end{pmatrix}\n}.",
     "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", True, False),
    ("We need \\boxed{\n\\begin{pmatrix}\n 1 & 2 \\\\\n 3 & 4\n\\end{pmatrix}\n}.",
     "\\begin{pmatrix} 1 & 2 \\\\ 4 & 3 \\end{pmatrix}", False, False),
    ("Therefore $x \\geq 5$ is the solution.", "x \\ge 5", True, False),
    ("Therefore $x \\geq 5$ is the solution.", "x > 5", False, False),
    ("The total cost is $\\$1,250$.", "1250", True, False),
    ("The area is $48 \\text{ cm}^2$, since $6 \\times 8 = 48$.", "48", True, False),
    ("Each side measures 12 cm, so the perimeter is 48 cm.", "48", True, False),
    ("Each side measures 12 cm, so the perimeter is 48 cm.", "12", False, False),
    ("The probability is $\\frac{3}{8}$, or 37.5\\%.", "\\frac38", True, False),
    ("It takes her 3 hours and 20 minutes, i.e. $\\frac{10}{3}$ hours.", "\\frac{10}{3}", True, False),
    ("The sum of the digits is $1 + 0 + 2 + 4 = 7$.", "7", True, False),
    ("The sum of the digits is $1 + 0 + 2 + 4 = 7$.", "1024", False, False),
    ("So $f(2) = 11$.", "11", True, False),
    ("The base-5 representation is $204_5$.", "204_5", True, False),
    ("We find $\\angle ABC = 40^\\circ$.", "40", True, False),
    ("Evaluating, the limit equals $\\left(\\frac{1}{3}\\right)$.", "\\frac13", True, False),
    ("The password is AZYUK2A.", "2", False, False),
    ("The set of solutions is $-[0,1)$.", "1", False, False),
    ("Since $x^2 = 4$, we have $x = \\pm 2$.", "2", False, True),
    ("I am not sure, it could be $3$ or $4$.", "3", False, False),
    ("\\boxed{3} or \\boxed{4}", "3", False, False),
    ("<think>\nMaybe 7? No: 3 + 5 = 8.\n</think>\nThe answer is $8$.", "8", True, False),
    ("<think>\nMaybe 7? No: 3 + 5 = 8.\n</think>\nThe answer is $8$.", "7", False, False),
    ("The interval is $\\left[ -1, \\frac{5}{2} \\right)$.", "[-1, 2.5)", True, False),
    ("The number of ways is $\\binom{5}{2} = 10$.", "10", True, False),
    ("The number of ways is $\\binom{5}{2} = 10$.", "5", False, False),
    ("Thus the ordered pair is $(a,b) = (3, 4)$.", "(3,4)", True, False),
    ("Thus the ordered pair is $(a,b) = (3, 4)$.", "(4,3)", False, False),
    ("Answer \\( (9+1) \\)", "10", True, False),
    ("Answer $$ 9 $$", "9", True, False),
    ("Answer \\[ 9 \\]", "9", True, False),
    ("The final answer is $\\boxed{\\frac{10}{9}}$", "\\frac{10}{9}", True, False),
]

FORMS_PER_CASE = 6


def rows() -> list[dict]:
    rng = random.Random(17)
    out: list[dict] = []

    def add(kind: str, completion: str, gold: str, label: bool, contested: bool, form: str) -> None:
        out.append({"id": len(out), "completion": completion, "gold": gold, "label": label,
                    "contested": contested, "kind": kind, "form": form, "source": SOURCES[kind]})

    for table, forms in ((CASES, LATEX_FORMS), (PLAIN_CASES, PLAIN_FORMS)):
        for kind, cases in table.items():
            for answer, gold, label, contested in cases:
                chosen = forms if kind == "prefix" else rng.sample(forms, min(FORMS_PER_CASE, len(forms)))
                for form in chosen:
                    if kind == "prefix" and not form.startswith("Answer"):
                        continue
                    text = form.format(a=answer, p=rng.choice(PREFIXES))
                    add(kind, text, gold, label, contested, form.replace("{p}", "<solution>"))
    for completion, gold, label, contested in MODEL_OUTPUTS:
        add("model_output", completion, gold, label, contested, "as written")
    return out


if __name__ == "__main__":
    data = rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data))
    print(f"{len(data)} pairs ({sum(r['label'] for r in data)} equal, {sum(r['contested'] for r in data)} contested)"
          f" -> {OUT}")

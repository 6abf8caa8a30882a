"""The cases of ``math_pairs_probe6.jsonl`` (see ``make_math_pairs_probes.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe5 fixes, before the next ones: the closing sentences chat models end with ("Thus, the
value is 12.", "so $n = 12$.", "**12**"), golds with currency and unit words, "all real numbers",
inequalities joined by "or", case and spacing in text answers, percent readings.
"""

from __future__ import annotations

SOURCES = {
    "closing_sentence": "the closing sentences of chat-model solutions, with no answer marker",
    "gold_words": "golds with currency, unit words and text (GSM8K, MATH, SVAMP answer columns)",
    "reals_or": "'all real numbers', \\mathbb{R}, inequalities joined by 'or' (MATH domain and range answers)",
    "percent_reading": "percent against decimals and fractions (Qwen2.5-Math percent readings; contested where the sign is dropped)",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "gold_words": [
        ("12", "\\$12", True, False), ("12", "12\\text{ dollars}", True, False), ("12", "12.00", True, False),
        ("13", "\\$12", False, False), ("\\text{tuesday}", "Tuesday", True, False), ("\\text{New York}", "New York", True, False),
        ("\\text{New Jersey}", "New York", False, False), ("5", "5\\text{ apples}", True, False), ("\\frac{3}{4}", "\\frac34\\text{ cup}", True, False),
    ],
    "reals_or": [
        ("(-\\infty, \\infty)", "\\text{all real numbers}", True, False), ("\\mathbb{R}", "(-\\infty,\\infty)", True, True),
        ("x < -2 \\text{ or } x > 3", "(-\\infty,-2)\\cup(3,\\infty)", True, False),
        ("x < -2 \\text{ or } x > 3", "(-\\infty,-2]\\cup[3,\\infty)", False, False),
        ("x \\le -2 \\text{ or } x \\ge 3", "(-\\infty,-2]\\cup[3,\\infty)", True, False),
        ("(-\\infty, 1) \\cup (1, \\infty)", "x \\neq 1", True, False), ("(-\\infty, 1)", "x \\neq 1", False, False),
    ],
    "percent_reading": [
        ("25\\%", "\\frac14", True, True), ("0.25", "25\\%", True, True), ("2.5\\%", "25\\%", False, False),
        ("\\frac{1}{4}", "25", False, True), ("12.5\\%", "\\frac18", True, True),
    ],
    "hard_negative": [
        ("12", "\\$1.20", False, False), ("\\text{all real numbers}", "(0,\\infty)", False, False), ("x > 3", "(-\\infty,3)", False, False),
        ("1.2", "12\\%", False, False), ("120", "12\\%", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "closing_sentence": [
        ("Thus, the value is 12.", "12", True, False), ("Hence the required number is 12.", "12", True, False),
        ("So n = 12.", "12", True, False), ("So n = 12.", "13", False, False), ("**12**", "12", True, False),
        ("The final result is 12 apples.", "12", True, False), ("Therefore, she has 12 left.", "12", True, False),
        ("Therefore, she has 12 left.", "1", False, False), ("all real numbers", "(-\\infty,\\infty)", True, False),
        ("Every real number works.", "\\mathbb{R}", True, True), ("There are infinitely many.", "\\infty", True, True),
    ],
    "percent_reading": [("25 percent", "0.25", True, True), ("25%", "\\frac{1}{4}", True, True), ("26%", "0.25", False, False)],
}

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("Each of the 4 friends pays 36 / 4 = 9 dollars. Thus, each friend pays 9 dollars.", "9", True, False),
    ("Each of the 4 friends pays 36 / 4 = 9 dollars. Thus, each friend pays 9 dollars.", "36", False, False),
    ("We have $3n + 4 = 40$, so $n = 12$.", "12", True, False),
    ("We have $3n + 4 = 40$, so $n = 12$.", "40", False, False),
    ("Adding the two parts: 15 + 27 = 42. So the total is **42**.", "42", True, False),
    ("Adding the two parts: 15 + 27 = 42. So the total is **42**.", "27", False, False),
    ("The function is defined for all real numbers, so the domain is $(-\\infty, \\infty)$.", "\\text{all real numbers}", True, False),
    ("The domain is all real numbers except $x = 1$.", "(-\\infty,1)\\cup(1,\\infty)", True, True),
    ("So the solution set is $x < -2$ or $x > 3$.", "(-\\infty,-2)\\cup(3,\\infty)", True, False),
    ("The price went up by 25%.", "25\\%", True, False),
    ("The price went up by 25%.", "20\\%", False, False),
    ("It costs $\\$12$ in total, i.e. $\\$3$ each.", "3", True, False),
    ("Answer: Tuesday", "\\text{Tuesday}", True, False),
    ("Answer: Tuesday", "\\text{Wednesday}", False, False),
    ("The answer is: $\\boxed{12}$", "12", True, False),
    ("Step 3: 6 * 2 = 12\nStep 4: 12 + 3 = 15\nThe answer is 15.", "15", True, False),
    ("Step 3: 6 * 2 = 12\nStep 4: 12 + 3 = 15\nThe answer is 15.", "12", False, False),
]

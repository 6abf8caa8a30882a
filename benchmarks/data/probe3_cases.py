"""The cases of ``math_pairs_probe3.jsonl`` (see ``make_math_pairs_probe3.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe2 fixes, before the next ones: golds as datasets really give them (in ``$...$``, as a
solution with one or several boxes, as a labelled equation), approximations and roundings, units
glued to numbers, "Final Answer:" sentences, chat-template debris after the answer.
"""

from __future__ import annotations

SOURCES = {
    "gold_forms": "golds as datasets write them: $-wrapped, boxed solutions, several boxes, labelled equations "
                  "(NuminaMath / OpenThoughts answers; math-verify's numina tests)",
    "approx_rounding": "approximations and roundings (math-verify precision, Qwen2.5-Math rel_tol 1e-4)",
    "decimal_comma": "decimal commas (math-verify number tests; European model outputs)",
    "glued_units": "units written against the number (12cm, 5kg, 20€, 1,000.99m²)",
    "final_sentence": "'Final Answer:' followed by a sentence, not a formula (Minerva prompt outputs)",
    "boxed_content": "boxes holding more than the value: units, x =, option labels, text",
    "chain": "equation chains and 'last =' (math-verify relations tests)",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "gold_forms": [
        ("\\frac{2}{9}", "$\\frac{2}{9}$", True, False), ("0.4", "$\\frac{2}{5}$", True, False),
        ("(3, 2)", "$(p,q)=(3,2)$", True, False), ("(3, 2)", "$(p,q)=(2,3)$", False, False),
        ("\\frac{1}{\\sqrt{6}}", "$\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}$", True, False),
        ("5", "$|AB| = 5$", True, False), ("6", "$|AB| = 5$", False, False),
        ("11:21", "$V_1 : V_2 = 11:21$", True, False), ("-2, 1", "$\\boxed{1}$ and $\\boxed{-2}$", True, False),
        ("1", "$\\boxed{1}$ and $\\boxed{-2}$", False, False), ("2, 3, 5", "\\boxed{2}, \\boxed{3}, \\boxed{5}", True, False),
        ("12", "Adding, $5 + 7 = \\boxed{12}$.", True, False), ("7", "Adding, $5 + 7 = \\boxed{12}$.", False, False),
        ("8", "$x = 8$", True, False), ("x = 8", "$8$", True, False), ("(1, 2)", "$(x, y) = (1, 2)$", True, False),
        ("2x + 3", "$y = 2x + 3$", True, True),
    ],
    "approx_rounding": [
        ("0.0833333333", "\\frac{1}{12}", True, False), ("2.6667", "\\frac{8}{3}", True, False),
        ("0.6667", "\\frac{2}{3}", True, False), ("0.67", "\\frac{2}{3}", False, False),
        ("0.1429", "\\frac{1}{7}", True, False), ("0.1428", "\\frac17", True, True),
        ("x = \\frac{1}{3} \\approx 0.33", "\\frac13", True, False), ("\\frac{22}{7} \\approx 3.14", "\\frac{22}{7}", True, False),
        ("x \\approx 4.24", "4.24", True, False), ("1.41421", "\\sqrt{2}", True, True), ("1.4142", "1.4143", False, False),
        ("0.12345", "0.1234", False, False), ("3.33", "\\frac{10}{3}", False, True),
    ],
    "glued_units": [
        ("12cm", "12", True, False), ("5kg", "5", True, False), ("3h", "3", True, False), ("12cm", "13", False, False),
        ("45mph", "45", True, False),
    ],
    "boxed_content": [
        ("\\boxed{5 \\text{ cm}}", "5", True, False), ("\\boxed{x = 5}", "5", True, False), ("\\boxed{x = 5}", "-5", False, False),
        ("\\boxed{\\text{(B) } 5}", "B", True, False), ("\\boxed{\\text{Tuesday}}", "Tuesday", True, False),
        ("\\boxed{12 \\text{ and } 13}", "12 \\text{ and } 13", True, False), ("\\boxed{40^\\circ}", "40", True, False),
        ("\\boxed{\\$ 1{,}250}", "1250", True, False), ("\\boxed{11,\\! 111,\\! 100}", "11111100", True, False),
    ],
    "chain": [
        ("x = 2 + 3 = 5", "5", True, False), ("x = 2 + 3 = 5", "2", False, False), ("a = \\sqrt{16} = 4", "4", True, False),
        ("-x > -1", "x < 1", True, False), ("-x > -1", "x > -1", False, False), ("x = 5 + 5 + 1 = 7 = 11", "11", True, True),
        ("2x - 4 = 0", "x = 2", True, True),
    ],
    "hard_negative": [
        ("\\frac{1}{12}", "12", False, False), ("12^2", "12", False, False), ("12!", "12", False, False),
        ("(12, 3)", "12", False, False), ("12\\pi", "12", False, False), ("-12", "12", False, False), ("1.2", "12", False, False),
        ("0.083", "\\frac{1}{12}", False, True), ("x_{12}", "12", False, False), ("\\sqrt{12}", "12", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "decimal_comma": [
        ("3,25", "3.25", True, True), ("1000,99", "1000.99", True, True), ("0,5", "0.5", True, True),
        ("3,25", "325", False, True),
    ],
    "glued_units": [
        ("20€", "20", True, False), ("1,000.99m²", "1000.99", True, False), ("15km", "15", True, False), ("20€", "21", False, False),
    ],
    "final_sentence": [
        ("Final Answer: The area is 24 square units.", "24", True, False),
        ("Final Answer: The area is 24 square units.", "4", False, False),
        ("Final Answer: She started 3 hours ago. I hope it is correct.", "3", True, False),
        ("Final Answer: The largest $n$ is 34.", "34", True, False),
        ("Final Answer: There are 19 points in the domain of $f$.", "19", True, False),
        ("Final Answer: The answer is $\\frac{3}{5}$ of the total.", "\\frac35", True, False),
    ],
    "approx_rounding": [("about 3.6", "3.6", True, False), ("approximately 12.57", "12.57", True, False)],
    "hard_negative": [("A12", "12", False, False), ("12b", "12", False, False), ("#12x", "12", False, False)],
}

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("So Zaius has $10,200 + $255 = $10,455. Final Answer: The final answer is $10,455$. I hope it is correct.",
     "10455", True, False),
    ("Therefore there are 12 sequences. I hope it is correct. <|im_start|>user", "12", True, False),
    ("Therefore there are 12 sequences. I hope it is correct. <|im_start|>user", "11", False, False),
    ("P(A) = (1/2) / (3/4) = 2/3. Therefore, the probability that Alice wins is 2/3. <|im_end|>", "\\frac{2}{3}", True, False),
    ("The domain is $x \\in \\boxed{(2,12) \\cup (12,102)}$.", "(2, 12) \\cup (12, 102)", True, False),
    ("The domain is $x \\in \\boxed{(2,12) \\cup (12,102)}$.", "(2, 12) \\cup [12, 102)", False, False),
    ("Parts: $\\boxed{(3, 3)}$ for part (a) and $\\boxed{(1, 1)}$ for part (b).", "(3, 3), (1, 1)", True, False),
    ("The sum is $\\boxed{\\$16{,}386.20}$.", "16386.20", True, False),
    ("The sum is $\\boxed{\\$16{,}386.20}$.", "16386.2", True, False),
    ("It costs $\\$12.50$ per hour, so 4 hours cost $\\$50$.", "50", True, False),
    ("It costs $\\$12.50$ per hour, so 4 hours cost $\\$50$.", "12.5", False, False),
    ("We solve and get x = 1/3 ≈ 0.333.", "\\frac{1}{3}", True, False),
    ("The exact value is $\\frac{\\sqrt{3}}{2} \\approx 0.866$.", "\\frac{\\sqrt3}{2}", True, False),
    ("Thus $\\boxed{x = -\\frac{3}{2}}$.", "-1.5", True, False),
    ("Thus $\\boxed{x = -\\frac{3}{2}}$.", "1.5", False, False),
    ("<think>\nx^2 = 9 so x = 3 or -3, but x > 0.\n</think>\n\n**Answer:** $x = 3$", "3", True, False),
    ("<think>\nx^2 = 9 so x = 3 or -3, but x > 0.\n</think>\n\n**Answer:** $x = 3$", "-3", False, False),
    ("The answer is \\boxed{B}.", "(B)", True, False),
    ("The answer is \\boxed{B}.", "\\text{(C)}", False, False),
    ("The final answer is 1,234.", "1234", True, False),
    ("The final answer is 1,234.", "1.234", False, False),
    ("The perimeter is 2 * (3 + 4) = 14 cm.", "14", True, False),
    ("The values are $a=2$ and $b=5$, so $a+b=7$.", "7", True, False),
    ("The values are $a=2$ and $b=5$, so $a+b=7$.", "5", False, False),
]

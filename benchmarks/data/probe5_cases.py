"""The cases of ``math_pairs_probe5.jsonl`` (see ``make_math_pairs_probes.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe4 fixes, before the next ones: MATH precalculus and geometry answer shapes (vectors
in ``\\langle \\rangle``, named left sides such as ``f^{-1}(x) =``, ``m\\angle ABC =``, ``[ABC] =``,
``P(A) =``), words for non-answers (undefined, DNE), temperatures, ``\\mathrm`` units, box spellings
(``\\boxed 5``, ``\\fbox``, "**Final Answer**"), symbolic closed forms (``\\binom{n}{2}``).
"""

from __future__ import annotations

SOURCES = {
    "vector_named_lhs": "vectors in \\langle \\rangle and answers after a named left side (MATH precalculus, geometry)",
    "words_units": "undefined / DNE, temperatures, \\mathrm and \\textit units (MATH; Minerva normalizer)",
    "box_spelling": "box spellings and markdown answer headers (model outputs)",
    "symbolic": "closed forms in n and x (Qwen2.5-Math symbolic_equal)",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written",
}

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "vector_named_lhs": [
        ("\\langle 1, -2 \\rangle", "\\langle 1,-2\\rangle", True, False), ("\\left\\langle 3, 0, 4 \\right\\rangle", "(3,0,4)", True, True),
        ("\\langle 1, -2 \\rangle", "\\langle -2, 1 \\rangle", False, False),
        ("f^{-1}(x) = \\frac{x-3}{2}", "\\frac{x-3}{2}", True, False), ("f^{-1}(x) = \\frac{x-3}{2}", "\\frac{x+3}{2}", False, False),
        ("m\\angle ABC = 40^\\circ", "40", True, False), ("[ABC] = 24", "24", True, False), ("P(A) = \\frac{1}{6}", "\\frac16", True, False),
        ("AB = 5\\sqrt{2}", "5\\sqrt2", True, False), ("AB = 5\\sqrt{2}", "5", False, False), ("\\overline{AB} = 7", "7", True, False),
        ("g(3) = -4", "-4", True, False), ("a_{10} = 512", "512", True, False), ("a_{10} = 512", "10", False, False),
    ],
    "words_units": [
        ("\\text{undefined}", "\\text{undefined}", True, False), ("\\text{DNE}", "\\text{does not exist}", True, True),
        ("25^\\circ\\text{C}", "25", True, False), ("25^\\circ \\mathrm{C}", "26", False, False), ("9.8\\,\\mathrm{m/s^2}", "9.8", True, False),
        ("3\\,\\mathrm{cm}", "3", True, False), ("3 \\textit{ cm}", "3", True, False), ("12\\ \\text{units}^2", "12", True, False),
        ("1\\,000\\,000", "10^6", True, False),
    ],
    "box_spelling": [
        ("\\boxed 5", "5", True, False), ("\\fbox{5}", "5", True, False), ("\\boxed{ 5 }", "5", True, False),
        ("\\boxed{\\dfrac{\\pi}{2}}", "\\frac\\pi2", True, False), ("\\boxed{}", "5", False, False),
    ],
    "symbolic": [
        ("\\binom{n}{2}", "\\frac{n(n-1)}{2}", True, False), ("\\frac{n(n+1)(2n+1)}{6}", "\\frac{2n^3+3n^2+n}{6}", True, False),
        ("e^{-x}", "\\frac{1}{e^x}", True, False), ("\\exp(2)", "e^2", True, False), ("\\frac{1}{2^{3}}", "0.125", True, False),
        ("3x^2 + 2x", "x(3x+2)", True, False), ("\\sqrt{-4}", "2i", True, False), ("\\frac{-1}{-2}", "\\frac12", True, False),
        ("2 \\times 3^2", "18", True, False), ("2 \\cdot (-3)", "-6", True, False), ("10!", "3628800", True, False),
        ("2^{100}", "1267650600228229401496703205376", True, False), ("\\log_{10} 1000", "3", True, False),
        ("3:2", "\\frac32", True, True), ("\\binom{n}{2}", "n^2", False, False), ("3x^2 + 2x", "3x^2+2", False, False),
    ],
    "hard_negative": [
        ("\\langle 3, 4 \\rangle", "3", False, False), ("g(3) = -4", "3", False, False), ("m\\angle ABC = 40^\\circ", "ABC", False, False),
        ("2^{10}", "10", False, False), ("\\log_{10} 1000", "10", False, False), ("25^\\circ\\text{C}", "C", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "words_units": [
        ("undefined", "\\text{undefined}", True, False), ("25 °C", "25", True, False), ("98.6°F", "98.6", True, False),
        ("1 000 000", "1000000", True, False), ("3 million", "3000000", True, True),
    ],
    "hard_negative": [("version 2.0", "2", False, True), ("Q3", "3", False, False), ("F1", "1", False, False)],
}

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    ("**Final Answer**\n\\boxed{\\langle 2, -1, 3 \\rangle}", "\\langle 2,-1,3\\rangle", True, False),
    ("**Final Answer**\n\n$$\\boxed{7}$$", "7", True, False),
    ("### Final Answer\nThe value is $\\boxed{-\\frac{5}{2}}$.", "-2.5", True, False),
    ("Therefore, $f^{-1}(x) = \\boxed{\\frac{x-3}{2}}$.", "\\frac{x-3}{2}", True, False),
    ("Since $m\\angle ABC = 180^\\circ - 140^\\circ$, we get $m\\angle ABC = 40^\\circ$.", "40", True, False),
    ("Since $m\\angle ABC = 180^\\circ - 140^\\circ$, we get $m\\angle ABC = 40^\\circ$.", "140", False, False),
    ("The area of triangle $ABC$ is $[ABC] = \\frac{1}{2}(6)(8) = 24$.", "24", True, False),
    ("The area of triangle $ABC$ is $[ABC] = \\frac{1}{2}(6)(8) = 24$.", "48", False, False),
    ("The slope is undefined, since the line is vertical.", "\\text{undefined}", True, False),
    ("The limit does not exist.", "\\text{DNE}", True, True),
    ("It is 25°C outside, so the answer is 25.", "25", True, False),
    ("So $P(\\text{both red}) = \\frac{3}{10}$.", "\\frac{3}{10}", True, False),
    ("So $P(\\text{both red}) = \\frac{3}{10}$.", "\\frac{1}{10}", False, False),
    ("Summing, $\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$.", "\\frac{n(n+1)}{2}", True, False),
    ("The answer is $\\boxed{3}$ (from step 2) and then we double it: $\\boxed{6}$.", "6", True, True),
]

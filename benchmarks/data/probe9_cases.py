"""The cases of ``math_pairs_probe9.jsonl`` (see ``make_math_pairs_probes.py``).

Each case: (answer as a model writes it, gold as a dataset gives it, label, contested). Written
after the probe8 fix, before the next ones, by an engineer who had not fitted the earlier probes,
with its own surface forms and solution openings (below) so that the way an answer is wrapped is
new as well as the answer: nested and decorated boxes, siunitx and NuminaMath ``\\mathrm{~cm}``
units, currencies other than the dollar, ``\\degree`` and ``º``, number words, AIME leading zeros,
Indian / Swiss / narrow-space grouping, unicode superscripts and vulgar fractions, ``0.(3)``
repeating decimals, complex forms, closed forms with limits / sums / integrals, French intervals,
set differences, named points, scaled matrices, lowercase choice letters, times of day, Chinese
completions, GSM8K golds with calculator annotations. Labels are by mathematics: ``1.\\overline{9}``
is 2, ``\\sqrt{3+2\\sqrt2}`` is ``1+\\sqrt2``; ``contested`` marks readings graders settle by
convention (``\\log`` without base, ``]2,5[``, European thousands, 24-hour times, units that differ).

When frozen (9e39728, before any fix it guided) lit-reason agreed on 405 of the 543 uncontested pairs
(0.746), with 6 wrong accepts (``0.5\\%`` for ``50\\%``, ``9:30 PM`` for ``9:30 a.m.``, a value
stated after the answer); 419/586 over all pairs. math-verify 0.9.0: 0.446 plain, 0.656 wrapped.
"""

from __future__ import annotations

SOURCES = {
    "box_decoration": "nested and decorated boxes: \\boxed{\\boxed{}}, \\textbf, \\color, \\displaystyle, trailing dot",
    "units_si": "siunitx (\\SI, \\num, \\qty), NuminaMath \\mathrm{~cm}, radians, compound units",
    "currency": "currencies other than the dollar, \\pounds, Rs., million, cents (GSM8K-style word problems)",
    "percent_degree": "\\degree, \\textdegree, º, degree-minutes, per cent, percent chains",
    "number_form": "signs, leading zeros (AIME 042), trailing dots, .5, en-dash minus, -(-5)",
    "grouping": "Indian, Swiss, narrow-space and siunitx digit grouping; European thousands (contested)",
    "scientific": "unicode superscript powers, 10^{-k}, scientific with units",
    "radical_pi": "radical products, denesting, rationalised forms, pi multiples in every order",
    "fraction_form": "\\nicefrac, \\sfrac, \\over, vulgar fractions, fraction slash, unreduced fractions",
    "repeating": "0.(3), 0.333\\ldots, 1.\\overline{9}, mixed repeating parts",
    "complex": "\\mathrm{i}, 1/i, polar forms, squares of complex numbers",
    "closed_form": "lg / log_b, sec, \\lvert \\rvert, limits, sums and integrals with a value, big powers, identities",
    "set_interval_tuple": "French intervals, semicolons, repeated elements, set differences, named points, +\\infty",
    "matrix": "\\left(\\begin{matrix}, smallmatrix, array, scalar times a vector, transposes",
    "choice": "Option (C), Choice C, lowercase (c), \\mathbf{(D)}, several letters",
    "text_time": "true/false, shapes, yes-with-reason, times of day, number words in \\text",
    "plain_words": "number words, unicode superscripts, fullwidth digits, plain e-notation, inf, base words",
    "hard_negative": "near misses that must be rejected",
    "model_output": "whole model outputs as written (Chinese, GSM8K golds, AIME, olympiad, align*, blockquotes)",
}

# The surface forms of this probe: none of them is a form of probes 2-8.
LATEX_FORMS = [
    "{a}",
    "$\\boxed{{\\boxed{{{a}}}}}$",
    "{p}\n\n所以答案是 $\\boxed{{{a}}}$。",
    "{p}\n\n> **Answer:** ${a}$",
    "{p} The answer is $\\boxed{{{a}}}$, as required.",
    "ANSWER: ${a}$",
    "{p} Thus,\n$$\n{a}\n$$\nwhich is the answer.",
    "\\textbf{{Answer:}} ${a}$",
    "${a}$ is the answer.",
    "{p}\n$\\therefore$ ${a}$",
    "{p}\n\n**Final Answer**\n$\\boxed{{{a}}}$\n\nLet me know if you have any other questions!",
    "{p} Hence the answer is \\(\\boxed{{{a}}}\\).",
]

PLAIN_FORMS = [
    "{a}",
    "Ans: {a}",
    "{p}\n\n答案：{a}",
    "{p}\n\n**Answer**: {a}",
    "{p} ∴ {a}",
    "{p}\n\nResult: `{a}`",
    "{p} The answer is {a}, as required.",
    "FINAL ANSWER: {a}",
    "{a} is the answer.",
]

# Solution openings with numbers and LaTeX that are not the answer.
PREFIXES = [
    "首先，$3 + 4 = 7$，再乘以 $2$ 得 $14$。",
    "Setting $t = 9$ gives a contradiction, so we discard it.",
    "Check: $2^5 = 32$ and $32 - 1 = 31$ is prime.",
    "From the table, the 2nd and 5th rows give $\\frac{2}{5}$ of the total.",
    "Note that $\\sqrt{49} = 7$ and $(-7)^2 = 49$ as well.",
    "In 2023 there were 1,250 entries; 30% of them were late.",
]

CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "box_decoration": [
        ("\\boxed{\\boxed{12}}", "12", True, False), ("\\boxed{\\textbf{12}}", "12", True, False),
        ("\\boxed{\\mathbf{-3}}", "-3", True, False), ("\\boxed{\\displaystyle \\frac{3}{4}}", "0.75", True, False),
        ("\\boxed{\\color{blue}{\\frac{5}{2}}}", "2.5", True, False), ("\\boxed{12.}", "12", True, False),
        ("\\boxed{\\;7\\;}", "7", True, False), ("\\boxed{\\left\\{ 1, 3 \\right\\}}", "1, 3", True, False),
        ("\\boxed{\\textbf{13}}", "12", False, False),
    ],
    "units_si": [
        ("\\SI{5}{\\centi\\meter}", "5", True, False), ("\\SI{9.8}{\\meter\\per\\second\\squared}", "9.8", True, False),
        ("\\num{12345}", "12345", True, False), ("\\num{3.2e4}", "32000", True, False),
        ("\\qty{250}{\\milli\\litre}", "250", True, False), ("5 \\mathrm{~cm}", "5", True, False),
        ("60 \\mathrm{~km} / \\mathrm{h}", "60", True, False), ("45\\,\\mathrm{km\\,h^{-1}}", "45", True, False),
        ("2.5 \\mathrm{~kg}", "2.5", True, False), ("2.5 \\mathrm{~kg}", "25", False, False),
        ("120 \\mathrm{~m}^{2}", "120", True, False), ("\\pi \\text{ radians}", "\\pi", True, False),
        ("\\frac{\\pi}{3} \\text{ rad}", "\\frac{\\pi}{3}", True, False), ("\\num{12345}", "12354", False, False),
    ],
    "currency": [
        ("\\pounds 20", "20", True, False), ("\\text{Rs. } 450", "450", True, False),
        ("\\$1.5 \\text{ million}", "1500000", True, False), ("\\$1.5 \\text{ million}", "1500", False, False),
        ("45 \\text{ USD}", "45", True, False), ("\\$0.75", "75 \\text{ cents}", True, True),
        ("\\text{\\$}12", "12", True, False), ("\\text{\\euro}30", "30", True, False),
    ],
    "percent_degree": [
        ("45\\degree", "45", True, False), ("45\\textdegree", "45^\\circ", True, False), ("45º", "45", True, False),
        ("45^{\\circ}\\!", "45", True, False), ("30^\\circ 30'", "30.5", True, True), ("46\\degree", "45", False, False),
        ("12.5 \\text{ per cent}", "12.5\\%", True, False), ("12.5\\ \\%", "12.5", True, False),
        ("0.5\\%", "50\\%", False, False), ("-15\\%", "-15", True, False),
        ("\\frac{1}{4} \\times 100\\% = 25\\%", "25\\%", True, False),
    ],
    "number_form": [
        ("-.5", "-\\frac12", True, False), ("- 5", "-5", True, False), ("\u20135", "-5", True, False),
        ("-(-5)", "5", True, False), ("\\left( -5 \\right)", "-5", True, False), ("{-5}", "-5", True, False),
        ("5.", "5", True, False), ("+0.5", "\\frac12", True, False), ("042", "42", True, False),
        ("007", "7", True, False), ("420", "42", False, False), ("0.50", ".5", True, False),
        ("1.50", "\\frac{3}{2}", True, False), ("-0", "0", True, False),
    ],
    "grouping": [
        ("12\u202f345", "12345", True, False), ("12\u00a0345", "12345", True, False),
        ("1.000.000", "1000000", True, True), ("\\num{1234567}", "1,234,567", True, False),
        ("1\\,234.5", "1234.5", True, False), ("12{,}345{,}678", "12345678", True, False),
        ("12,345", "12.345", False, True), ("12{,}345{,}678", "1234567", False, False),
    ],
    "scientific": [
        ("6.02 \u00d7 10\u00b2\u00b3", "6.02\\times10^{23}", True, False), ("1.2 \\times 10^{-4}", "0.00012", True, False),
        ("1.2 \\times 10^{4}", "1.2\\times10^{-4}", False, False), ("10^{-2}", "0.01", True, False),
        ("1.5 \\times 10^{3} \\text{ J}", "1500", True, False), ("5 \\times 10^{-1}", "\\frac12", True, False),
        ("10\u2076", "1000000", True, False),
    ],
    "radical_pi": [
        ("\\sqrt{2}\\sqrt{3}", "\\sqrt6", True, False), ("\\sqrt[4]{16}", "2", True, False), ("2^{1/2}", "\\sqrt2", True, False),
        ("\\sqrt{\\frac{1}{2}}", "\\frac{\\sqrt2}{2}", True, False), ("\\frac{1}{\\sqrt{2}+1}", "\\sqrt2-1", True, False),
        ("\\sqrt{3+2\\sqrt{2}}", "1+\\sqrt2", True, False), ("\\sqrt{2}+\\sqrt{3}", "\\sqrt5", False, False),
        ("\\frac{\\sqrt{8}}{2}", "\\sqrt2", True, False), ("3\\sqrt{2} + 2\\sqrt{3}", "2\\sqrt3+3\\sqrt2", True, False),
        ("3\\sqrt{2} + 2\\sqrt{3}", "3\\sqrt3+2\\sqrt2", False, False), ("2\\pi/3", "\\frac{2\\pi}{3}", True, False),
        ("\\frac{2}{3}\\pi", "\\frac{2\\pi}{3}", True, False), ("\\pi/2", "2\\pi", False, False),
        ("r^2\\pi", "\\pi r^2", True, False), ("\\pi\\sqrt{2}", "\\sqrt{2}\\pi", True, False),
        ("\\frac{\\pi^2}{6}", "\\frac{\\pi^{2}}{6}", True, False), ("4\\pi^2", "4\\pi", False, False),
        ("\\frac{3\\pi}{2}", "270^\\circ", True, True), ("1.5708", "\\frac{\\pi}{2}", True, True),
    ],
    "fraction_form": [
        ("\\nicefrac{3}{4}", "0.75", True, False), ("\\sfrac{3}{4}", "\\frac34", True, False),
        ("{3 \\over 4}", "\\frac34", True, False), ("\u00be", "\\frac34", True, False), ("3\u20444", "\\frac34", True, False),
        ("\\frac{6}{8}", "\\frac34", True, False), ("\\frac{1.5}{3}", "0.5", True, False),
        ("\\frac{-3}{-4}", "\\frac34", True, False), ("\\frac{4}{3}", "\\frac34", False, False),
        ("\\tfrac{3}{4}", "\\frac{3}{5}", False, False),
    ],
    "repeating": [
        ("0.(3)", "\\frac13", True, False), ("0.333\\ldots", "\\frac13", True, False), ("0.1(6)", "\\frac16", True, False),
        ("0.\\overline{3}", "0.\\overline{33}", True, False), ("0.(3)", "\\frac{3}{10}", False, False),
        ("1.\\overline{9}", "2", True, False), ("0.1\\overline{3}", "\\frac{2}{15}", True, False),
    ],
    "complex": [
        ("2+3\\mathrm{i}", "2+3i", True, False), ("\\frac{1}{i}", "-i", True, False), ("i^2", "-1", True, False),
        ("2 - i\\sqrt{3}", "2-\\sqrt{3}i", True, False), ("-i", "i", False, False),
        ("\\sqrt{2}e^{i\\pi/4}", "1+i", True, False), ("(1+i)^2", "2i", True, False), ("1-i", "1+i", False, False),
    ],
    "closed_form": [
        ("\\lg 100", "2", True, False), ("\\log_2 3", "\\frac{\\ln 3}{\\ln 2}", True, False), ("\\log 100", "2", True, True),
        ("\\sec 60^\\circ", "2", True, False), ("\\sin^2 x", "(\\sin x)^2", True, False),
        ("\\sin 2x", "2\\sin x\\cos x", True, False), ("\\cos 2x", "2\\sin x \\cos x", False, False),
        ("\\lvert -3 \\rvert", "3", True, False), ("\\vert -3 \\vert", "3", True, False),
        ("\\lim_{x\\to 0} \\frac{\\sin x}{x} = 1", "1", True, False), ("\\int_0^1 x\\,dx = \\frac{1}{2}", "\\frac12", True, False),
        ("\\sum_{k=1}^{10} k = 55", "55", True, False), ("\\mathrm{e}^{2}", "e^2", True, False),
        ("\\exp(-1)", "\\frac{1}{e}", True, False), ("\\binom{2n}{n}", "\\frac{(2n)!}{(n!)^2}", True, False),
        ("\\frac{n!}{(n-2)!}", "n(n-1)", True, False), ("2^{n+1} - 2", "2(2^n-1)", True, False),
        ("2^{n+1} - 2", "2^n - 1", False, False), ("\\frac{1}{x} + \\frac{1}{y}", "\\frac{x+y}{xy}", True, False),
        ("\\frac{x^2-1}{x-1}", "x+1", True, True), ("\\varphi", "\\frac{1+\\sqrt5}{2}", True, True),
        ("\\frac{2^{2023}-1}{3}", "\\frac{2^{2023} - 1}{3}", True, False), ("2^{2023}", "2^{2022}", False, False),
        ("2^{10}-1", "1023", True, False), ("10^{9}+7", "1000000007", True, False),
    ],
    "set_interval_tuple": [
        ("]2, 5[", "(2,5)", True, True), ("[2, 5[", "[2,5)", True, True), ("\\{1; 2; 3\\}", "\\{1,2,3\\}", True, False),
        ("\\{1, 1, 2, 3\\}", "\\{1,2,3\\}", True, False),
        ("\\mathbb{R} \\setminus \\{0\\}", "(-\\infty,0)\\cup(0,\\infty)", True, False),
        ("\\mathbb{R} \\setminus \\{0\\}", "(0,\\infty)", False, False), ("(0, 1] \\cup [1, 2)", "(0,2)", True, False),
        ("[3, +\\infty)", "[3,\\infty)", True, False), ("(-\\infty, +\\infty)", "\\mathbb{R}", True, True),
        ("\\{x \\in \\mathbb{R} : x > 2\\}", "(2,\\infty)", True, True), ("3 \\ge x > 0", "(0, 3]", True, True),
        ("\\{(1,2), (2,1)\\}", "(1,2),(2,1)", True, False), ("(2,1), (1,2)", "(1,2),(2,1)", True, False),
        ("\\{(1,2)\\}", "(1,2),(2,1)", False, False), ("A(1, 2)", "(1,2)", True, False),
        ("P = (3, -4)", "(3,-4)", True, False), ("P = (3, -4)", "(-4,3)", False, False),
        ("y \\in [0, 4]", "[0,4]", True, False), ("[0, 4]", "0 \\le y \\le 4", True, True), ("\\{-2, 2\\}", "\\pm 2", True, False),
        ("(1, 2]", "(1,2)", False, False),
    ],
    "matrix": [
        ("\\left(\\begin{matrix} 1 & 2 \\\\ 3 & 4 \\end{matrix}\\right)", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", True, False),
        ("\\left(\\begin{smallmatrix} 1 & 2 \\\\ 3 & 4 \\end{smallmatrix}\\right)", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
         True, False),
        ("\\begin{pmatrix} \\frac{\\sqrt{2}}{2} & -\\frac{\\sqrt{2}}{2} \\\\ \\frac{\\sqrt{2}}{2} & \\frac{\\sqrt{2}}{2} \\end{pmatrix}",
         "\\begin{pmatrix} \\frac{1}{\\sqrt2} & -\\frac{1}{\\sqrt2} \\\\ \\frac{1}{\\sqrt2} & \\frac{1}{\\sqrt2} \\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", False, False),
        ("2\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}2\\\\4\\end{pmatrix}", True, False),
        ("\\mathbf{v} = \\begin{pmatrix} 2 \\\\ 4 \\end{pmatrix}", "\\begin{pmatrix}2\\\\4\\end{pmatrix}", True, False),
        ("\\begin{pmatrix} 1 & 0 \\end{pmatrix}", "(1, 0)", True, True),
        ("\\left[\\begin{array}{r} 5 \\\\ -2 \\end{array}\\right]", "\\begin{pmatrix}5\\\\-2\\end{pmatrix}", True, False),
    ],
    "choice": [
        ("\\text{Option (C)}", "C", True, False), ("\\text{Choice } C", "C", True, False), ("\\textbf{(c)}", "C", True, False),
        ("\\mathbf{(D)}", "D", True, False), ("\\text{(A) and (C)}", "AC", True, True), ("\\text{(E)}", "(D)", False, False),
        ("\\textbf{(C)}~12", "\\textbf{(C)}", True, False),
    ],
    "text_time": [
        ("\\text{True}", "True", True, False), ("\\text{false}", "False", True, False), ("\\text{False}", "True", False, False),
        ("\\textit{odd}", "\\text{odd}", True, False), ("\\text{Ellipse}", "\\text{ellipse}", True, False),
        ("\\text{parabola}", "\\text{hyperbola}", False, False), ("\\text{Alice and Bob}", "Alice and Bob", True, False),
        ("\\text{Yes, it is possible.}", "\\text{Yes}", True, False), ("\\text{No, it is not possible.}", "\\text{Yes}", False, False),
        ("\\text{impossible}", "\\text{Impossible}", True, False), ("\\text{9:30 a.m.}", "9:30", True, False),
        ("3{:}45 \\text{ PM}", "3:45 \\text{ p.m.}", True, False), ("15{:}45", "3:45 \\text{ PM}", True, True),
        ("\\text{seven}", "7", True, False), ("\\text{twelve}", "11", False, False),
    ],
    "hard_negative": [
        ("2\\sqrt{3}", "3\\sqrt{2}", False, False), ("e^2", "2e", False, False), ("\\log_2 3", "\\log_3 2", False, False),
        ("100", "10^{3}", False, False), ("12 \\times 3", "12", False, False), ("\\frac{\\pi}{3}", "\\frac{\\pi}{3}+1", False, False),
        ("\\boxed{12} \\text{ or } \\boxed{13}", "12", False, False), ("0.(3)", "0.3", False, False),
    ],
}

PLAIN_CASES: dict[str, list[tuple[str, str, bool, bool]]] = {
    "plain_words": [
        ("seven", "7", True, False), ("twenty-four", "24", True, False), ("one hundred", "100", True, False),
        ("one million", "1000000", True, False), ("three quarters", "0.75", True, False), ("negative seven", "-7", True, False),
        ("minus 7", "-7", True, False), ("x\u00b2 + 1", "x^2+1", True, False), ("2\u00b3", "8", True, False),
        ("10\u207b\u00b3", "0.001", True, False), ("\uff11\uff12", "12", True, False), ("\u2212\u00bd", "-0.5", True, False),
        ("3.0E+08", "3\\times10^8", True, False), ("1.5 x 10^3", "1500", True, False), ("2.5*10^6", "2500000", True, False),
        ("(-inf, 3]", "(-\\infty,3]", True, False), ("[3, +\u221e)", "[3,\\infty)", True, False),
        ("0.333...", "\\frac13", True, False), ("2 and 1/3", "\\frac73", True, False), ("3pi/2", "\\frac{3\\pi}{2}", True, False),
        ("pi^2/6", "\\frac{\\pi^2}{6}", True, False), ("sqrt(3)/3", "\\frac{1}{\\sqrt3}", True, False),
        ("(1011)_2", "1011_2", True, False), ("1011 in base 2", "1011_2", True, False),
        ("x = 1, 2, or 3", "1,2,3", True, False), ("45\u00b030'", "45.5", True, True), ("1,00,000", "100000", True, False),
        ("1'000'000", "1000000", True, False), ("12\u00a0345", "12345", True, False),
    ],
    "currency": [
        ("\u00a320", "20", True, False), ("\u00a5500", "500", True, False), ("\u20b9450", "450", True, False),
        ("20 yuan", "20", True, False), ("20\u5143", "20", True, False), ("45 USD", "45", True, False),
    ],
    "text_time": [
        ("5 hrs", "5", True, False), ("about 12", "12", True, False), ("roughly 12.5", "12.5", True, False),
        ("True", "\\text{True}", True, False), ("9:30 AM", "9:30", True, False), ("2 h 30 min", "2.5", True, True),
    ],
    "hard_negative": [
        ("twenty-four", "42", False, False), ("negative seven", "7", False, False), ("x\u00b2 + 1", "x^2 + 2", False, False),
        ("x = 1, 2, or 3", "1,2", False, False), ("5 hrs", "6", False, False), ("12 or 13", "12", False, False),
        ("12 (or 13 if the endpoint counts)", "12", False, False), ("false", "True", False, False),
        ("9:30 PM", "9:30 \\text{ a.m.}", False, False),
    ],
}

_GSM_GOLD = "Each pack costs $5, so he pays 4*5=<<4*5=20>>20 dollars.\n#### 20"
_ZH_APPLES = "小明有 $3 \\times 4 = 12$ 个苹果，吃掉 5 个后剩下 $12 - 5 = 7$ 个。\n\n所以答案是 $\\boxed{7}$。"
_ZH_AREA = "解：设宽为 $x$，则长为 $2x$，$2(x + 2x) = 24$，所以 $x = 4$。\n答：长方形的面积是 32 平方厘米。"
_ALIGN = "\\begin{align*}\n3x + 5 &= 20 \\\\\n3x &= 15 \\\\\nx &= 5\n\\end{align*}"
_QUADRATIC = ("\\begin{align*}\nx &= \\frac{4 \\pm \\sqrt{16 - 12}}{2} \\\\\n&= \\frac{4 \\pm 2}{2}\n\\end{align*}\n"
              "so $x = 3$ or $x = 1$.")
_SELF_FIX = ("The answer is $\\boxed{12}$. Actually, wait: I double counted the case $a = b$, so it should be "
             "$\\boxed{11}$.")
_VERIFY_AFTER = "Answer: 7\n\nVerification: 7 × 8 = 56 and 56 + 7 = 63, which confirms the answer."
_POINTS = "The curves $y = x^2$ and $y = 2 - x$ meet at $(1, 1)$ and $(-2, 4)$."
_MAX_AT = "The maximum value is $8$, attained at $x = 2$."
_AIME = "Therefore $\\frac{m}{n} = \\frac{41}{1}$, so $m + n = 41 + 1 = 42$, and the answer is $\\boxed{042}$."
_THINK = ("<think>\nLet me compute 17 * 23. 17*20 = 340, 17*3 = 51, total 391.\n</think>\n\n"
          "17 \u00d7 23 = **391**")
_DOLLARS_LESS = "The answer is 20 dollars, which is $5 less than he expected."
_NOTE_AFTER = "So there are 6 ways.\n\nNote: 3! = 6 as expected, and with 4 people it would be 24."
_COMPLEX = "Hence $z = \\frac{3+4i}{1-2i} = -1 + 2i$."
_CHOICE_VALUE = "The answer is (B) $\\frac{\\sqrt{3}}{2}$."
_FUNCTIONAL = "Therefore the only solution is $f(x) = x$ for all real $x$."
_ALL_N = "All such $n$ are $n = 1$ and $n = 5$."
_TEMPERATURE = "The temperature dropped to $-12^\\circ$C at midnight."
_REPEAT = "Thus $x = 0.\\overline{27} = \\frac{27}{99} = \\frac{3}{11}$."
_LAPS = "Each lap is 400 m, so 5 laps are 2000 m = 2 km."
_SUM = "$$\\sum_{k=1}^{100} k = \\frac{100 \\cdot 101}{2} = 5050$$"
_AREA = "Therefore the area is $\\frac{25\\sqrt{3}}{4}\\text{ cm}^2$."
_EQUATION_ENV = "The volume of the sphere is\n\\begin{equation}\n\\boxed{V = 36\\pi}\n\\end{equation}"

MODEL_OUTPUTS: list[tuple[str, str, bool, bool]] = [
    (_ZH_APPLES, "7", True, False), (_ZH_APPLES, "12", False, False),
    (_ZH_AREA, "32", True, False), (_ZH_AREA, "4", False, False),
    ("He buys 4 packs at $5 each, so 4 * 5 = 20 dollars. The answer is 20.", _GSM_GOLD, True, False),
    ("He buys 4 packs at $5 each, so 4 * 5 = 25 dollars. The answer is 25.", _GSM_GOLD, False, False),
    ("Thus the final answer is $\\boxed{\\boxed{15}}$.", "15", True, False),
    (_MAX_AT, "8", True, False), (_MAX_AT, "2", False, False),
    ("The minimum is achieved when $a = b = c = 1$, giving $\\boxed{3}$.", "3", True, False),
    ("The minimum is achieved when $a = b = c = 1$, giving $\\boxed{3}$.", "1", False, False),
    ("So the answer is $\\boxed{25}$ square units, since the side is 5.", "25", True, False),
    ("So the answer is $\\boxed{25}$ square units, since the side is 5.", "5", False, False),
    (_AIME, "42", True, False), (_AIME, "41", False, False),
    (_SELF_FIX, "11", True, True), (_SELF_FIX, "12", False, True),
    ("> **Answer:** The train arrives at **4:30 PM**.", "4:30 \\text{ PM}", True, False),
    ("Running the computation gives `1024`.", "1024", True, False),
    ("Running the computation gives `1024`.", "2^{10}", True, False),
    (_ALIGN, "5", True, False), (_ALIGN, "15", False, False),
    (_QUADRATIC, "1, 3", True, False), (_QUADRATIC, "3", False, False),
    ("2x = 24 \u2234 x = 12", "12", True, False), ("2x = 24 \u2234 x = 12", "24", False, False),
    ("ANSWER: 7 apples", "7", True, False),
    ("$\\therefore$ the required length is $6\\sqrt{2}$ cm.", "6\\sqrt2", True, False),
    ("$\\therefore$ the required length is $6\\sqrt{2}$ cm.", "6", False, False),
    (_POINTS, "(-2,4),(1,1)", True, False), (_POINTS, "(1,1)", False, False),
    ("So $f$ takes every value from $0$ to $4$ inclusive, i.e. the range is $[0, 4]$.", "[0,4]", True, False),
    ("So $f$ takes every value from $0$ to $4$ inclusive, i.e. the range is $[0, 4]$.", "(0,4)", False, False),
    ("The probability is $\\frac{1}{4}$, which is $25\\%$.", "\\frac14", True, False),
    ("The mass is about $1.5 \\times 10^{3}$ kg, i.e. 1500 kg.", "1500", True, False),
    (_LAPS, "2\\text{ km}", True, False), (_LAPS, "400", False, False),
    ("The total revenue is \\$12{,}500.", "12500", True, False), ("The total revenue is \\$12{,}500.", "125", False, False),
    (_TEMPERATURE, "-12", True, False), (_TEMPERATURE, "12", False, False),
    (_COMPLEX, "-1+2i", True, False), (_COMPLEX, "1-2i", False, False),
    (_CHOICE_VALUE, "B", True, False), (_CHOICE_VALUE, "\\text{(B)}", True, False), (_CHOICE_VALUE, "A", False, False),
    ("Among the choices, $\\textbf{(E)}\\ 2\\sqrt{2}$ is correct.", "E", True, False),
    (_FUNCTIONAL, "f(x)=x", True, False), (_FUNCTIONAL, "f(x) = -x", False, False),
    (_ALL_N, "1, 5", True, False), (_ALL_N, "5", False, False),
    ("The answer is $\\frac{1}{2}$ (or equivalently 0.5).", "0.5", True, False),
    (_THINK, "391", True, False), (_THINK, "340", False, False),
    ("Result: 0.75 (i.e. 3/4)", "\\frac34", True, False),
    ("So she needs 3 more boxes.", "3", True, False),
    ("The sequence converges to $\\frac{\\pi}{4} \\approx 0.785$.", "\\frac\\pi4", True, False),
    (_REPEAT, "\\frac3{11}", True, False), (_REPEAT, "\\frac{27}{100}", False, False),
    ("I think the answer is 12, but I'm not completely sure.", "12", True, False),
    (_VERIFY_AFTER, "7", True, False), (_VERIFY_AFTER, "63", False, False),
    ("The answer is $0.6$.", "\\(\\dfrac{3}{5}\\)", True, False),
    ("The answer is 72.", "72.0", True, False),
    ("The answer is $-3$.", "\u22123", True, False),
    ("The answer is 1200.", "1,200", True, False), ("The answer is 1200.", "\\$1,200.00", True, False),
    ("The answer is $[2, \\infty)$.", "x \\in [2, \\infty)", True, False),
    ("The answer is C.", "\\text{(C)}\\ 12", True, False), ("The answer is 12.", "\\text{(C)}\\ 12", True, True),
    (_SUM, "5050", True, False), (_SUM, "100", False, False),
    ("答案：\uff11\uff12", "12", True, False),
    ("So the smallest such number is 1,001.", "1001", True, False),
    ("So the smallest such number is 1,001.", "1", False, False),
    ("The answer is 15. (The problem gave 3 and 5.)", "15", True, False),
    ("The answer is 15. (The problem gave 3 and 5.)", "5", False, False),
    (_DOLLARS_LESS, "20", True, False), (_DOLLARS_LESS, "5", False, False),
    (_NOTE_AFTER, "6", True, False), (_NOTE_AFTER, "24", False, False),
    ("The final answer is: $\\boxed{8}$ cm$^2$", "8", True, False),
    ("<think>\nk must make the discriminant zero.\n</think>\n\n**Final Answer**\nThe value of $k$ is "
     "$\\boxed{-\\tfrac{1}{2}}$.", "-0.5", True, False),
    (_AREA, "\\frac{25\\sqrt3}{4}", True, False), (_AREA, "25", False, False),
    (_EQUATION_ENV, "36\\pi", True, False),
    ("The change in height is \u20134 m.", "-4", True, False),
    ("$\\boxed{4}$ or $\\boxed{-4}$", "\\pm 4", True, False),
]

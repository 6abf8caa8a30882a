"""Answer comparison: one group of equal and unequal pairs per bullet of issue 10."""

import pytest

from lit_reason.rewards.math import answers_equal

PAIRS = {
    "thousands_separators": [
        ("10\\,000", "10000", True), ("1,000", "1000", True), ("10{,}000", "10000", True),
        ("1\u2009000", "1000", True), ("1,000", "1001", False), ("1234568", "1,234,567", False),
    ],
    "decimals": [("3.50", "3.5", True), (".5", "0.5", True), ("3.5", "3.05", False), ("18.00", "18", True)],
    "fractions": [
        (r"\frac{1}{2}", "0.5", True), (r"\dfrac{3}{4}", "3/4", True), (r"\tfrac{6}{8}", r"\frac34", True),
        ("3/4", r"\frac{4}{3}", False), ("0.333", r"\frac{1}{3}", False), (r"\frac{1}{-2}", "-0.5", True),
    ],
    "mixed_numbers": [
        ("4 4/9", r"\frac{40}{9}", True), (r"4\frac{4}{9}", r"\frac{40}{9}", True), (r"\frac{16}{9}", r"4\frac{4}{9}", False),
    ],
    "percent": [("50\\%", "50", True), ("50\\%", "0.5", True), ("0.5", "50%", True), ("25\\%", "50\\%", False)],
    "degrees": [("30^\\circ", "30", True), ("30^{\\circ}", "60^\\circ", False), ("90^\\circ", r"\frac{\pi}{2}", True)],
    "units_and_text": [
        ("5 \\text{ cm}", "5", True), ("5\\text{ cm}^2", "5", True), ("12 \\mbox{ inches}", "12", True),
        ("42 apples", "42", True), ("5 \\text{ cm}", "6", False), ("\\text{Evelyn}", "Evelyn", True),
        ("\\text{Bob}", "\\text{Evelyn}", False), ("(C)", "\\text{(C)}", True), ("(B)", "(C)", False),
    ],
    "scientific_notation": [
        ("3e5", "300000", True), (r"3\times10^{5}", "3e5", True), (r"1.5\times 10^{-3}", "0.0015", True),
        (r"3\times10^{5}", r"3\times10^{6}", False), ("1.5e-3", "0.015", False),
    ],
    "pi_i_sqrt": [
        (r"2\sqrt{3}", r"\sqrt{12}", True), (r"\frac{\sqrt2}{2}", r"\frac{1}{\sqrt{2}}", True), (r"\sqrt{3}", "3", False),
        (r"\frac{\pi}{2}", r"\pi/2", True), (r"2\pi", "6.28", False), ("3+4i", "4i+3", True), ("2i", "-2i", False),
        ("-1", "i^2", True), (r"\sqrt[3]{16}", r"2\sqrt[3]{2}", True),
    ],
    "symbolic": [
        ("x^2+2x+1", "(x+1)^2", True), ("(x+1)^2", "x^2+1", False), (r"\frac{1}{x}+\frac{1}{y}", r"\frac{x+y}{xy}", True),
        (r"2\sin x\cos x", r"\sin 2x", True), ("2(x+3)", "2x+3", False), (r"\log_2 8", "3", True), ("5!", "120", True),
    ],
    "equations": [
        ("x=3", "3", True), ("3", "x=3", True), ("x = 3", "4", False), ("y=2x+1", "2x+1", True),
        ("y = 2x+1", "2x - y = -1", True), ("y=2x+1", "y=2x-1", False), ("f(x) = 2x", "2x", True),
        ("x = 3 = 4", "4", False),
    ],
    "intervals_inequalities": [
        ("(0,1]", r"0 < x \le 1", True), ("[0,1]", "(0,1]", False), (r"[2, \infty)", r"x \ge 2", True),
        ("x>2", r"[2,\infty)", False), (r"(-\infty, 3) \cup (4, \infty)", r"x<3 \text{ or } x>4", True),
        (r"x \in (-1, 1)", "|x| < 1", True), (r"(-\infty,\infty)", r"\mathbb{R}", True), ("(1,4)", "1<x<5", False),
    ],
    "sets_unordered_lists": [
        (r"\{1,2,3\}", "3, 2, 1", True), ("1, 2", "2, 1", True), ("1, 2", "1, 3", False), (r"\{1,2\}", r"\{1,2,3\}", False),
        ("x = 1, x = 2", "1, 2", True), (r"2 \pm \sqrt{3}", r"2+\sqrt{3}, 2-\sqrt{3}", True), (r"2 \pm \sqrt{3}", r"2+\sqrt{3}", False),
        (r"\{3\}", "3", True),
    ],
    "tuples_ordered": [
        ("(1,2)", "(1, 2)", True), ("(1,2)", "(2,1)", False), (r"\left(3, -1\right)", "(3,-1)", True),
        ("(1, 3, 2)", "(1,2,3)", False), ("(3, 1)", "(5, 2)", False),
    ],
    "matrices": [
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", True),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}", False),
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "(1,2)", True), (r"\begin{pmatrix} 1 & 2 \end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", False),
    ],
    "infinity_emptyset": [
        (r"\infty", r"\infty", True), (r"-\infty", r"\infty", False), (r"\varnothing", r"\emptyset", True),
        (r"\{\}", r"\varnothing", True), ("0", r"\varnothing", False),
    ],
    "bare_latex_trailing_punctuation": [
        (r"$\frac13.$", r"\frac{1}{3}", True), (r"\frac{1}{3},", r"\frac13", True), (r"$2\sqrt{3};$", r"\sqrt{12}", True),
        (r"$\frac13.$", r"\frac14", False),
    ],
    "choice_letters": [
        ("(C) 12", "C", True), (r"(D)\frac{3}{4}", "D", True), ("C) 12", "(C)", True), ("B. 3/4", "B", True),
        ("Option C", "C", True), ("(A) 7", "B", False), ("C", "(D)", False), ("12", "C", False), ("(A) and (C)", "A", False),
    ],
    "repeating_decimals": [
        (r"0.\overline{3}", r"\frac13", True), (r"0.1\overline{6}", r"\frac16", True),
        (r"1.\overline{27}", r"\frac{14}{11}", True), (r"0.\dot{3}", r"\frac13", True),
        (r"0.\overline{3}", "0.3", False), (r"0.\overline{12}", r"\frac{12}{100}", False),
    ],
    "inverse_trig_and_degrees_in_trig": [
        (r"\tan^{-1}(1)", r"\frac{\pi}{4}", True), (r"\cos^{-1}(0)", r"\frac{\pi}{2}", True),
        (r"\sin 30^\circ", r"\frac12", True), (r"\sin^{2} x + \cos^2 x", "1", True),
        (r"\tan^{-1}(1)", r"\frac{\pi}{3}", False), (r"\sin 30^\circ", r"\frac{\sqrt3}{2}", False),
    ],
    "slash_units": [(r"8\pi \text{ cm}^3", r"8\pi", True), (r"\sqrt{2}\text{ m}", r"\sqrt2", True), ("15 km/h", "15", True), ("3 m/s", "3", True), ("15 km/h", "16", False), ("5 x/y", "5", False)],
    "unparseable_chain_last_value": [
        (r"1 + 2 + \cdots + 10 = 55", "55", True), (r"1 + 2 + \cdots + 10 = 55", "10", False),
    ],
    "roundings_of_4_or_more_places": [
        ("0.0833333", r"\frac{1}{12}", True), ("2.6667", r"\frac83", True), ("0.6666", r"\frac23", True),
        ("0.67", r"\frac23", False), ("0.12345", "0.1234", False), ("2.6677", r"\frac83", False),
    ],
    "approximations": [
        (r"x = \frac13 \approx 0.33", r"\frac13", True), (r"\frac{\sqrt3}{2} \approx 0.866", r"\frac{\sqrt{3}}{2}", True),
        (r"x \approx 4.24", "4.24", True), ("about 3.6", "3.6", True), (r"x = \frac13 \approx 0.33", "0.33", False),
    ],
    "decimal_commas": [("3,25", "3.25", True), ("0,111", "0.111", True), ("3,25", "325", False), ("1,000", "1.000", False)],
    "labelled_golds": [
        ("(3, 2)", "(p,q)=(3,2)", True), ("5", "|AB| = 5", True), ("11:21", "V_1 : V_2 = 11:21", True),
        (r"\frac{1}{\sqrt6}", r"\frac{NO}{BO}=\frac{1}{\sqrt{6}}", True), ("6", "|AB| = 5", False),
        ("(2, 3)", "(p,q)=(3,2)", False), ("11a+c", "7 = 11a+c", False), ("5", "x + y = 5", False),
    ],
    "named_sums_and_glued_units": [
        ("a+b=7", "7", True), ("a+b=7", "8", False), ("3h", "3", True), ("12cm", "12", True), ("3h", "4", False),
    ],
    "pairs_and_commas_in_brackets": [
        ("(3, 3)", "(1, 1)", False), (r"(2,12) \cup (12,102)", r"(2, 12) \cup (12, 102)", True),
        (r"11,\! 111,\! 100", "11111100", True), (r"\boxed{5 \text{ cm}}", "5", True), ("(12,102)", "12102", False),
    ],
    "plain_and_unicode_forms": [
        ("90^o", "90", True), ("90^{o}", "90^\\circ", True), ("\u00bd", r"\frac12", True), ("x \u2208 [1, 3]", "[1,3]", True),
        ("sqrt(2)/2", r"\frac{\sqrt2}{2}", True), ("91^o", "90", False), ("\u00bd", r"\frac13", False),
    ],
    "named_sides_and_temperatures": [
        (r"f^{-1}(x) = \frac{x-3}{2}", r"\frac{x-3}{2}", True), (r"f^{-1}(x) = \frac{x-3}{2}", r"\frac{x+3}{2}", False),
        ("25 \u00b0C", "25", True), (r"60^\circ C", "60", True), ("25 \u00b0C", "26", False),
    ],
    "all_real_numbers_and_bold": [
        (r"(-\infty, \infty)", r"\text{all real numbers}", True), ("all real numbers", r"\mathbb{R}", True), ("**12**", "12", True),
        (r"\text{all real numbers}", r"(0,\infty)", False), ("**12**", "13", False),
    ],
    "ordinals_primes_one_element_brackets": [
        ("(1)", "1", True), ("[ABC] = 24", "24", True), ("[x+1]", "x+1", True),
        ("7th", "7", False), ("2'", "2", False), ("[1]", "1", False),
    ],
    "set_builder": [(r"\{x \mid x > 2\}", r"(2, \infty)", True), (r"\{x : x \le 1\}", r"x \le 1", True),
                    (r"\{x \mid x > 2\}", r"[2, \infty)", False)],
    "large_integers_exact": [("1000001", "1000000", False), ("12345678", "12345679", False), ("100000000", "1e8", True)],
    # probe 9 (issue 17)
    "percent_on_both_sides": [("0.5\\%", "50\\%", False), ("50\\%", "50\\%", True), ("0.5\\%", "0.5", True), ("50\\%", "0.5", True)],
    "siunitx_and_compound_units": [
        (r"\SI{5}{\centi\meter}", "5", True), (r"\num{3.2e4}", "32000", True), (r"\num{12345}", "12354", False),
        (r"60 \mathrm{~km} / \mathrm{h}", "60", True), (r"45\,\mathrm{km\,h^{-1}}", "45", True), (r"2.5 \mathrm{~kg}", "25", False),
    ],
    "currencies_and_scale_words": [
        (r"\pounds 20", "20", True), (r"\text{\euro}30", "30", True), (r"\text{Rs. } 450", "450", True), ("\u20b9450", "450", True),
        ("20\u5143", "20", True), (r"\$1.5 \text{ million}", "1500000", True), (r"\$1.5 \text{ million}", "1500", False),
    ],
    "degree_spellings": [("45\\textdegree", "45^\\circ", True), ("45\u00ba", "45", True), ("46\\degree", "45", False)],
    "times_of_day": [
        ("3:45 PM", r"3:45 \text{ p.m.}", True), ("15:45", "3:45 PM", True), (r"\text{9:30 a.m.}", "9:30", True),
        ("9:30 PM", r"9:30 \text{ a.m.}", False), ("12:30 PM", "12:30", True),
    ],
    "number_words": [
        (r"\text{seven}", "7", True), ("twenty-four", "24", True), ("twenty-four", "42", False), ("negative seven", "7", False),
        ("three quarters", "0.75", True), ("one million", "10^6", True),
    ],
    "other_fraction_and_repeat_spellings": [
        (r"\nicefrac{3}{4}", "0.75", True), (r"\sfrac{3}{4}", r"\frac34", True), (r"{3 \over 4}", r"\frac34", True),
        ("3\u20444", r"\frac34", True), ("0.(3)", r"\frac13", True), ("0.(3)", "0.3", False), ("0.(3)", r"\frac{3}{10}", False),
        (r"1.\overline{9}", "2", True), ("0.333...", r"\frac13", True),
    ],
    "powers_groupings_bars_logs": [
        ("6.02 \u00d7 10\u00b2\u00b3", r"6.02\times10^{23}", True), ("10\u207b\u00b3", "0.001", True), ("1,00,000", "100000", True),
        ("1'000'000", "1000000", True), ("1.5 x 10^3", "1500", True), (r"\lvert -3 \rvert", "3", True), (r"\vert -3 \vert", "-3", False),
        (r"\lg 100", "2", True), (r"\lg 100", "10", False), ("\uff11\uff12", "12", True),
    ],
    "points_sets_and_choices": [
        ("A(1, 2)", "(1,2)", True), ("A(1, 2)", "(2,1)", False), (r"\mathbb{R} \setminus \{0\}", r"(-\infty,0)\cup(0,\infty)", True),
        (r"\mathbb{R} \setminus \{0\}", r"(0,\infty)", False), ("]2, 5[", "(2,5)", True), (r"\{x \in \mathbb{R} : x > 2\}", r"(2,\infty)", True),
        (r"\textbf{(c)}", "C", True), ("(c)", "D", False), ("(1011)_2", "1011_2", True), ("2 and 1/3", r"\frac73", True),
    ],
    "verdict_with_reason": [
        (r"\text{Yes, it is possible.}", r"\text{Yes}", True), (r"\text{No, it is not possible.}", r"\text{Yes}", False),
        ("Yesterday", "Yes", False),
    ],
    "derivation_last_row": [
        (r"\begin{align*} 3x + 5 &= 20 \\ x &= 5 \end{align*}", "5", True), (r"17 \times 23 = **391**", "391", True),
        (r"\begin{align*} 3x + 5 &= 20 \\ x &= 5 \end{align*}", "20", False),
    ],
}


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [pytest.param(p, g, e, id=f"{kind}-{i}") for kind, rows in PAIRS.items() for i, (p, g, e) in enumerate(rows)],
)
def test_answers_equal(pred, gold, expected):
    assert answers_equal(pred, gold) is expected


def test_every_bullet_has_equal_and_unequal_pairs():
    for kind, rows in PAIRS.items():
        assert {e for _, _, e in rows} == {True, False}, kind


def test_tolerance_applies_to_irrational_constants_only():
    # |3.1416 - pi| = 7.3e-6, relative 2.3e-6: outside the default 1e-6, inside 1e-5.
    assert answers_equal("3.1416", r"\pi") is False
    assert answers_equal("3.1416", r"\pi", tolerance=1e-5) is True
    # Two rationals are exact whatever the tolerance: 1000001/1000000 - 1 = 1e-6.
    assert answers_equal("1000001", "1000000", tolerance=1e-3) is False


def test_require_units():
    assert answers_equal("5 \\text{ cm}", "5 \\text{ m}") is True
    assert answers_equal("5 \\text{ cm}", "5 \\text{ m}", require_units=True) is False
    assert answers_equal("5 \\text{ cm}", "5\\text{ cm}", require_units=True) is True
    assert answers_equal("5", "5 \\text{ cm}", require_units=True) is False
    assert answers_equal("3 \\text{ hours}", "3 \\text{ hour}", require_units=True) is True  # plural folded


def test_empty_answers_are_never_equal():
    assert answers_equal("", "") is False
    assert answers_equal("$ $", "3") is False

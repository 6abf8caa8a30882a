"""Notation rewrites (issue 17, probe 9): each notation meets the canonical spelling the exact path reads."""

import pytest

from lit_reason.rewards.math.notation import align_last_row, rewrite_notation, spelled_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"\SI{5}{\centi\meter}", r"5\text{ centi meter}"),  # siunitx: value, then the unit as text
        (r"\qty{250}{\milli\litre}", r"250\text{ milli litre}"),
        (r"\num{3.2e4}", "3.2e4"),
        ("10\u2076", "10^6"),  # a one-character superscript run needs no braces
        ("6.02 \u00d7 10\u00b2\u00b3", "6.02 \u00d7 10^{23}"),  # 10²³ is 10^{23}, not 10^2^3
        ("10\u207b\u00b3", "10^{-3}"),
        (r"\color{blue}{\frac{5}{2}}", r"{\frac{5}{2}}"),
        (r"{3 \over 4}", r"\frac{3 }{ 4}"),
        ("0.(3)", r"\frac{1}{3}"),  # 0.333... = 1/3
        ("0.1(6)", r"\frac{1}{6}"),  # 0.1 + 0.0666... = 1/10 + 6/90 = 1/6
        (r"0.333\ldots", r"\frac{1}{3}"),
        ("0.1666...", r"\frac{1}{6}"),  # fixed part 1, period 6
        ("0.142857142857\u2026", r"\frac{1}{7}"),  # period 142857 twice
        ("0.3...", "0.3..."),  # one digit cannot show a period: left as written
        ("1,00,000", "100000"),  # Indian grouping: lakh
        ("1'000'000", "1000000"),  # Swiss grouping
        (r"\$1.5 \text{ million}", r"\$1500000"),  # 1.5 * 10^6
        ("3 billion", "3000000000"),
        ("30\u00b030'", r"30.5^\circ"),  # 30 degrees 30 minutes = 30 + 30/60
        (r"10^\circ 20'", r"\frac{31}{3}^\circ"),  # 10 + 20/60 = 31/3, no exact decimal
        ("]2, 5[", "(2, 5)"),  # French interval brackets
        ("[2, 5[", "[2, 5)"),
        ("[2, 5]", "[2, 5]"),
        ("9:30 PM", "21:30"),  # 9 + 12
        ("12:15 a.m.", "0:15"),  # 12 a.m. is hour 0
        (r"3{:}45 \text{ p.m.}", "15:45"),
        ("11:21", "11:21"),  # a ratio with no half-day stays
        ("1.5 x 10^3", r"1.5 \times 10^3"),
        ("1011 in base 2", "1011_2"),
        ("(1011)_2", "1011_2"),
        ("2 and 1/3", "2 1/3"),  # a mixed number read aloud
    ],
)
def test_rewrite_notation(raw, expected):
    assert rewrite_notation(raw) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("seven", "7"), ("twenty-four", "24"), ("one hundred and five", "105"), ("three thousand two hundred", "3200"),
        ("one million", "1000000"), ("negative seven", "-7"), ("minus 7", "-7"), ("three quarters", "3/4"),
        ("a half", "1/2"), ("two thirds", "2/3"),
        ("seventh", None),  # an ordinal alone is not a fraction (7th is contested, see normalize)
        ("none", None), ("one solution", None), ("and", None),
    ],
)
def test_spelled_number(words, expected):
    assert spelled_number(words) == expected


def test_align_last_row():
    derivation = "\\begin{align*}\n3x + 5 &= 20 \\\\\nx &= 5 \\\\\n\\end{align*}"
    assert align_last_row(derivation) == "x = 5"  # the trailing empty row is skipped
    assert align_last_row(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}") == r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"

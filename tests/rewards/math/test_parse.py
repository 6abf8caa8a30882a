"""The safe math parser: structure of what it builds, and what it refuses to evaluate."""

import doctest
import importlib
import time

import pytest
import sympy

from lit_reason.rewards.math.equal import answers_equal
from lit_reason.rewards.math.normalize import normalize_answer, parse_plain_number
from lit_reason.rewards.math.parse import ParseError, Rel, Seq, SetUnion, parse_math

x, y = sympy.symbols("x y")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"2\sqrt{3} + \frac{1}{2}", 2 * sympy.sqrt(3) + sympy.Rational(1, 2)),
        (r"\frac12", sympy.Rational(1, 2)),
        ("1.5", sympy.Rational(3, 2)),  # decimals are exact rationals
        ("2^10", sympy.Integer(1024)),
        (r"\log_2 8", sympy.Integer(3)),
        ("3+4i", 3 + 4 * sympy.I),
        (r"e^{i\pi}", sympy.Integer(-1)),
        ("x^{2}y", x**2 * y),
        ("sqrt(2)/2", sympy.sqrt(2) / 2),
        ("|x-1|", sympy.Abs(x - 1)),
        ("5!", sympy.Integer(120)),
        (r"\binom{5}{2}", sympy.Integer(10)),
        ("(0, 1]", Seq("(", "]", (0, 1))),
        (r"\{1,2\}", Seq("{", "}", (1, 2))),
        ("3 or 4", Seq("", "", (3, 4))),
        (r"\varnothing", Seq("{", "}", ())),
        ("x=3", Rel(("=",), (x, 3))),
        (r"0 < x \le 1", Rel(("<", "<="), (0, x, 1))),
        (r"(-\infty, 3) \cup (4, 5]", SetUnion((Seq("(", ")", (-sympy.oo, 3)), Seq("(", "]", (4, 5))))),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", sympy.ImmutableMatrix([[1, 2], [3, 4]])),
    ],
)
def test_parse(text, expected):
    assert parse_math(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo pwned')",  # would run under sympify/eval
        "lambda: 0",
        "2^{2^{2^{100}}}",  # 2**(2**(2**100)) would never finish in C
        "10^{10^{10}}",
        "99999!",
        "1e999999999",
        "(" * 300 + "1" + ")" * 300,  # too long
        r"\frac{1}",
        "(1, 2",
    ],
)
def test_refused_quickly(text):
    start = time.monotonic()
    with pytest.raises(ParseError):
        parse_math(text)
    assert time.monotonic() - start < 0.5


def test_no_sympify_on_untrusted_text(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("sympify/parse_expr called")

    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympy, "parse_expr", forbidden, raising=False)
    monkeypatch.setattr("sympy.parsing.sympy_parser.parse_expr", forbidden)
    parse_math.cache_clear()
    assert answers_equal(r"\frac{x^2-1}{x-1}", "x+1") is True
    assert answers_equal(r"(0,1]", r"0<x\le 1") is True
    assert answers_equal("__import__('os').getcwd()", "0") is False


@pytest.mark.parametrize(
    ("raw", "text", "units", "percent", "degrees"),
    [
        (r"$\dfrac{1}{2}\,\text{cm}.$", r"\frac{1}{2}", "cm", False, False),
        (r"50\%", "50", "", True, False),
        (r"30^{\circ}", "30", "", False, True),
        (r"\left( 1, 2 \right)", "( 1, 2 )", "", False, False),
        ("10{,}000", "10000", "", False, False),
        ("18 dollars", "18", "dollar", False, False),
        ("3 or 4", "3 or 4", "", False, False),  # never strip a hedge as a unit
    ],
)
def test_normalize(raw, text, units, percent, degrees):
    n = normalize_answer(raw)
    assert (n.text, n.units, n.percent, n.degrees) == (text, units, percent, degrees)


def test_plain_numbers_are_exact():
    from fractions import Fraction

    assert parse_plain_number("4 4/9") == Fraction(40, 9)  # 4 + 4/9 = 40/9
    assert parse_plain_number(r"-\frac{3}{4}") == Fraction(-3, 4)
    assert parse_plain_number("3e5") == 300000
    assert parse_plain_number("x") is None


@pytest.mark.parametrize(
    "module",
    ["accuracy", "extract", "equal", "normalize", "parse", "lex", "timeout"],
)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(f"lit_reason.rewards.math.{module}"))
    assert result.failed == 0 and result.attempted > 0

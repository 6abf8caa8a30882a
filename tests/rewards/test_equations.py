"""Stated integer equations (lit_reason.rewards.equations): found, evaluated exactly, scored as a reward."""

import doctest

import lit_reason.rewards.equations as equations_module
from lit_reason.rewards.equations import equation_validity, equations, evaluate_integer


def test_equations_are_found_and_evaluated_exactly():
    found = equations("3x4=12, -2+5=3; a1+2=3 and 1.5+2=3.5 then 7*8 = 54")
    # 'a1+2' is part of a word and '1.5+2' a decimal: neither is an integer equation
    assert [(e.expression, e.value, e.stated, e.holds) for e in found] == [
        ("3x4", 12, 12, True), ("-2+5", 3, 3, True), ("7*8", 56, 54, False)]
    assert evaluate_integer("9" * 70) is None  # too long to evaluate
    assert evaluate_integer("2**3") is None  # only + - *


def test_equation_validity_is_the_fraction_that_hold():
    # 1 of 2, 0 of 1, none stated -> None (not scored, never 0)
    assert equation_validity(["q"] * 3, ["1+1=2\n2+2=5", "3*3=6", "just 9"]) == [0.5, 0.0, None]


def test_doctests():
    assert doctest.testmod(equations_module).failed == 0

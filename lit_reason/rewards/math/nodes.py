"""Value types and bounded constructors shared by the math parser and the comparison.

The parser returns sympy ``Expr`` / ``ImmutableMatrix`` objects, or the small containers below
for the answer shapes sympy has no neutral form for: sequences whose brackets matter (``(1, 2]``
is an interval, ``(1, 2)`` a pair or an interval, ``\\{1, 2\\}`` a set), relation chains and set
unions. The ``safe_*`` constructors refuse integer powers and factorials that would need more
than ``MAX_BITS`` bits: Python big-integer arithmetic runs in C, where no time limit can stop it.
Report §3.5.1 (rule-based accuracy reward).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from lit_reason.rewards.math.lex import ParseError

__all__ = ["Seq", "Rel", "SetUnion", "PM", "MAX_BITS", "FUNCTIONS", "INVERSES", "safe_pow", "safe_factorial", "as_expr"]

MAX_BITS = 4096
PM = sympy.Symbol("pm_sign_")  # marks a \pm; the comparison expands it into two values
# The functions a LaTeX or plain answer may name, by their name without a backslash.
FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
    "csc": sympy.csc, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "ln": sympy.log, "exp": sympy.exp,
    "log": sympy.log,
}
# \tan^{-1} x is arctan x, never 1 / tan x (the convention of every textbook answer key).
INVERSES = {"sin": sympy.asin, "cos": sympy.acos, "tan": sympy.atan, "cot": sympy.acot, "sec": sympy.asec,
             "csc": sympy.acsc}


@dataclass(frozen=True)
class Seq:
    """A bracketed or bare comma list: tuple, ordered list, interval or set.

    Attributes:
        open: ``(``, ``[``, ``{`` (a set) or ``""`` (a bare list ``1, 2``).
        close: ``)``, ``]``, ``}`` or ``""``.
        items: The parsed elements.
    """

    open: str
    close: str
    items: tuple


@dataclass(frozen=True)
class Rel:
    """A chain of relations ``terms[0] ops[0] terms[1] ops[1] ...`` (``0 < x <= 1``, ``y = 2x``)."""

    ops: tuple
    terms: tuple


@dataclass(frozen=True)
class SetUnion:
    """``A \\cup B \\setminus C``: the union of ``parts`` less the union of ``minus``; each is a Seq
    interval or set, a Rel inequality or the reals."""

    parts: tuple
    minus: tuple = ()


def _bits(x) -> int:
    """Size in bits of a rational number's numerator/denominator."""
    return max(abs(x.p).bit_length(), abs(x.q).bit_length(), 1)


def safe_pow(base, exp):
    """``base ** exp``, refusing results too large to compute safely.

    Raises:
        ParseError: When the exponent or the exact result is too large.
    """
    if exp.is_Number and not exp.is_finite:
        return sympy.Pow(base, exp)
    if exp.is_Number and abs(exp) > (10**6 if base.is_Rational else 10**4):
        raise ParseError("exponent too large")
    if base.is_Rational and exp.is_Rational and abs(exp) * _bits(base) > MAX_BITS:
        raise ParseError("power too large to evaluate safely")
    return sympy.Pow(base, exp)


def safe_factorial(x):
    """``x!``, refusing non-integers and arguments above 500 (a 3,700-bit result).

    Raises:
        ParseError: When out of range.
    """
    if x.is_Number and (not x.is_integer or x < 0 or x > 500):
        raise ParseError("factorial out of range")
    return sympy.factorial(x)


def as_expr(v):
    """``v`` itself when it is a sympy expression.

    Raises:
        ParseError: When ``v`` is a list, relation, set or matrix.
    """
    if not isinstance(v, sympy.Expr):
        raise ParseError(f"expected an expression, got {type(v).__name__}")
    return v

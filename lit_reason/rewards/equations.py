"""The arithmetic a solution writes down (``12+7=19``), checked exactly.

The report's "numerical consistency" check of sec 7.4.4 (MGRCR's span granularity) and AHRO's reasoning
layer (sec 7.1.2, R_3 "the correctness of the reasoning steps") both read the equations a completion states.
Only integer ``+ - *`` equations are checked: they can be evaluated exactly without a parser of their own
(Python's ``ast`` limited to those operators) and they are what the synthetic tasks produce; anything else
in the text is not an equation here, so a completion without one is not scored (None), never 0.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

# "expression = integer", the expression of integers joined by + - * (x and the times sign read as *).
_EQUATION = re.compile(
    r"(?<![\w.])(-?\d+(?:\s*[-+*x\u00d7]\s*-?\d+)+)\s*=\s*(-?\d+)(?![\w.])"
)
_MAX_EXPR_CHARS = 64  # bounds the integers a product can build (no giant powers: ** is not accepted)
_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}


class Equation(NamedTuple):
    """One stated equation: the expression's exact value and the value the text gives it."""

    start: int
    end: int
    expression: str
    value: int
    stated: int

    @property
    def holds(self) -> bool:
        return self.value == self.stated


def _evaluate(node: ast.AST) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError(f"not an integer + - * expression: {ast.dump(node)}")


def evaluate_integer(expression: str) -> int | None:
    """The exact value of an integer ``+ - *`` expression, or None when it is not one.

    Example:
        >>> evaluate_integer("12+7*2"), evaluate_integer("3 x 4"), evaluate_integer("2**99")
        (26, 12, None)
    """
    if len(expression) > _MAX_EXPR_CHARS:
        return None
    try:
        return _evaluate(ast.parse(expression.replace("x", "*").replace("\u00d7", "*"), mode="eval").body)
    except (SyntaxError, ValueError):
        return None


def equations(text: str) -> list[Equation]:
    """The integer equations ``expression = value`` of a text, in order.

    Example:
        >>> [(e.expression, e.value, e.stated) for e in equations("5+3=8, then 8*2 = 15")]
        [('5+3', 8, 8), ('8*2', 16, 15)]
    """
    out = []
    for m in _EQUATION.finditer(text):
        value = evaluate_integer(m.group(1))
        if value is not None:
            out.append(Equation(m.start(), m.end(), m.group(1), value, int(m.group(2))))
    return out


def equation_validity(prompts: list[str], completions: list[str], **columns) -> list[float | None]:
    """Fraction of the equations a completion states that hold; None for a completion that states none.

    TRL-compatible reward (``fn(prompts, completions, **columns) -> list[float | None]``).

    Example:
        >>> equation_validity(["q"] * 3, ["5+3=8\\n8+2=11", "9+1=10", "10"])
        [0.5, 1.0, None]
    """
    scores: list[float | None] = []
    for c in completions:
        found = equations(c)
        scores.append(sum(e.holds for e in found) / len(found) if found else None)
    return scores

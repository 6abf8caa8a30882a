"""Synthetic arithmetic with difficulty levels: the task of the quickstart, the tests and the curriculum.

A level is a list of operand digit counts: ``[2, 1]`` is "a two-digit number plus a one-digit number".
Train and validation problems are disjoint: validation is drawn first, and training never repeats a
validation expression.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


@dataclass
class ArithmeticTask:
    """Generator of ``{"prompt", "answer", "completion", "difficulty"}`` rows.

    Args:
        levels: Operand digit counts per difficulty level; row ``difficulty`` is the level's index.
        ops: Operators drawn uniformly (``+``, ``-``, ``*``), evaluated left to right.
        template: Prompt text; ``{expr}`` is replaced by the expression (e.g. ``"What is {expr}?"``).
        completion_template: SFT target; ``{answer}`` is replaced by the answer.
        level_weights: Relative frequency of each level; default uniform.
    """

    levels: list[list[int]] = field(default_factory=lambda: [[2, 1]])
    ops: str = "+"
    template: str = "{expr}="
    completion_template: str = "{answer}"
    level_weights: list[float] | None = None

    def __post_init__(self) -> None:
        errors = []
        if not self.levels or any(len(lv) < 2 or min(lv) < 1 for lv in self.levels):
            errors.append(f"levels must be non-empty lists of >= 2 digit counts >= 1, got {self.levels}")
        if not self.ops or any(o not in _OPS for o in self.ops):
            errors.append(f"ops must be drawn from {''.join(_OPS)}, got {self.ops!r}")
        if "{expr}" not in self.template:
            errors.append(f"template must contain {{expr}}, got {self.template!r}")
        if self.level_weights is not None and (
            len(self.level_weights) != len(self.levels) or min(self.level_weights) < 0 or sum(self.level_weights) <= 0
        ):
            errors.append(f"level_weights must be {len(self.levels)} non-negative numbers, got {self.level_weights}")
        if errors:
            raise ValueError("ArithmeticTask: " + "; ".join(errors))

    def expression(self, rng: random.Random, level: int) -> str:
        """One random expression of ``level``, e.g. ``"47+8"``."""
        nums = [rng.randrange(10 ** (d - 1) if d > 1 else 0, 10**d) for d in self.levels[level]]
        out = str(nums[0])
        for n in nums[1:]:
            out += rng.choice(self.ops) + str(n)
        return out

    def row(self, expr: str, level: int) -> dict[str, Any]:
        """The row of an expression."""
        answer = str(evaluate(expr))
        return {
            "prompt": self.template.format(expr=expr),
            "answer": answer,
            "completion": self.completion_template.format(answer=answer),
            "difficulty": level,
        }

    def generate(self, n: int, *, seed: int, exclude: set[str] | None = None) -> list[dict[str, Any]]:
        """``n`` rows, deterministic for ``seed``, none of whose expressions is in ``exclude``.

        Repeats are allowed within the set when the level's problem space is small.
        """
        rng, exclude = random.Random(seed), exclude or set()
        weights = self.level_weights or [1.0] * len(self.levels)
        rows, tries = [], 0
        while len(rows) < n:
            tries += 1
            if tries > 100 * n + 1000:
                raise ValueError(f"ArithmeticTask: cannot draw {n} problems outside the {len(exclude)} excluded ones")
            level = rng.choices(range(len(self.levels)), weights)[0]
            expr = self.expression(rng, level)
            if expr not in exclude:
                rows.append(self.row(expr, level))
        return rows

    def splits(self, train_size: int, val_size: int, *, seed: int) -> tuple[list[dict], list[dict]]:
        """Disjoint (train, validation) rows."""
        val = self.generate(val_size, seed=seed + 1)
        held_out = {_expr_of(self, r) for r in val}
        return self.generate(train_size, seed=seed, exclude=held_out), val


def evaluate(expr: str) -> int:
    """Value of an expression of integers, ``+``, ``-`` and ``*`` with the usual precedence.

    Example:
        >>> evaluate("2+3*4-5")
        9
    """
    terms, sign, product, num = [], 1, 1, ""
    for ch in expr + "+":
        if ch.isdigit():
            num += ch
            continue
        product *= int(num)
        num = ""
        if ch == "*":
            continue
        terms.append(sign * product)
        sign, product = (1 if ch == "+" else -1), 1
    return sum(terms)


def _expr_of(task: ArithmeticTask, row: dict[str, Any]) -> str:
    prefix, _, suffix = task.template.partition("{expr}")
    return row["prompt"][len(prefix) : len(row["prompt"]) - len(suffix)]

"""Synthetic arithmetic with difficulty levels: the task of the quickstart, the tests and the curriculum.

A level is a list of operand digit counts: ``[2, 1]`` is "a two-digit number plus a one-digit number".
Train and validation problems are disjoint: validation is drawn first, and training never repeats a
validation expression.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


@dataclass
class ArithmeticTask:
    """Generator of ``{"prompt", "answer", "completion", "difficulty"}`` rows.

    Args:
        levels: Operand digit counts per difficulty level; row ``difficulty`` is the level's index.
        ops: Operators drawn uniformly (``+``, ``-``, ``*``), ``*`` before ``+`` and ``-``.
        template: Prompt text, filled with ``str.format(expr=...)``: double literal braces, e.g.
            ``"What is {expr}? Put the final answer in \\boxed{{}}."``.
        completion_template: SFT target, filled with ``str.format(answer=...)``.
        level_weights: Relative frequency of each level; default uniform.
        features: Add the feature columns of eq 96 to every row: ``steps`` (operators), ``digits`` (operand
            digits in all) and ``carries`` (carries of the column additions when the problem is a sum), for
            :func:`datamodules.difficulty.feature_difficulty`.
    """

    levels: list[list[int]] = field(default_factory=lambda: [[2, 1]])
    ops: str = "+"
    template: str = "{expr}="
    completion_template: str = "{answer}"
    level_weights: list[float] | None = None
    features: bool = False

    def __post_init__(self) -> None:
        errors = []
        if not self.levels or any(len(lv) < 2 or min(lv) < 1 for lv in self.levels):
            errors.append(f"levels must be non-empty lists of >= 2 digit counts >= 1, got {self.levels}")
        if not self.ops or any(o not in _OPS for o in self.ops):
            errors.append(f"ops must be drawn from {''.join(_OPS)}, got {self.ops!r}")
        if "{expr}" not in self.template:
            errors.append(f"template must contain {{expr}}, got {self.template!r}")
        if "{answer}" not in self.completion_template:
            errors.append(f"completion_template must contain {{answer}}, got {self.completion_template!r}")
        for name, text, fill in (
            ("template", self.template, {"expr": "1+1"}),
            ("completion_template", self.completion_template, {"answer": "2"}),
        ):
            try:
                text.format(**fill)
            except (KeyError, IndexError, ValueError) as e:  # a stray brace fails here, not mid-training
                errors.append(
                    f"{name} {text!r} is not a valid format string ({e}); write literal braces as {{{{}}}}"
                )
        if self.level_weights is not None and (
            len(self.level_weights) != len(self.levels)
            or min(self.level_weights) < 0
            or sum(self.level_weights) <= 0
        ):
            errors.append(
                f"level_weights must be {len(self.levels)} non-negative numbers, got {self.level_weights}"
            )
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
        row = {
            "prompt": self.template.format(expr=expr),
            "answer": answer,
            "completion": self.completion_template.format(answer=answer),
            "difficulty": level,
        }
        return {**row, **expression_features(expr)} if self.features else row

    def generate(
        self, n: int, *, seed: int, exclude: set[str] | None = None, level: int | None = None
    ) -> list[dict[str, Any]]:
        """``n`` rows, deterministic for ``seed``, none of whose problems is in ``exclude``.

        Repeats are allowed within the set when the level's problem space is small.

        Args:
            n: Number of rows.
            seed: Seed of the draw.
            exclude: Expressions never to return; compared by :func:`canonical` form, so excluding
                ``"23+45"`` also excludes ``"45+23"``.
            level: Draw only this level (an index into ``levels``); None draws levels by ``level_weights``.

        Returns:
            Rows ``{"prompt", "answer", "completion", "difficulty"}``.

        Raises:
            ValueError: ``level`` is out of range, or too few problems lie outside ``exclude``.

        Example:
            >>> ArithmeticTask(levels=[[1, 1]]).generate(1, seed=0)[0]["prompt"]
            '6+0='
        """
        if level is not None and not 0 <= level < len(self.levels):
            raise ValueError(f"ArithmeticTask: level must be in [0, {len(self.levels)}), got {level}")
        rng = random.Random(seed)
        held_out = {canonical(e) for e in exclude or ()}
        weights = self.level_weights or [1.0] * len(self.levels)

        def draw() -> dict[str, Any] | None:
            # Drawing the level only when none is fixed keeps the stream of level=None runs unchanged.
            lv = level if level is not None else rng.choices(range(len(self.levels)), weights)[0]
            expr = self.expression(rng, lv)
            return self.row(expr, lv) if canonical(expr) not in held_out else None

        return draw_until(n, draw, f"{type(self).__name__}: cannot draw {n} problems outside the "
                                   f"{len(held_out)} excluded ones")

    def splits(self, train_size: int, val_size: int, *, seed: int) -> tuple[list[dict], list[dict]]:
        """Disjoint (train, validation) rows: no train problem equals a validation one up to reordering
        the operands of a pure sum or product (see :func:`canonical`)."""
        val = self.generate(val_size, seed=seed + 1)
        held_out = {_expr_of(self, r) for r in val}
        return self.generate(train_size, seed=seed, exclude=held_out), val


def draw_until(n: int, draw: Callable[[], dict[str, Any] | None], error: str) -> list[dict[str, Any]]:
    """``n`` rows from ``draw`` (which returns None for a rejected draw); ``error`` after too many rejections."""
    rows, tries = [], 0
    while len(rows) < n:
        tries += 1
        if tries > 100 * n + 1000:
            raise ValueError(error)
        row = draw()
        if row is not None:
            rows.append(row)
    return rows


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


def expression_features(expr: str) -> dict[str, int]:
    """Difficulty features of an expression (eq 96's steps and complexity).

    Example:
        >>> expression_features("58+67")
        {'steps': 1, 'digits': 4, 'carries': 2}
    """
    operands = [t for t in expr.replace("*", "+").replace("-", "+").split("+")]
    carries = 0
    if set(expr) - set("0123456789") <= {"+"}:
        carry = 0
        for column in range(max(len(t) for t in operands)):
            total = carry + sum(int(t[-1 - column]) for t in operands if column < len(t))
            carry = total // 10
            carries += carry > 0
    return {"steps": len(operands) - 1, "digits": sum(len(t) for t in operands), "carries": carries}


def canonical(expr: str) -> str:
    """The held-out key of an expression: operands sorted when its only operator is ``+`` or ``*``.

    Example:
        >>> canonical("45+23"), canonical("9-3")
        ('23+45', '9-3')
    """
    ops = {ch for ch in expr if not ch.isdigit()}
    if len(ops) == 1 and ops <= {"+", "*"}:
        op = ops.pop()
        return op.join(sorted(expr.split(op), key=int))
    return expr


def _expr_of(task: ArithmeticTask, row: dict[str, Any]) -> str:
    # Partition the formatted template, not the raw one: literal braces are doubled only in the raw text.
    prefix, _, suffix = task.template.format(expr="\x00").partition("\x00")
    return row["prompt"][len(prefix) : len(row["prompt"]) - len(suffix)]

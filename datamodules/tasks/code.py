"""Synthetic code task: "write the expression that computes ...", tested HumanEval-style.

A row's prompt is a function stub whose docstring describes an expression in words and whose body stops
after ``return``; the completion is the expression::

    def f(x, y):
        \"\"\"Return x plus 2 times y.\"\"\"
        return x + 2 * y

The tests are asserts on several inputs inside ``check(candidate)`` (HumanEval layout), scored by
:class:`~lit_reason.rewards.code.CodePassRate` (report §3.5.1 eq 36): a semantically equivalent answer
(``2*y+x``) passes every assert and a partially right one (``x + y``) passes the asserts where it happens to
agree. Small enough for the tiny character-level Llama (every character is printable ASCII, which
:mod:`lit_reason.tiny` covers) and a stand-in for MBPP/HumanEval in tests and the code quickstart.

Difficulty is the number of atoms (variables or constants) of the expression. Train and validation are
disjoint as functions, not as strings: ``y + x`` is held out with ``x + y``.
"""

from __future__ import annotations

import keyword
import random
from dataclasses import dataclass, field
from typing import Any

from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask, draw_until

WORDS = {"+": "plus", "-": "minus", "*": "times"}
# Points where two different expressions could only agree by a coincidence of low-degree polynomials with
# small coefficients; the values of an expression there identify its function (the held-out key).
_PROBES = ((3, 7, -11), (13, -5, 17), (-19, 23, 2), (29, 31, -37), (41, -43, 47), (-53, 59, 61))


@dataclass
class CodeExpressionTask:
    """Generator of HumanEval-style rows ``{"prompt", "test", "entry_point", "completion", "difficulty"}``.

    Args:
        levels: Atoms (variables or constants) per expression at each difficulty level; a row's
            ``difficulty`` is the index of its level.
        variables: Parameters of the function (identifiers); at least one appears in every expression.
        ops: Operators drawn between atoms, from ``+``, ``-``, ``*`` (read "plus", "minus", "times"; ``*``
            binds tighter, as in Python and in spoken arithmetic).
        max_constant: Constants are drawn from ``1..max_constant``.
        constant_prob: Chance that an atom is a constant; two constants are never adjacent.
        num_tests: Asserts per row, each on its own random input.
        input_range: Inputs are drawn from ``[-input_range, input_range]``.
        entry_point: Name of the function.
        level_weights: Relative frequency of each level; default uniform.
    """

    levels: list[int] = field(default_factory=lambda: [2, 3])
    variables: list[str] = field(default_factory=lambda: ["x", "y"])
    ops: str = "+-*"
    max_constant: int = 9
    constant_prob: float = 0.3
    num_tests: int = 4
    input_range: int = 5
    entry_point: str = "f"
    level_weights: list[float] | None = None

    def __post_init__(self) -> None:
        errors = []
        if not self.levels or min(self.levels) < 1:
            errors.append(f"levels must be a non-empty list of atom counts >= 1, got {self.levels}")
        names = [*self.variables, self.entry_point]
        if not self.variables or len(set(names)) != len(names) or any(
            not v.isidentifier() or keyword.iskeyword(v) or v == "check" for v in names
        ):
            errors.append(f"variables and entry_point must be distinct identifiers other than 'check', got "
                          f"{self.variables} and {self.entry_point!r}")
        if not self.ops or any(o not in WORDS for o in self.ops):
            errors.append(f"ops must be drawn from {''.join(WORDS)}, got {self.ops!r}")
        if self.max_constant < 1 or not 0 <= self.constant_prob < 1:
            errors.append(f"max_constant must be >= 1 and constant_prob in [0, 1), got {self.max_constant}, "
                          f"{self.constant_prob}")
        if self.num_tests < 1 or self.input_range < 1:
            errors.append(f"num_tests and input_range must be >= 1, got {self.num_tests}, {self.input_range}")
        if self.level_weights is not None and (
            len(self.level_weights) != len(self.levels) or min(self.level_weights) < 0
            or sum(self.level_weights) <= 0
        ):
            errors.append(f"level_weights must be {len(self.levels)} non-negative numbers, got {self.level_weights}")
        if errors:
            raise ValueError("CodeExpressionTask: " + "; ".join(errors))

    # ------------------------------------------------------------------ one expression
    def expression(self, rng: random.Random, level: int) -> str:
        """A random expression of ``level`` in canonical spacing, e.g. ``"x + 2 * y"``."""
        while True:
            atoms: list[str] = []
            for _ in range(self.levels[level]):
                constant = rng.random() < self.constant_prob and not (atoms and atoms[-1].isdigit())
                atoms.append(str(rng.randint(1, self.max_constant)) if constant else rng.choice(self.variables))
            if any(not a.isdigit() for a in atoms):
                break
        out = atoms[0]
        for atom in atoms[1:]:
            out += f" {rng.choice(self.ops)} {atom}"
        return out

    def describe(self, expr: str) -> str:
        """The expression in words: ``"x + 2 * y"`` -> ``"x plus 2 times y"``."""
        return " ".join(WORDS.get(tok, tok) for tok in expr.split(" "))

    def prompt(self, expr: str) -> str:
        """The function stub, ending after ``return `` so that the completion is the expression."""
        args = ", ".join(self.variables)
        return f'def {self.entry_point}({args}):\n    """Return {self.describe(expr)}."""\n    return '

    def test(self, expr: str, rng: random.Random) -> str:
        """``check(candidate)`` with one assert per random input, expected values from the expression."""
        lines = ["def check(candidate):"]
        for _ in range(self.num_tests):
            point = [rng.randint(-self.input_range, self.input_range) for _ in self.variables]
            args = ", ".join(map(str, point))
            lines.append(f"    assert candidate({args}) == {self.value(expr, point)}")
        return "\n".join(lines) + "\n"

    def value(self, expr: str, point: list[int] | tuple[int, ...]) -> int:
        """Value of a canonical expression at ``point`` (one integer per variable), ``*`` before ``+``/``-``.

        Example:
            >>> CodeExpressionTask().value("x + 2 * y", [1, 3])
            7
        """
        env = dict(zip(self.variables, point))
        tokens = expr.split(" ")
        total, sign, product = 0, 1, 1
        for i, tok in enumerate(tokens):
            if i % 2 == 0:
                product *= int(tok) if tok.isdigit() else env[tok]
                continue
            if tok != "*":
                total, sign, product = total + sign * product, (1 if tok == "+" else -1), 1
        return total + sign * product

    def key(self, expr: str) -> tuple[int, ...]:
        """The held-out key: the expression's values at fixed probe points (equal for equal functions)."""
        return tuple(self.value(expr, p[: len(self.variables)]) for p in _PROBES)

    def row(self, expr: str, level: int, rng: random.Random) -> dict[str, Any]:
        """The row of an expression; ``rng`` draws its test inputs."""
        return {
            "prompt": self.prompt(expr),
            "test": self.test(expr, rng),
            "entry_point": self.entry_point,
            "completion": expr,
            "difficulty": level,
        }

    # ------------------------------------------------------------------ data sets
    def generate(
        self, n: int, *, seed: int, exclude: set[tuple[int, ...]] | None = None, level: int | None = None
    ) -> list[dict[str, Any]]:
        """``n`` rows, deterministic for ``seed``, none computing a function whose :meth:`key` is excluded.

        Args:
            n: Number of rows; repeats are allowed when a level has few functions.
            seed: Seed of the draw.
            exclude: Keys (:meth:`key`) of functions never to return.
            level: Draw only this level; None draws levels by ``level_weights``.

        Returns:
            Rows ``{"prompt", "test", "entry_point", "completion", "difficulty"}``.

        Raises:
            ValueError: ``level`` is out of range, or too few functions lie outside ``exclude``.
        """
        if level is not None and not 0 <= level < len(self.levels):
            raise ValueError(f"CodeExpressionTask: level must be in [0, {len(self.levels)}), got {level}")
        rng = random.Random(seed)
        held_out = exclude or set()
        weights = self.level_weights or [1.0] * len(self.levels)

        def draw() -> dict[str, Any] | None:
            lv = level if level is not None else rng.choices(range(len(self.levels)), weights)[0]
            expr = self.expression(rng, lv)
            return self.row(expr, lv, rng) if self.key(expr) not in held_out else None

        return draw_until(n, draw, f"CodeExpressionTask: cannot draw {n} problems outside the {len(held_out)} "
                                   "excluded ones")

    def splits(self, train_size: int, val_size: int, *, seed: int) -> tuple[list[dict], list[dict]]:
        """Disjoint (train, validation) rows: no training row computes the function of a validation row."""
        val = self.generate(val_size, seed=seed + 1)
        held_out = {self.key(r["completion"]) for r in val}
        return self.generate(train_size, seed=seed, exclude=held_out), val


@dataclass
class CodeArithmeticTask(ArithmeticTask):
    """The quickstart's arithmetic as a code task: complete a function so that it returns 0.

    ::

        def f():
            return 47+8 - 55       <- the completion is "55"

    The row carries HumanEval columns (``test``: ``assert candidate() == 0``, ``entry_point``), so the answer
    is judged by running the completed function in the sandbox (``code_pass_rate``, eq 36): any expression of
    the value passes, and a completion that does not parse or raises earns 0. The answer follows the
    expression directly, as in ``47+8=``: with the expression in a docstring 15 characters above the
    ``return``, the tiny Llama was still at 3% after 600 SFT steps; in this form it learns the task as fast
    as the arithmetic quickstart, so GRPO's effect on pass@1 under the sandboxed reward is measurable on 2
    cores. Takes :class:`ArithmeticTask`'s arguments; ``template`` must complete to an expression that is 0
    exactly when the answer is right.
    """

    template: str = "def f():\n    return {expr} - "
    entry_point: str = "f"

    def row(self, expr: str, level: int) -> dict[str, Any]:
        """The arithmetic row plus its HumanEval ``test`` and ``entry_point``."""
        row = super().row(expr, level)
        return {**row, "test": "def check(candidate):\n    assert candidate() == 0\n", "entry_point": self.entry_point}

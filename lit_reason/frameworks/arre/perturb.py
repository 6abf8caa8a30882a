"""ARRE's question perturbations (report sec 7.6.2): the neighbourhood B_eps(q) of eq 94-95.

Both perturbers are :class:`~lit_reason.datamodules.variants.QuestionTransform`\\ s (a callable with a
``strength``), so any other one, e.g. an LLM paraphraser for real data, plugs into
``VariantPromptDataModule(transform=...)`` the same way.

Strength ``eps`` (alg 13's perturbation strength) sets how many perturbations are composed: ``floor(eps)``,
plus one more with probability ``eps - floor(eps)``, at least one; and how many distractor clauses one
``distractor`` adds (``max(1, floor(eps))``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lit_reason.datamodules.tasks.arithmetic import evaluate
from lit_reason.datamodules.variants import Variant

EXPRESSION = re.compile(r"\d+(?:[+*-]\d+)+")  # the question's arithmetic expression (its first one)
OPERATOR = re.compile(r"([+*-])")


def composed_count(strength: float, available: int, rng: random.Random) -> int:
    """How many perturbations strength ``eps`` composes (module docstring), within ``[1, available]``."""
    whole = math.floor(strength)
    extra = 1 if rng.random() < strength - whole else 0
    return max(1, min(available, whole + extra))


def _rename(expr: str, rng: random.Random) -> str:
    # Number renaming: each operand becomes another number of as many digits; the answer is recomputed.
    def fresh(m: re.Match) -> str:
        d = len(m.group())
        return str(rng.randrange(10 ** (d - 1) if d > 1 else 0, 10**d))

    return re.sub(r"\d+", fresh, expr)


def _reorder(expr: str, rng: random.Random) -> str:
    # Word order (语序变换): the operands of a pure sum or product, in another order (same value).
    ops = set(OPERATOR.findall(expr))
    if len(ops) != 1 or ops <= {"-"}:
        return expr
    op = ops.pop()
    terms = expr.split(op)
    order = terms[:]
    for _ in range(8):  # a different order where one exists
        rng.shuffle(order)
        if order != terms:
            break
    return op.join(order)


_REPHRASINGS: tuple[Callable[[str], str], ...] = (
    lambda e: OPERATOR.sub(r" \1 ", e),  # 47 + 8
    lambda e: f"({e})",                  # (47+8)
    lambda e: f"{e} ",                   # 47+8 =
)


def _rephrase(question: str, expr: str, rng: random.Random) -> str:
    return question.replace(expr, rng.choice(_REPHRASINGS)(expr), 1)


_CLAUSES = ("({n}) ", "{n}: ", "[{n}] ", "k{n} ")


def _distractors(question: str, rng: random.Random, strength: float) -> str:
    # Redundant and misleading additions: irrelevant numbers in clauses before the question.
    clauses = "".join(rng.choice(_CLAUSES).format(n=rng.randrange(100)) for _ in range(max(1, math.floor(strength))))
    return clauses + question


KINDS = ("rename", "reorder", "rephrase", "distractor")


@dataclass
class ArithmeticPerturber:
    """Perturbs the arithmetic questions of ``datamodules/tasks`` (any text holding one expression).

    Kinds, applied in this order when drawn: ``rename`` (number renaming, answer recomputed), ``reorder``
    (the operands of a pure sum or product shuffled), ``rephrase`` (spaces around the operators, brackets, a
    space before ``=``), ``distractor`` (clauses with irrelevant numbers before the question). All but
    ``rename`` keep the answer.

    Args:
        strength: Alg 13's eps (module docstring); a schedule (:class:`ProgressiveStrength`) may raise it.
        kinds: The perturbations drawn from (a subset of ``KINDS``).
    """

    strength: float = 1.0
    kinds: list[str] = field(default_factory=lambda: list(KINDS))

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if not self.kinds or unknown:
            raise ValueError(f"ArithmeticPerturber.kinds must be a non-empty subset of {list(KINDS)}, got "
                             f"{self.kinds}")
        if not self.strength >= 0:
            raise ValueError(f"ArithmeticPerturber.strength must be >= 0, got {self.strength}")

    def __call__(self, question: str, answer: str, rng: random.Random) -> Variant | None:
        found = EXPRESSION.search(question)
        if found is None:
            return None
        chosen = set(rng.sample(self.kinds, composed_count(self.strength, len(self.kinds), rng)))
        expr = found.group()
        new = expr
        if "rename" in chosen:
            new = _rename(new, rng)
        if "reorder" in chosen:
            new = _reorder(new, rng)
        text = question[: found.start()] + new + question[found.end() :]
        if "rephrase" in chosen:
            text = _rephrase(text, new, rng)
        if "distractor" in chosen:
            text = _distractors(text, rng, self.strength)
        new_answer = str(evaluate(new)) if "rename" in chosen else answer
        return Variant(text, new_answer, "+".join(k for k in KINDS if k in chosen))


DEFAULT_DISTRACTORS = (
    "Note that some details below may be irrelevant.",
    "A shop nearby sells {n} pencils a day.",
    "There were {n} people in the room yesterday.",
    "The number {n} is not part of this problem.",
)
DEFAULT_FRAMES = ("{q}", "Question: {q}", "{q}\nThink carefully.", "Please solve the following.\n{q}")


@dataclass
class TextPerturber:
    """Answer-preserving perturbations of any text question (real data): framings and distractor sentences.

    Args:
        strength: Alg 13's eps: the number of distractor sentences (``max(1, floor(eps))``, plus one with
            probability ``eps - floor(eps)``); 0 leaves only a reframing.
        distractors: Sentences inserted before the question; ``{n}`` becomes a random number.
        frames: Rephrasing templates holding ``{q}``.
    """

    strength: float = 1.0
    distractors: list[str] = field(default_factory=lambda: list(DEFAULT_DISTRACTORS))
    frames: list[str] = field(default_factory=lambda: list(DEFAULT_FRAMES))

    def __post_init__(self) -> None:
        errors = [] if self.strength >= 0 else [f"strength must be >= 0, got {self.strength}"]
        if not self.frames or any("{q}" not in f for f in self.frames):
            errors.append(f"frames must be templates holding {{q}}, got {self.frames}")
        if not self.distractors:
            errors.append("distractors must not be empty")
        if errors:
            raise ValueError("TextPerturber: " + "; ".join(errors))

    def __call__(self, question: str, answer: str, rng: random.Random) -> Variant | None:
        count = 0 if self.strength == 0 else composed_count(self.strength, 1 << 30, rng)
        clauses = [rng.choice(self.distractors).format(n=rng.randrange(2, 100)) for _ in range(count)]
        text = rng.choice(self.frames).replace("{q}", question)
        return Variant(" ".join([*clauses, text]), answer, f"frame+{count}distractors")

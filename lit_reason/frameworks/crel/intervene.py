"""Counterfactual questions (report sec 7.9.4): do(X = x) on the causal graph of an arithmetic question.

"If Xiaoming has 5 apples and buys 3, how many has he?" becomes "... and buys 5 ...": a known quantity (an
operand) set to another value, or an intermediate result set to a value (graph surgery: the node loses its
parents, ``3+4*5`` with do(4*5 = 7) asks ``3+7``). The answer is recomputed from the intervened graph. An
:class:`~lit_reason.datamodules.variants.QuestionTransform`, so
``VariantPromptDataModule(transform=Intervention())`` adds counterfactual questions to every batch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from lit_reason.datamodules.tasks.arithmetic import evaluate
from lit_reason.datamodules.variants import Variant
from lit_reason.frameworks.crel.graph import EXPRESSION, expression_graph

TARGETS = ("any", "inputs", "intermediates")


def new_value(old: int, rng: random.Random) -> int:
    """Another non-negative value with as many digits as ``old`` (any other one-digit value for one digit)."""
    digits = len(str(abs(old)))
    low, high = (10 ** (digits - 1) if digits > 1 else 0), 10**digits
    if high - low < 2:
        return old + 1
    while (x := rng.randrange(low, high)) == old:
        pass
    return x


@dataclass
class Intervention:
    """Derives counterfactual questions by do(X = x) on their expression's causal graph.

    Args:
        strength: How many nodes are intervened on: ``max(1, floor(strength))`` distinct nodes (an input
            whose step is already intervened on changes nothing, so the draw avoids overlaps only loosely).
        targets: ``inputs`` (the operands), ``intermediates`` (results before the final one) or ``any``.
    """

    strength: float = 1.0
    targets: str = "any"

    def __post_init__(self) -> None:
        if self.targets not in TARGETS:
            raise ValueError(f"Intervention.targets must be one of {TARGETS}, got {self.targets!r}")
        if not self.strength >= 0:
            raise ValueError(f"Intervention.strength must be >= 0, got {self.strength}")

    def __call__(self, question: str, answer: str, rng: random.Random) -> Variant | None:
        found = EXPRESSION.search(question)
        if found is None:
            return None
        graph = expression_graph(found.group())
        n, final = len(graph.inputs), len(graph.values()) - 1
        nodes = {"inputs": list(range(n)), "intermediates": list(range(n, final)),
                 "any": list(range(final))}[self.targets]
        if not nodes:
            return None
        chosen = rng.sample(nodes, min(len(nodes), max(1, math.floor(self.strength))))
        values = graph.values()
        do = {node: new_value(values[node], rng) for node in sorted(chosen)}
        expr = graph.render(final, do)
        text = question[: found.start()] + expr + question[found.end() :]
        note = ",".join(f"do(n{k}={v})" for k, v in do.items())
        return Variant(text, str(evaluate(expr)), note)

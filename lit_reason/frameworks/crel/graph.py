"""CREL's causal graphs (report sec 7.9.2): G = (V, E) of an arithmetic problem and of a written solution.

Nodes are the known quantities (the question's operands, in order) and the intermediate and final results;
an edge runs from each quantity a step uses to the step's result. The true graph follows the evaluation
order of the task's expressions (``*`` first, then ``+`` and ``-`` left to right, as
``datamodules.tasks.arithmetic.evaluate``). A solution's graph is read from its lines ``<a> <op> <b> = <c>``:
each operand refers to the latest earlier result with that value, else to a question operand with it; the
final answer ends it (a final answer that no step states is an *implicit* step over the quantities not yet
used, so a bare answer to ``47+8`` is the graph ``{47, 8} -> 55``).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field

_APPLY = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_STEP = re.compile(r"(-?\d+)\s*([+*-])\s*(-?\d+)\s*=\s*(-?\d+)")
EXPRESSION = re.compile(r"\d+(?:[+*-]\d+)+")


@dataclass(frozen=True)
class Step:
    """A result node: ``op`` applied to the nodes ``parents`` (indices; -1 for a number from nowhere);
    ``op`` is None for an implicit step (its parents a set, its operation unstated)."""

    op: str | None
    parents: tuple[int, ...]
    value: int


@dataclass
class CausalGraph:
    """Nodes ``0..len(inputs)-1`` are the known quantities, then one node per step, in order."""

    inputs: list[int]
    steps: list[Step] = field(default_factory=list)

    def values(self) -> list[int]:
        return [*self.inputs, *(s.value for s in self.steps)]

    def parent_values(self, step: Step) -> tuple[int | None, ...]:
        vals = self.values()
        return tuple(vals[p] if p >= 0 else None for p in step.parents)

    def execute(self, do: dict[int, int]) -> list[int | None]:
        """Every node's value when the nodes in ``do`` are set (graph surgery, do(X=x)) and each step is
        recomputed from its parents by its operation; an implicit step, or one with a parent from nowhere,
        keeps its stated value unless a parent changed (then it is unknown, None)."""
        vals: list[int | None] = [do.get(i, v) for i, v in enumerate(self.inputs)]
        for k, s in enumerate(self.steps):
            node = len(self.inputs) + k
            args = [vals[p] if p >= 0 else None for p in s.parents]
            if node in do:
                vals.append(do[node])
            elif s.op is not None and None not in args:
                vals.append(_APPLY[s.op](*args))
            else:
                changed = any(p in do or (p >= len(self.inputs) and vals[p] != self.values()[p]) for p in s.parents)
                vals.append(None if changed else s.value)
        return vals

    def render(self, node: int, do: dict[int, int] | None = None) -> str:
        """The expression of ``node`` with the nodes in ``do`` as literals (the counterfactual question)."""
        do = do or {}
        if node in do:
            return str(do[node])
        if node < len(self.inputs):
            return str(self.inputs[node])
        s = self.steps[node - len(self.inputs)]
        return f"{self.render(s.parents[0], do)}{s.op}{self.render(s.parents[1], do)}"


def expression_graph(expr: str) -> CausalGraph:
    """The true causal graph of an expression of non-negative integers with ``+``, ``-``, ``*``.

    Example:
        >>> expression_graph("2+3*4").steps
        [Step(op='*', parents=(1, 2), value=12), Step(op='+', parents=(0, 3), value=14)]
    """
    tokens = re.findall(r"\d+|[+*-]", expr)
    if not tokens or len(tokens) % 2 == 0 or not all(t.isdigit() for t in tokens[::2]):
        raise ValueError(f"expression_graph: need integers joined by +, - or *, got {expr!r}")
    graph = CausalGraph([int(t) for t in tokens[::2]])
    ops = tokens[1::2]
    terms, term_ops = [0], []  # products first: each term is a node
    for i, op in enumerate(ops):
        if op == "*":
            terms[-1] = _add(graph, "*", terms[-1], i + 1)
        else:
            terms.append(i + 1)
            term_ops.append(op)
    node = terms[0]
    for op, term in zip(term_ops, terms[1:]):
        node = _add(graph, op, node, term)
    return graph


def _add(graph: CausalGraph, op: str, a: int, b: int) -> int:
    vals = graph.values()
    graph.steps.append(Step(op, (a, b), _APPLY[op](vals[a], vals[b])))
    return len(graph.values()) - 1


def solution_graph(text: str, inputs: list[int], answer: int | None) -> CausalGraph:
    """The causal graph a solution states (module docstring) over the question's ``inputs``; ``answer`` is
    its extracted final answer (None: none), added as an implicit step when no step states it last."""
    graph = CausalGraph(list(inputs))
    used: set[int] = set()
    for a, op, b, c in _STEP.findall(text):
        parents = tuple(_resolve(graph, int(x), used) for x in (a, b))
        used.update(parents)
        graph.steps.append(Step(op, parents, int(c)))
    if answer is not None and (not graph.steps or graph.steps[-1].value != answer):
        rest = tuple(i for i in range(len(graph.values())) if i not in used)
        graph.steps.append(Step(None, rest, answer))
    return graph


def _resolve(graph: CausalGraph, value: int, used: set[int]) -> int:
    vals = graph.values()
    for node in range(len(vals) - 1, len(graph.inputs) - 1, -1):  # the latest earlier result
        if vals[node] == value:
            return node
    matches = [i for i in range(len(graph.inputs)) if vals[i] == value]
    fresh = [i for i in matches if i not in used]
    return (fresh or matches or [-1])[0]


def node_matches(pred: CausalGraph, true: CausalGraph) -> list[int]:
    """For each step of ``true``, the index of a ``pred`` node with its value and its parents' values (as a
    multiset: ``8+47`` matches ``47+8``), or -1; an implicit step's parents may hold the true parents."""
    out = []
    for step in true.steps:
        want = sorted(true.parent_values(step))
        found = -1
        for k, s in enumerate(pred.steps):
            have = [v for v in pred.parent_values(s) if v is not None]
            if s.value == step.value and (sorted(have) == want or (s.op is None and _contains(have, want))):
                found = len(pred.inputs) + k
        out.append(found)
    return out


def _contains(have: list[int], want: list[int]) -> bool:
    rest = list(have)
    for v in want:
        if v not in rest:
            return False
        rest.remove(v)
    return True

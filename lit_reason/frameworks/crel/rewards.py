"""CREL's causal rewards as reward functions (the TRL signature), for arithmetic questions.

``causal_graph_reward`` is eq 102 on each solution; ``intervention_reward`` is eq 103 on each solution's own
graph: set a quantity of the problem to another value (do(X = x + 1), every known quantity and every
intermediate result in turn), recompute the solution's later steps by the operations it wrote, and check that
its final answer follows the intervened problem's. Both read the problem from the prompt (its first arithmetic
expression) and give None where there is none, or, for eq 103, where the solution writes no step to recompute.
Combine them with the outcome reward: ``rewards: [math_accuracy, lit_reason.frameworks.crel.causal_graph_reward,
lit_reason.frameworks.crel.intervention_reward]`` with ``reward_weights``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from lit_reason.frameworks.crel.equations import graph_accuracy, intervention_accuracy
from lit_reason.frameworks.crel.graph import (
    EXPRESSION,
    CausalGraph,
    expression_graph,
    node_matches,
    solution_graph,
)
from lit_reason.rewards.math.extract import extract_answer


def _graphs(prompt: str, completion: str) -> tuple[CausalGraph, CausalGraph] | None:
    found = EXPRESSION.search(prompt)
    if found is None:
        return None
    true = expression_graph(found.group())
    answer = extract_answer(completion)
    try:
        value = int(answer) if answer is not None else None
    except ValueError:
        value = None
    return solution_graph(completion, true.inputs, value), true


def _padded(rows: list[list[bool]]) -> tuple[Tensor, Tensor]:
    width = max((len(r) for r in rows), default=0)
    hits = torch.zeros(len(rows), width, dtype=torch.bool)
    mask = torch.zeros(len(rows), width, dtype=torch.bool)
    for i, r in enumerate(rows):
        hits[i, : len(r)] = torch.tensor(r, dtype=torch.bool)
        mask[i, : len(r)] = True
    return hits, mask


def _scores(rates: Tensor, skip: list[bool]) -> list[float | None]:
    return [None if s or math.isnan(r) else float(r) for r, s in zip(rates.tolist(), skip)]


def causal_graph_reward(prompts: list[str], completions: list[str], **columns: list) -> list[float | None]:
    """Eq 102 per completion: the share of the problem's result nodes its solution graph reproduces."""
    rows, skip = [], []
    for prompt, completion in zip(prompts, completions):
        graphs = _graphs(prompt, completion)
        skip.append(graphs is None)
        rows.append([m >= 0 for m in node_matches(*graphs)] if graphs else [])
    return _scores(graph_accuracy(*_padded(rows)), skip)


def interventions(pred: CausalGraph, true: CausalGraph) -> list[bool]:
    """Whether the solution follows each intervention do(X = x + 1) on a known quantity or an intermediate
    result of the true graph (an intermediate the solution never computed is not followed)."""
    matches = node_matches(pred, true)
    n = len(true.inputs)
    targets = [(i, i) for i in range(n)]
    targets += [(n + k, matches[k]) for k in range(len(true.steps) - 1)]  # intermediates, not the final result
    follows = []
    for node, pred_node in targets:
        if pred_node < 0:
            follows.append(False)
            continue
        x = true.values()[node] + 1
        expected = true.execute({node: x})[-1]
        follows.append(pred.execute({pred_node: x})[-1] == expected)
    return follows


def intervention_reward(prompts: list[str], completions: list[str], **columns: list) -> list[float | None]:
    """Eq 103 per completion (module docstring); None for a solution with no written step."""
    rows, skip = [], []
    for prompt, completion in zip(prompts, completions):
        graphs = _graphs(prompt, completion)
        explicit = graphs is not None and any(s.op is not None for s in graphs[0].steps)
        skip.append(not explicit)
        rows.append(interventions(*graphs) if explicit else [])
    return _scores(intervention_accuracy(*_padded(rows)), skip)

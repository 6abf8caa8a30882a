"""Step-level Monte Carlo tree search with UCB, report sec 6.19 alg 9 (Marco-o1, Zhao et al. 2024,
arXiv:2411.14405; the MCTS of AlphaZero-style reasoning search, e.g. rStar, arXiv:2408.06195).

A node is a partial solution (a sequence of steps); its children are sampled next steps. Each simulation
(alg 9 lines 3-6):

1. **Selection** from the root by UCB, eq 72: ``argmax_a Q(s, a) + c * sqrt(ln N(s) / N(s, a))``, an
   unvisited child first;
2. **Expansion**: the selected leaf, unless finished or at ``max_depth``, gets ``expansions`` sampled steps,
   one child per distinct step;
3. **Simulation / evaluation**: the value of the new node is ``value="prm"``: the scorer applied to the
   partial solution (a PRM or ORM); or ``value="rollout"``: the scorer applied to one sampled completion
   of it (with the rule verifier this is the Expert Iteration setting, where the gold answer is known);
4. **Backpropagation**: ``N += 1`` and ``W += value`` on the path, ``Q = W / N``.

The answer follows the most visited child from the root (alg 9 line 8) until a finished node; an
unfinished end is completed greedily. Prompts are searched in lock-step, so each simulation is one batched
generation call and one scorer call for all of them.

Deliberate deviations: no prior term (plain UCB of eq 72, not PUCT); a None score counts as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from lit_reason.policy import Prompt
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.search.basic import Choice, ScoreFn
from lit_reason.sampling.search.expand import Step, raise_errors, sample_steps, settings_errors, step_params

MCTS_VALUES = ("prm", "rollout")


@dataclass
class MCTSSettings:
    """Step-level MCTS (alg 9).

    Args:
        simulations: Simulations (alg 9's N) per prompt.
        expansions: Children sampled when a node is expanded.
        c: Exploration constant of eq 72.
        value: ``prm`` (score the partial solution) or ``rollout`` (score one sampled completion of it).
        step: ``newline`` or ``tokens`` (see :class:`~lit_reason.sampling.search.BeamSettings`).
        step_tokens: Token bound of one step.
        max_depth: Steps below the root that may be expanded.
        temperature: Sampling temperature of expansions and rollouts. Below 1 on purpose: the value can
            only choose among the children sampled, and on the tiny task samples at 1.0 are right less often
            than the greedy path (0.48 vs 0.65), so at 1.0 the search ties greedy; at 0.7 it beats it.
        max_new_tokens: Token bound of a rollout and of the final greedy completion.
    """

    simulations: int = 16
    expansions: int = 3
    c: float = 1.0
    value: str = "prm"
    step: str = "newline"
    step_tokens: int = 16
    max_depth: int = 8
    temperature: float = 0.7
    max_new_tokens: int = 64

    def __post_init__(self) -> None:
        counts = {"simulations": self.simulations, "expansions": self.expansions, "step_tokens": self.step_tokens,
                  "max_depth": self.max_depth, "max_new_tokens": self.max_new_tokens}
        errors = settings_errors(counts, step=self.step, temperature=self.temperature)
        if self.value not in MCTS_VALUES:
            errors.append(f"value must be one of {MCTS_VALUES}, got {self.value!r}")
        if self.c < 0:
            errors.append(f"c must be >= 0, got {self.c}")
        raise_errors("MCTSSettings", errors)


@dataclass
class Node:
    """A partial solution in the tree."""

    text: str
    depth: int
    done: bool
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    visits: int = 0
    total: float = 0.0

    @property
    def q(self) -> float:
        return self.total / self.visits if self.visits else 0.0


def ucb(child: Node, parent_visits: int, c: float) -> float:
    """Eq 72: ``Q(s, a) + c * sqrt(ln N(s) / N(s, a))``; an unvisited child scores +inf.

    Example:
        >>> round(ucb(Node("", 1, False, visits=2, total=1.0), parent_visits=4, c=1.0), 4)
        1.3326
    """
    if child.visits == 0:
        return math.inf
    return child.q + c * math.sqrt(math.log(max(parent_visits, 1)) / child.visits)


def select(root: Node, c: float) -> Node:
    """Descends by UCB through expanded nodes (ties to the first child) and returns the leaf reached."""
    node = root
    while node.children:
        scores = [ucb(ch, node.visits, c) for ch in node.children]
        node = node.children[max(range(len(scores)), key=lambda i: (scores[i], -i))]
    return node


def distinct_children(node: Node, steps: list[Step]) -> list[Node]:
    """One child per distinct sampled step, in order of first appearance.

    A step sampled twice is one state: two copies would split its visits, so the most visited rule of
    alg 9 line 8 would count against exactly the steps the policy is surest of.
    """
    children: dict[str, Node] = {}
    for s in steps:
        children.setdefault(s.text, Node(node.text + s.text, node.depth + 1, s.done, node))
    return list(children.values())


def backpropagate(node: Node | None, value: float) -> None:
    """Adds one visit and ``value`` to ``node`` and each of its ancestors."""
    while node is not None:
        node.visits += 1
        node.total += value
        node = node.parent


def mcts(
    sampler: HFSampler,
    prompts: list[Prompt],
    score_fn: ScoreFn,
    settings: MCTSSettings,
    *,
    columns: dict[str, list[Any]] | None = None,
    generator: torch.Generator | None = None,
) -> list[Choice]:
    """Step-level MCTS (alg 9) for every prompt, batched across prompts.

    Args:
        sampler: Generates steps and rollouts.
        prompts: The prompts.
        score_fn: The value (TRL reward signature) on formatted prompts and (partial) completions.
        settings: Search settings.
        columns: Per-prompt columns passed to ``score_fn``.
        generator: Sampling RNG.

    Returns:
        One :class:`Choice` per prompt: the most visited path, ``score`` its end's mean value, and the
        root's children as candidates with their visit counts as scores.
    """
    texts = [sampler.policy.format_prompt(p) for p in prompts]
    cols = columns or {}
    roots = [Node("", 0, False) for _ in prompts]
    step = step_params(settings.step, settings.step_tokens, settings.temperature, settings.expansions)
    for _ in range(settings.simulations):
        leaves = [select(r, settings.c) for r in roots]
        grow = [i for i, leaf in enumerate(leaves) if not leaf.done and leaf.depth < settings.max_depth]
        for i, steps in zip(grow, sample_steps(sampler, [texts[i] + leaves[i].text for i in grow], step, generator)):
            leaf = leaves[i]
            leaf.children = distinct_children(leaf, steps)
            leaves[i] = leaf.children[0]
        values = _evaluate(sampler, texts, leaves, score_fn, cols, settings, generator)
        for leaf, v in zip(leaves, values):
            backpropagate(leaf, v)
    return _answers(sampler, texts, roots, score_fn, cols, settings)


def _evaluate(sampler: HFSampler, texts: list[str], leaves: list[Node], score_fn: ScoreFn,
              columns: dict[str, list[Any]], settings: MCTSSettings, generator: torch.Generator | None) -> list[float]:
    completions = [leaf.text for leaf in leaves]
    if settings.value == "rollout":
        todo = [i for i, leaf in enumerate(leaves) if not leaf.done]
        if todo:
            roll = sampler.generate([texts[i] + leaves[i].text for i in todo],
                                    SamplingParams(temperature=settings.temperature, n=1,
                                                   max_new_tokens=settings.max_new_tokens), generator=generator)
            for i, rest in zip(todo, roll.completions):
                completions[i] += rest
    scores = score_fn(texts, completions, **columns)
    return [0.0 if s is None else float(s) for s in scores]


def _answers(sampler: HFSampler, texts: list[str], roots: list[Node], score_fn: ScoreFn,
             columns: dict[str, list[Any]], settings: MCTSSettings) -> list[Choice]:
    ends = []
    for root in roots:
        node = root
        while node.children and not node.done:
            node = max(node.children, key=lambda ch: (ch.visits, ch.q))  # alg 9 line 8: most visited
        ends.append(node)
    finals = [e.text for e in ends]
    todo = [i for i, e in enumerate(ends) if not e.done]
    if todo:
        greedy = sampler.generate([texts[i] + ends[i].text for i in todo],
                                  SamplingParams(temperature=0.0, n=1, max_new_tokens=settings.max_new_tokens))
        for i, rest in zip(todo, greedy.completions):
            finals[i] += rest
    return [Choice(final, end.q, [ch.text for ch in root.children], [float(ch.visits) for ch in root.children])
            for final, end, root in zip(finals, ends, roots)]

"""CREL, Causal Reasoning Enhanced Learning (report sec 7.9, eq 102-103).

``CREL`` (GRPO over questions and their counterfactuals, eq 103 logged), ``Intervention`` (counterfactual
questions do(X = x) for ``VariantPromptDataModule``), the causal rewards ``causal_graph_reward`` (eq 102) and
``intervention_reward`` (eq 103 on a solution's graph), and the graphs themselves (``graph.py``).
"""

from lit_reason.frameworks.crel.equations import graph_accuracy, intervention_accuracy
from lit_reason.frameworks.crel.graph import CausalGraph, Step, expression_graph, node_matches, solution_graph
from lit_reason.frameworks.crel.intervene import Intervention
from lit_reason.frameworks.crel.module import CREL
from lit_reason.frameworks.crel.rewards import causal_graph_reward, intervention_reward, interventions

__all__ = ["CREL", "CausalGraph", "Intervention", "Step", "causal_graph_reward", "expression_graph",
           "graph_accuracy", "intervention_accuracy", "intervention_reward", "interventions", "node_matches",
           "solution_graph"]

"""AHRO, Adaptive Hierarchical Reward Optimization (report sec 7.1, eq 78-80, alg 10).

``AHRO`` (module.py) is GRPO on a per-question weighted sum of reward layers (layers.py), the weights
produced by a small network over the question's embedding (weights.py) and trained alongside on eq 80;
the equations are pure functions in equations.py.
"""

from lit_reason.frameworks.ahro.layers import DEFAULT_LAYERS, answer_format
from lit_reason.frameworks.ahro.module import AHRO
from lit_reason.frameworks.ahro.weights import WeightLearner

__all__ = ["AHRO", "DEFAULT_LAYERS", "WeightLearner", "answer_format"]

"""The evaluation of the arithmetic behaviour tests: every one of the 100 one-digit sums, greedy and sampled.

1-digit addition has only 100 problems, so a held-out set of random draws repeats some and misses others.
Scoring all 100 measures the whole task: the only noise left in the sampled accuracy is the samples' own
(each of the ``100 x SAMPLES`` draws a Bernoulli of its prompt's rate), whose variance is at most the
binomial one that :func:`tests.stats.gain_z` assumes with ``n = DRAWS``. Greedy accuracy has no evaluation
noise at all; what varies between CPUs is the training run itself, which is why each test records the
values it saw under several kernels.
"""

from __future__ import annotations

import torch

from lit_reason.algorithms import SFTModule
from lit_reason.algorithms.evaluation import accuracy_metrics
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask
from lit_reason.policy import Policy
from lit_reason.rewards.registry import get_reward
from lit_reason.sampling import SamplingParams

TASK = ArithmeticTask(levels=[[1, 1]])
ALL_SUMS = [TASK.row(f"{a}+{b}", 0) for a in range(10) for b in range(10)]
SAMPLES = 4
DRAWS = len(ALL_SUMS) * SAMPLES  # the n of gain_z for val/accuracy_sampled


def accuracy(policy: Policy) -> dict[str, float]:
    """``val/accuracy`` (greedy) and ``val/accuracy_sampled`` (T=1, ``SAMPLES`` each) over all 100 sums."""
    m = accuracy_metrics(SFTModule(policy, verifier=None).sampler, ALL_SUMS, get_reward("math_accuracy"),
                         SamplingParams(n=SAMPLES, max_new_tokens=4, temperature=1.0),
                         torch.Generator().manual_seed(1))
    return {k: float(v) for k, v in m.items()}

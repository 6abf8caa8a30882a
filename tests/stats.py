"""What a behaviour test may assert about a measured rate: a gain counted in standard errors.

Float reductions differ between CPU kernels, so after the first update a run on another machine is in
effect another seed. A bound set a few points under one run's value fails elsewhere; a gain of several
binomial standard errors is what every machine sees when the method learns, and what no machine sees
when it does not (a gain of 0 gives z ~ N(0, 1)).
"""

from __future__ import annotations

import math


def gain_z(before: float, after: float, n: int) -> float:
    """Standard errors by which ``after`` exceeds ``before``: two rates, each measured on ``n`` draws.

    The two are treated as independent binomial estimates. Scoring the same prompts twice correlates them
    (which shrinks the true error of the difference), drawing several samples per prompt clusters them
    (which widens it); the test's threshold leaves room for both.

    Example:
        >>> round(gain_z(0.25, 0.5, 100), 3)  # 0.25 / sqrt((0.1875 + 0.25) / 100)
        3.78
    """
    if n < 1:
        raise ValueError(f"gain_z: n must be >= 1, got {n}")
    se = math.sqrt((before * (1 - before) + after * (1 - after)) / n)
    if se == 0.0:  # both rates 0 or 1: no noise, the sign of the difference decides
        return math.copysign(math.inf, after - before) if after != before else 0.0
    return (after - before) / se


def auc_z(auc: float, n_pos: int, n_neg: int) -> float:
    """Standard errors by which an AUC exceeds chance (0.5): the Mann-Whitney null variance
    ``(n_pos + n_neg + 1) / (12 n_pos n_neg)`` (Hanley & McNeil 1982).

    Example:
        >>> round(auc_z(0.6, 50, 50), 3)  # 0.1 / sqrt(101 / 30000)
        1.723
    """
    if n_pos < 1 or n_neg < 1:
        raise ValueError(f"auc_z: both classes need rows, got n_pos={n_pos}, n_neg={n_neg}")
    return (auc - 0.5) / math.sqrt((n_pos + n_neg + 1) / (12 * n_pos * n_neg))


def mean_z(values: list[float]) -> float:
    """Standard errors by which the mean of paired differences exceeds 0 (the one-sample t statistic):
    ``mean / (sd / sqrt(n))`` with the sample standard deviation (n - 1).

    For per-item changes measured on the same items (a preference pair's margin after minus before, a
    prompt's chosen sample minus its mean), where the items, not the two runs, are the independent draws.

    Example:
        >>> round(mean_z([1.0, 2.0, 3.0]), 3)  # mean 2, sd 1: 2 / (1 / sqrt(3))
        3.464
    """
    n = len(values)
    if n < 2:
        raise ValueError(f"mean_z: needs >= 2 values, got {n}")
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    if sd == 0.0:  # every difference equal: no noise, the sign decides
        return math.copysign(math.inf, mean) if mean != 0 else 0.0
    return mean / (sd / math.sqrt(n))

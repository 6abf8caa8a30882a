"""Settings that would train nothing, rejected at construction with the option named.

A group-relative advantage (GRPO eq 23, RLOO eq 62, a group-mean baseline) is a sample's reward minus its
group's: with one sample per prompt, or greedy sampling (every sample of a prompt the same), it is 0 for
every sample, so the run ends with loss 0 and grad norm 0 and no hint why.
"""

from __future__ import annotations

from lit_reason.losses.kl import KL_ESTIMATORS
from lit_reason.sampling.params import SamplingParams


def group_relative_errors(sampling: SamplingParams) -> list[str]:
    """Why ``sampling`` gives every group-relative advantage 0 (empty when it does not)."""
    errors = []
    if sampling.n < 2:
        errors.append(f"sampling.n must be >= 2 for group-relative advantages (a group of one has advantage 0), "
                      f"got {sampling.n}")
    if sampling.temperature == 0:
        errors.append("sampling.temperature 0 (greedy) makes a prompt's samples identical, so every "
                      "group-relative advantage is 0; use a temperature > 0 (e.g. 1.0)")
    return errors


def kl_errors(kl_estimator: str) -> list[str]:
    """An unknown ``kl_estimator``, checked even when ``kl_coef`` is 0 (a later KL controller may raise it)."""
    if kl_estimator in KL_ESTIMATORS:
        return []
    return [f"kl_estimator must be one of {sorted(KL_ESTIMATORS)}, got {kl_estimator!r}"]

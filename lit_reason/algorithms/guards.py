"""Settings that would train nothing, rejected at construction with the option named.

A group-relative advantage (GRPO eq 23, RLOO eq 62, a group-mean baseline) is a sample's reward minus its
group's: with one sample per prompt, or greedy sampling (every sample of a prompt the same), it is 0 for
every sample, so the run ends with loss 0 and grad norm 0 and no hint why. Likewise k1 as the KL in a
loss: its expected gradient is 0, so the penalty does nothing.
"""

from __future__ import annotations

from lit_reason.losses.kl import KL_ESTIMATORS, check_loss_estimator
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


def greedy_baseline_errors(sampling: SamplingParams) -> list[str]:
    """Why ``sampling`` gives every advantage against the prompt's greedy response 0 (ReMax)."""
    if sampling.temperature == 0:
        return ["sampling.temperature 0 (greedy) makes every sample its prompt's greedy response, so every "
                "advantage against the greedy baseline is 0; use a temperature > 0 (e.g. 1.0)"]
    return []


def kl_errors(kl_estimator: str, in_loss: bool = True, option: str = "kl.estimator") -> list[str]:
    """A ``kl_estimator`` that is unknown or, in the loss, penalises nothing (k1: zero expected gradient).

    Checked even when ``kl.coef`` is 0 (a later KL controller may raise it); losses/kl.py says which
    estimator is valid where.
    """
    if in_loss:
        try:
            check_loss_estimator(kl_estimator, option=option)
        except ValueError as e:
            return [str(e)]
        return []
    if kl_estimator in KL_ESTIMATORS:
        return []
    return [f"{option} must be one of {sorted(KL_ESTIMATORS)}, got {kl_estimator!r}"]

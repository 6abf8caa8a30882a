"""Scoring a generated rollout: rewards, the count of unscorable samples, verifier verdicts, and the
per-rollout metrics of DESIGN.md's vocabulary (``train/reward``, ``reward_std``, ``reward_none_frac``,
``completion_len``, ``repetition``, ``accuracy``, ``reward/<name>``)."""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.rewards.combine import RewardFn, WeightedSum
from lit_reason.rollout import Rollout


def score_rollout(
    rollout: Rollout, reward: WeightedSum, verifier: RewardFn | None, *, none_reward: float
) -> dict[str, float]:
    """Fills ``rewards``, ``reward_none`` and (with a verifier) ``correct`` of ``rollout``; returns metrics.

    A sample no reward function could score gets ``none_reward`` for training and is counted in
    ``reward_none_frac``, never silently 0.

    Args:
        rollout: The generated rollout (on its device).
        reward: The weighted sum of the reward functions (eq 39).
        verifier: The reward whose score >= 1 means correct; None for no accuracy.
        none_reward: Training reward of an unscorable sample.
    """
    device = rollout.completion_ids.device
    components = reward.score_components(rollout.prompts, rollout.completions, **rollout.columns)
    totals = reward.combine(components)
    rollout.reward_none = torch.tensor([t is None for t in totals], device=device)  # (B,)
    rollout.rewards = torch.tensor([none_reward if t is None else t for t in totals], dtype=torch.float32,
                                   device=device)
    lengths = rollout.completion_mask.sum(1).float()
    metrics = {
        "reward": rollout.rewards.mean().item(),
        "reward_std": rollout.rewards.std().item() if len(rollout) > 1 else 0.0,
        "reward_none_frac": rollout.reward_none.float().mean().item(),
        "completion_len": lengths.mean().item(),
        "repetition": repetition(rollout).item(),
    }
    for name, scores in components.items():
        scored = [s for s in scores if s is not None]
        metrics[f"reward/{name}"] = sum(scored) / len(scored) if scored else float("nan")
    if verifier is not None:
        ok = [s is not None and s >= 1.0 for s in _verifier_scores(rollout, reward, verifier, components)]
        metrics["accuracy"] = sum(ok) / len(ok)
        rollout.correct = torch.tensor(ok, device=device)
    return metrics


def _verifier_scores(
    rollout: Rollout, reward: WeightedSum, verifier: RewardFn, components: dict[str, list[float | None]]
) -> list[float | None]:
    # The default verifier is also the default reward (math_accuracy, code_pass_rate): reuse its scores
    # rather than verify (or run in the sandbox) every completion a second time.
    for name, fn in zip(reward.names, reward.funcs, strict=True):
        if fn is verifier:
            return components[name]
    return verifier(rollout.prompts, rollout.completions, **rollout.columns)


def repetition(rollout: Rollout, n: int = 4) -> Tensor:
    """Mean fraction of repeated token n-grams per completion (0 = none repeated), a degeneration signal."""
    fracs = []
    for ids, m in zip(rollout.completion_ids.tolist(), rollout.completion_mask.sum(1).tolist()):
        grams = [tuple(ids[i : i + n]) for i in range(max(int(m) - n + 1, 0))]
        fracs.append(1.0 - len(set(grams)) / len(grams) if grams else 0.0)
    return torch.tensor(sum(fracs) / max(len(fracs), 1))

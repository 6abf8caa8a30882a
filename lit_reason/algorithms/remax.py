"""ReMax: REINFORCE with the greedy response's reward as the baseline (Li et al. 2023, arXiv:2310.10505).

Each rollout also decodes every prompt greedily (no grad) and scores it with the same reward; the advantage
of a sample is its reward minus its prompt's greedy reward (eq 5, Algorithm 1). No critic, no group
statistics: the baseline costs one greedy generation per prompt.

Deliberate deviations: the loss is GRPO's (the clipped surrogate, which with ``batching.update_epochs: 1`` and one
minibatch is exactly the paper's REINFORCE gradient), and any number of samples per prompt is allowed (the
paper draws one). A greedy response no reward can score gets ``none_reward`` as its baseline (counted in
``train/greedy_reward_none_frac``).
"""

from __future__ import annotations

from typing import Any

import torch

from lit_reason.advantages.pg_variants import greedy_baseline_advantages
from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.evaluation import columns_of
from lit_reason.algorithms.grpo import GRPO
from lit_reason.algorithms.guards import greedy_baseline_errors
from lit_reason.rollout import Rollout


class ReMax(GRPO):
    """ReMax: the greedy response's reward as each sample's baseline.

    The greedy rewards and texts are kept per sample as ``rollout.columns["greedy_reward"]`` and
    ``["greedy_completion"]`` (sample tables show them).

    Args:
        **kwargs: Everything of :class:`GRPO` and :class:`OnPolicyModule`.
    """

    group_relative = False  # one sample per prompt is the paper's setting

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if errors := greedy_baseline_errors(self.sampling):
            raise ValueError("ReMax: " + "; ".join(errors))

    @torch.no_grad()
    def collect(self, rows: list[dict[str, Any]]) -> tuple[Rollout, dict[str, float]]:
        """The base collection plus each prompt's greedy response and its reward (needs the prompt rows)."""
        rollout, metrics = super().collect(rows)
        greedy = self.sampler.generate([r["prompt"] for r in rows], self.sampling.with_(temperature=0.0, n=1),
                                       columns=columns_of(rows), generator=self.generator)
        scores = self.reward(greedy.prompts, greedy.completions, **greedy.columns)
        none = [s is None for s in scores]
        per_prompt = [self.hparams.none_reward if s is None else float(s) for s in scores]
        groups = rollout.group.tolist()
        rollout.columns["greedy_reward"] = [per_prompt[int(g)] for g in groups]
        rollout.columns["greedy_completion"] = [greedy.completions[int(g)] for g in groups]
        metrics["greedy_reward"] = sum(per_prompt) / len(per_prompt)
        metrics["greedy_reward_none_frac"] = sum(none) / len(none)
        return rollout, metrics

    def advantages(self, rollout: Rollout) -> Targets:
        baseline = torch.tensor(rollout.columns["greedy_reward"], dtype=rollout.rewards.dtype,
                                device=rollout.rewards.device)
        return Targets(greedy_baseline_advantages(rollout.rewards, baseline))

"""ARRE: Adversarial Reasoning Robustness Enhancement (report sec 7.6, eq 94-95, alg 13), on GRPO's hooks.

Each training batch (from :class:`~lit_reason.datamodules.variants.VariantPromptDataModule`) holds every
question q and k perturbations q' of it, each sampled ``sampling.n`` times. Then:

- ``select`` (eq 94): per question, the perturbation with the largest estimated loss, ``-mean reward`` of its
  samples, is the adversarial q'; the update keeps q's samples and q''s and drops the other perturbations.
- ``advantages`` (eq 95): the reward of each kept sample plus ``consistency_coef`` x its consistency reward
  (agreement of its answer with the other side's answers, ``objective.consistency_reward``), normalised
  within its prompt's group (eq 23). The policy-gradient step on q' is the ``max_{q'} L`` term; the
  consistency reward is the ``lambda L_consistency(q, q')`` term.
- The loss is GRPO's (the clipped surrogate of eq 25 plus the KL of eq 26), unchanged.
- Alg 13's rising strength is :class:`~lit_reason.frameworks.arre.schedule.ProgressiveStrength`.

Departure: eq 95's expectation runs over q with only its worst q'; the update also keeps q's own samples
(they are the other side of the consistency term, and without them the clean accuracy the method must keep
gets no gradient). ``train/arre_*`` logs the clean, perturbed and adversarial accuracies.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import torch
from torch import Tensor

from lit_reason.advantages import group_normalized
from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.datamodules.variants import variant_tags
from lit_reason.frameworks.arre.objective import consistency_reward, worst_case_variant
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.rollout import Rollout


class ARRE(GRPO):
    """GRPO on each question plus its adversarial perturbation, with a consistency reward (eq 94-95).

    Args:
        consistency_coef: lambda of eq 95, the weight of the consistency reward (>= 0).
        **kwargs: Everything of :class:`~lit_reason.algorithms.GRPO` but ``sample_weight`` and ``strata``
            (ARRE's advantages are its own).
    """

    def __init__(self, *args: Any, consistency_coef: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not consistency_coef >= 0:
            raise ValueError(f"ARRE: consistency_coef must be >= 0, got {consistency_coef}")
        if self.hparams.get("sample_weight") is not None or self.hparams.get("strata") is not None:
            raise ValueError("ARRE: sample_weight and strata are GRPO advantage variants that ARRE does not use")
        self.consistency_coef = consistency_coef

    def select(self, rollout: Rollout) -> Rollout:
        source, variant = _tags(rollout)
        shape = (int(source.max()) + 1, int(variant.max()) + 1)
        total = torch.zeros(shape).index_put_((source, variant), rollout.rewards.float().cpu(), accumulate=True)
        count = torch.zeros(shape).index_put_((source, variant), torch.ones(len(rollout)), accumulate=True)
        worst = worst_case_variant(-total / count.clamp(min=1), count > 0)  # (S,) eq 94
        keep = (variant == 0) | (variant == worst[source])
        ok = (rollout.correct if rollout.correct is not None else rollout.rewards >= 1).float().cpu()
        adversarial = keep & (variant > 0)
        self.record(arre_clean_accuracy=_mean(ok[variant == 0]), arre_perturbed_accuracy=_mean(ok[variant > 0]),
                    arre_adversarial_accuracy=_mean(ok[adversarial]))
        return rollout.select(keep.nonzero().squeeze(1).tolist())

    def advantages(self, rollout: Rollout) -> Targets:
        keys = torch.tensor([answer_key(c, str(a)) for c, a in zip(rollout.completions, rollout.columns["answer"])])
        source, variant = _tags(rollout)
        consistency = consistency_reward(keys, source, variant > 0)  # (B,) eq 95
        self.record(arre_consistency=consistency.mean().item())
        rewards = rollout.rewards + self.consistency_coef * consistency.to(rollout.rewards)
        return Targets(group_normalized(rewards, rollout.group, std=self.hparams.scale_rewards))


def answer_key(completion: str, reference: str) -> float:
    """The consistency key of an answer: its offset from the reference when both are numbers (a number
    renaming keeps the key of the same mistake), 0 for a non-numeric answer equal to the reference, a stable
    hash of the answer otherwise, NaN when there is no answer."""
    answer = extract_answer(completion)
    if answer is None:
        return math.nan
    try:
        return float(answer) - float(reference)
    except ValueError:
        pass
    if answer.strip() == reference.strip():
        return 0.0
    return zlib.crc32(answer.strip().encode()) + 0.5  # never an integer offset


def _tags(rollout: Rollout) -> tuple[Tensor, Tensor]:
    source, variant = variant_tags(rollout.columns, "ARRE")
    return torch.tensor(source), torch.tensor(variant)


def _mean(x: Tensor) -> float:
    return x.mean().item() if len(x) else float("nan")

"""ARRE: Adversarial Reasoning Robustness Enhancement (report sec 7.6, eq 94-95, alg 13), on GRPO's hooks.

Each training batch (from :class:`~lit_reason.datamodules.variants.VariantPromptDataModule`) holds every
question q and k perturbations q' of it, each sampled ``sampling.n`` times. Then, in ``select``:

- eq 94: per question, the perturbation with the largest estimated loss, ``-mean reward`` of its samples, is
  the adversarial q'; the update keeps q's samples and q''s and drops the other perturbations (the
  ``max_{q'} L`` term is GRPO's loss on q''s samples);
- eq 95's ``lambda L_consistency(q, q')``: q's correct solutions are also scored as solutions of q'
  (``objective.transplant_pairs``: q''s prompt with q's completion, their log-probabilities recomputed under
  q' and their reward re-scored against q''s answer; only those still correct are kept). ``advantages``
  gives each one ``consistency_coef`` (lambda) x its reward above the mean reward of q''s own samples
  (``objective.transplant_advantages``), so the solution that worked on q pulls the policy's reasoning on q'
  towards it, while q''s own samples keep GRPO's advantages.

Everything else is GRPO's (eq 23 advantages within each prompt's group, the clipped surrogate of eq 25, the
KL of eq 26). Alg 13's rising strength is :class:`~lit_reason.frameworks.arre.schedule.ProgressiveStrength`.

Departures: eq 95's expectation runs over q with only its worst q'; the update also keeps q's own samples
(without them the clean accuracy the method must keep gets no gradient). The consistency term is the
likelihood of q's correct reasoning under q' (off-policy samples, weighted by their group advantage), one
reading of "the reasoning on q and q' should agree" that gives a gradient even when every sample of q' is
wrong, which is where the worst case lands on a weak model. ``train/arre_*`` logs the clean, perturbed and
adversarial accuracies and the transplanted samples.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch
from torch import Tensor

from lit_reason.advantages import group_normalized
from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.algorithms.scoring import score_rollout
from lit_reason.datamodules.variants import variant_tags
from lit_reason.frameworks.arre.objective import transplant_advantages, transplant_pairs, worst_case_variant
from lit_reason.rollout import Rollout


class ARRE(GRPO):
    """GRPO on each question plus its adversarial perturbation, with the consistency term (eq 94-95).

    Args:
        consistency_coef: lambda of eq 95, the weight of the transplanted samples' advantages (>= 0; 0 drops
            the consistency term).
        **kwargs: Everything of :class:`~lit_reason.algorithms.GRPO` but ``sample_weight`` and ``strata``
            (ARRE's advantages are its own).
    """

    def __init__(self, *args: Any, consistency_coef: float = 0.1, **kwargs: Any) -> None:
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
        keep = ((variant == 0) | (variant == worst[source])).nonzero().flatten()
        ok = (rollout.correct if rollout.correct is not None else rollout.rewards >= 1).cpu()
        adversarial = (variant == worst[source]) & (variant > 0)
        self.record(arre_clean_accuracy=_mean(ok[variant == 0]), arre_perturbed_accuracy=_mean(ok[variant > 0]),
                    arre_adversarial_accuracy=_mean(ok[adversarial]))
        prompt_rows, solved_rows = transplant_pairs(ok, source, variant, worst, limit=self.sampling.n)
        if self.consistency_coef == 0:
            prompt_rows, solved_rows = prompt_rows[:0], solved_rows[:0]
        return self._with_transplants(rollout, keep, prompt_rows, solved_rows)

    def advantages(self, rollout: Rollout) -> Targets:
        transplanted = torch.tensor(rollout.columns["arre_transplant"], dtype=torch.bool, device=rollout.rewards.device)
        own = (~transplanted).nonzero().flatten()
        adv = torch.zeros_like(rollout.rewards)
        # The sampled groups exactly as GRPO (eq 23): an all-wrong q' group still gets 0, its samples are not
        # pushed down for the transplants' sake. A transplant's advantage is lambda x its reward above the mean
        # reward of q''s own samples (the consistency term's baseline).
        adv[own] = group_normalized(rollout.rewards[own], rollout.group[own], std=self.hparams.scale_rewards)
        return Targets(adv + self.consistency_coef * transplant_advantages(rollout.rewards, rollout.group,
                                                                           transplanted))

    def _with_transplants(self, rollout: Rollout, keep: Tensor, prompt_rows: Tensor, solved_rows: Tensor) -> Rollout:
        """The kept samples, then q''s prompts with q's completions, re-scored under q' (correct ones only)."""
        flags = [False] * len(keep) + [True] * len(prompt_rows)
        out = rollout.select(torch.cat([keep, prompt_rows]).tolist())
        out = replace(out, columns={**out.columns, "arre_transplant": flags})
        if not len(prompt_rows):
            return out
        solved = rollout.select(torch.cat([keep, solved_rows]).tolist())
        out = replace(out, completion_ids=solved.completion_ids, completion_mask=solved.completion_mask,
                      finished=solved.finished, completions=solved.completions)
        tail = list(range(len(keep), len(out)))
        moved = out.select(tail)
        score_rollout(moved, self.reward, self.verifier, none_reward=self.hparams.none_reward)
        logprobs = self._score(moved, self.policy.token_logprobs)  # (M, T) under q', not q
        for name, value in (("rewards", moved.rewards), ("reward_none", moved.reward_none),
                            ("correct", moved.correct), ("old_logprobs", logprobs), ("sampler_logprobs", logprobs)):
            if value is not None:
                getattr(out, name)[tail] = value.to(getattr(out, name).dtype)
        still = (moved.correct if moved.correct is not None else moved.rewards >= 1).cpu()
        self.record(arre_transplanted=float(still.sum()))
        drop = [len(keep) + i for i, s in enumerate(still.tolist()) if not s]  # wrong for q' (a renaming)
        return out.select([i for i in range(len(out)) if i not in set(drop)])


def _tags(rollout: Rollout) -> tuple[Tensor, Tensor]:
    source, variant = variant_tags(rollout.columns, "ARRE")
    return torch.tensor(source), torch.tensor(variant)


def _mean(x: Tensor) -> float:
    return x.float().mean().item() if len(x) else float("nan")

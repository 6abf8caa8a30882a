"""MGRCR: Multi-Granularity Reasoning Consistency Reinforcement (report sec 7.4, eq 85-88), on GRPO's hooks.

Each iteration ``advantages`` segments every completion at the span, step and solution granularities
(units.py), scores the internal (eq 85) and cross-granularity (eq 86) consistency terms, combines them by
eq 87 (consistency.py) and returns eq 88's ``A_outcome + alpha A_consistency``; GRPO's clipped loss with its
entropy bonus (``entropy_coef``, eq 88's ``beta L_regularization``, meant to keep the consistency reward
from collapsing every group onto one answer) is unchanged. The agreement term rewards consensus on *any*
answer: on the quickstart task alpha 0.5 drove the groups onto agreed wrong answers (README), hence the
default alpha 0.1. The outcome reward is the module's ``rewards``.

Deliberate deviations: eq 87 is taken as a weighted mean over the terms defined for a sample (a solution
without equations has no span terms) rather than a plain sum; the consistency checks are the rule-based
"mathematical consistency" ones of sec 7.4.4 (integer equations, step chaining, answer agreement), not the
NLI or embedding checks, which need a model; the report's token granularity is the per-token loss itself.
"""

from __future__ import annotations

from typing import Any

import torch

from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.frameworks.mgrcr.consistency import consistency_reward, mgrcr_advantages
from lit_reason.frameworks.mgrcr.units import CROSS, INTERNAL, TERMS, segment, term_scores
from lit_reason.rewards.steps import resolve_splitter
from lit_reason.rollout import Rollout


class MGRCR(GRPO):
    """GRPO whose advantage adds eq 88's consistency term to the outcome's.

    Args:
        consistency_coef: alpha of eq 88.
        internal_weights: lambda_g of eq 87 per granularity (``span``, ``step``, ``solution``); default 1 each.
        cross_weights: mu of eq 87 per pair (``span_solution``, ``step_solution``); default 1 each.
        split: How solutions split into steps (``newline``, ``step_k``, ``sentence``; rewards/steps.py).
        *args, **kwargs: Everything of :class:`GRPO` (``rewards`` are the outcome reward; ``entropy_coef``
            is eq 88's beta).
    """

    def __init__(self, *args: Any, consistency_coef: float = 0.1, internal_weights: dict[str, float] | None = None,
                 cross_weights: dict[str, float] | None = None, split: str = "newline", **kwargs: Any) -> None:
        if kwargs.get("sample_weight") is not None or kwargs.get("strata") is not None:
            raise ValueError("MGRCR: sample_weight and strata are GRPO variants MGRCR does not combine with")
        super().__init__(*args, **kwargs)
        errors = [] if consistency_coef >= 0 else [f"consistency_coef must be >= 0, got {consistency_coef}"]
        weights = {}
        for option, given, names in (("internal_weights", internal_weights, INTERNAL),
                                     ("cross_weights", cross_weights, CROSS)):
            given = dict(given or {})
            if unknown := sorted(set(given) - set(names)):
                errors.append(f"{option}: unknown {unknown}; choose from {list(names)}")
            if any(not w >= 0 for w in given.values()):
                errors.append(f"{option} must be >= 0, got {given}")
            weights.update({n: float(given.get(n, 1.0)) for n in names})
        try:
            resolve_splitter(split)
        except ValueError as e:
            errors.append(f"split: {e}")
        if not errors and sum(weights.values()) == 0:
            errors.append("internal_weights and cross_weights are all 0: no consistency term is left")
        if errors:
            raise ValueError("MGRCR: " + "; ".join(errors))
        self.term_weights = torch.tensor([weights[t] for t in TERMS])
        self.consistency_coef, self.split = consistency_coef, split

    def advantages(self, rollout: Rollout) -> Targets:
        terms = term_scores([segment(c, self.split) for c in rollout.completions], rollout.group)
        cons = consistency_reward(terms.score, terms.defined, self.term_weights.to(terms.score.device))
        defined_frac = terms.defined.float().mean(0)
        means = (terms.score * terms.defined).sum(0) / terms.defined.sum(0).clamp(min=1)
        self.record(mgrcr_consistency=cons.score.mean().item(),
                    mgrcr_undefined_frac=1 - cons.defined.float().mean().item(),
                    **{f"mgrcr_{t}": means[j].item() for j, t in enumerate(TERMS)},
                    **{f"mgrcr_{t}_defined": defined_frac[j].item() for j, t in enumerate(TERMS)})
        return Targets(mgrcr_advantages(rollout.rewards, cons.score, rollout.group, alpha=self.consistency_coef,
                                        std=self.hparams.scale_rewards))

"""CREL: Causal Reasoning Enhanced Learning (report sec 7.9, eq 102-103), on GRPO's hooks.

The framework is three parts, each on a base:

- the data (sec 7.9.4, counterfactual augmentation): :class:`~lit_reason.datamodules.variants.VariantPromptDataModule`
  with :class:`~lit_reason.frameworks.crel.Intervention` adds counterfactual questions do(X = x), answers
  recomputed, after every question of a batch;
- the rewards (eq 102-103 on each solution): ``causal_graph_reward`` and ``intervention_reward``, combined with
  the outcome reward (``math_accuracy``) by ``rewards`` / ``reward_weights`` (eq 39);
- this module: GRPO on the factual and counterfactual groups alike (the counterfactual groups' outcome
  reward is eq 103 measured on the policy itself: its answer Y_hat to the intervened problem against the
  intervened truth Y), logging ``train/crel_factual_accuracy`` and ``train/crel_interventional_accuracy``
  (eq 103's expectation over each question's interventions, averaged over questions).

Departure: the report leaves the causal graph's form open; here it is the dependency graph of an arithmetic
solution's steps (``graph.py``), the tasks of ``datamodules/tasks``.
"""

from __future__ import annotations

import torch

from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.datamodules.variants import variant_tags
from lit_reason.frameworks.crel.equations import intervention_accuracy
from lit_reason.rollout import Rollout


class CREL(GRPO):
    """GRPO over questions and their counterfactual variants, with eq 103's accuracy logged.

    Takes the arguments of :class:`~lit_reason.algorithms.GRPO` (give it the causal rewards in ``rewards``).
    """

    def advantages(self, rollout: Rollout) -> Targets:
        source, variant = (torch.tensor(t) for t in variant_tags(rollout.columns, "CREL"))
        ok = (rollout.correct if rollout.correct is not None else rollout.rewards >= 1).cpu()
        counterfactual = variant > 0
        questions = int(source.max()) + 1
        follows = torch.zeros(questions, len(rollout), dtype=torch.bool)  # (S, B): one column per sample
        mask = torch.zeros_like(follows)
        columns = torch.arange(len(rollout))
        mask[source[counterfactual], columns[counterfactual]] = True
        follows[source, columns] = ok.bool()
        per_question = intervention_accuracy(follows, mask)  # (S,) eq 103, NaN without a counterfactual
        measured = per_question[~per_question.isnan()]
        self.record(crel_factual_accuracy=ok[~counterfactual].float().mean().item(),
                    crel_interventional_accuracy=measured.mean().item() if len(measured) else float("nan"))
        return super().advantages(rollout)

"""AHRO: Adaptive Hierarchical Reward Optimization (report sec 7.1, eq 78-80, alg 10), on GRPO's hooks.

Alg 10, one iteration, and where each step runs:

- step 4, ``omega(q) = W_phi(q)`` (eq 79): ``annotate`` embeds each question (the policy's mean final hidden
  state over the prompt, detached and standardised) and applies the weight network;
- steps 5-6, sample and score every layer: ``collect`` (the base) samples; ``annotate`` scores the layers
  (the module's ``rewards`` are the layers);
- step 7, ``R = sum_l omega_l R_l`` (eq 78): ``annotate`` writes it into ``rollout.rewards``;
- step 9, the GRPO update: GRPO's group-normalised advantage (eq 23) and clipped loss, unchanged;
- step 10 with eq 80, the weight network's update: ``annotate``, after the rewards are fixed, takes
  ``weight_steps`` AdamW steps on ``L_pred + lambda L_weight`` (equations.py).

Deliberate deviations: eq 80's ``L_RL + lambda L_weight`` is optimised as two problems (the policy's RL loss
does not depend on phi); "reward prediction accuracy" is read as the squared error between the layered
reward and the verifier's verdict; a layer that cannot score a sample (None) is left out of that sample's
sum and the other weights renormalised; the semantic layer R_2 has no rule-based default.
``train/reward`` is the equal-weight mean of the layers (what the base scores); ``train/ahro_reward`` the
learned-weight reward that trains the policy.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lit_reason.algorithms.grpo import GRPO
from lit_reason.frameworks.ahro.equations import layered_reward, question_embedding
from lit_reason.frameworks.ahro.layers import DEFAULT_LAYERS
from lit_reason.frameworks.ahro.weights import WeightLearner
from lit_reason.rewards.combine import RewardFn
from lit_reason.rollout import Rollout


class AHRO(GRPO):
    """GRPO on the per-question weighted sum of reward layers, the weights learned alongside.

    Args:
        layers: Layer name -> reward (preset name, dotted path or callable, as ``rewards``); default
            format / reasoning / result / efficiency (``layers.py``). Logged as ``train/ahro_w_<name>``.
        weight_lr: AdamW learning rate of the weight network.
        weight_steps: Weight-network steps per iteration.
        weight_reg: lambda of eq 80.
        stability: Weight of the stability term inside eq 80's L_weight (diversity has weight 1).
        *args, **kwargs: Everything of :class:`GRPO` except ``rewards`` / ``reward_weights`` (the layers
            replace them); a ``verifier`` is required (its verdict is what the weights learn to predict).
    """

    checkpointed = (*GRPO.checkpointed, "weight_learner")

    def __init__(self, *args: Any, layers: dict[str, str | RewardFn] | None = None, weight_lr: float = 1e-2,
                 weight_steps: int = 1, weight_reg: float = 0.1, stability: float = 1.0, **kwargs: Any) -> None:
        if kwargs.get("rewards") is not None or kwargs.get("reward_weights") is not None:
            raise ValueError("AHRO: set layers (name -> reward), not rewards / reward_weights")
        # a new name: the base saves each class's arguments from its frame, as the user gave them
        chosen = dict(DEFAULT_LAYERS if layers is None else layers)
        if not chosen:
            raise ValueError("AHRO: layers must name at least one reward")
        if kwargs.get("sample_weight") is not None or kwargs.get("strata") is not None:
            raise ValueError("AHRO: sample_weight and strata are GRPO variants AHRO does not combine with")
        n = len(chosen)
        super().__init__(*args, rewards=list(chosen.values()), reward_weights=[1.0 / n] * n, **kwargs)
        if self.verifier is None:
            raise ValueError("AHRO needs a verifier: the weight network learns to predict its verdict")
        self.layer_names = list(chosen)
        dim = self.policy.backbone.config.hidden_size
        self.weight_learner = WeightLearner(n, dim, lr=weight_lr, steps=weight_steps, lam=weight_reg,
                                            stability=stability)

    def annotate(self, rollout: Rollout) -> None:
        super().annotate(rollout)
        scores, scored = self._layer_scores(rollout)  # (B, L) each
        embedding = self._question_embeddings(rollout)  # (B, H)
        weights = self.weight_learner.weights(embedding)  # (B, L), before this iteration's update
        reward = layered_reward(scores, scored, weights)
        unscored = ~scored.any(-1)
        rollout.rewards = torch.where(unscored, torch.full_like(reward, self.hparams.none_reward), reward)
        fitted = self.weight_learner.fit(embedding, scores, scored, rollout.correct.float())
        mean_w = weights.mean(0).tolist()
        self.record(ahro_reward=rollout.rewards.mean().item(), ahro_unscored_frac=unscored.float().mean().item(),
                    **{f"ahro_w_{name}": w for name, w in zip(self.layer_names, mean_w, strict=True)}, **fitted)

    def _layer_scores(self, rollout: Rollout) -> tuple[Tensor, Tensor]:
        # The base's collect scored the same layers for train/reward and train/reward/<fn>; rule rewards are
        # cheap, and re-scoring keeps the per-sample components off the shared Rollout.
        components = self.reward.score_components(rollout.prompts, rollout.completions, **rollout.columns)
        device = rollout.completion_ids.device
        cols = [components[name] for name in self.reward.names]
        scored = torch.tensor([[s is not None for s in col] for col in cols], device=device).T
        scores = torch.tensor([[0.0 if s is None else s for s in col] for col in cols], device=device).T
        return scores.float(), scored

    def _question_embeddings(self, rollout: Rollout) -> Tensor:
        # One forward per question, not per sample: the samples of a group share the prompt.
        _, inverse = torch.unique(rollout.group, return_inverse=True)
        first = torch.full((int(inverse.max()) + 1,), len(rollout), dtype=torch.long, device=inverse.device)
        first = first.scatter_reduce(0, inverse, torch.arange(len(rollout), device=inverse.device), "amin")
        ids, mask = rollout.prompt_ids[first], rollout.prompt_mask[first]
        hidden = self.policy.hidden_states(ids, mask).detach()
        return question_embedding(hidden.float(), mask)[inverse]

"""PRIME: RL with implicit process rewards (Cui et al. 2025, arXiv:2502.01456; report sec 6.15 eq 68-69).

Each iteration, on the ``annotate`` hook:

1. the implicit PRM ``pi_phi`` (a copy of the starting policy, against a frozen copy of the same weights as
   ``pi_ref``) takes ``prm_steps`` online steps on this rollout's outcome labels, by the cross-entropy of
   ``sigmoid(beta * sum_t log(pi_phi / pi_ref))`` against ``correct`` (the paper's eq 4);
2. the updated PRM gives every completion token a process reward ``r_t = beta log(pi_phi / pi_ref)``
   (``rollout.token_rewards``), its estimate of eq 68's expected outcome gain from that token.

``advantages`` combines them with the outcome reward by :func:`~lit_reason.advantages.process.prime_advantages`
(RLOO on both, eq 5-6); the policy loss is GRPO's clipped surrogate.

Deliberate deviations: the PRM is updated on every rollout (the paper filters prompts by accuracy first);
its optimizer is plain AdamW outside Lightning's (no schedule), not checkpointed.
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from lit_reason.advantages.process import prime_advantages
from lit_reason.algorithms.base import Targets
from lit_reason.algorithms.grpo import GRPO
from lit_reason.losses.verifier import verifier_bce
from lit_reason.rewards.models import ImplicitProcessRewardModel
from lit_reason.rollout import Rollout


class PRIME(GRPO):
    """GRPO's loss with PRIME's implicit process rewards and RLOO advantages.

    Args:
        prm_beta: beta of the implicit reward.
        prm_lr: AdamW learning rate of the implicit PRM.
        prm_steps: PRM optimizer steps per rollout.
        process_coef: Weight of the process part of the advantage (0 is RLOO on the outcome).
        gamma: Discount of the process returns.
        *args, **kwargs: Everything of :class:`GRPO` (a ``verifier`` is required: it gives the labels).
    """

    def __init__(self, *args: Any, prm_beta: float = 0.05, prm_lr: float = 1e-4, prm_steps: int = 1,
                 process_coef: float = 1.0, gamma: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if prm_lr <= 0 or prm_steps < 1 or process_coef < 0 or not 0 < gamma <= 1:
            raise ValueError(f"PRIME: prm_lr must be > 0, prm_steps >= 1, process_coef >= 0, gamma in (0, 1], "
                             f"got {prm_lr}, {prm_steps}, {process_coef}, {gamma}")
        if self.verifier is None:
            raise ValueError("PRIME needs a verifier: its verdicts are the implicit PRM's labels")
        # not a submodule: the PRM has its own optimizer and is not moved by the policy's
        self.__dict__["prm"] = ImplicitProcessRewardModel(copy.deepcopy(self.policy), beta=prm_beta)
        self.prm_optimizer = torch.optim.AdamW(self.prm.parameters(), lr=prm_lr)
        self.prm_steps, self.process_coef, self.gamma = prm_steps, process_coef, gamma

    def annotate(self, rollout: Rollout) -> None:
        super().annotate(rollout)
        ids = torch.cat([rollout.prompt_ids, rollout.completion_ids], 1)
        mask = torch.cat([rollout.prompt_mask, rollout.completion_mask], 1)
        cmask = rollout.completion_mask
        self.prm.to(ids.device)
        labels = rollout.correct.float()
        losses = []
        with torch.enable_grad():
            for _ in range(self.prm_steps):
                q = self.prm.token_rewards(ids, mask, cmask).sum(1)  # (B,) sequence-level implicit reward
                loss = verifier_bce(q, labels)
                loss.backward()
                self.prm_optimizer.step()
                self.prm_optimizer.zero_grad(set_to_none=True)
                losses.append(loss.item())
        rollout.token_rewards = self.prm.token_rewards(ids, mask, cmask).detach()
        self.record(prm_loss=sum(losses) / len(losses),
                    prm_reward=float((rollout.token_rewards.sum(1)).mean()))

    def advantages(self, rollout: Rollout) -> Targets:
        return Targets(prime_advantages(rollout.rewards, rollout.token_rewards, rollout.completion_mask,
                                        rollout.group, gamma=self.gamma,
                                        process_coef=self.process_coef))  # (B, T)

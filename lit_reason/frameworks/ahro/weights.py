"""AHRO's weight network W_phi (report sec 7.1.2 eq 79, alg 10 steps 4 and 10) with its own optimizer.

Kept outside the policy's parameters: the policy's AdamW must not see it and Lightning must not export it
with the policy. It checkpoints itself (``state_dict`` / ``load_state_dict``: weights, Adam moments, the
previous mean allocation), so ``AHRO.checkpointed`` names it and a resumed run continues exactly.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from lit_reason.frameworks.ahro.equations import (
    adaptive_weights,
    prediction_loss,
    weight_loss,
    weight_regulariser,
)


class WeightLearner:
    """``omega(q) = softmax(W embed(q) + b)`` and its training on eq 80's loss.

    W starts at 0 and b at 0, so every question starts with uniform weights (the equal-weight sum).

    Args:
        n_layers: L.
        dim: H, the width of the question embedding.
        lr: AdamW learning rate of W and b.
        steps: Optimizer steps per iteration.
        lam: lambda of eq 80 (weight of L_weight).
        stability: Weight of the stability part inside L_weight.
    """

    def __init__(self, n_layers: int, dim: int, *, lr: float, steps: int, lam: float, stability: float) -> None:
        errors = []
        if n_layers < 1 or dim < 1:
            errors.append(f"layers and the embedding width must be >= 1, got {n_layers}, {dim}")
        if not lr > 0 or steps < 1:
            errors.append(f"weight_lr must be > 0 and weight_steps >= 1, got {lr}, {steps}")
        if lam < 0 or stability < 0:
            errors.append(f"weight_reg and stability must be >= 0, got {lam}, {stability}")
        if errors:
            raise ValueError("AHRO: " + "; ".join(errors))
        self.net = nn.Linear(dim, n_layers)
        nn.init.zeros_(self.net.weight)
        nn.init.zeros_(self.net.bias)
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=lr, weight_decay=0.0)
        self.steps, self.lam, self.stability = steps, lam, stability
        self.previous_mean: Tensor | None = None

    def weights(self, embedding: Tensor) -> Tensor:
        """(B, L) omega for (B, H) embeddings, without gradients (alg 10 step 4)."""
        self.net.to(embedding.device)
        with torch.no_grad():
            return adaptive_weights(embedding, self.net.weight, self.net.bias)

    def fit(self, embedding: Tensor, layer_rewards: Tensor, scored: Tensor, target: Tensor) -> dict[str, float]:
        """Alg 10 step 10: ``steps`` AdamW steps on eq 80's loss; returns its parts (of the last step)."""
        self.net.to(embedding.device)
        previous = None if self.previous_mean is None else self.previous_mean.to(embedding.device)
        with torch.enable_grad():
            for _ in range(self.steps):
                w = adaptive_weights(embedding, self.net.weight, self.net.bias)  # (B, L)
                pred = prediction_loss(layer_rewards, scored, w, target)
                reg = weight_regulariser(w, previous)
                loss = weight_loss(pred, reg, lam=self.lam, stability=self.stability)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.previous_mean = self.weights(embedding).mean(0).cpu()
        return {"ahro_pred_loss": pred.item(), "ahro_diversity": reg.diversity.item(),
                "ahro_stability": reg.stability.item(), "ahro_weight_loss": loss.item()}

    def state_dict(self) -> dict[str, Any]:
        # Copies: the live optimizer would otherwise share its moment tensors with the saved state.
        return {"net": {k: v.detach().cpu().clone() for k, v in self.net.state_dict().items()},
                "optimizer": copy.deepcopy(self.optimizer.state_dict()), "previous_mean": self.previous_mean}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.previous_mean = state.get("previous_mean")

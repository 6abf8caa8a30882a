"""SPIN: Self-Play fINe-tuning (report sec 6.22.1, eq 73).

Chen et al. 2024, "Self-Play Fine-Tuning Converts Weak Language Models to Strong Language Models"
(arXiv:2401.01335). The SFT target y* of each prompt is the winner and a response y_hat of the previous
iteration's model is the loser; the loss is DPO's (eq 73, ``losses.preference.spin_loss``) with that model
as the reference. The previous iteration's model is the frozen reference: it generates the losers and
anchors the log-ratios, and every ``ref_update_every`` training steps it is replaced by the current policy
(a new self-play round, pi_{t+1} <- pi_t).

Deliberate deviation: the paper generates y_hat for the whole dataset at the start of each iteration; here
the reference generates them batch by batch (same distribution, no stored generations).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.preference import OfflinePreferenceModule
from lit_reason.algorithms.rounds import ReferenceRounds
from lit_reason.policy import Policy
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


class SPIN(OfflinePreferenceModule):
    """SPIN over SFT rows ``{"prompt", "completion"}`` (``SFTDataModule``).

    Args:
        policy: The model being trained; a frozen copy is the previous-iteration model (reference).
        beta: Inverse temperature (lambda in the SPIN paper).
        sampling: How the reference generates the losers; ``n`` losers per prompt (each paired with y*).
        ref_update_every: Training steps per self-play round; after each the reference becomes the policy.
        verifier: Reward that defines ``val/accuracy`` on validation rows with ``answer``; None to skip.
        val_sampling: Sampling for the sampled validation metrics.
        optimizer: AdamW settings.
        seed: Seed of the generation and validation RNGs.
    """

    checkpointed = (*OfflinePreferenceModule.checkpointed, "generator", "steps_done", "reference_rounds")

    def __init__(self, policy: Policy, beta: float = 0.1, sampling: SamplingParams | None = None,
                 ref_update_every: int = 100, verifier: str | None = "math_accuracy",
                 val_sampling: SamplingParams | None = None, optimizer: OptimizerSettings | None = None,
                 seed: int = 0) -> None:
        if ref_update_every < 1:  # checked before the reference copy is made
            raise ValueError(f"SPIN: ref_update_every must be >= 1, got {ref_update_every}")
        if policy.uses_lora:
            raise ValueError("SPIN: needs a policy without LoRA (each round's reference is a copy of the policy)")
        super().__init__(policy, "spin", {"beta": beta}, verifier, val_sampling, optimizer, seed)
        self.sampling = sampling or SamplingParams(temperature=1.0, max_new_tokens=64)
        self.generator = torch.Generator().manual_seed(seed)
        self.steps_done = 0
        self.reference_rounds = ReferenceRounds(policy, ref_update_every, owner="SPIN")

    @property
    def ref_round(self) -> int:
        """Self-play rounds completed (the reference is the policy of that many rounds ago)."""
        return self.reference_rounds.round

    @torch.no_grad()
    def self_play_pairs(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``{prompt, chosen: y*, rejected: y_hat}`` rows, y_hat drawn from the reference (previous model)."""
        for i, r in enumerate(rows):
            missing = [k for k in ("prompt", "completion") if k not in r]
            if missing:
                raise ValueError(f"SPIN: training row {i} of the batch lacks {missing} (use SFTDataModule rows "
                                 f"{{prompt, completion}}); it has {sorted(r)}")
        with self.policy.frozen_reference.weights() as ref:  # the previous iteration's model (Policy.init_reference)
            if next(ref.parameters()).device != self.device:
                ref.to(self.device)
            gen = HFSampler(ref).generate([r["prompt"] for r in rows], self.sampling, generator=self.generator)
        n = self.sampling.n
        return [{"prompt": r["prompt"], "chosen": r["completion"], "rejected": gen.completions[i * n + j]}
                for i, r in enumerate(rows) for j in range(n)]

    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> Tensor | None:
        pairs = self.self_play_pairs(batch)
        same = sum(p["chosen"] == p["rejected"] for p in pairs) / len(pairs)
        self.log_dict({"train/generated_equals_target": same, "train/ref_round": float(self.ref_round)},
                      batch_size=len(batch))
        return super().training_step(pairs, batch_idx)

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.steps_done += 1
        if self.reference_rounds.after_iteration(self.steps_done):
            self._ref_cache.clear()  # cached reference log-probs belong to the previous model

"""V-STaR: self-training with a learned verifier (Hosseini et al. 2024, arXiv:2402.06457; report sec 6.13,
alg 7, eq 65).

Each iteration grows samples, labels them correct or incorrect with the rule verifier, trains the learned
verifier V (a copy of the policy's backbone with a :class:`~lit_reason.heads.ScalarHead`) on them with the
cross-entropy of eq 65, keeps ``D+ = {(x, y): V(x, y) > threshold}`` (alg 7 line 5) and fine-tunes the
generator on ``D+``. At validation, V also ranks ``rank_n`` samples per prompt (best-of-N by verifier,
eq 110 with V as R), logged as ``val/accuracy_verifier_bon``.

Deliberate deviations: the verifier is trained with the report's eq 65 rather than the paper's DPO
objective; it is trained on each iteration's samples (continuing from the previous iteration's weights)
rather than on the union of all iterations; its optimizer state restarts every iteration. Prompts are split
into a verifier training part and a held-out part (``verifier_holdout``) on which
``vstar/verifier_accuracy`` and ``vstar/verifier_auc`` are measured (with the class sizes
``vstar/heldout_samples`` and ``vstar/heldout_correct``); the held-out samples still count for the filter.
"""

from __future__ import annotations

from typing import Any

import torch

from lit_reason.algorithms.evaluation import columns_of, verify
from lit_reason.algorithms.filters import Sample, SampleFilter
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.self_training import SelfTrainingModule
from lit_reason.heads import ScalarModel
from lit_reason.losses.verifier import verifier_accuracy, verifier_auc, verifier_bce
from lit_reason.policy import Policy
from lit_reason.sampling import search
from lit_reason.sampling.params import SamplingParams


class VSTaR(SelfTrainingModule):
    """SelfTrainingModule whose filter is a verifier trained each iteration (alg 7).

    Args:
        policy: The generator.
        rewards: See :class:`SelfTrainingModule`.
        reward_weights: See :class:`SelfTrainingModule`.
        verifier: Rule verifier giving the labels ``l`` of eq 65 (and validation accuracy).
        sampling: Grow sampling; ``n`` samples per prompt.
        val_sampling: Sampling of the sampled validation metrics.
        expert: How the generator grows (``sample``, ``best_of_n``, ``verifier_beam``; see
            :class:`SelfTrainingModule`).
        beam: Settings of ``verifier_beam``.
        teacher: Grows instead of ``policy`` (distillation); frozen.
        sft_epochs: Generator SFT passes per iteration.
        sft_batch_size: Samples per generator step.
        restart_from_base: Fine-tune the starting weights each iteration (ReST-EM, eq 55).
        max_iterations: Stop after this many iterations.
        output_dir: Where the kept sets are written.
        generation_batch_size: Prompts per generation call.
        progress_bar: tqdm bar while growing.
        max_grad_norm: Gradient clipping norm of the generator's steps.
        optimizer: Generator AdamW settings.
        verifier_epochs: Verifier passes over an iteration's samples.
        verifier_batch_size: Samples per verifier step.
        verifier_lr: Verifier AdamW learning rate.
        verifier_holdout: Fraction of prompts whose samples are held out to measure the verifier.
        verifier_threshold: Keep samples with ``V > verifier_threshold``.
        rank_n: Samples per prompt ranked by V at validation (0 skips it).
        seed: Seed of sampling, shuffling and the hold-out split.
    """

    def __init__(
        self,
        policy: Policy,
        rewards: list[str] | None = None,
        reward_weights: list[float] | None = None,
        verifier: str = "math_accuracy",
        sampling: SamplingParams | None = None,
        val_sampling: SamplingParams | None = None,
        expert: str = "sample",
        beam: search.BeamSettings | None = None,
        teacher: Policy | None = None,
        sft_epochs: int = 1,
        sft_batch_size: int = 16,
        restart_from_base: bool = False,
        max_iterations: int | None = None,
        output_dir: str = "runs/vstar",
        generation_batch_size: int | None = 64,
        progress_bar: bool = True,
        max_grad_norm: float = 1.0,
        optimizer: OptimizerSettings | None = None,
        verifier_epochs: int = 2,
        verifier_batch_size: int = 32,
        verifier_lr: float = 1e-4,
        verifier_holdout: float = 0.2,
        verifier_threshold: float = 0.5,
        rank_n: int = 4,
        seed: int = 0,
    ) -> None:
        errors = []
        if verifier_epochs < 1 or verifier_batch_size < 1 or rank_n < 0:
            errors.append(f"verifier_epochs and verifier_batch_size must be >= 1 and rank_n >= 0, got "
                          f"{verifier_epochs}, {verifier_batch_size}, {rank_n}")
        if not 0 < verifier_holdout < 1 or not 0 < verifier_threshold < 1 or verifier_lr <= 0:
            errors.append(f"verifier_holdout and verifier_threshold must be in (0, 1) and verifier_lr > 0, got "
                          f"{verifier_holdout}, {verifier_threshold}, {verifier_lr}")
        if errors:
            raise ValueError("VSTaR: " + "; ".join(errors))
        super().__init__(policy, filter=SampleFilter(), rewards=rewards, reward_weights=reward_weights,
                         verifier=verifier, sampling=sampling, val_sampling=val_sampling, expert=expert, beam=beam,
                         teacher=teacher, sft_epochs=sft_epochs, sft_batch_size=sft_batch_size,
                         restart_from_base=restart_from_base, max_iterations=max_iterations, output_dir=output_dir,
                         generation_batch_size=generation_batch_size, progress_bar=progress_bar,
                         max_grad_norm=max_grad_norm, optimizer=optimizer, seed=seed)
        self.scorer = ScalarModel(policy)

    # ------------------------------------------------------------------ the learned verifier
    def scorer_logits(self, prompts: list[Any], completions: list[str], batch_size: int = 64) -> torch.Tensor:
        """(B,) verifier logits of prompt/completion pairs, in batches."""
        out = []
        for start in range(0, len(prompts), batch_size):
            ids, mask, _ = self.policy.encode_pairs(prompts[start : start + batch_size],
                                                    completions[start : start + batch_size])
            out.append(self.scorer(ids.to(self.device), mask.to(self.device)))
        return torch.cat(out) if out else torch.zeros(0, device=self.device)

    @torch.no_grad()
    def verifier_score(self, prompts: list[Any], completions: list[str], **columns: Any) -> list[float]:
        """V(x, y) in [0, 1] with the TRL reward signature, to rank or filter with (columns are ignored)."""
        return torch.sigmoid(self.scorer_logits(prompts, completions)).tolist()

    def train_scorer(self, samples: list[Sample]) -> float:
        """``verifier_epochs`` passes of eq 65 over ``samples`` (labels: ``correct``); returns the mean loss.

        Steps the verifier's own optimizer (the second of ``configure_optimizers``) through Lightning; its
        moments are reset first, so each iteration trains V with a fresh AdamW, as alg 7 retrains V.
        """
        opt = self.optimizers()[1]
        opt.optimizer.state.clear()
        size, losses = self.hparams.verifier_batch_size, []
        for _ in range(self.hparams.verifier_epochs):
            order = torch.randperm(len(samples), generator=self.generator).tolist()
            for start in range(0, len(samples), size):
                mb = [samples[i] for i in order[start : start + size]]
                logits = self.scorer_logits([s.prompt for s in mb], [s.completion for s in mb], batch_size=size)
                loss = verifier_bce(logits, torch.tensor([float(s.correct) for s in mb], device=self.device))
                self.manual_backward(loss)
                opt.step()
                opt.zero_grad(set_to_none=True)
                losses.append(loss.item())
        return sum(losses) / max(len(losses), 1)

    def configure_optimizers(self) -> list[dict]:
        """The generator's AdamW (with its schedule), then the verifier's (``verifier_lr``, constant)."""
        scorer = [p for p in self.scorer.parameters() if p.requires_grad]
        return [self.optimizer_settings.build(self.policy),
                {"optimizer": torch.optim.AdamW(scorer, lr=self.hparams.verifier_lr)}]

    def split(self, samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
        """(train, held-out) samples, split by prompt so no held-out prompt was seen in training."""
        prompts = sorted({s.index for s in samples})
        order = torch.randperm(len(prompts), generator=self.generator).tolist()
        held = {prompts[i] for i in order[: max(1, round(self.hparams.verifier_holdout * len(prompts)))]}
        return [s for s in samples if s.index not in held], [s for s in samples if s.index in held]

    # ------------------------------------------------------------------ the filter hook
    def select(self, samples: list[Sample]) -> list[Sample]:
        """Trains V on the iteration's labelled samples, logs its held-out accuracy, keeps V > threshold."""
        train, held = self.split(samples)
        loss = self.train_scorer(train)
        with torch.no_grad():
            logits = self.scorer_logits([s.prompt for s in samples], [s.completion for s in samples])
        labels = torch.tensor([s.correct for s in samples], device=self.device)
        held_prompts = {s.index for s in held}
        is_held = torch.tensor([s.index in held_prompts for s in samples], device=self.device)
        frac_correct = labels[is_held].float().mean()
        self.log_dict({
            "vstar/verifier_loss": loss,
            "vstar/verifier_accuracy": verifier_accuracy(logits[is_held], labels[is_held]).item(),
            "vstar/verifier_auc": verifier_auc(logits[is_held], labels[is_held]).item(),
            "vstar/verifier_majority_rate": torch.maximum(frac_correct, 1 - frac_correct).item(),
            # the AUC's two class sizes, so that its standard error can be read off (Hanley & McNeil 1982)
            "vstar/heldout_correct": float(labels[is_held].sum().item()),
            "vstar/heldout_samples": float(is_held.sum().item()),
        }, batch_size=len(samples))
        keep = (torch.sigmoid(logits) > self.hparams.verifier_threshold).tolist()
        return [s for s, k in zip(samples, keep) if k]

    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        super().validation_step(batch, batch_idx)
        if self.hparams.rank_n == 0 or self.verifier is None:
            return
        params = (self.val_sampling or self.sampling).with_(n=self.hparams.rank_n)
        gen = torch.Generator().manual_seed(self.hparams.seed + 7919 * (batch_idx + 1))
        choices = search.best_of_n(self.sampler, [r["prompt"] for r in batch], params, self.verifier_score,
                                   generator=gen)
        ok = verify(self.verifier, [self.policy.format_prompt(r["prompt"]) for r in batch],
                    [c.completion for c in choices], columns_of(batch))
        self.log("val/accuracy_verifier_bon", ok.mean(), batch_size=len(batch))


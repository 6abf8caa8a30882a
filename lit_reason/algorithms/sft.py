"""SFTModule: supervised fine-tuning on prompt/completion pairs, loss on completion tokens only.

Used for the cold start of DeepSeek-R1 (report sec 4.2.1), distillation (sec 4.5) and rejection-sampling
SFT (sec 4.2.3). The loss is the token-mean negative log-likelihood of the completion and its EOS.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from lit_reason.algorithms.checkpointing import RunStateModule
from lit_reason.algorithms.evaluation import check_pass_k, validate_batch
from lit_reason.algorithms.nonfinite import METRIC as NONFINITE_METRIC
from lit_reason.algorithms.nonfinite import NonFiniteGuard
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.ranks import all_finite, share_scale
from lit_reason.policy import Policy
from lit_reason.rewards.registry import get_reward
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


def completion_nll(policy: Policy, rows: list[dict[str, Any]], device: torch.device | str = "cpu") -> Tensor:
    """Token-mean negative log-likelihood of ``rows[i]["completion"]`` (and EOS) given ``rows[i]["prompt"]``."""
    total, tokens = completion_nll_sum(policy, rows, device)
    return total / tokens.clamp(min=1)


def completion_nll_sum(
    policy: Policy, rows: list[dict[str, Any]], device: torch.device | str = "cpu"
) -> tuple[Tensor, Tensor]:
    """Summed negative log-likelihood of the rows' completion tokens (and EOS), and their number."""
    ids, mask, comp_mask = policy.encode_pairs([r["prompt"] for r in rows], [r["completion"] for r in rows])
    ids, mask, comp_mask = ids.to(device), mask.to(device), comp_mask.to(device)
    logprobs = policy.token_logprobs(ids, mask, comp_mask).logprobs  # (B, T), 0 off the completion
    return -(logprobs * comp_mask).sum(), comp_mask.sum()


class SFTModule(RunStateModule):
    """Supervised fine-tuning with automatic optimisation.

    Args:
        policy: The model being trained.
        verifier: Reward that defines validation accuracy (score >= 1 is correct); None to skip it.
        val_sampling: Sampling for the sampled validation metrics (greedy accuracy is always reported).
        optimizer: AdamW settings.
        seed: Seed of the validation sampling RNG.
        val_pass_k: k's of the unbiased ``val/pass@k`` (each <= ``val_sampling.n``); ``val/pass@n`` is always
            reported.
    """

    #: Module attributes the run state checkpoints (``checkpoint["lit_reason"]``).
    checkpointed: ClassVar[tuple[str, ...]] = ("nonfinite",)

    def __init__(
        self,
        policy: Policy,
        verifier: str | None = "math_accuracy",
        val_sampling: SamplingParams | None = None,
        optimizer: OptimizerSettings | None = None,
        seed: int = 0,
        val_pass_k: list[int] | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["policy"])
        self.policy = policy
        self.sampler = HFSampler(policy)
        self.verifier = get_reward(verifier) if verifier else None
        self.val_sampling = val_sampling or SamplingParams(temperature=1.0, n=4, max_new_tokens=16)
        check_pass_k(val_pass_k, self.val_sampling.n)
        self.optimizer_settings = optimizer or OptimizerSettings()
        self.nonfinite = NonFiniteGuard(owner=type(self).__name__)

    def nll(self, rows: list[dict[str, Any]]) -> Tensor:
        """Token-mean negative log-likelihood of the rows' completions given their prompts."""
        return completion_nll(self.policy, rows, self.device)

    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> Tensor | None:
        # The token mean over the global batch: under DDP the sum over this rank's tokens, scaled by the
        # token count of all ranks (ranks.share_scale), so 2 ranks x b train as 1 rank x 2b.
        total, tokens = completion_nll_sum(self.policy, batch, self.device)
        loss = total * share_scale(self, tokens)
        # Decided on every rank together: under DDP all ranks must skip (return None) together.
        if not self.nonfinite.check(loss, f"at step {self.global_step}", finite=all_finite(self, loss)):
            self.log(NONFINITE_METRIC, float(self.nonfinite.skips), batch_size=len(batch), sync_dist=True)
            return None  # Lightning skips the optimizer step for a None loss
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch), sync_dist=True)
        return loss

    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        validate_batch(self, batch, batch_idx, self.val_sampling)

    def configure_optimizers(self) -> dict:
        return self.optimizer_settings.build(self, self.trainer.max_steps)

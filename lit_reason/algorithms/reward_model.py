"""RewardModelModule: outcome and process reward models (report sec 3.5.5, 6.14; eq 31, 66, 144).

Three objectives, one per row shape:

- ``bradley_terry``: preference pairs ``{prompt, chosen, rejected}`` (PreferenceDataModule), the pairwise
  loss of report eq 31 (InstructGPT's reward model, Ouyang et al. 2022, arXiv:2203.02155 eq 1);
- ``bce``: outcome labels ``{prompt, completion, label}`` (PreferenceDataModule with ``unpaired: true``),
  an ORM / verifier by binary cross-entropy (report eq 65 form);
- ``step_bce``: step labels ``{prompt, steps, labels}`` (StepLabelDataModule: PRM800K, Math-Shepherd or
  labels from :mod:`lit_reason.algorithms.math_shepherd`), a PRM with one logit per step (Lightman et al.
  2023, arXiv:2305.20050), aggregated by product (eq 66, 144) or min.

At the end of fitting the model is saved to ``export_dir``; that directory is then a reward by path
(``rewards: [runs/orm/model]`` in a GRPO, PPO or self-training config, :mod:`lit_reason.rewards.models`).

Deliberate deviations: the reward model starts from the policy's weights including its LM head (unused);
the ORM reads the state at the EOS appended after the completion, the PRM the state at each step's last
token (no special step tag token, so any tokenizer works).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from lit_reason.algorithms.checkpointing import RunStateModule
from lit_reason.algorithms.nonfinite import METRIC as NONFINITE_METRIC
from lit_reason.algorithms.nonfinite import NonFiniteGuard
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.losses.reward_model import bradley_terry_loss, pair_accuracy, step_bce
from lit_reason.losses.verifier import verifier_auc, verifier_bce
from lit_reason.policy import Policy
from lit_reason.rewards.models import (
    ImplicitProcessRewardModel,
    OutcomeRewardModel,
    ProcessRewardModel,
    save_reward_model,
)

# objective -> (fields each row needs, what the saved ORM returns); step_bce builds a PRM
OBJECTIVES = {"bradley_terry": (("chosen", "rejected"), "logit"), "bce": (("completion", "label"), "probability"),
              "step_bce": (("steps", "labels"), None)}
PRM_KINDS = {"head": ProcessRewardModel, "implicit": ImplicitProcessRewardModel}


class RewardModelModule(RunStateModule):
    """Trains an ORM (``bradley_terry``, ``bce``) or a PRM (``step_bce``) with a head on the policy's backbone.

    Args:
        policy: The backbone to start from (its weights are trained; the LM head is unused).
        objective: ``bradley_terry``, ``bce`` or ``step_bce`` (module docstring).
        margin: Bradley-Terry margin (0 is eq 31).
        split: PRM step segmentation used when scoring new text (``newline``, ``step_k``, ``sentence``);
            training rows bring their own steps.
        aggregate: PRM solution score: ``product`` (eq 66, 144) or ``min``.
        prm: ``head`` (a :class:`~lit_reason.heads.StepHead`) or ``implicit`` (no head: step logits are sums of
            ``beta * log(pi_phi / pi_ref)`` against the frozen start, Yuan et al. 2024, arXiv:2412.01981).
        beta: Scale of the implicit PRM's log-ratio.
        optimizer: AdamW settings.
        export_dir: Where the trained reward model is saved when fitting ends; None saves nothing.
        max_grad_norm: Gradient clipping norm (None: no clipping).
        max_nonfinite_skips: Consecutive non-finite losses tolerated before training stops
            (``lit_reason/algorithms/nonfinite.py``: each is skipped and counted in ``train/nonfinite_skipped``).
    """

    #: Module attributes the run state checkpoints (``checkpoint["lit_reason"]``).
    checkpointed: ClassVar[tuple[str, ...]] = ("nonfinite",)

    def __init__(
        self,
        policy: Policy,
        objective: str = "bradley_terry",
        margin: float = 0.0,
        split: str = "newline",
        aggregate: str = "product",
        prm: str = "head",
        beta: float = 0.05,
        optimizer: OptimizerSettings | None = None,
        export_dir: str | None = None,
        max_grad_norm: float | None = 1.0,
        max_nonfinite_skips: int = 10,
    ) -> None:
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"RewardModelModule.objective must be one of {sorted(OBJECTIVES)}, got {objective!r}")
        if prm not in PRM_KINDS:
            raise ValueError(f"RewardModelModule.prm must be one of {sorted(PRM_KINDS)}, got {prm!r}")
        self.save_hyperparameters(ignore=["policy"])
        self._built_from = policy.built_from  # the policy lives inside self.model, not as self.policy
        self.fields, output = OBJECTIVES[objective]
        if objective == "step_bce":
            extra = {"beta": beta} if prm == "implicit" else {}
            self.model = PRM_KINDS[prm](policy, split=split, aggregate=aggregate, **extra)
        else:
            self.model = OutcomeRewardModel(policy, output=output)
        self._objective = {"bradley_terry": self._pairs, "bce": self._labels, "step_bce": self._steps}[objective]
        self.optimizer_settings = optimizer or OptimizerSettings(lr=1e-4)
        self._val: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.nonfinite = NonFiniteGuard(max_nonfinite_skips, owner=type(self).__name__)

    @property
    def policy_built_from(self) -> dict[str, Any]:
        return self._built_from

    # ------------------------------------------------------------------ objectives: (loss, scores, labels)
    def _pairs(self, rows: list[dict[str, Any]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        prompts = [r["prompt"] for r in rows]
        r = self.model.logits(prompts + prompts, [x["chosen"] for x in rows] + [x["rejected"] for x in rows])
        chosen, rejected = r[: len(rows)], r[len(rows) :]
        return bradley_terry_loss(chosen, rejected, margin=self.hparams.margin), chosen - rejected, chosen > rejected

    def _labels(self, rows: list[dict[str, Any]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits = self.model.logits([r["prompt"] for r in rows], [r["completion"] for r in rows])
        labels = torch.tensor([float(r["label"]) for r in rows], device=logits.device)
        return verifier_bce(logits, labels), logits, labels

    def _steps(self, rows: list[dict[str, Any]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, mask = self.model.step_logits([r["prompt"] for r in rows], [r["steps"] for r in rows])
        labels = torch.zeros_like(logits)
        for i, r in enumerate(rows):
            labels[i, : len(r["labels"])] = torch.tensor(r["labels"], dtype=labels.dtype)
        keep = mask.bool()
        return step_bce(logits, labels, mask), logits[keep], labels[keep] >= 0.5

    def _check(self, rows: list[dict[str, Any]]) -> None:
        missing = sorted({f for r in rows for f in self.fields if f not in r})
        if missing:
            raise ValueError(f"RewardModelModule(objective={self.hparams.objective!r}): batch rows lack "
                             f"{missing}; rows need {['prompt', *self.fields]}")

    # ------------------------------------------------------------------ Lightning hooks
    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> torch.Tensor | None:
        self._check(batch)
        loss, scores, labels = self._objective(batch)
        if not self.nonfinite.check(loss, f"at step {self.global_step}"):
            self.log(NONFINITE_METRIC, float(self.nonfinite.skips), on_step=True, batch_size=len(batch))
            return None  # Lightning skips the optimizer step for a None loss
        self.log_dict({"train/loss": loss, "train/rm_accuracy": self._accuracy(scores, labels)}, on_step=True,
                      prog_bar=False, batch_size=len(batch))
        return loss

    def _accuracy(self, scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.hparams.objective == "bradley_terry":
            return pair_accuracy(scores, torch.zeros_like(scores))
        return ((scores > 0) == labels.bool()).float().mean()

    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        self._check(batch)
        loss, scores, labels = self._objective(batch)
        self._val.append((scores.detach().cpu(), labels.detach().cpu()))
        self.log("val/loss", loss, batch_size=len(batch))

    def on_validation_epoch_end(self) -> None:
        if not self._val:
            return
        scores, labels = torch.cat([s for s, _ in self._val]), torch.cat([x for _, x in self._val])
        self._val.clear()
        self.log("val/rm_accuracy", self._accuracy(scores, labels))
        if self.hparams.objective != "bradley_terry":  # AUC needs both classes; pairs have one by design
            self.log("val/auc", verifier_auc(scores, labels))

    def on_fit_end(self) -> None:
        if self.hparams.export_dir and self.trainer.is_global_zero:
            save_reward_model(self.model, self.hparams.export_dir)

    def configure_optimizers(self) -> dict:
        return self.optimizer_settings.build(self.model)

    def configure_gradient_clipping(self, optimizer: Any, gradient_clip_val: Any = None,
                                    gradient_clip_algorithm: Any = None) -> None:
        if self.hparams.max_grad_norm is not None:
            self.clip_gradients(optimizer, gradient_clip_val=self.hparams.max_grad_norm,
                                gradient_clip_algorithm="norm")

"""OfflinePreferenceModule: DPO, IPO, SimPO, KTO and ORPO on a fixed preference dataset (report sec 3.3, 6.16, 6.22).

Chosen and rejected completions go through the policy in ONE forward (:func:`sequence_logps`, chunked, no
(B, T, V) log-softmax); the frozen reference's log-probs are computed once per (prompt, completion) and
cached. The loss is a function of ``losses/preference.py`` chosen by name.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import torch
from torch import Tensor

from lit_reason.algorithms.checkpointing import RunStateModule
from lit_reason.algorithms.evaluation import validate_batch
from lit_reason.algorithms.nonfinite import METRIC as NONFINITE_METRIC
from lit_reason.algorithms.nonfinite import NonFiniteGuard
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.ranks import all_finite
from lit_reason.losses.preference import PreferenceLoss, resolve_preference_loss
from lit_reason.policy import Policy, Prompt
from lit_reason.rewards.registry import get_reward
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


def sequence_logps(policy: Policy, prompts: list[Prompt], completions: list[str]) -> tuple[Tensor, Tensor]:
    """Summed log pi(completion + EOS | prompt) of each row and its token count, in one forward.

    Args:
        policy: The model (gradients flow unless called under ``torch.no_grad``).
        prompts: B prompts (strings or chat messages).
        completions: B completion strings.

    Returns:
        ``(logps_sum (B,), token_counts (B,))`` on the policy's device; counts are floats and include EOS.
    """
    device = next(policy.parameters()).device
    ids, mask, comp = (x.to(device) for x in policy.encode_pairs(prompts, completions))
    logp = policy.token_logprobs(ids, mask, comp).logprobs  # (B, T), 0 off the completion
    return logp.sum(-1), comp.sum(-1).to(logp.dtype)


class Examples(NamedTuple):
    """Rows flattened into sequences: for pairs, all chosen completions first, then all rejected."""

    prompts: list[Prompt]
    completions: list[str]
    desirable: Tensor  # (N,) bool
    paired: bool


def as_examples(rows: list[dict[str, Any]], *, allow_unpaired: bool, who: str) -> Examples:
    """Paired rows ``{prompt, chosen, rejected}`` or, where allowed (KTO), unpaired ``{prompt, completion, label}``."""
    if all("chosen" in r and "rejected" in r for r in rows):
        prompts = [r["prompt"] for r in rows]
        n = len(rows)
        return Examples(prompts + prompts, [r["chosen"] for r in rows] + [r["rejected"] for r in rows],
                        torch.arange(2 * n) < n, True)
    if allow_unpaired and all("completion" in r and "label" in r for r in rows):
        return Examples([r["prompt"] for r in rows], [r["completion"] for r in rows],
                        torch.tensor([bool(r["label"]) for r in rows]), False)
    kinds = "{prompt, chosen, rejected}" + (" or {prompt, completion, label}" if allow_unpaired else "")
    bad = next(i for i, r in enumerate(rows) if not ("chosen" in r and "rejected" in r))
    raise ValueError(f"{who}: every row of a batch must be {kinds}; row {bad} of the batch has {sorted(rows[bad])}")


def mismatched(ex: Examples) -> tuple[list[Prompt], list[str]]:
    """KTO's KL pairs (arXiv:2402.01306 sec 4.1): each prompt with the completion of the next row's prompt.

    Pairs are shifted within each half (chosen, rejected) so that no prompt meets its own completion.

    Raises:
        ValueError: Fewer than two prompts in the batch (z0 would be the batch's own log-ratio).
    """
    halves = 2 if ex.paired else 1
    n = len(ex.prompts) // halves
    if n < 2:
        raise ValueError("KTO: z0 comes from mismatched pairs and needs batches of >= 2 rows; raise batch_size")
    completions = []
    for h in range(halves):
        part = ex.completions[h * n : (h + 1) * n]
        completions += part[1:] + part[:1]
    return list(ex.prompts), completions


class _Spec(NamedTuple):
    reference: bool  # needs the frozen reference model
    unpaired: bool  # accepts unpaired rows
    # (loss_fn, logps (N,), counts (N,), ref (N,) or None, desirable (N,), loss_args) -> PreferenceLoss;
    # paired examples hold the N/2 chosen sequences first, then the N/2 rejected ones.
    call: Callable[..., PreferenceLoss]


_WITH_REFERENCE = _Spec(True, False, lambda fn, lp, n, ref, d, kw: fn(*lp.chunk(2), *ref.chunk(2), **kw))
_WITH_LENGTHS = _Spec(False, False, lambda fn, lp, n, ref, d, kw: fn(*lp.chunk(2), *n.chunk(2), **kw))
_UNPAIRED = _Spec(True, True, lambda fn, lp, n, ref, d, kw: fn(lp, ref, d, **kw))
SPECS = {"dpo": _WITH_REFERENCE, "ipo": _WITH_REFERENCE, "spin": _WITH_REFERENCE,
         "simpo": _WITH_LENGTHS, "orpo": _WITH_LENGTHS, "kto": _UNPAIRED}


def reward_metrics(out: PreferenceLoss, paired: bool) -> dict[str, Tensor]:
    """Mean implicit rewards, their margin and (pairs only) how often chosen outranks rejected (ties 1/2)."""
    c, r = out.chosen_rewards, out.rejected_rewards
    metrics = {}
    if len(c) and len(r):
        metrics = {"rewards/chosen": c.mean(), "rewards/rejected": r.mean(), "rewards/margin": c.mean() - r.mean()}
    if paired:
        metrics["rewards/accuracy"] = ((c > r).float() + 0.5 * (c == r).float()).mean()
    return metrics


class OfflinePreferenceModule(RunStateModule):
    """Offline preference optimisation with automatic optimisation.

    Deviation: IPO uses summed (not length-averaged) log-probabilities, as eq 71 is written. KTO takes its
    reference point z0 from mismatched pairs as the paper does (:func:`mismatched`; a no-grad forward of both
    models per batch, which needs batches of at least two prompts).

    Args:
        policy: The model being trained; a frozen copy is the reference (losses that need one).
        loss: ``dpo``, ``ipo``, ``simpo``, ``kto``, ``orpo`` or ``spin`` (losses/preference.py).
        loss_args: Hyperparameters of the loss, e.g. ``{"beta": 0.1, "label_smoothing": 0.0}``.
        verifier: Reward that defines ``val/accuracy`` on validation rows with ``answer``; None to skip.
        val_sampling: Sampling for the sampled validation metrics.
        optimizer: AdamW settings.
        seed: Seed of the validation sampling RNG.
    """

    #: Module attributes the run state checkpoints (``checkpoint["lit_reason"]``).
    # The reference cache is not saved: the frozen reference rebuilds it exactly on the first epoch.
    checkpointed: ClassVar[tuple[str, ...]] = ("nonfinite",)

    def __init__(self, policy: Policy, loss: str = "dpo", loss_args: dict[str, float] | None = None,
                 verifier: str | None = "math_accuracy", val_sampling: SamplingParams | None = None,
                 optimizer: OptimizerSettings | None = None, seed: int = 0) -> None:
        super().__init__()
        # A named subclass (DPO, ...) fixes ``loss`` and passes ``loss_args`` from its own arguments: keep
        # them out of its hparams so that ``load_from_checkpoint`` calls its signature with its own names.
        own = inspect.signature(type(self).__init__).parameters
        self.save_hyperparameters(ignore=["policy"] + [k for k in ("loss", "loss_args") if k not in own])
        self.loss_name, self._loss_args = loss, dict(loss_args or {})
        self._loss_fn, self._spec = _resolve_loss(type(self).__name__, loss, self._loss_args)
        self.policy = policy
        self.sampler = HFSampler(policy)
        self.verifier = get_reward(verifier) if verifier else None
        self.val_sampling = val_sampling or SamplingParams(temperature=1.0, n=4, max_new_tokens=16)
        self.optimizer_settings = optimizer or OptimizerSettings()
        self.nonfinite = NonFiniteGuard(owner=type(self).__name__)
        self._ref_cache: dict[tuple[str, str], float] = {}
        if self._spec.reference:
            policy.init_reference()

    # ------------------------------------------------------------------ forward helpers
    @torch.no_grad()
    def reference_logps(self, prompts: list[Prompt], completions: list[str], cache: bool = True) -> Tensor:
        """Summed reference log-probs (B,), from the cache or one reference forward of the missing rows.

        ``cache=False`` (KTO's mismatched pairs, new every batch) neither reads nor grows the cache.
        """
        if not cache:
            ids, mask, comp = (x.to(self.device) for x in self.policy.encode_pairs(prompts, completions))
            return self.policy.frozen_reference.logprobs(ids, mask, comp).sum(-1)
        keys = [(p if isinstance(p, str) else json.dumps(p, sort_keys=True), c) for p, c in zip(prompts, completions)]
        todo: dict[tuple[str, str], int] = {}  # missing key -> its first row
        for i, k in enumerate(keys):
            if k not in self._ref_cache:
                todo.setdefault(k, i)
        if todo:
            rows = list(todo.values())
            ids, mask, comp = self.policy.encode_pairs([prompts[i] for i in rows], [completions[i] for i in rows])
            ref = self.policy.frozen_reference.logprobs(ids.to(self.device), mask.to(self.device), comp.to(self.device))
            self._ref_cache.update(zip(todo, ref.sum(-1).tolist()))
        return torch.tensor([self._ref_cache[k] for k in keys], device=self.device)

    def forward_rows(self, rows: list[dict[str, Any]]) -> tuple[PreferenceLoss, Examples, Tensor]:
        """The loss of a batch of rows, its examples and the policy's summed log-probs (N,)."""
        ex = as_examples(rows, allow_unpaired=self._spec.unpaired, who=f"{type(self).__name__}({self.loss_name})")
        logps, counts = sequence_logps(self.policy, ex.prompts, ex.completions)
        ref = self.reference_logps(ex.prompts, ex.completions) if self._spec.reference else None
        kw = self._loss_args
        if self.loss_name == "kto":
            kw = {**kw, **self.kto_reference_point(ex)}
        out = self._spec.call(self._loss_fn, logps, counts, ref, ex.desirable.to(logps.device), kw)
        return out, ex, logps

    @torch.no_grad()
    def kto_reference_point(self, ex: Examples) -> dict[str, Tensor]:
        """``kl_logps`` and ``ref_kl_logps`` of the mismatched pairs (x_i, y_j) whose mean log-ratio is z0."""
        prompts, completions = mismatched(ex)
        logps, _ = sequence_logps(self.policy, prompts, completions)
        return {"kl_logps": logps, "ref_kl_logps": self.reference_logps(prompts, completions, cache=False)}

    def preference_loss(self, rows: list[dict[str, Any]]) -> PreferenceLoss:
        """The configured loss on a batch of rows (paired, or unpaired for KTO)."""
        return self.forward_rows(rows)[0]

    # ------------------------------------------------------------------ Lightning hooks
    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> Tensor | None:
        out, ex, _ = self.forward_rows(batch)
        n = len(batch)
        # Decided on every rank together: under DDP all ranks must skip (return None) together.
        if not self.nonfinite.check(out.loss, f"at step {self.global_step}", finite=all_finite(self, out.loss)):
            self.log(NONFINITE_METRIC, float(self.nonfinite.skips), batch_size=n, sync_dist=True)
            return None  # Lightning skips the optimizer step for a None loss
        metrics = {f"train/{k}": v for k, v in reward_metrics(out, ex.paired).items()}
        self.log_dict({**metrics, NONFINITE_METRIC: float(self.nonfinite.skips)}, batch_size=n, sync_dist=True)
        self.log("train/loss", out.loss, prog_bar=True, batch_size=n, sync_dist=True)
        return out.loss

    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        if all("chosen" in r and "rejected" in r for r in batch):
            out, ex, logps = self.forward_rows(batch)
            chosen, rejected = logps.chunk(2)
            metrics = {f"val/{k}": v for k, v in reward_metrics(out, True).items()}
            metrics["val/preference_accuracy"] = metrics.pop("val/rewards/accuracy")
            metrics["val/logp_accuracy"] = (chosen > rejected).float().mean()
            self.log_dict({**metrics, "val/loss": out.loss}, batch_size=len(batch), sync_dist=True)
        if all("answer" in r for r in batch):
            validate_batch(self, batch, batch_idx, self.val_sampling)

    def configure_optimizers(self) -> dict:
        return self.optimizer_settings.build(self, self.trainer.max_steps)


def _resolve_loss(who: str, loss: str, args: dict[str, float]) -> tuple[Callable[..., PreferenceLoss], _Spec]:
    """The loss function and its spec; an unknown name or a bad hyperparameter fails here, naming the option."""
    try:
        fn = resolve_preference_loss(loss)
    except ValueError as e:
        raise ValueError(f"{who}.loss: {e}") from None
    spec = SPECS[loss]
    valid = [k for k, p in inspect.signature(fn).parameters.items() if isinstance(p.default, (int, float))]
    unknown = sorted(set(args) - set(valid))
    if unknown:
        raise ValueError(f"{who}.loss_args: {unknown} not options of loss {loss!r}; valid: {valid}")
    two = torch.tensor([-1.0, -1.0])  # one dummy pair (or two unpaired rows) runs the loss's own checks
    try:
        spec.call(fn, two, torch.ones(2), two, torch.tensor([True, False]), args)
    except ValueError as e:
        raise ValueError(f"{who}.loss_args: {e}") from None
    return fn, spec


class DPO(OfflinePreferenceModule):
    """Direct Preference Optimization (Rafailov et al. 2023, arXiv:2305.18290); report sec 3.3 eq 32.

    Args:
        policy: The model being trained; a frozen copy is the reference.
        beta: Inverse temperature of the implicit reward.
        label_smoothing: Conservative DPO: probability in [0, 0.5) that a preference label is flipped.
        verifier: Reward that defines ``val/accuracy`` on validation rows with ``answer``; None to skip.
        val_sampling: Sampling for the sampled validation metrics.
        optimizer: AdamW settings.
        seed: Seed of the validation sampling RNG.
    """

    def __init__(self, policy: Policy, beta: float = 0.1, label_smoothing: float = 0.0,
                 verifier: str | None = "math_accuracy", val_sampling: SamplingParams | None = None,
                 optimizer: OptimizerSettings | None = None, seed: int = 0) -> None:
        super().__init__(policy, "dpo", {"beta": beta, "label_smoothing": label_smoothing},
                         verifier, val_sampling, optimizer, seed)


class IPO(OfflinePreferenceModule):
    """Identity Preference Optimization (Azar et al. 2023, arXiv:2310.12036); report sec 6.16.2 eq 71.

    Args:
        policy: The model being trained; a frozen copy is the reference.
        beta: Regularisation; the log-ratio margin is regressed to ``1 / (2 beta)``.
        verifier, val_sampling, optimizer, seed: As in :class:`DPO`.
    """

    def __init__(self, policy: Policy, beta: float = 0.1, verifier: str | None = "math_accuracy",
                 val_sampling: SamplingParams | None = None, optimizer: OptimizerSettings | None = None,
                 seed: int = 0) -> None:
        super().__init__(policy, "ipo", {"beta": beta}, verifier, val_sampling, optimizer, seed)


class SimPO(OfflinePreferenceModule):
    """Simple Preference Optimization (Meng et al. 2024, arXiv:2405.14734); report sec 6.22.5 eq 76. No reference.

    Args:
        policy: The model being trained.
        beta: Scale of the length-normalised log-likelihood reward.
        gamma: Target reward margin.
        verifier, val_sampling, optimizer, seed: As in :class:`DPO`.
    """

    def __init__(self, policy: Policy, beta: float = 2.0, gamma: float = 1.0,
                 verifier: str | None = "math_accuracy", val_sampling: SamplingParams | None = None,
                 optimizer: OptimizerSettings | None = None, seed: int = 0) -> None:
        super().__init__(policy, "simpo", {"beta": beta, "gamma": gamma}, verifier, val_sampling, optimizer, seed)


class KTO(OfflinePreferenceModule):
    """Kahneman-Tversky Optimization (Ethayarajh et al. 2024, arXiv:2402.01306); report sec 6.22.3 eq 74.

    Trains on unpaired rows ``{prompt, completion, label}`` (``PreferenceDataModule(unpaired=True)``) or on
    pairs, each read as one desirable and one undesirable completion.

    Args:
        policy: The model being trained; a frozen copy is the reference.
        beta: Inverse temperature.
        desirable_weight: lambda_D.
        undesirable_weight: lambda_U.
        verifier, val_sampling, optimizer, seed: As in :class:`DPO`.
    """

    def __init__(self, policy: Policy, beta: float = 0.1, desirable_weight: float = 1.0,
                 undesirable_weight: float = 1.0, verifier: str | None = "math_accuracy",
                 val_sampling: SamplingParams | None = None, optimizer: OptimizerSettings | None = None,
                 seed: int = 0) -> None:
        args = {"beta": beta, "desirable_weight": desirable_weight, "undesirable_weight": undesirable_weight}
        super().__init__(policy, "kto", args, verifier, val_sampling, optimizer, seed)


class ORPO(OfflinePreferenceModule):
    """Odds Ratio Preference Optimization (Hong et al. 2024, arXiv:2403.07691); report sec 6.22.4 eq 75. No reference.

    Args:
        policy: The model being trained.
        lam: Weight of the odds-ratio term added to the chosen completions' NLL.
        verifier, val_sampling, optimizer, seed: As in :class:`DPO`.
    """

    def __init__(self, policy: Policy, lam: float = 0.1, verifier: str | None = "math_accuracy",
                 val_sampling: SamplingParams | None = None, optimizer: OptimizerSettings | None = None,
                 seed: int = 0) -> None:
        super().__init__(policy, "orpo", {"lam": lam}, verifier, val_sampling, optimizer, seed)

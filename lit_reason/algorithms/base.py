"""OnPolicyModule: one iteration is ``collect -> select -> annotate -> advantages -> update``.

``update`` (K epochs x minibatches of ``loss``; accumulation, ``manual_backward``, clipping and the non-finite
guard in ``accumulate.py``) belongs to the base; ``select``, ``annotate``, ``advantages``, ``loss``, ``group_sizes`` and (to add
per-prompt extras only) ``collect`` are the hooks a method overrides, and nothing else
(``tests/algorithms/test_hooks.py`` walks the classes). Also here once: the metric vocabulary of DESIGN.md,
the run state a checkpoint restores, and ``last_iteration``, the one place callbacks read rollouts.
See docs/architecture.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, ClassVar, NamedTuple

import torch
from torch import Tensor

from lit_reason.algorithms.accumulate import MICRO_SHARES, accumulate, clip_and_step
from lit_reason.algorithms.checkpointing import RunStateModule
from lit_reason.algorithms.evaluation import check_pass_k, columns_of, validate_batch
from lit_reason.algorithms.guards import kl_errors
from lit_reason.algorithms.nonfinite import NonFiniteGuard
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.ranks import all_equal, keyed_seed
from lit_reason.algorithms.rounds import ReferenceRounds
from lit_reason.algorithms.scoring import score_rollout
from lit_reason.algorithms.settings import IS_WEIGHTS, BatchSettings, ISSettings, KLSettings
from lit_reason.distributed.actor_learner import RaySettings
from lit_reason.logprobs import TokenStats
from lit_reason.losses import aggregate, approx_kl, kl_penalty
from lit_reason.losses.importance import sampler_mismatch_kl
from lit_reason.policy import Policy
from lit_reason.rewards.combine import RewardFn
from lit_reason.rewards.registry import get_reward, reward_from_options
from lit_reason.rollout import IterationRecord, Rollout
from lit_reason.sampling.engine import ENGINES, build_engine
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.vllm import VLLMSettings


class LossOutput(NamedTuple):
    """A minibatch loss and the diagnostics to log with it (names without the ``train/`` prefix)."""

    loss: Tensor
    metrics: dict[str, Tensor]


class Targets(NamedTuple):
    """What ``advantages(rollout)`` returns.

    Args:
        advantages: (B,) per-sample or (B, T) per-token advantages (``rollout.advantages`` in the loss).
        returns: (B, T) value targets for a critic (``rollout.returns``); None for critic-free methods.
    """

    advantages: Tensor
    returns: Tensor | None = None


class OnPolicyModule(RunStateModule):
    """Base of the on-policy RL methods.

    ``trainer.global_step`` counts optimizer steps: one rollout advances it by ``batching.update_epochs x
    ceil(len(rollout) / batching.minibatch_size)``; ``train/iteration`` counts rollouts.

    Args:
        policy: The model being trained.
        rewards: Reward presets by name, dotted import paths, or callables with the TRL signature.
        reward_weights: One weight per reward (eq 39); default all 1.
        verifier: Reward that defines accuracy (score >= 1 is correct); None for no accuracy metrics.
        sampling: Rollout sampling; ``sampling.n`` is the number of samples per prompt.
        val_sampling: Sampling for the sampled validation metrics; default ``sampling``.
        batching: Minibatches, micro-batches, scoring and generation chunks (:class:`BatchSettings`).
        loss_aggregation: ``token``, ``sequence`` or ``constant`` (losses/aggregate.py).
        kl: The KL penalty to the reference (:class:`KLSettings`: ``coef``, ``estimator``); the module's
            ``kl_coef`` starts at ``kl.coef`` and callbacks may move it.
        none_reward: Reward used for training when no reward function could score a sample (counted in
            ``train/reward_none_frac``).
        max_grad_norm: Gradient clipping norm.
        max_nonfinite_skips: Consecutive non-finite losses tolerated before training stops
            (``lit_reason/algorithms/nonfinite.py``: each is skipped and counted in ``train/nonfinite_skipped``).
        optimizer: AdamW settings.
        seed: Seed of the RNG streams; every iteration re-keys them from ``(seed, iteration)`` (and the rank,
            for minibatch shuffling), so a checkpoint resumes exactly on any number of ranks.
        is_correction: Importance-sampling correction for a sampler that differs from the learner
            (:class:`ISSettings`: ``kind``, ``cap``); by default on where the sampler is not the learner.
        val_pass_k: k's of the unbiased ``val/pass@k`` (each <= the validation samples per prompt);
            ``val/pass@n`` is always reported.
        engine: Rollout engine (``sampling/engine.py``): ``hf`` (the policy's own modules, CPU or GPU),
            ``vllm`` (a colocated vLLM ``LLM``, GPU, extra ``[vllm]``) or ``ray`` (asynchronous generator
            actors, report sec 8.4.4, extra ``[ray]``).
        vllm: Options of the vLLM engine.
        ray: Options of the Ray actor-learner engine.
    """

    #: Whether ``kl.estimator`` is the KL in the loss (k1 rejected there); REINFORCE++ sets it False.
    kl_in_loss: ClassVar[bool] = True
    #: Module attributes the run state checkpoints (``checkpoint["lit_reason"]``); subclasses extend it.
    checkpointed: ClassVar[tuple[str, ...]] = ("generator", "iteration", "kl_coef", "nonfinite")
    #: Consecutive rows of the selected rollout that must share a minibatch, in order (2 when ``select``
    #: returns interleaved (chosen, rejected) pairs); minibatch sizes must then be multiples of it.
    keep_together: ClassVar[int] = 1

    def __init__(
        self,
        policy: Policy,
        rewards: list[str | RewardFn] | None = None,
        reward_weights: list[float] | None = None,
        verifier: str | None = "math_accuracy",
        sampling: SamplingParams | None = None,
        val_sampling: SamplingParams | None = None,
        batching: BatchSettings | None = None,
        loss_aggregation: str = "token",
        kl: KLSettings | None = None,
        none_reward: float = 0.0,
        max_grad_norm: float = 1.0,
        max_nonfinite_skips: int = 10,
        optimizer: OptimizerSettings | None = None,
        seed: int = 0,
        is_correction: ISSettings | None = None,
        val_pass_k: list[int] | None = None,
        engine: str = "hf",
        vllm: VLLMSettings | None = None,
        ray: RaySettings | None = None,
    ) -> None:
        super().__init__()
        # The one call: Lightning collects the init arguments of every class on the stack (subclasses too).
        self.save_hyperparameters(ignore=["policy"])
        self.automatic_optimization = False
        self.batching = batching or BatchSettings()
        kl = kl or KLSettings()
        self.kl_estimator = kl.estimator or "k3"
        is_correction = is_correction or ISSettings()
        self.is_correction, self.is_cap = is_correction.resolved(engine), is_correction.cap
        errors = [] if max_nonfinite_skips >= 1 else [f"max_nonfinite_skips must be >= 1, got {max_nonfinite_skips}"]
        if loss_aggregation not in MICRO_SHARES:
            errors.append(f"loss_aggregation must be one of {sorted(MICRO_SHARES)}, got {loss_aggregation!r}")
        errors += kl_errors(self.kl_estimator, in_loss=type(self).kl_in_loss, option="kl.estimator")
        errors += self.batching.block_errors(self.keep_together, type(self).__name__)
        if engine not in ENGINES:
            errors.append(f"engine must be one of {ENGINES}, got {engine!r}")
        try:
            check_pass_k(val_pass_k, (val_sampling or sampling or SamplingParams(n=4)).n)
        except ValueError as e:
            errors.append(str(e))
        if errors:
            raise ValueError(f"{type(self).__name__}: " + "; ".join(errors))
        self.policy = policy
        self.sampler = build_engine(engine, policy, batch_size=self.batching.generation_batch_size, vllm=vllm,
                                    ray=ray)
        self.reward = reward_from_options(rewards, reward_weights)
        self.verifier = get_reward(verifier) if verifier else None
        self.sampling = sampling or SamplingParams(n=4)
        self.val_sampling = val_sampling
        self.kl_coef = kl.coef
        self.micro_share = MICRO_SHARES[loss_aggregation]
        self.optimizer_settings = optimizer or OptimizerSettings()
        self.generator = torch.Generator().manual_seed(seed)
        self.iteration = 0
        self.nonfinite = NonFiniteGuard(max_nonfinite_skips, owner=type(self).__name__)
        self.last_iteration: IterationRecord | None = None  # what callbacks read (rollout.IterationRecord)
        self.reference_rounds: ReferenceRounds | None = None  # iterative methods refresh the reference
        self._records: dict[str, float] = {}
        if kl.coef > 0:
            policy.init_reference()

    # ------------------------------------------------------------------ hooks for subclasses
    def select(self, rollout: Rollout) -> Rollout:
        """Drops, filters, reorders or pairs the scored samples before anything else is computed on them.

        Runs under ``torch.no_grad`` after ``collect``: ``rollout`` has ``rewards``, ``reward_none``,
        ``correct`` and ``old_logprobs``, no reference log-probs or values (``annotate`` runs on the selection
        only). Return ``rollout.select(index)`` or a new rollout (DAPO may ``collect`` more and
        ``Rollout.concat``). An empty selection trains nothing that iteration. Report drops with
        :meth:`record`; callbacks still see the whole rollout in ``last_iteration``.
        """
        return rollout

    def annotate(self, rollout: Rollout) -> None:
        """Fills no-grad, per-sample extras of the selected rollout in place, under ``torch.no_grad``.

        The base attaches ``ref_logprobs`` (when ``kl_coef > 0``) and the eq 132 ``is_weights`` (with
        ``is_correction``). Overrides call ``super().annotate(rollout)`` first, then add theirs (a critic's
        ``values``, PRM scores). It must not change the samples (that is ``select``'s job).
        """
        if self.kl_coef > 0:
            rollout.ref_logprobs = self._score(rollout, self.policy.frozen_reference.logprobs)
        if self.is_correction != "none":
            self.record(**self._correct_sampler(rollout))

    def advantages(self, rollout: Rollout) -> Targets:
        """The training targets of the annotated rollout: :class:`Targets` ``(advantages, returns=None)``.

        A pure function of the rollout's tensors apart from a method's own running statistics (an EMA
        baseline); it must not write into ``rollout`` (the base stores the targets). Required.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement advantages(rollout)")

    def loss(self, minibatch: Rollout) -> LossOutput:
        """Loss of one (micro-)batch, with ``advantages`` (and ``returns``) filled. Required.

        Build it from :meth:`logprob_stats` and :meth:`finish_loss` (KL penalty, IS weights, aggregation);
        return a :class:`LossOutput` whose metrics are detached (logged as ``train/<name>``). A non-finite
        loss is skipped and counted by the base.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement loss(minibatch)")

    def record(self, **metrics: float) -> None:
        """Adds diagnostics of the current iteration, logged once as ``train/<name>`` (e.g. from ``select``)."""
        self._records.update({k: float(v) for k, v in metrics.items()})

    def group_sizes(self, rows: list[dict[str, Any]]) -> list[int] | None:
        """Samples per prompt row; None means ``sampling.n`` for every row (adaptive GRPO overrides it)."""
        return None

    # ------------------------------------------------------------------ collection
    @torch.no_grad()
    def collect(self, rows: list[dict[str, Any]]) -> tuple[Rollout, dict[str, float]]:
        """Generates and scores the rows' samples; returns the rollout and its metrics.

        A hook only for per-prompt work that needs the raw rows (ReMax's greedy baseline): extend it by
        calling ``super().collect(rows)`` first. Per-sample extras belong in ``annotate``.
        """
        if self.sampler.policy_version != self.iteration:  # after each update: the engine takes the weights
            self.sampler.sync_weights(self.iteration)
        t0 = time.perf_counter()
        rollout = self.sampler.generate(
            [r["prompt"] for r in rows], self.sampling, columns=columns_of(rows),
            generator=self._sampling_generators(len(rows)), counts=self.group_sizes(rows),
        )
        gen_s = time.perf_counter() - t0
        rollout.old_logprobs = rollout.sampler_logprobs
        metrics = score_rollout(rollout, self.reward, self.verifier, none_reward=self.hparams.none_reward)
        metrics["perf/rollout_tokens_per_s"] = rollout.completion_mask.sum().item() / max(gen_s, 1e-9)
        # Learner updates since the samples' weights (0 for a synchronous loop; async engines lag).
        metrics["staleness"] = float(self.iteration - rollout.policy_version.float().mean().item())
        return rollout, metrics

    def _sampling_generators(self, n_prompts: int) -> list[torch.Generator]:
        """One RNG per generation chunk, keyed by the chunk's index over all ranks (see ``ranks.py``)."""
        size = self.batching.generation_batch_size or max(n_prompts, 1)
        chunks = -(-n_prompts // size)
        first = self.global_rank * chunks  # every rank holds the same number of prompts (RowLoader pads)
        return [torch.Generator().manual_seed(keyed_seed(self.hparams.seed, "sample", self.iteration, first + c))
                for c in range(chunks)]

    @property
    def _logprob_temperature(self) -> float:
        return self.sampling.temperature if self.sampling.temperature > 0 else 1.0

    def _group(self, rollout: Rollout) -> Tensor | None:
        return rollout.group if self.batching.pack_groups else None

    def _score(self, rollout: Rollout, logprobs_fn: Any) -> Tensor:
        """(B, T) log-probabilities from ``logprobs_fn`` (no grad), one trimmed micro-batch at a time."""
        out = torch.zeros(rollout.completion_mask.shape, device=rollout.completion_mask.device)
        start = 0
        size = self.batching.score_size(len(rollout))
        for micro in rollout.minibatches(size, shuffle=False):
            m = micro.trimmed()
            with torch.no_grad():
                lp = logprobs_fn(m.input_ids, m.attention_mask, m.completion_mask,
                                 temperature=self._logprob_temperature, group=self._group(m))
            lp = lp.logprobs if isinstance(lp, TokenStats) else lp
            out[start : start + len(m), : lp.shape[1]] = lp
            start += len(m)
        return out

    def _correct_sampler(self, rollout: Rollout) -> dict[str, float]:
        """Eq 132: recomputes pi_old with the learner and weights tokens by the truncated pi_old / mu."""
        mask = rollout.completion_mask
        rollout.old_logprobs = self._score(rollout, self.policy.token_logprobs)
        weights = IS_WEIGHTS[self.is_correction](rollout.old_logprobs, rollout.sampler_logprobs, mask,
                                                         cap=self.is_cap)
        rollout.is_weights = weights if weights.dim() == 2 else weights[:, None].expand_as(mask).clone()
        return {
            "is_weight_mean": aggregate(rollout.is_weights, mask, "token").item(),
            "sampler_kl": sampler_mismatch_kl(rollout.old_logprobs, rollout.sampler_logprobs, mask).item(),
        }

    # ------------------------------------------------------------------ shared pieces of losses
    def logprob_stats(self, mb: Rollout) -> TokenStats:
        """The policy's log-probabilities and entropies of a micro-batch's completion tokens."""
        return self.policy.token_logprobs(mb.input_ids, mb.attention_mask, mb.completion_mask,
                                          temperature=self._logprob_temperature, entropy=True,
                                          group=self._group(mb))

    def kl_to_reference(self, stats: TokenStats, mb: Rollout, kind: str) -> Tensor:
        """Per-token KL to the reference (B, T) by ``kind``: a sampled-token estimator or eq 128's ``full``."""
        if kind == "full":
            return self.policy.full_kl(mb.input_ids, mb.attention_mask, mb.completion_mask,
                                       temperature=self._logprob_temperature)
        return kl_penalty(stats.logprobs, mb.ref_logprobs, kind=kind)

    def finish_loss(
        self, per_token: Tensor, stats: TokenStats, mb: Rollout, metrics: dict[str, Tensor], kl_in_loss: bool = True,
        kl_kind: str | None = None,
    ) -> Tensor:
        """Adds the KL penalty (eq 26) and the IS weights (eq 132) to a per-token loss and aggregates it.

        Also records ``entropy``, ``approx_kl_old`` and ``kl`` in ``metrics``: the penalty in the loss, or, when
        the KL is not in the loss (PPO's reward-side KL), its estimate by ``kl_kind`` (default ``k1``).
        """
        mask = mb.completion_mask
        metrics["entropy"] = aggregate(stats.entropy, mask, "token")
        metrics["approx_kl_old"] = approx_kl(stats.logprobs, mb.old_logprobs, mask)
        if mb.ref_logprobs is not None:
            if kl_in_loss:
                kl = self.kl_to_reference(stats, mb, self.kl_estimator)
                per_token = per_token + self.kl_coef * kl
            else:
                kl = kl_penalty(stats.logprobs.detach(), mb.ref_logprobs, kind=kl_kind or "k1")
            metrics["kl"] = aggregate(kl.detach(), mask, "token")
        if mb.is_weights is not None:
            per_token = per_token * mb.is_weights
        return aggregate(per_token, mask, self.hparams.loss_aggregation, max_len=self.sampling.max_new_tokens)

    # ------------------------------------------------------------------ training
    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        t0 = time.perf_counter()
        self.generator.manual_seed(keyed_seed(self.hparams.seed, "update", self.iteration, self.global_rank))
        self._records = {}
        rollout, metrics = self.collect(batch)
        with torch.no_grad():
            selected = self.select(rollout)
            if len(selected):
                self.annotate(selected)
        if len(selected):
            targets = self.advantages(selected)
            if not isinstance(targets, Targets):
                raise TypeError(f"{type(self).__name__}.advantages must return Targets(advantages, returns), "
                                f"got {type(targets).__name__}")
            selected.advantages, selected.returns = targets
        metrics.update(self.update(selected))
        metrics.update(self._records)
        self.iteration += 1
        self.last_iteration = IterationRecord(self.iteration, rollout)
        if self.reference_rounds is not None:
            self.reference_rounds.after_iteration(self.iteration)
        metrics["iteration"] = float(self.iteration)
        metrics["perf/step_s"] = time.perf_counter() - t0
        logged = {k if k.startswith("perf/") else f"train/{k}": float(v) for k, v in metrics.items()}
        # sync_dist: the logged value is the mean over ranks (each rank's batch is the same size).
        self.log_dict(logged, on_step=True, batch_size=len(batch), sync_dist=True)
        self.log("reward", metrics["reward"], prog_bar=True, logger=False, batch_size=len(batch), sync_dist=True)
        if "accuracy" in metrics:
            self.log("acc", metrics["accuracy"], prog_bar=True, logger=False, batch_size=len(batch),
                     sync_dist=True)

    def update(self, rollout: Rollout) -> dict[str, float]:
        """``batching.update_epochs`` x minibatches of optimizer steps over the rollout; averaged diagnostics."""
        opt, sched = self.optimizers(), self.lr_schedulers()
        if not all_equal(self, len(rollout)):
            raise RuntimeError(f"{type(self).__name__}: the ranks hold rollouts of different sizes (this one "
                               f"{len(rollout)}); under DDP every rank must take the same number of optimizer "
                               "steps, so per-rank filtering (dynamic sampling) and adaptive group sizes need a "
                               "single process")
        size = self.batching.minibatch_size or len(rollout)
        sums: dict[str, float] = {}
        steps = 0
        for _ in range(self.batching.update_epochs if len(rollout) else 0):
            for mb in self.minibatches(rollout, size):
                out = accumulate(self, mb)
                if out is None:
                    continue
                out["grad_norm"] = clip_and_step(self, opt, sched, self.hparams.max_grad_norm)
                steps += 1
                for k, v in out.items():
                    sums[k] = sums.get(k, 0.0) + float(v)
        result = {k: v / steps for k, v in sums.items()} if steps else {}
        result["nonfinite_skipped"] = float(self.nonfinite.skips)
        result["kl_coef"] = float(self.kl_coef)
        return result

    def minibatches(self, rollout: Rollout, size: int) -> Iterator[Rollout]:
        """One epoch of optimizer-step minibatches of ``size`` samples (shuffled unless one holds them all)."""
        return rollout.minibatches(size, shuffle=size < len(rollout), generator=self.generator,
                                   block=self.keep_together)

    # ------------------------------------------------------------------ validation, optimizers, state
    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        validate_batch(self, batch, batch_idx, self.val_sampling or self.sampling)

    def configure_optimizers(self) -> dict:
        return self.optimizer_settings.build(self, self.trainer.max_steps)

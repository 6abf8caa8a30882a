"""SelfTrainingModule: iterations of grow (sample) -> score -> filter -> improve (SFT on what was kept).

One module covers the self-training family of report sec 6.4-6.13, which differ in the filter and the
expert: ReST (alg 4, :class:`ThresholdFilter`), ReST-EM (eq 54-55, :class:`BinaryRewardFilter` with
``restart_from_base``), RAFT (alg 6, :class:`TopKPerPrompt`), RSF (eq 64, :class:`CorrectDedup`), STaR
(alg 3, :class:`STaRFilter`), Expert Iteration (alg 5, ``expert: best_of_n``, ``verifier_beam`` or ``mcts``) and,
in :mod:`lit_reason.algorithms.vstar`, V-STaR (alg 7). With a ``teacher`` it is distillation: the teacher
grows, the ``policy`` (student) learns.

One ``training_step`` is one iteration over the batch of prompt rows it receives: set the DataModule's
``batch_size`` to its ``train_size`` to grow over the whole prompt set (one epoch = one iteration).
``trainer.global_step`` counts SFT optimizer steps. Deliberate deviations: SFT continues the optimizer
state across iterations (ReST-EM's restart resets it); the verifier judges ``correct`` (score >= 1) while
filters that threshold use the weighted reward.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

import torch
from tqdm import tqdm

from lit_reason.algorithms.checkpointing import RunStateModule
from lit_reason.algorithms.checkpointing import plain as plain_settings
from lit_reason.algorithms.evaluation import columns_of, validate_batch
from lit_reason.algorithms.filters import (
    BinaryRewardFilter,
    Prompt,
    Sample,
    SampleFilter,
    grown_key,
    read_current_samples,
    write_samples,
)
from lit_reason.algorithms.nonfinite import METRIC as NONFINITE_METRIC
from lit_reason.algorithms.nonfinite import NonFiniteGuard
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.sft import completion_nll
from lit_reason.policy import Policy
from lit_reason.rewards.registry import get_reward, reward_from_options
from lit_reason.sampling import search
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


def _expert_sample(module: SelfTrainingModule, prompts: list[Prompt], columns: dict) -> list[list[str]]:
    n = module.sampling.n
    roll = module.grow_sampler.generate(prompts, module.sampling, columns=columns, generator=module.generator)
    return [roll.completions[i * n : (i + 1) * n] for i in range(len(prompts))]


def _expert_best_of_n(module: SelfTrainingModule, prompts: list[Prompt], columns: dict) -> list[list[str]]:
    choices = search.best_of_n(module.grow_sampler, prompts, module.sampling, module.reward, columns=columns,
                               generator=module.generator)
    return [[c.completion] for c in choices]


def _expert_beam(module: SelfTrainingModule, prompts: list[Prompt], columns: dict) -> list[list[str]]:
    choices = search.verifier_beam(module.grow_sampler, prompts, module.reward, module.beam, columns=columns,
                                   generator=module.generator)
    return [[c.completion] for c in choices]


def _expert_mcts(module: SelfTrainingModule, prompts: list[Prompt], columns: dict) -> list[list[str]]:
    choices = search.mcts(module.grow_sampler, prompts, module.reward, module.mcts, columns=columns,
                          generator=module.generator)
    return [[c.completion] for c in choices]


EXPERTS = {"sample": _expert_sample, "best_of_n": _expert_best_of_n, "verifier_beam": _expert_beam,
           "mcts": _expert_mcts}


class SelfTrainingModule(RunStateModule):
    """Grow -> filter -> improve, one iteration per training step (manual optimisation).

    Args:
        policy: The model trained (the student when ``teacher`` is given).
        filter: Which samples an iteration trains on (:mod:`lit_reason.algorithms.filters`); default
            :class:`BinaryRewardFilter` (the verifier's correct samples).
        rewards: Reward presets, dotted paths or callables (TRL signature), summed with ``reward_weights``.
        reward_weights: One weight per reward; default all 1.
        verifier: Reward that defines ``correct`` (score >= 1), the grow accuracy and validation accuracy.
        sampling: Grow sampling; ``sampling.n`` is K, the samples per prompt (N of best-of-N).
        val_sampling: Sampling of the sampled validation metrics; default ``sampling``.
        expert: ``sample`` (K samples per prompt), ``best_of_n`` (eq 57), ``verifier_beam`` (eq 58, with
            the reward as V) or ``mcts`` (alg 9, the reward as value): the generator of Expert Iteration
            (alg 5).
        beam: Settings of ``verifier_beam``.
        mcts: Settings of ``mcts`` (``value: rollout`` scores sampled completions with the reward).
        teacher: Grows instead of ``policy`` (distillation); frozen, never saved in checkpoints.
        sft_epochs: SFT passes over an iteration's kept set.
        sft_batch_size: Kept samples per SFT optimizer step.
        restart_from_base: ReST-EM (eq 55): each iteration fine-tunes the starting weights (Adam moments and
            the learning-rate schedule reset too) on the new set instead of continuing from the last
            iteration's.
        max_iterations: Stop fitting after this many iterations; None leaves it to the trainer.
        output_dir: Where ``iteration_{i}.jsonl`` (the kept set) is written, with a key of the settings and
            rows that grew it; an existing file with the same key is read back instead of regenerated (a
            resumed run repeats no generation), one with another key is regenerated with a warning.
        generation_batch_size: Prompts per generation call (the progress bar advances per call).
        progress_bar: Show a tqdm bar while growing.
        max_grad_norm: Gradient clipping norm.
        optimizer: AdamW settings.
        seed: Seed of the sampling and shuffling RNG (its state is checkpointed).
    """

    #: Module attributes the run state checkpoints (``checkpoint["lit_reason"]``); subclasses extend it.
    checkpointed: ClassVar[tuple[str, ...]] = ("generator", "iteration", "nonfinite")

    def __init__(
        self,
        policy: Policy,
        filter: SampleFilter | None = None,
        rewards: list[str] | None = None,
        reward_weights: list[float] | None = None,
        verifier: str | None = "math_accuracy",
        sampling: SamplingParams | None = None,
        val_sampling: SamplingParams | None = None,
        expert: str = "sample",
        beam: search.BeamSettings | None = None,
        mcts: search.MCTSSettings | None = None,
        teacher: Policy | None = None,
        sft_epochs: int = 1,
        sft_batch_size: int = 16,
        restart_from_base: bool = False,
        max_iterations: int | None = None,
        output_dir: str = "runs/self_training",
        generation_batch_size: int | None = 64,
        progress_bar: bool = True,
        max_grad_norm: float = 1.0,
        optimizer: OptimizerSettings | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["policy", "teacher", "filter"])
        self.automatic_optimization = False
        errors = [f"{k} must be >= 1, got {v}" for k, v in [("sft_epochs", sft_epochs),
                  ("sft_batch_size", sft_batch_size), ("max_iterations", max_iterations),
                  ("generation_batch_size", generation_batch_size)] if v is not None and v < 1]
        if expert not in EXPERTS:
            errors.append(f"expert must be one of {sorted(EXPERTS)}, got {expert!r}")
        if errors:
            raise ValueError(f"{type(self).__name__}: " + "; ".join(errors))
        self.policy = policy
        self.sampler = HFSampler(policy)
        if teacher is not None:
            teacher.requires_grad_(False).eval()
            self.__dict__["teacher"] = teacher  # not a submodule: no optimizer state, not in checkpoints
        else:
            self.teacher = None
        self.grow_sampler = HFSampler(teacher or policy)
        self.filter = filter or BinaryRewardFilter()
        self.reward = reward_from_options(rewards, reward_weights)
        self.verifier = get_reward(verifier) if verifier else None
        self.sampling = sampling or SamplingParams(n=4, max_new_tokens=64)
        self.val_sampling = val_sampling
        self.expert = EXPERTS[expert]
        self.beam = beam or search.BeamSettings()
        self.mcts = mcts or search.MCTSSettings(value="rollout")
        self.optimizer_settings = optimizer or OptimizerSettings()
        self.generator = torch.Generator().manual_seed(seed)
        # Plain attributes, not self.hparams: a subclass's save_hyperparameters records only its own arguments.
        self.sft_epochs, self.sft_batch_size, self.max_iterations = sft_epochs, sft_batch_size, max_iterations
        self.output_dir, self.generation_batch_size = output_dir, generation_batch_size
        self.progress_bar, self.max_grad_norm = progress_bar, max_grad_norm
        self.iteration = 0
        self.nonfinite = NonFiniteGuard(owner=type(self).__name__)
        self._base_state = (
            {k: v.detach().clone() for k, v in policy.state_dict().items()} if restart_from_base else None
        )

    # ------------------------------------------------------------------ grow and score
    @torch.no_grad()
    def grow(self, rows: list[dict[str, Any]]) -> list[Sample]:
        """Generates with the expert over ``rows`` (batched, with a progress bar) and scores the samples."""
        step = self.generation_batch_size or max(len(rows), 1)
        if self.teacher is not None:
            self.teacher.to(self.device)
        samples: list[Sample] = []
        bar = tqdm(total=len(rows), desc=f"grow {self.iteration}", leave=False,
                   disable=not self.progress_bar)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            completions = self.expert(self, [r["prompt"] for r in chunk], columns_of(chunk))
            for i, (row, texts) in enumerate(zip(chunk, completions)):
                cols = {k: v for k, v in row.items() if k != "prompt"}
                samples += [Sample(start + i, row["prompt"], t, None, False, cols) for t in texts]
            bar.update(len(chunk))
        bar.close()
        samples = self.score(samples)
        return samples + self._rationalize(samples)

    def score(self, samples: list[Sample]) -> list[Sample]:
        """Fills ``reward`` (weighted sum) and ``correct`` (verifier score >= 1) of each sample."""
        if not samples:
            return samples
        prompts = [self.policy.format_prompt(s.prompt) for s in samples]
        completions = [s.completion for s in samples]
        columns = {k: [s.columns.get(k) for s in samples] for k in samples[0].columns}
        rewards = self.reward(prompts, completions, **columns)
        ok = self.verifier(prompts, completions, **columns) if self.verifier else [None] * len(samples)
        for s, r, v in zip(samples, rewards, ok):
            s.reward, s.correct = r, v is not None and v >= 1.0
        return samples

    def _rationalize(self, samples: list[Sample]) -> list[Sample]:
        """STaR: samples drawn from hinted prompts for the prompts the filter names (none for most filters)."""
        hinted = self.filter.rationalization_prompts(samples)
        if not hinted:
            return []
        first = {s.index: s for s in reversed(samples)}
        idx = sorted(hinted)
        cols = {k: [first[i].columns.get(k) for i in idx] for k in first[idx[0]].columns}
        completions = self.expert(self, [hinted[i] for i in idx], cols)
        extra = [Sample(i, first[i].prompt, t, None, False, first[i].columns, hinted_prompt=hinted[i])
                 for i, texts in zip(idx, completions) for t in texts]
        return self.score(extra)

    def select(self, samples: list[Sample]) -> list[Sample]:
        """The filter hook: the samples this iteration trains on. V-STaR overrides it."""
        return self.filter(samples, iteration=self.iteration)

    # ------------------------------------------------------------------ improve
    def improve(self, kept: list[dict[str, Any]]) -> float:
        """``sft_epochs`` x minibatches of token-mean NLL steps on the kept rows; returns the mean loss."""
        opt, sched, size = self._optimizer(), self.lr_schedulers(), self.sft_batch_size
        if self._base_state is not None:
            # A fine-tune of the base from scratch: a schedule left mid-run would skip its warmup and, with a
            # cosine, train later iterations at ever lower learning rates.
            self.policy.load_state_dict(self._base_state)
            opt.state.clear()
            sched.last_epoch = -1
            sched.step()  # back to step 0: sets step 0's learning rate on the param groups
        losses = []
        for _ in range(self.sft_epochs):
            order = torch.randperm(len(kept), generator=self.generator).tolist()
            for start in range(0, len(kept), size):
                loss = completion_nll(self.policy, [kept[i] for i in order[start : start + size]], self.device)
                if not self.nonfinite.check(loss, f"in iteration {self.iteration}"):
                    continue
                self.manual_backward(loss)
                self.clip_gradients(opt, gradient_clip_val=self.max_grad_norm,
                                    gradient_clip_algorithm="norm")
                opt.step()
                opt.zero_grad(set_to_none=True)
                sched.step()
                losses.append(loss.item())
        return sum(losses) / len(losses) if losses else float("nan")

    def _optimizer(self) -> Any:
        opt = self.optimizers()
        return opt[0] if isinstance(opt, list) else opt

    # ------------------------------------------------------------------ the iteration
    def training_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        t0 = time.perf_counter()
        path = os.path.join(self.output_dir, f"iteration_{self.iteration}.jsonl")
        metrics: dict[str, float] = {}
        # Reused only when grown from the same settings and rows (a resumed run); otherwise regenerated.
        key = grown_key(plain_settings(self.hparams), batch, self.iteration)
        kept = read_current_samples(path, key)
        if kept is None:
            samples = self.grow(batch)
            kept = self.select(samples)
            write_samples(path, kept, key)
            plain = [s for s in samples if s.hinted_prompt is None]
            scored = [s.reward for s in plain if s.reward is not None]
            metrics.update({
                "selftrain/grow_accuracy": sum(s.correct for s in plain) / max(len(plain), 1),
                "selftrain/kept_frac": len(kept) / max(len(samples), 1),
                "train/reward": sum(scored) / len(scored) if scored else float("nan"),
            })
        rows = [{"prompt": s.prompt, "completion": s.completion} for s in kept]
        loss = self.improve(rows) if rows else float("nan")
        self.iteration += 1
        metrics.update({"selftrain/kept": float(len(kept)), "selftrain/iteration": float(self.iteration),
                        "train/loss": loss, NONFINITE_METRIC: float(self.nonfinite.skips),
                        "perf/step_s": time.perf_counter() - t0})
        self.log_dict(metrics, on_step=True, batch_size=len(batch))
        self.log("kept", float(len(kept)), prog_bar=True, logger=False, batch_size=len(batch))
        if self.max_iterations is not None and self.iteration >= self.max_iterations:
            self.trainer.should_stop = True

    # ------------------------------------------------------------------ validation, optimizers, state
    def validation_step(self, batch: list[dict[str, Any]], batch_idx: int) -> None:
        validate_batch(self, batch, batch_idx, self.val_sampling or self.sampling)

    def configure_optimizers(self) -> dict:
        return self.optimizer_settings.build(self.policy, self.trainer.max_steps)

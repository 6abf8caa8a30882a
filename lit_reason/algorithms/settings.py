"""The grouped constructor settings of ``OnPolicyModule``: batching, the KL to the reference, IS correction.

Each validates itself at construction (``__post_init__``), naming the option, so a bad YAML value fails when
the config is parsed rather than at the first step that reads it. In a config they are nested keys::

    batching: {minibatch_size: 8, micro_batch_size: 4}
    kl: {coef: 0.04, estimator: k3}
    is_correction: {kind: token, cap: 2.0}

What depends on the module (k1 rejected only where the KL is in the loss, blocks of ``keep_together`` rows,
the default IS kind per engine) is checked by the module with the same option names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lit_reason.batching import token_budget_batches
from lit_reason.losses.importance import sequence_is_weights, token_is_weights
from lit_reason.losses.kl import KL_ESTIMATORS, LOSS_KL_ESTIMATORS
from lit_reason.rollout import Rollout

LOSS_AGGREGATIONS = ("token", "sequence", "constant")
IS_WEIGHTS = {"none": None, "token": token_is_weights, "sequence": sequence_is_weights}


def _raise(errors: list[str]) -> None:
    if errors:  # each error names Class.field, as the CLI's one-line errors expect (commands/errors.py)
        raise ValueError("; ".join(errors))


@dataclass(frozen=True)
class BatchSettings:
    """How one rollout is cut into optimizer steps and forwards.

    Args:
        update_epochs: Passes over each rollout (K).
        minibatch_size: Samples per optimizer step; None means the whole rollout.
        micro_batch_size: Samples per forward/backward (gradient accumulation); None means the minibatch.
        micro_batch_tokens: Instead of ``micro_batch_size``, split each minibatch by a budget of positions
            per forward (``lit_reason/batching.py``): samples sorted by length, each micro-batch at most this
            many ``count x (longest prompt + longest completion)`` positions. Same gradients, less padding.
        score_batch_size: Samples per no-grad scoring pass (the reference's log-probs, eq 132's pi_old);
            None means ``micro_batch_size``. These passes keep no activations for a backward, so a larger
            value costs little memory (on CPU, one prompt's group per pass was still the fastest).
        generation_batch_size: Prompts generated together; None means the whole batch. Each such chunk
            samples from its own RNG stream keyed by ``(seed, iteration, global chunk index)``, so with
            ``generation_batch_size = b`` 2 DDP ranks x ``b`` prompts draw the samples 1 rank x ``2b`` draws.
        pack_groups: Score the samples of a prompt in one packed row (prompt once, no completion padding;
            ``lit_reason/packing.py``); the values are the padded layout's.
    """

    update_epochs: int = 1
    minibatch_size: int | None = None
    micro_batch_size: int | None = None
    micro_batch_tokens: int | None = None
    score_batch_size: int | None = None
    generation_batch_size: int | None = None
    pack_groups: bool = True

    def __post_init__(self) -> None:
        counts = {k: getattr(self, k) for k in ("update_epochs", "minibatch_size", "micro_batch_size",
                                                 "micro_batch_tokens", "score_batch_size", "generation_batch_size")}
        errors = [f"BatchSettings.{k} must be >= 1, got {v}" for k, v in counts.items() if v is not None and v < 1]
        if self.micro_batch_size is not None and self.micro_batch_tokens is not None:
            errors.append("BatchSettings.micro_batch_size, BatchSettings.micro_batch_tokens: set micro_batch_size or "
                          "micro_batch_tokens, not both")
        _raise(errors)

    def block_errors(self, block: int, owner: str) -> list[str]:
        """Why these settings cannot keep blocks of ``block`` consecutive rows together (empty when they can)."""
        if block > 1 and self.micro_batch_tokens is not None:  # a length sort would split the blocks
            return [f"batching.micro_batch_tokens is not available to {owner} (its samples come in blocks of "
                    f"{block}); use batching.micro_batch_size"]
        return []

    def micro_batches(self, mb: Rollout) -> Iterator[Rollout]:
        """The forward/backward pieces of a minibatch: ``micro_batch_size`` samples, or a token budget."""
        if self.micro_batch_tokens is None:
            return mb.minibatches(self.micro_batch_size or len(mb), shuffle=False)
        batches = token_budget_batches(mb.prompt_mask.sum(1), mb.completion_mask.sum(1), self.micro_batch_tokens)
        return (mb.select(idx) for idx in batches)

    def score_size(self, n: int) -> int:
        """Samples per no-grad scoring pass over a rollout of ``n``."""
        return self.score_batch_size or self.micro_batch_size or n


@dataclass(frozen=True)
class KLSettings:
    """The KL penalty to the frozen reference (eq 26).

    Args:
        coef: beta, its starting value (callbacks may move the module's ``kl_coef``); 0 builds no reference.
        estimator: The per-token KL (losses/kl.py): ``k3`` (gradient of KL(ref||pi), GRPO's), ``k2`` (gradient
            of KL(pi||ref)) or ``full`` (eq 128 over the vocabulary: a reference and a second policy forward
            per micro-batch). ``k1`` is rejected where the KL is in the loss (its expected gradient there is
            0); REINFORCE++ puts it in the reward, where it is the default. None: the method's default
            (``k3``; REINFORCE++ ``k1``, or ``k2`` with its group-mean baseline).
    """

    coef: float = 0.0
    estimator: str | None = None

    def __post_init__(self) -> None:
        errors = [] if self.coef >= 0 else [f"KLSettings.coef must be >= 0, got {self.coef}"]
        known = sorted({*KL_ESTIMATORS, *LOSS_KL_ESTIMATORS})
        if self.estimator is not None and self.estimator not in known:
            errors.append(f"KLSettings.estimator must be one of {known}, got {self.estimator!r}")
        _raise(errors)


@dataclass(frozen=True)
class ISSettings:
    """Importance-sampling correction for a sampler that differs from the learner (vLLM, stale weights; eq 132).

    It costs one no-grad forward per rollout to recompute ``pi_old``; the mismatch is logged as
    ``train/sampler_kl``.

    Args:
        kind: ``none``, ``token`` (per-token truncated ratio, TIS) or ``sequence`` (truncated product). None
            means ``none`` with the HF engine (it samples with the learner's weights) and ``token`` with any
            other engine: truncated IS is on by default where the sampler is not the learner.
        cap: Truncation of the importance weights, > 0.
    """

    kind: str | None = None
    cap: float = 2.0

    def __post_init__(self) -> None:
        errors = []
        if self.kind is not None and self.kind not in IS_WEIGHTS:
            errors.append(f"ISSettings.kind must be one of {sorted(IS_WEIGHTS)}, got {self.kind!r}")
        if self.cap <= 0:
            errors.append(f"ISSettings.cap must be > 0, got {self.cap}")
        _raise(errors)

    def resolved(self, engine: str) -> str:
        """The kind in force with ``engine``."""
        return self.kind if self.kind is not None else ("none" if engine == "hf" else "token")

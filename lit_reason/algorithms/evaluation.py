"""Validation shared by every method: greedy and sampled accuracy, and unbiased pass@k, under a verifier.

pass@k is the unbiased estimator of Chen et al. 2021 (arXiv:2107.03374, eq 1; report §8.1.2) over the
``n`` validation samples of each prompt, through :class:`~lit_reason.metrics.PassAtK`. A sample is correct
when the verifier scores it >= 1: an exact answer for ``math_accuracy``, every test passed for
``code_pass_rate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from lit_reason.metrics.pass_at_k import PassAtK
from lit_reason.rewards.combine import RewardFn
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


def columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The rows' columns other than ``prompt``, as lists aligned with the rows."""
    keys = [k for k in rows[0] if k != "prompt"] if rows else []
    return {k: [r.get(k) for r in rows] for k in keys}


def verify(verifier: RewardFn, prompts: list[str], completions: list[str], columns: dict[str, list]) -> Tensor:
    """1.0 where the verifier scores a completion as correct (>= 1), else 0.0; None counts as wrong."""
    scores = verifier(prompts, completions, **columns)
    return torch.tensor([1.0 if s is not None and s >= 1.0 else 0.0 for s in scores])


def check_pass_k(pass_k: Sequence[int] | None, n: int) -> list[int]:
    """The k's to report for ``n`` samples per prompt: ``pass_k`` (default ``[1]``) and always ``n``.

    Args:
        pass_k: Requested k's, each in ``[1, n]``.
        n: Validation samples per prompt (``val_sampling.n``).

    Returns:
        Sorted distinct k's, ``n`` included (``val/pass@n`` is always reported).

    Raises:
        ValueError: A k outside ``[1, n]``, naming the option and ``n``.

    Example:
        >>> check_pass_k([4, 1], 8)
        [1, 4, 8]
    """
    ks = [1] if pass_k is None else list(pass_k)
    bad = [k for k in ks if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= n]
    if bad:
        raise ValueError(
            f"val_pass_k: each k must be an integer in [1, n] where n = val_sampling.n = {n} samples per "
            f"prompt (the unbiased estimator needs n >= k), got {bad}"
        )
    return sorted({*ks, n})


@torch.no_grad()
def accuracy_metrics(
    sampler: HFSampler,
    rows: list[dict[str, Any]],
    verifier: RewardFn,
    sampled: SamplingParams,
    generator: torch.Generator,
    pass_k: Sequence[int] | None = None,
) -> dict[str, Tensor]:
    """Greedy accuracy, mean accuracy over ``sampled.n`` samples, and unbiased pass@k on a batch of rows.

    The greedy and sampled completions are verified in one call, so a sandboxed verifier runs them as one
    pool batch.

    Args:
        sampler: Generates the completions.
        rows: Prompt rows with the verifier's columns.
        verifier: Reward defining correctness (score >= 1).
        sampled: Sampling of the pass@k samples; ``sampled.n`` samples per prompt.
        generator: RNG of the sampled completions.
        pass_k: k's of ``val/pass@k`` (see :func:`check_pass_k`); ``n`` is always included.

    Returns:
        ``{"val/accuracy": greedy, "val/accuracy_sampled": mean over samples, "val/pass@k": unbiased
        estimate for each k}``, each a 0-dim tensor averaged over the batch. ``val/pass@n`` is "any of the n
        samples correct" and ``val/pass@1`` equals ``val/accuracy_sampled``.
    """
    ks = check_pass_k(pass_k, sampled.n)
    prompts, columns = [r["prompt"] for r in rows], columns_of(rows)
    g = sampler.generate(prompts, sampled.with_(temperature=0.0, n=1), columns=columns)
    s = sampler.generate(prompts, sampled, columns=columns, generator=generator)
    both = {k: g.columns[k] + s.columns[k] for k in g.columns}
    ok = verify(verifier, g.prompts + s.prompts, g.completions + s.completions, both)
    greedy_ok, sample_ok = ok[: len(rows)], ok[len(rows):].view(len(rows), sampled.n)
    metric = PassAtK(k=ks)
    metric.update(torch.full((len(rows),), sampled.n), sample_ok.sum(1).long())
    pass_at = {f"val/{name}": v.float() for name, v in metric.compute().items()}
    return {"val/accuracy": greedy_ok.mean(), "val/accuracy_sampled": sample_ok.mean(), **pass_at}


def validate_batch(
    module: Any,
    batch: list[dict[str, Any]],
    batch_idx: int,
    sampled: SamplingParams,
    pass_k: Sequence[int] | None = None,
) -> None:
    """The ``validation_step`` of every lit-reason module: logs :func:`accuracy_metrics` under ``val/``.

    The sampling RNG is seeded from the module's ``hparams.seed`` and the batch index, so validation numbers
    are comparable across evaluations and never disturb the training RNG. Batches are weighted by their
    size, so the epoch's ``val/pass@k`` is the mean over all prompts.

    Args:
        module: The LightningModule (``sampler``, ``verifier``, ``hparams.seed``).
        batch: Prompt rows.
        batch_idx: Index of the batch (seeds its sampling).
        sampled: Sampling of the sampled metrics.
        pass_k: k's of ``val/pass@k``; None reads the module's ``val_pass_k`` hyperparameter, default ``[1]``.
    """
    if module.verifier is None:
        return
    if pass_k is None:
        pass_k = module.hparams.get("val_pass_k")
    gen = torch.Generator().manual_seed(module.hparams.seed + 1_000_003 * (batch_idx + 1))
    metrics = accuracy_metrics(module.sampler, batch, module.verifier, sampled, gen, pass_k)
    module.log_dict(metrics, batch_size=len(batch), sync_dist=True)
    module.log("val_acc", metrics["val/accuracy"], prog_bar=True, logger=False, batch_size=len(batch),
               sync_dist=True)

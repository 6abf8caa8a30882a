"""Validation shared by every method: accuracy of greedy and sampled completions under a verifier."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

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


@torch.no_grad()
def accuracy_metrics(
    sampler: HFSampler,
    rows: list[dict[str, Any]],
    verifier: RewardFn,
    sampled: SamplingParams,
    generator: torch.Generator,
) -> dict[str, Tensor]:
    """Greedy accuracy, mean accuracy over ``sampled.n`` samples, and pass@n on a batch of prompt rows.

    Returns:
        ``{"val/accuracy": greedy, "val/accuracy_sampled": mean over samples, "val/pass@n": any correct}``
        where n is ``sampled.n``, each a 0-dim tensor averaged over the batch.
    """
    prompts, columns = [r["prompt"] for r in rows], columns_of(rows)
    greedy = sampled.with_(temperature=0.0, n=1)
    g = sampler.generate(prompts, greedy, columns=columns)
    greedy_ok = verify(verifier, g.prompts, g.completions, g.columns)
    s = sampler.generate(prompts, sampled, columns=columns, generator=generator)
    ok = verify(verifier, s.prompts, s.completions, s.columns).view(len(rows), sampled.n)
    return {
        "val/accuracy": greedy_ok.mean(),
        "val/accuracy_sampled": ok.mean(),
        f"val/pass@{sampled.n}": ok.amax(1).mean(),
    }


def validate_batch(module: Any, batch: list[dict[str, Any]], batch_idx: int, sampled: SamplingParams) -> None:
    """The ``validation_step`` of every lit-reason module: logs :func:`accuracy_metrics` under ``val/``.

    The sampling RNG is seeded from the module's ``hparams.seed`` and the batch index, so validation numbers
    are comparable across evaluations and never disturb the training RNG.
    """
    if module.verifier is None:
        return
    gen = torch.Generator().manual_seed(module.hparams.seed + 1_000_003 * (batch_idx + 1))
    metrics = accuracy_metrics(module.sampler, batch, module.verifier, sampled, gen)
    module.log_dict(metrics, batch_size=len(batch))
    module.log("val_acc", metrics["val/accuracy"], prog_bar=True, logger=False, batch_size=len(batch))

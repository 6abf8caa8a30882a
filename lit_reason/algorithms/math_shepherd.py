"""Math-Shepherd automatic step labels (Wang et al. 2024, arXiv:2312.08935 sec 3.3; report sec 6.14.2 eq 67).

For a solution with steps ``s_1..s_T`` of a problem with a known answer, ``k`` completions are sampled
from each step prefix ``x, s_1..s_t`` and checked by the rule verifier:

- hard estimate (eq 67): ``l_t = 1[exists a completion from step t that reaches the right answer]``;
- soft estimate: ``l_t = (number of correct completions) / k``.

The last step is the whole solution, so its label is the solution's own correctness (no sampling). The rows
written are those of :class:`~lit_reason.datamodules.StepLabelDataModule` (``format: steps``), plus
``correct`` (the outcome) and the row's columns, ready for ``RewardModelModule(objective="step_bce")``.

Labelling is batched (``batch_size`` solutions' prefixes per generation call), shows a progress bar and is
resumable: rows are appended to ``out_path`` as each batch finishes, and a rerun skips the solutions whose
``index`` is already there. A verifier's None (cannot score) counts as not correct and is counted in the
returned statistics.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import torch
from tqdm import tqdm

from lit_reason.rewards.combine import RewardFn
from lit_reason.rewards.steps import resolve_splitter
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


@dataclass
class ShepherdSettings:
    """Math-Shepherd labelling.

    Args:
        k: Completions sampled from each step prefix (Math-Shepherd's N).
        soft: Soft estimate (fraction correct) instead of the hard one of eq 67.
        split: Step segmentation: ``newline``, ``step_k`` or ``sentence``.
        temperature: Sampling temperature of the completions.
        max_new_tokens: Token bound of a completion.
        batch_size: Solutions whose prefixes share one generation call.
    """

    k: int = 8
    soft: bool = False
    split: str = "newline"
    temperature: float = 1.0
    max_new_tokens: int = 64
    batch_size: int = 32

    def __post_init__(self) -> None:
        if min(self.k, self.max_new_tokens, self.batch_size) < 1 or self.temperature <= 0:
            raise ValueError(f"ShepherdSettings: k, max_new_tokens and batch_size must be >= 1 and temperature > 0, "
                             f"got {self.k}, {self.max_new_tokens}, {self.batch_size}, {self.temperature}")
        resolve_splitter(self.split)


@dataclass
class ShepherdStats:
    """What one labelling run did: solutions labelled now, solutions found already labelled, solutions
    skipped because they have no step (an empty completion), completions sampled, and verifier results
    that were None."""

    labelled: int = 0
    skipped: int = 0
    resumed: int = 0
    completions: int = 0
    none: int = 0


def _done_indices(path: str | None) -> set[int]:
    if not path or not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as f:
        return {json.loads(line)["index"] for line in f if line.strip()}


def _correct(scores: list[float | None]) -> tuple[list[bool], int]:
    return [s is not None and s >= 1.0 for s in scores], sum(s is None for s in scores)


@torch.no_grad()
def label_steps(
    sampler: HFSampler,
    rows: list[dict[str, Any]],
    verifier: RewardFn,
    settings: ShepherdSettings | None = None,
    *,
    out_path: str | None = None,
    generator: torch.Generator | None = None,
    progress_bar: bool = True,
) -> tuple[list[dict[str, Any]], ShepherdStats]:
    """Labels every step of every solution by eq 67 (hard) or its soft estimate.

    Args:
        sampler: The completer (the policy whose solutions are labelled, as in Math-Shepherd).
        rows: ``{"prompt", "completion", ...columns}``; the columns (``answer``) go to the verifier.
        verifier: Rule verifier with the TRL signature; ``>= 1`` is correct.
        settings: k, hard or soft, step split, batching.
        out_path: JSONL file the labelled rows are appended to; rows already in it are skipped (resume).
        generator: Sampling RNG.
        progress_bar: Show a tqdm bar over solutions.

    Returns:
        ``(rows labelled in this call, stats)``; each row ``{"index", "prompt", "steps", "labels",
        "correct", ...columns}``, with ``index`` the position in ``rows``.
    """
    s = settings or ShepherdSettings()
    split, stats, done = resolve_splitter(s.split), ShepherdStats(), _done_indices(out_path)
    todo = [i for i in range(len(rows)) if i not in done]
    stats.resumed = len(rows) - len(todo)
    params = SamplingParams(temperature=s.temperature, max_new_tokens=s.max_new_tokens, n=s.k)
    out: list[dict[str, Any]] = []
    bar = tqdm(total=len(rows), initial=stats.resumed, desc="math-shepherd", disable=not progress_bar)
    for start in range(0, len(todo), s.batch_size):
        chunk = [(i, rows[i]) for i in todo[start : start + s.batch_size]]
        labelled = _label_chunk(sampler, chunk, split, verifier, params, s.soft, generator, stats)
        if out_path:
            os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
            with open(out_path, "a", encoding="utf-8") as f:
                f.writelines(json.dumps(r) + "\n" for r in labelled)
        out += labelled
        bar.update(len(chunk))
    bar.close()
    return out, stats


def _label_chunk(sampler: HFSampler, chunk: list[tuple[int, dict[str, Any]]], split: Any, verifier: RewardFn,
                 params: SamplingParams, soft: bool, generator: torch.Generator | None,
                 stats: ShepherdStats) -> list[dict[str, Any]]:
    texts = [sampler.policy.format_prompt(r["prompt"]) for _, r in chunk]
    cols = [{k: v for k, v in r.items() if k not in ("prompt", "completion")} for _, r in chunk]
    steps = [split(r["completion"]) for _, r in chunk]
    # every prefix but the last (the whole solution is verified directly)
    owner = [j for j, st in enumerate(steps) for _ in range(len(st) - 1)]
    prefixes = ["".join(st[: t + 1]) for st in steps for t in range(len(st) - 1)]
    keys = sorted({k for c in cols for k in c})
    outcome, none = _correct(verifier(texts, [r["completion"] for _, r in chunk],
                                      **{k: [c.get(k) for c in cols] for k in keys}))
    stats.none += none
    hits = []
    if prefixes:
        roll = sampler.generate([texts[j] + p for j, p in zip(owner, prefixes)], params, generator=generator)
        full = [p + c for p, c in zip([p for p in prefixes for _ in range(params.n)], roll.completions)]
        who = [j for j in owner for _ in range(params.n)]
        ok, none = _correct(verifier([texts[j] for j in who], full, **{k: [cols[j].get(k) for j in who] for k in keys}))
        stats.none, stats.completions = stats.none + none, stats.completions + len(full)
        hits = [sum(ok[i * params.n : (i + 1) * params.n]) for i in range(len(prefixes))]
    labels: list[list[float]] = [[] for _ in chunk]
    for j, h in zip(owner, hits):
        labels[j].append(h / params.n if soft else float(h > 0))
    rows = []
    for j, (index, row) in enumerate(chunk):
        if not steps[j]:
            stats.skipped += 1
            continue
        labels[j].append(float(outcome[j]))
        rows.append({"index": index, "prompt": row["prompt"], "steps": steps[j], "labels": labels[j],
                     "correct": outcome[j], **cols[j]})
    stats.labelled += len(rows)
    return rows

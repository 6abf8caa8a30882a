"""``lit-reason evaluate``: a policy on a data file or the synthetic task, with a JSON report.

    lit-reason evaluate --policy runs/grpo/model --data test.jsonl --n 8 --pass_k [1,4,8] --out report.json
    lit-reason evaluate --policy runs/sft --synthetic.levels [[1,1,1]] --synthetic.completion_template "{answer}" \\
        --scorer runs/prm/model --search mcts --mcts.simulations 16

Metrics (each a mean over prompts, under the verifier: correct means a score >= 1):

- ``accuracy_greedy``: one greedy completion per prompt;
- ``pass@k``: the unbiased estimator (Chen et al. 2021, arXiv:2107.03374 eq 1; report sec 8.1.2) over ``n``
  samples per prompt, for each ``k`` in ``pass_k`` (``n`` always included);
- ``maj@n``: self-consistency (report eq 47) over the same samples;
- ``bon@n``: best-of-n (report eq 110) of the same samples ranked by ``scorer`` (an ORM / PRM directory, a
  reward preset or a dotted path); with a PRM this is PRM-guided best-of-n;
- ``search_<name>``: the completion of ``beam`` (eq 58/113/114), ``mcts`` (alg 9) or ``refine`` with the
  ``scorer`` as value.

``reward_none_frac`` is the fraction of verified completions the verifier could not score (counted as wrong).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from tqdm import tqdm

from lit_reason.datamodules.files import read_rows, validate_rows
from lit_reason.metrics.pass_at_k import pass_at_k
from lit_reason.rewards.combine import RewardFn
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.search import (
    BeamSettings,
    Choice,
    MCTSSettings,
    RefineSettings,
    majority_vote,
    mcts,
    refine,
    verifier_beam,
)

SEARCHES: dict[str, Callable[..., list[Choice]]] = {
    "beam": lambda s, p, f, cfg, **kw: verifier_beam(s, p, f, cfg.beam, **kw),
    "mcts": lambda s, p, f, cfg, **kw: mcts(s, p, f, cfg.mcts, **kw),
    "refine": lambda s, p, f, cfg, **kw: refine(s, p, f, cfg.refine, **kw),
}


@dataclass
class EvalSettings:
    """What ``evaluate_rows`` measures.

    Args:
        n: Samples per prompt for pass@k, maj@n and bon@n (0 skips the sampled metrics).
        pass_k: k's of pass@k (``n`` is always added).
        temperature: Sampling temperature of the ``n`` samples.
        max_new_tokens: Token bound of every completion.
        batch_size: Prompts per generation call (the progress bar advances per batch).
        search: ``beam``, ``mcts``, ``refine`` or None; needs a scorer.
        beam: Settings of ``beam``.
        mcts: Settings of ``mcts``.
        refine: Settings of ``refine``.
        seed: Sampling seed.
    """

    n: int = 8
    pass_k: list[int] = field(default_factory=lambda: [1])
    temperature: float = 1.0
    max_new_tokens: int = 64
    batch_size: int = 32
    search: str | None = None
    beam: BeamSettings = field(default_factory=BeamSettings)
    mcts: MCTSSettings = field(default_factory=MCTSSettings)
    refine: RefineSettings = field(default_factory=RefineSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        errors = []
        if self.n < 0 or self.max_new_tokens < 1 or self.batch_size < 1:
            errors.append(f"n must be >= 0 and max_new_tokens, batch_size >= 1, got {self.n}, "
                          f"{self.max_new_tokens}, {self.batch_size}")
        if self.n and any(not 1 <= k <= self.n for k in self.pass_k):
            errors.append(f"pass_k must lie in [1, n = {self.n}], got {self.pass_k}")
        if self.search is not None and self.search not in SEARCHES:
            errors.append(f"search must be one of {sorted(SEARCHES)} or None, got {self.search!r}")
        if errors:
            raise ValueError("evaluate: " + "; ".join(errors))


class _Tally:
    """Sums of per-prompt correctness by metric, and the verifier's None count."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.prompts, self.verified, self.none = 0, 0, 0

    def add(self, name: str, values: torch.Tensor) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + float(values.sum())

    def result(self) -> dict[str, float]:
        out = {k: v / max(self.prompts, 1) for k, v in self.sums.items()}
        out["reward_none_frac"] = self.none / max(self.verified, 1)
        return out


def _verify(verifier: RewardFn, tally: _Tally, prompts: list[str], completions: list[str],
            columns: dict[str, list[Any]]) -> torch.Tensor:
    scores = verifier(prompts, completions, **columns)
    tally.verified += len(scores)
    tally.none += sum(s is None for s in scores)
    return torch.tensor([1.0 if s is not None and s >= 1.0 else 0.0 for s in scores])


def check_search(settings: EvalSettings, scorer: RewardFn | None) -> None:
    """A ``search`` needs a ``scorer`` (its value function)."""
    if settings.search and scorer is None:
        raise ValueError(f"evaluate: search={settings.search!r} needs a scorer (an ORM/PRM directory or a reward)")


@torch.no_grad()
def evaluate_rows(
    sampler: HFSampler,
    rows: list[dict[str, Any]],
    verifier: RewardFn,
    settings: EvalSettings,
    *,
    scorer: RewardFn | None = None,
    progress_bar: bool = True,
) -> dict[str, float]:
    """The metrics of the module docstring on ``rows`` (``{"prompt", ...verifier columns}``).

    Raises:
        ValueError: ``search`` without a ``scorer``.
    """
    check_search(settings, scorer)
    gen, tally = torch.Generator().manual_seed(settings.seed), _Tally()
    ks = sorted({*settings.pass_k, settings.n}) if settings.n else []
    greedy = SamplingParams(temperature=0.0, n=1, max_new_tokens=settings.max_new_tokens)
    sampled = SamplingParams(temperature=settings.temperature, n=max(settings.n, 1),
                             max_new_tokens=settings.max_new_tokens)
    bar = tqdm(total=len(rows), desc="evaluate", disable=not progress_bar)
    for start in range(0, len(rows), settings.batch_size):
        chunk = rows[start : start + settings.batch_size]
        prompts = [r["prompt"] for r in chunk]
        cols = {k: [r.get(k) for r in chunk] for k in chunk[0] if k != "prompt"}
        tally.prompts += len(chunk)
        g = sampler.generate(prompts, greedy, columns=cols)
        tally.add("accuracy_greedy", _verify(verifier, tally, g.prompts, g.completions, g.columns))
        if settings.n:
            _sampled_metrics(sampler, chunk, prompts, cols, verifier, scorer, sampled, ks, gen, tally)
        if settings.search:
            choices = SEARCHES[settings.search](sampler, prompts, scorer, settings, columns=cols, generator=gen)
            texts = [sampler.policy.format_prompt(p) for p in prompts]
            ok = _verify(verifier, tally, texts, [c.completion for c in choices], cols)
            tally.add(f"search_{settings.search}", ok)
        bar.update(len(chunk))
    bar.close()
    return tally.result()


def _sampled_metrics(sampler: HFSampler, chunk: list[dict[str, Any]], prompts: list[Any],
                     cols: dict[str, list[Any]], verifier: RewardFn, scorer: RewardFn | None,
                     params: SamplingParams, ks: list[int], gen: torch.Generator, tally: _Tally) -> None:
    n = params.n
    s = sampler.generate(prompts, params, columns=cols, generator=gen)
    ok = _verify(verifier, tally, s.prompts, s.completions, s.columns).view(len(chunk), n)
    for k in ks:
        tally.add(f"pass@{k}", pass_at_k(torch.full((len(chunk),), n), ok.sum(1).long(), k))
    answers = [a.strip() if (a := extract_answer(t)) is not None else None for t in s.completions]
    maj = torch.zeros(len(chunk))
    for i in range(len(chunk)):
        answer, _ = majority_vote(answers[i * n : (i + 1) * n])
        # the vote is right when a sample that gave the majority answer is right
        maj[i] = next((float(ok[i, j]) for j in range(n) if answer is not None and answers[i * n + j] == answer), 0.0)
    tally.add(f"maj@{n}", maj)
    if scorer is not None:
        scores = [-float("inf") if v is None else float(v) for v in scorer(s.prompts, s.completions, **s.columns)]
        best = [max(range(n), key=lambda j: (scores[i * n + j], -j)) for i in range(len(chunk))]
        tally.add(f"bon@{n}", ok[torch.arange(len(chunk)), torch.tensor(best)])


def load_rows(data: str | None, synthetic: Any, size: int, seed: int) -> list[dict[str, Any]]:
    """Rows of a data file (``prompt`` and ``answer`` required, errors name file, row and field), else
    ``size`` validation rows of a synthetic task."""
    if data is None and synthetic is None:
        raise ValueError("evaluate: give --data or --synthetic")
    if data is not None:
        return validate_rows(read_rows(data, split=None), data, ["prompt", "answer"])
    return synthetic.splits(0, size, seed=seed)[1]


def run(
    policy: str = "tiny",
    data: str | None = None,
    synthetic: Any = None,
    size: int = 64,
    limit: int | None = None,
    verifier: str = "math_accuracy",
    scorer: str | None = None,
    settings: EvalSettings | None = None,
    out: str | None = None,
    progress_bar: bool = True,
) -> dict[str, Any]:
    """Evaluates ``policy`` and writes the JSON report to ``out`` (and returns it).

    Args:
        policy: ``tiny``, a model directory (e.g. a checkpoint exported with ``save_pretrained``) or hub id.
        data: JSONL / JSON / Parquet / ``datasets`` source with ``prompt`` and ``answer``.
        synthetic: A synthetic task (``ArithmeticTask``), used when ``data`` is not given; its validation
            split is used.
        size: Rows drawn from ``synthetic``.
        limit: Evaluate only the first ``limit`` rows.
        verifier: The reward defining correctness (preset, dotted path).
        scorer: Ranks best-of-n samples and guides ``search``: an ORM / PRM directory, a preset or a path.
        settings: Samples, k's, search and its settings.
        out: Where the JSON report is written.
        progress_bar: Show a tqdm bar.
    """
    from lit_reason.commands.errors import option_errors
    from lit_reason.policy import Policy
    from lit_reason.rewards.registry import get_reward

    settings = settings or EvalSettings()
    # every input is checked, each error naming its option, before the model loads
    with option_errors("data"):
        rows = load_rows(data, synthetic, size, settings.seed)[:limit]
    with option_errors("verifier"):
        verify = get_reward(verifier)
    with option_errors("scorer"):
        score = get_reward(scorer) if scorer else None
    with option_errors("settings.search"):
        check_search(settings, score)
    with option_errors("policy", policy):
        sampler = HFSampler(Policy(policy))
    t0 = time.perf_counter()
    metrics = evaluate_rows(sampler, rows, verify, settings, scorer=score, progress_bar=progress_bar)
    report = {"policy": policy, "data": data or "synthetic", "prompts": len(rows), "verifier": verifier,
              "scorer": scorer, "n": settings.n, "search": settings.search, "metrics": metrics,
              "seconds": round(time.perf_counter() - t0, 2)}
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
    return report


def main(argv: list[str] | None = None) -> None:
    """``lit-reason evaluate ...``: the arguments of :func:`run`, typed from its signature."""
    from jsonargparse import ActionConfigFile, ArgumentError, ArgumentParser

    from lit_reason.commands.errors import from_instantiation_error, from_parse_error, show_tracebacks
    from lit_reason.commands.preflight import check_config_files
    from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask

    parser = ArgumentParser(prog="lit-reason evaluate", description=__doc__.split("\n\n")[0], exit_on_error=False)
    parser.add_argument("--config", action=ActionConfigFile)
    parser.add_function_arguments(run, skip={"synthetic", "settings"})
    parser.add_class_arguments(ArithmeticTask, "synthetic", default=None)
    parser.add_class_arguments(EvalSettings, "settings")
    check_config_files(argv or [])
    try:  # one-line errors naming the option, as `lit-reason fit` gives them
        parsed = parser.parse_args(argv)
    except ArgumentError as e:
        if show_tracebacks():
            raise
        raise from_parse_error(str(e)) from None
    try:
        cfg = parser.instantiate_classes(parsed)
    except ValueError as e:
        if show_tracebacks():
            raise
        raise from_instantiation_error(e, parsed) from e
    cfg.pop("config", None)
    run(**{k: v for k, v in cfg.items() if k != "__path__"})

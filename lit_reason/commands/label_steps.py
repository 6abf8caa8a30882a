"""``lit-reason label-steps``: Math-Shepherd automatic step labels (report sec 6.14.2 eq 67) for a data file.

    lit-reason label-steps --policy runs/quickstart/sft --data solutions.jsonl --out labels.jsonl
    lit-reason label-steps --policy runs/quickstart/sft --data problems.jsonl --samples 8 --out labels.jsonl \\
        --settings.k 4 --settings.soft true

Rows need ``prompt`` and the verifier's columns (``answer``), and a ``completion`` (the solution to label)
unless ``--samples N`` asks the policy for N solutions of each row; those are written once to
``<out>.solutions.jsonl`` and read back on a rerun, so a resumed run labels the same solutions. Labelling
appends each finished batch to ``--out`` and a rerun skips the solutions already there
(:func:`~lit_reason.algorithms.math_shepherd.label_steps`); the output rows are ``StepLabelDataModule``'s
``format: steps`` rows, ready for ``RewardModelModule(objective: step_bce)``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import torch

from lit_reason.algorithms.math_shepherd import ShepherdSettings, label_steps
from lit_reason.commands.errors import CLIError
from lit_reason.paths import missing_local
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


def _read(data: str, required: list[str], limit: int | None) -> list[dict[str, Any]]:
    from lit_reason.datamodules.files import read_rows, validate_rows

    if not os.path.exists(data):
        raise CLIError("--data", f"no such file: {data}")
    try:
        return validate_rows(read_rows(data, split=None), data, required)[:limit]
    except ValueError as e:  # DatasetFormatError names the file, row and field
        raise CLIError("--data", str(e)) from None


def _solutions(sampler: HFSampler, rows: list[dict[str, Any]], samples: int, settings: ShepherdSettings,
               path: str, generator: torch.Generator) -> list[dict[str, Any]]:
    """``samples`` solutions per row, sampled once and kept in ``path`` (a rerun reads them back)."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    params = SamplingParams(temperature=settings.temperature, n=samples, max_new_tokens=settings.max_new_tokens)
    out = []
    for start in range(0, len(rows), settings.batch_size):
        chunk = rows[start : start + settings.batch_size]
        roll = sampler.generate([r["prompt"] for r in chunk], params, generator=generator)
        out += [{**chunk[i // samples], "completion": c} for i, c in enumerate(roll.completions)]
    tmp = path + ".part"  # written whole, then renamed: a killed run leaves no half file to resume from
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in out)
    os.replace(tmp, path)
    return out


def run(
    policy: str,
    data: str,
    out: str,
    verifier: str = "math_accuracy",
    samples: int = 0,
    limit: int | None = None,
    seed: int = 0,
    settings: ShepherdSettings | None = None,
    progress_bar: bool = True,
) -> dict[str, int]:
    """Labels every step of every solution in ``data`` and appends the rows to ``out``.

    Args:
        policy: The completer (Math-Shepherd completes from each step prefix with the policy whose solutions
            are labelled): ``tiny``, a model directory or hub id.
        data: JSONL / JSON / Parquet file with ``prompt``, the verifier's columns and ``completion``.
        out: JSONL file the labelled rows are appended to (resumed when it exists).
        verifier: Rule verifier defining a correct completion (preset or dotted path).
        samples: Solutions sampled per row by the policy (0: label the rows' own ``completion``).
        limit: Only the first ``limit`` rows.
        seed: Sampling seed.
        settings: k, hard or soft estimate, step split, sampling and batching.
        progress_bar: Show a tqdm bar.

    Returns:
        The run's statistics (labelled, skipped, resumed, completions, none).
    """
    from lit_reason.policy import Policy
    from lit_reason.rewards.registry import get_reward

    if samples < 0:
        raise CLIError("--samples", f"must be >= 0, got {samples}")
    if missing_local(policy):
        raise CLIError("--policy", f"{policy!r} does not exist (a model directory, a .gguf file, a hub id or 'tiny')")
    settings = settings or ShepherdSettings()
    rows = _read(data, ["prompt"] if samples else ["prompt", "completion"], limit)
    try:
        reward = get_reward(verifier)
    except (ValueError, ImportError, AttributeError) as e:
        raise CLIError("--verifier", str(e)) from None
    sampler, gen = HFSampler(Policy(policy)), torch.Generator().manual_seed(seed)
    if samples:
        rows = _solutions(sampler, rows, samples, settings, out + ".solutions.jsonl", gen)
    _, stats = label_steps(sampler, rows, reward, settings, out_path=out, generator=gen, progress_bar=progress_bar)
    report = dict(vars(stats))
    print(json.dumps({"out": out, **report}))
    return report


def main(argv: list[str] | None = None) -> None:
    """``lit-reason label-steps ...``: the arguments of :func:`run`, typed from its signature."""
    from jsonargparse import ActionConfigFile, ArgumentParser

    parser = ArgumentParser(prog="lit-reason label-steps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", action=ActionConfigFile)
    parser.add_function_arguments(run, skip={"settings"})
    parser.add_class_arguments(ShepherdSettings, "settings")
    try:
        cfg = parser.instantiate_classes(parser.parse_args(argv))
    except ValueError as e:  # ShepherdSettings.__post_init__ names the option
        raise CLIError("--settings", str(e).splitlines()[0]) from None
    cfg.pop("config", None)
    run(**{k: v for k, v in cfg.items() if k != "__path__"})

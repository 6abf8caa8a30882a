"""Benchmark: lit-reason's ``math_accuracy`` against math-verify on labelled answer pairs.

Each row of ``benchmarks/data/math_pairs.jsonl`` is a completion, a gold answer, a label (is the
completion's final answer mathematically the gold answer, under the grading rules of issue 10:
hedges and several different boxed answers are wrong), a ``kind`` and the ``source`` of that
kind of case. Both verifiers score every row in the same run; the script prints agreement with
the labels, wrongly accepted and wrongly rejected pairs, and throughput (pairs/s, one core).

math-verify is a benchmark-only extra: ``pip install math-verify==0.9.0``. It is scored twice:
with its library defaults (``parse(completion)``), and with the extraction config of the
open-r1 / TRL ``accuracy_reward`` (boxed answers first, no anchor-free extraction). The gold is
given as ``$gold$`` to both.

Usage:
    PYTHONPATH=. python benchmarks/math_verifier.py [--data PATH] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter, defaultdict
from pathlib import Path

from lit_reason.rewards.math import MathAccuracy
from lit_reason.rewards.math.parse import parse_math

try:
    import math_verify
    from math_verify import LatexExtractionConfig, LatexNormalizationConfig, parse, verify
except ImportError:  # benchmark-only extra
    math_verify = None

DATA = Path(__file__).parent / "data" / "math_pairs.jsonl"
TYPICAL_KINDS = ("integer", "fraction_decimal")


def load_pairs(path: Path) -> list[dict]:
    """Read the labelled pairs.

    Args:
        path: JSONL file with ``completion``, ``gold``, ``label``, ``kind``, ``source`` per row.

    Returns:
        The rows.
    """
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for i, row in enumerate(rows):
        missing = {"completion", "gold", "label", "kind", "source"} - row.keys()
        if missing:
            raise ValueError(f"{path}: row {i} lacks {sorted(missing)}")
    return rows


def lit_reason_verdicts(rows: list[dict]) -> tuple[list[bool], float]:
    """Score with lit-reason (None, i.e. no answer extracted, counts as rejected).

    Returns:
        One accept/reject per row and the seconds taken (parse cache cleared first).
    """
    reward = MathAccuracy()
    parse_math.cache_clear()
    start = time.perf_counter()
    scores = reward([""] * len(rows), [r["completion"] for r in rows], answer=[r["gold"] for r in rows])
    return [s == 1.0 for s in scores], time.perf_counter() - start


def _open_r1_config() -> list:
    normalization = LatexNormalizationConfig(
        nits=False, malformed_operators=False, basic_latex=True, equations=True, boxed="all", units=True
    )
    return [LatexExtractionConfig(normalization_config=normalization, boxed_match_priority=0,
                                  try_extract_without_anchor=False)]


def math_verify_verdicts(rows: list[dict], open_r1: bool) -> tuple[list[bool], float, int]:
    """Score with math-verify.

    Args:
        rows: The labelled pairs.
        open_r1: Use the open-r1 accuracy_reward extraction config instead of the defaults.

    Returns:
        Verdicts, seconds, and how many gold answers math-verify could not parse.
    """
    config = _open_r1_config() if open_r1 else None
    verdicts, gold_failures = [], 0
    start = time.perf_counter()
    for row in rows:
        gold = parse(f"${row['gold']}$")
        if not gold:
            gold_failures += 1
        if config is None:
            pred = parse(row["completion"])
        else:
            pred = parse(row["completion"], extraction_config=config, extraction_mode="first_match")
        verdicts.append(bool(gold) and bool(pred) and bool(verify(gold, pred)))
    return verdicts, time.perf_counter() - start, gold_failures


def summarize(name: str, verdicts: list[bool], rows: list[dict], seconds: float) -> dict:
    """Agreement, wrong accepts/rejects and throughput of one verifier; prints one line."""
    labels = [bool(r["label"]) for r in rows]
    agree = sum(v == lab for v, lab in zip(verdicts, labels))
    accepted = sum(v and not lab for v, lab in zip(verdicts, labels))
    rejected = sum(lab and not v for v, lab in zip(verdicts, labels))
    stats = {"name": name, "agreement": agree / len(rows), "agree": agree, "wrongly_accepted": accepted,
             "wrongly_rejected": rejected, "pairs_per_s": len(rows) / seconds if seconds else float("inf")}
    print(f"{name:38s} agreement={stats['agreement']:.3f} ({agree}/{len(rows)})  "
          f"wrongly_accepted={accepted:3d}  wrongly_rejected={rejected:3d}"
          + (f"  pairs/s={stats['pairs_per_s']:.0f}" if seconds != float("inf") else ""))
    return stats


def per_kind(results: dict[str, list[bool]], rows: list[dict]) -> None:
    """Print agreement per kind of case for each verifier."""
    totals = Counter(r["kind"] for r in rows)
    names = list(results)
    print(f"\n{'kind':30s} {'n':>4s} " + " ".join(f"{n[:22]:>22s}" for n in names))
    for kind in totals:
        idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
        cells = []
        for name in names:
            ok = sum(results[name][i] == bool(rows[i]["label"]) for i in idx)
            cells.append(f"{ok:>17d}/{len(idx):<4d}")
        print(f"{kind:30s} {len(idx):4d} " + " ".join(cells))


def typical_throughput(rows: list[dict], passes: int = 5) -> float:
    """lit-reason pairs/s on typical short answers (integers, decimals, fractions), cold cache."""
    typical = [r for r in rows if r["kind"] in TYPICAL_KINDS]
    seconds = 0.0
    for _ in range(passes):
        seconds += lit_reason_verdicts(typical)[1]
    rate = passes * len(typical) / seconds
    print(f"lit-reason throughput on typical short answers ({len(typical)} pairs x {passes} passes): "
          f"{rate:.0f} pairs/s")
    return rate


def show_errors(results: dict[str, list[bool]], rows: list[dict]) -> None:
    errors = defaultdict(list)
    for name, verdicts in results.items():
        for v, row in zip(verdicts, rows):
            if v != bool(row["label"]):
                errors[name].append(row)
    for name, bad in errors.items():
        print(f"\n--- {name}: {len(bad)} disagreements")
        for row in bad:
            print(f"  [{row['id']}] {row['kind']} label={row['label']} gold={row['gold']!r} "
                  f"completion={row['completion'][-90:]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-errors", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # math-verify logs every unparseable string
    rows = load_pairs(args.data)
    print(f"pairs: {len(rows)} ({sum(r['label'] for r in rows)} equal, "
          f"{sum(not r['label'] for r in rows)} not) from {args.data}")
    results, stats = {}, {}
    verdicts, seconds = lit_reason_verdicts(rows)
    results["lit-reason"] = verdicts
    stats["lit-reason"] = summarize("lit-reason", verdicts, rows, seconds)
    if math_verify is None:
        print("math-verify is not installed: `pip install math-verify==0.9.0` to compare against it.")
    else:
        for name, open_r1 in (("math-verify 0.9.0 (defaults)", False), ("math-verify 0.9.0 (open-r1 config)", True)):
            verdicts, seconds, gold_failures = math_verify_verdicts(rows, open_r1)
            results[name] = verdicts
            stats[name] = summarize(name, verdicts, rows, seconds)
        print(f"(math-verify could not parse {gold_failures} gold answers; those pairs count as rejected)")
    subsets = {
        "rows without <answer> tags (math-verify has no special handling of the tags)":
            [i for i, r in enumerate(rows) if "<answer>" not in r["completion"]],
        "holdout rows (written after the verifier was frozen; see the README)":
            [i for i, r in enumerate(rows) if r.get("split") == "holdout"],
    }
    for title, idx in subsets.items():
        print(f"\n{title}: {len(idx)}")
        for name, verdicts in results.items():
            summarize(name, [verdicts[i] for i in idx], [rows[i] for i in idx], float("inf"))
    per_kind(results, rows)
    print()
    typical_throughput(rows)
    if args.show_errors:
        show_errors(results, rows)
    ours = stats["lit-reason"]
    for name, other in stats.items():
        if name != "lit-reason":
            better = ours["agreement"] > other["agreement"] and ours["wrongly_accepted"] < other["wrongly_accepted"]
            print(f"acceptance vs {name}: {'PASS' if better else 'FAIL'} (agreement {ours['agreement']:.3f} vs "
                  f"{other['agreement']:.3f}, wrongly accepted {ours['wrongly_accepted']} vs {other['wrongly_accepted']})")


if __name__ == "__main__":
    main()

"""Benchmark: lit-reason's ``math_accuracy`` against math-verify on labelled answer pairs.

Ten corpora, scored in the same run:

- ``data/math_pairs_wild.jsonl`` (issue 17, frozen before the grading code was changed): answers
  as models and datasets write them, each with a human label and a ``contested`` flag (pairs on
  which reasonable graders disagree; the targets are on the uncontested ones);
- ``data/math_pairs_probe2.jsonl`` (issue 17, second probe): written by another engineer after the
  wild corpus had been fitted to, frozen before the grading code was changed again;
- ``data/math_pairs_probe3.jsonl`` (issue 17, third probe): written after the probe2 fixes, frozen
  before the fixes that followed (gold forms, roundings, glued units, "Final Answer:" sentences);
- ``data/math_pairs_probe4.jsonl`` (issue 17, fourth probe): plain-text and unicode maths, frozen
  before the fixes that followed;
- ``data/math_pairs_probe5.jsonl`` (issue 17, fifth probe): vectors, named left sides, undefined /
  DNE, temperatures, box spellings, closed forms, frozen before the fixes that followed;
- ``data/math_pairs_probe6.jsonl`` (issue 17, sixth probe): closing sentences, golds with words, all
  real numbers, percent readings, frozen before the fixes that followed;
- ``data/math_pairs_probe7.jsonl`` (issue 17, seventh probe): whole multi-step solutions, frozen
  before the fix that followed;
- ``data/math_pairs_probe8.jsonl`` (issue 17, eighth probe): relations and intervals in several
  spans, matrix environments, units inside ``\\text``, frozen before the fix that followed;
- ``data/math_pairs_probe9.jsonl`` (issue 17, ninth probe): its own surface forms as well as new
  answers (siunitx, currencies, number words, digit grouping, closed forms, Chinese endings),
  frozen before the fixes that followed;
- ``data/math_pairs.jsonl`` (issue 10): pairs written alongside the verifier (none contested).

lit-reason is called exactly as a GRPO run calls it: ``math_accuracy(prompts, completions,
answer=golds)``; None (no answer extracted) counts as rejected. math-verify 0.9.0 (benchmark-only
extra, ``pip install math-verify==0.9.0``) is called three ways: plainly (``parse(completion)``,
``parse(gold)``), with both sides wrapped in ``$...$`` (its best mode on bare answers), and with
the open-r1 / TRL ``accuracy_reward`` extraction config (gold wrapped).

Usage:
    PYTHONPATH=. python benchmarks/math_verifier.py [--data PATH ...] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from pathlib import Path

from lit_reason.rewards import math_accuracy
from lit_reason.rewards.math.normalize import normalize_answer, parse_plain_number
from lit_reason.rewards.math.parse import parse_math

try:
    import math_verify
    from math_verify import LatexExtractionConfig, LatexNormalizationConfig, parse, verify
except ImportError:  # benchmark-only extra
    math_verify = None

DATA_DIR = Path(__file__).parent / "data"
WILD = DATA_DIR / "math_pairs_wild.jsonl"
PROBE2 = DATA_DIR / "math_pairs_probe2.jsonl"
PROBE3 = DATA_DIR / "math_pairs_probe3.jsonl"
PROBE4 = DATA_DIR / "math_pairs_probe4.jsonl"
PROBE5 = DATA_DIR / "math_pairs_probe5.jsonl"
PROBE6 = DATA_DIR / "math_pairs_probe6.jsonl"
PROBE7 = DATA_DIR / "math_pairs_probe7.jsonl"
PROBE8 = DATA_DIR / "math_pairs_probe8.jsonl"
PROBE9 = DATA_DIR / "math_pairs_probe9.jsonl"
DATA = DATA_DIR / "math_pairs.jsonl"
SHORT_CHARS = 40  # "short answers": completion and gold at most this long


def load_pairs(path: Path) -> list[dict]:
    """Read labelled pairs (``contested`` defaults to False).

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
        if not isinstance(row["label"], bool):
            raise ValueError(f"{path}: row {i} field 'label' must be true/false, got {row['label']!r}")
        row.setdefault("contested", False)
    return rows


def short_rows(rows: list[dict], numeric: bool = False) -> list[dict]:
    """Rows whose completion and gold are short; with ``numeric``, only those with a plain-number gold
    (integers, decimals, fractions: what GSM8K / MATH RL runs mostly score)."""
    out = [r for r in rows if len(r["completion"]) <= SHORT_CHARS and len(r["gold"]) <= SHORT_CHARS]
    if numeric:
        out = [r for r in out if parse_plain_number(normalize_answer(r["gold"]).text) is not None]
    return out


def lit_reason_verdicts(rows: list[dict]) -> tuple[list[bool], float]:
    """Score with lit-reason as GRPO calls it (parse and normalisation caches cleared first, so the time is cold).

    Returns:
        One accept/reject per row and the seconds taken.
    """
    # sympy loads its solvers on first use (~0.5 s, more under load, which the per-pair time
    # limit would charge to whichever pair comes first): load them before timing.
    math_accuracy([""], ["$|x| < 1$"], answer=["(-1, 1)"])
    parse_math.cache_clear()
    normalize_answer.cache_clear()
    start = time.perf_counter()
    scores = math_accuracy([""] * len(rows), [r["completion"] for r in rows], answer=[r["gold"] for r in rows])
    return [s == 1.0 for s in scores], time.perf_counter() - start


def _open_r1_config() -> list:
    normalization = LatexNormalizationConfig(
        nits=False, malformed_operators=False, basic_latex=True, equations=True, boxed="all", units=True
    )
    return [LatexExtractionConfig(normalization_config=normalization, boxed_match_priority=0,
                                  try_extract_without_anchor=False)]


MV_MODES = ("plain", "wrapped", "open-r1")


def math_verify_verdicts(rows: list[dict], mode: str) -> tuple[list[bool], float]:
    """Score with math-verify in one of :data:`MV_MODES`.

    Returns:
        Verdicts (an unparseable side counts as rejected) and the seconds taken.
    """
    config = _open_r1_config() if mode == "open-r1" else None
    verdicts = []
    start = time.perf_counter()
    for row in rows:
        completion, gold = row["completion"], row["gold"]
        if mode == "wrapped":
            completion, gold = f"${completion}$", f"${gold}$"
        elif mode == "open-r1":
            gold = f"${gold}$"
        g = parse(gold)
        p = parse(completion) if config is None else parse(completion, extraction_config=config,
                                                           extraction_mode="first_match")
        verdicts.append(bool(g) and bool(p) and bool(verify(g, p)))
    return verdicts, time.perf_counter() - start


def summarize(name: str, verdicts: list[bool], rows: list[dict], seconds: float | None = None) -> dict:
    """Agreement (all pairs and uncontested), wrong accepts/rejects on uncontested pairs; prints one line."""
    labels = [r["label"] for r in rows]
    clear = [i for i, r in enumerate(rows) if not r["contested"]]
    agree = sum(v == lab for v, lab in zip(verdicts, labels))
    agree_clear = sum(verdicts[i] == labels[i] for i in clear)
    accepted = sum(verdicts[i] and not labels[i] for i in clear)
    rejected = sum(labels[i] and not verdicts[i] for i in clear)
    stats = {"name": name, "agreement": agree / len(rows), "agree": agree,
             "uncontested_agreement": agree_clear / max(len(clear), 1), "uncontested_agree": agree_clear,
             "uncontested": len(clear), "wrongly_accepted": accepted, "wrongly_rejected": rejected}
    rate = f"  pairs/s={len(rows) / seconds:.0f}" if seconds else ""
    print(f"{name:30s} all={stats['agreement']:.3f} ({agree}/{len(rows)})  "
          f"uncontested={stats['uncontested_agreement']:.3f} ({agree_clear}/{len(clear)})  "
          f"wrongly_accepted={accepted:3d}  wrongly_rejected={rejected:3d}{rate}")
    return stats


def per_kind(results: dict[str, list[bool]], rows: list[dict]) -> None:
    """Print agreement on uncontested pairs per kind of case for each verifier."""
    names = list(results)
    print(f"\n{'kind (uncontested)':28s} {'n':>4s} " + " ".join(f"{n[:18]:>18s}" for n in names))
    for kind in Counter(r["kind"] for r in rows):
        idx = [i for i, r in enumerate(rows) if r["kind"] == kind and not r["contested"]]
        cells = [f"{sum(results[n][i] == rows[i]['label'] for i in idx):>18d}" for n in names]
        print(f"{kind:28s} {len(idx):4d} " + " ".join(cells))


def short_throughput(rows: list[dict], passes: int = 5) -> dict[str, float]:
    """lit-reason pairs/s on short answers (all kinds, and plain-number golds), cold parse cache each pass."""
    rates = {}
    for label, numeric in (("short answers", False), ("short answers, numeric gold", True)):
        short = short_rows(rows, numeric)
        if not short:
            continue
        seconds = sum(lit_reason_verdicts(short)[1] for _ in range(passes))
        rates[label] = passes * len(short) / seconds
        print(f"lit-reason on {label} ({len(short)} pairs x {passes} passes): {rates[label]:.0f} pairs/s")
    return rates


def show_errors(results: dict[str, list[bool]], rows: list[dict], names: list[str]) -> None:
    for name in names:
        bad = [r for v, r in zip(results[name], rows) if v != r["label"]]
        print(f"\n--- {name}: {len(bad)} disagreements")
        for row in bad:
            flag = " contested" if row["contested"] else ""
            print(f"  [{row['id']}] {row['kind']}{flag} label={row['label']} gold={row['gold']!r} "
                  f"completion={row['completion'][-100:]!r}")


def run_corpus(path: Path, errors: bool) -> dict[str, dict]:
    """Score one corpus with every verifier; returns the stats per verifier."""
    rows = load_pairs(path)
    print(f"\n=== {path.name}: {len(rows)} pairs ({sum(r['label'] for r in rows)} equal, "
          f"{sum(r['contested'] for r in rows)} contested)")
    results, stats = {}, {}
    verdicts, seconds = lit_reason_verdicts(rows)
    results["lit-reason"], stats["lit-reason"] = verdicts, summarize("lit-reason", verdicts, rows, seconds)
    if math_verify is not None:
        for mode in MV_MODES:
            name = f"math-verify 0.9.0 {mode}"
            verdicts, seconds = math_verify_verdicts(rows, mode)
            results[name], stats[name] = verdicts, summarize(name, verdicts, rows, seconds)
    rates = short_throughput(rows)
    if math_verify is not None and "short answers" in rates:
        # The machine may be shared: the ratio to math-verify, timed in the same run, is the figure.
        short = short_rows(rows)
        for mode in ("plain", "wrapped"):
            rate = len(short) / math_verify_verdicts(short, mode)[1]
            print(f"math-verify {mode} on short answers ({len(short)} pairs): {rate:.0f} pairs/s; lit-reason "
                  f"is {rates['short answers'] / rate:.1f}x faster")
    per_kind(results, rows)
    if errors:
        show_errors(results, rows, list(results)[:3])
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[WILD, PROBE2, PROBE3, PROBE4, PROBE5, PROBE6, PROBE7, PROBE8, PROBE9, DATA])
    parser.add_argument("--show-errors", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # math-verify logs every unparseable string
    if math_verify is None:
        print("math-verify is not installed: `pip install math-verify==0.9.0` to compare against it.")
    for path in args.data:
        stats = run_corpus(path, args.show_errors)
        ours = stats["lit-reason"]
        for name, other in stats.items():
            if name != "lit-reason":
                ahead = (ours["uncontested_agreement"] > other["uncontested_agreement"]
                         and ours["wrongly_accepted"] <= other["wrongly_accepted"])
                print(f"{path.name}: lit-reason vs {name}: {'AHEAD' if ahead else 'BEHIND'} (uncontested "
                      f"{ours['uncontested_agreement']:.3f} vs {other['uncontested_agreement']:.3f}, wrongly "
                      f"accepted {ours['wrongly_accepted']} vs {other['wrongly_accepted']})")


if __name__ == "__main__":
    main()

"""Writes ``math_pairs_probe3.jsonl``: a third held-out probe, frozen before the fixes that follow it.

Written after the probe2 fixes had been fitted to probe2, from conventions not yet probed: golds
as datasets give them (``$...$``, boxed solutions, several boxes, labelled equations such as
``(p,q)=(3,2)``), ``\\approx`` and rounded decimals, decimal commas, units glued to the number,
"Final Answer:" sentences and chat-template debris. Same row shape, surface forms and labelling
rules as ``make_math_pairs_probe2.py`` (whose generator it reuses with its own cases and seed).

Usage: ``python benchmarks/data/make_math_pairs_probe3.py`` (deterministic; rewrites the JSONL).
"""

from __future__ import annotations

import json
from pathlib import Path

from make_math_pairs_probe2 import rows
from probe3_cases import CASES, MODEL_OUTPUTS, PLAIN_CASES, SOURCES

OUT = Path(__file__).parent / "math_pairs_probe3.jsonl"

if __name__ == "__main__":
    data = rows(CASES, PLAIN_CASES, MODEL_OUTPUTS, SOURCES, seed=1703)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data))
    print(f"{len(data)} pairs ({sum(r['label'] for r in data)} equal, {sum(r['contested'] for r in data)} contested)"
          f" -> {OUT}")

"""Writes ``math_pairs_probe4.jsonl``: a fourth held-out probe, frozen before the fixes that follow it.

Written after the probe3 fixes: plain-text maths as chat models print it without LaTeX
(``sqrt(2)/2``, ``3^(1/2)``, unicode ``√ π ≤ ∈ −``), spacing inside LaTeX commands, and the
degree / None / no-solution conventions of the PRM800K and Qwen2.5-Math graders. Same row shape,
surface forms and labelling rules as ``make_math_pairs_probe2.py``, whose generator it reuses.

Usage: ``python benchmarks/data/make_math_pairs_probe4.py`` (deterministic; rewrites the JSONL).
"""

from __future__ import annotations

import json
from pathlib import Path

from make_math_pairs_probe2 import rows
from probe4_cases import CASES, MODEL_OUTPUTS, PLAIN_CASES, SOURCES

OUT = Path(__file__).parent / "math_pairs_probe4.jsonl"

if __name__ == "__main__":
    data = rows(CASES, PLAIN_CASES, MODEL_OUTPUTS, SOURCES, seed=1704)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data))
    print(f"{len(data)} pairs ({sum(r['label'] for r in data)} equal, {sum(r['contested'] for r in data)} contested)"
          f" -> {OUT}")

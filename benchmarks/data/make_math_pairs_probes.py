"""Writes ``math_pairs_probe{2,...,9}.jsonl``: held-out probes of answer pairs, each frozen before the code
changes it then guided.

Probe 2 (cases in ``probe2_cases.py``) is described below; probes 3 to 8 (``probe3_cases.py`` to
``probe8_cases.py``, whose docstrings say what they probe) were each written after the fixes of the
probe before, with the same row shape, surface forms and labelling rules. Probe 9 (``probe9_cases.py``)
keeps the row shape and labelling rules but brings its own surface forms and solution openings, so that
neither the answers nor the way they are wrapped are ones the code was fixed against.

Written after ``math_pairs_wild.jsonl`` had been fitted to (the grader reached 1.000 on it but ~94% on
fresh probes), by a different engineer, from the conventions public graders document and not from
the cases of the wild corpus: math-verify's tests (delimiters, ``Answer \\[ 9 \\]``, relations,
matrices, mixed numbers, percent suffixes, thousands), the Qwen2.5-Math / MARIO ``math_equal``
(choice letters, percent readings, tuples, ``\\left( \\right)``, equations), the Hendrycks MATH
``strip_string`` rules, lm-eval's Minerva ``normalize_final_answer`` (unit words, ``\\mathrm{th}``,
``\\text{}``, ``,\\!``), PRM800K's grader (thousands, base-n, mixed numbers, choice letters). No
test case of theirs was copied: each case is written here.

A row's label is whether the answer is mathematically the gold as the problem means it; ``contested``
marks pairs on which those graders disagree by convention (units other than the gold's, percent vs
fraction, intervals vs inequalities, ordinals, primes, one-element brackets). Golds are written as
datasets write them: bare, in ``$...$``, or as a full MATH solution with ``\\boxed{}``.

Usage: ``python benchmarks/data/make_math_pairs_probes.py`` (deterministic; rewrites the eight JSONL files).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import NamedTuple

import probe2_cases
import probe3_cases
import probe4_cases
import probe5_cases
import probe6_cases
import probe7_cases
import probe8_cases
import probe9_cases

DATA_DIR = Path(__file__).parent

# Solution openings with numbers and LaTeX that are not the answer.
PREFIXES = [
    "There are $\\frac{3}{4}$ of the 20 students left, i.e. 15 of them.",
    "Expanding, $(x+2)^2 = x^2 + 4x + 4$, and comparing coefficients gives 4 = 4.",
    "By Vieta, the roots sum to $-\\frac{b}{a} = 6$ and multiply to $8$.",
    "We try $n = 1, 2, 3$ in turn; only the third works since $3^2 = 9 > 8$.",
    "Let the width be $w$. Then $2w + 2(w+3) = 26$, so $4w = 20$.",
    "Using $\\sin^2\\theta + \\cos^2\\theta = 1$ with $\\cos\\theta = 0.6$, the sine is $0.8$.",
    "The common ratio is $r = \\frac{12}{4} = 3$, so the 5th term is $4 \\cdot 3^4 = 324$.",
    "First, 48 / 6 = 8 boxes. Each box holds 12 pencils.",
]

LATEX_FORMS = [
    "{a}",
    "${a}$",
    "$${a}$$",
    "\\[{a}\\]",
    "\\( {a} \\)",
    "{p} The answer is $\\boxed{{{a}}}$.",
    "{p}\n\\[\n\\boxed{{{a}}}\n\\]",
    "{p}\n\nFinal Answer: The final answer is ${a}$. I hope it is correct.",
    "{p} Therefore, ${a}$.",
    "{p} So the answer is \\({a}\\).",
    "**Final answer:** $\\boxed{{{a}}}$",
    "<think>\n{p}\n</think>\nThe answer is ${a}$",
    "Answer: ${a}$",
    "{p} We conclude that the value is $\\displaystyle {a}$.",
]

PLAIN_FORMS = [
    "{a}",
    "The answer is {a}.",
    "{p} So the answer is {a}.",
    "{p}\n#### {a}",
    "Answer: {a}",
    "{p} The final answer is {a}",
    "<answer>{a}</answer>",
]

FORMS_PER_CASE = 2


class Surface(NamedTuple):
    """The wrappings a probe's answers are written in: LaTeX forms, plain forms, solution openings."""

    latex_forms: list[str]
    plain_forms: list[str]
    prefixes: list[str]


SHARED = Surface(LATEX_FORMS, PLAIN_FORMS, PREFIXES)
# (probe, cases module, seed of its surface forms, its surface)
PROBES = ((2, probe2_cases, 1702, SHARED), (3, probe3_cases, 1703, SHARED), (4, probe4_cases, 1704, SHARED),
          (5, probe5_cases, 1705, SHARED), (6, probe6_cases, 1706, SHARED), (7, probe7_cases, 1707, SHARED),
          (8, probe8_cases, 1708, SHARED),
          (9, probe9_cases, 1709, Surface(probe9_cases.LATEX_FORMS, probe9_cases.PLAIN_FORMS, probe9_cases.PREFIXES)))


def rows(cases_module, seed: int, surface: Surface = SHARED) -> list[dict]:
    """Every case of a cases module in ``FORMS_PER_CASE`` of the ``surface`` forms drawn with ``seed``,
    then its whole outputs."""
    rng = random.Random(seed)
    sources = cases_module.SOURCES
    out: list[dict] = []

    def add(kind: str, completion: str, gold: str, label: bool, contested: bool, form: str) -> None:
        out.append({"id": len(out), "completion": completion, "gold": gold, "label": label,
                    "contested": contested, "kind": kind, "form": form, "source": sources[kind]})

    for table, forms in ((cases_module.CASES, surface.latex_forms), (cases_module.PLAIN_CASES, surface.plain_forms)):
        for kind, cases in table.items():
            for answer, gold, label, contested in cases:
                for form in rng.sample(forms, FORMS_PER_CASE):
                    text = form.format(a=answer, p=rng.choice(surface.prefixes))
                    add(kind, text, gold, label, contested, form.replace("{p}", "<solution>"))
    for completion, gold, label, contested in cases_module.MODEL_OUTPUTS:
        add("model_output", completion, gold, label, contested, "as written")
    return out


if __name__ == "__main__":
    for probe, cases_module, seed, surface in PROBES:
        data, out = rows(cases_module, seed, surface), DATA_DIR / f"math_pairs_probe{probe}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data))
        print(f"{len(data)} pairs ({sum(r['label'] for r in data)} equal, {sum(r['contested'] for r in data)} "
              f"contested) -> {out}")

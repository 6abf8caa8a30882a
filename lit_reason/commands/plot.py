"""``lit-reason plot RUN_DIR``: a run's training curves as one PNG, for users without W&B.

Reads the CSVLogger's ``metrics.csv`` (the newest ``version_*`` under RUN_DIR, or RUN_DIR itself) and
draws reward, accuracy, KL, entropy, completion length and loss against the optimizer step, one panel each;
a metric the run did not log (``train/kl`` needs ``kl.coef > 0``) leaves its panel saying so.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re

from lit_reason.commands.errors import CLIError

# Panel title -> the metrics drawn in it (those the run logged).
PANELS: dict[str, tuple[str, ...]] = {
    "reward": ("train/reward", "val/reward"),
    "accuracy": ("train/accuracy", "val/accuracy", "val/accuracy_sampled"),
    "KL to the reference": ("train/kl",),
    "entropy": ("train/entropy",),
    "completion length (tokens)": ("train/completion_len",),
    "loss": ("train/loss",),
}


def find_metrics(run_dir: str) -> str:
    """The ``metrics.csv`` of ``run_dir``: its own, else that of its highest ``version_N``."""
    own = os.path.join(run_dir, "metrics.csv")
    if os.path.isfile(own):
        return own
    if not os.path.isdir(run_dir):
        raise CLIError("RUN_DIR", f"{run_dir}: no such directory")
    versions = [(int(m.group(1)), d) for d in os.listdir(run_dir) if (m := re.fullmatch(r"version_(\d+)", d))
                and os.path.isfile(os.path.join(run_dir, d, "metrics.csv"))]
    if not versions:
        raise CLIError("RUN_DIR", f"{run_dir}: no metrics.csv here or in a version_N folder (CSVLogger's log dir)")
    return os.path.join(run_dir, max(versions)[1], "metrics.csv")


def read_curves(path: str) -> dict[str, list[tuple[int, float]]]:
    """``{metric: [(step, value), ...]}`` of every numeric column of a Lightning ``metrics.csv``."""
    curves: dict[str, list[tuple[int, float]]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            step = int(float(row.get("step") or 0))
            for key, text in row.items():
                if key in ("step", "epoch") or not text:
                    continue
                try:
                    value = float(text)
                except ValueError:
                    continue
                if math.isfinite(value):
                    curves.setdefault(key, []).append((step, value))
    return curves


def plot(run_dir: str, out: str | None = None) -> str:
    """Draws the panels of :data:`PANELS` for ``run_dir`` to ``out`` (default ``RUN_DIR/curves.png``)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("plot", "needs matplotlib: pip install 'lit-reason[plot]'") from None
    path = find_metrics(run_dir)
    curves = read_curves(path)
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), constrained_layout=True)
    for ax, (title, names) in zip(axes.flat, PANELS.items(), strict=True):
        drawn = [n for n in names if curves.get(n)]
        for name in drawn:
            steps, values = zip(*curves[name], strict=True)
            ax.plot(steps, values, label=name, marker="o" if len(steps) < 20 else None, markersize=3)
        if drawn:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, f"not logged ({', '.join(names)})", ha="center", va="center", fontsize=8,
                    transform=ax.transAxes, color="gray")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("optimizer step", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(os.path.dirname(path) or ".", fontsize=10)
    out = out or os.path.join(run_dir, "curves.png")
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def main(argv: list[str]) -> None:
    """``lit-reason plot RUN_DIR [--out FILE.png]``."""
    parser = argparse.ArgumentParser(prog="lit-reason plot", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a CSVLogger directory, e.g. runs/quickstart/grpo")
    parser.add_argument("--out", default=None, help="PNG file to write (default: RUN_DIR/curves.png)")
    args = parser.parse_args(argv)
    print(f"lit-reason plot: wrote {plot(args.run_dir, args.out)}")

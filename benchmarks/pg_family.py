"""The policy-gradient family from one SFT start: GRPO, REINFORCE, RLOO and PPO on the quickstart task.

    python benchmarks/pg_family.py                  # SFT first if runs/quickstart/sft is missing
    python benchmarks/pg_family.py --methods ppo --max-steps 50

Each method runs its ``configs/<method>/quickstart.yaml`` through the CLI (the same as ``lit-reason fit``),
then validates on the 128 held-out problems. Prints one table row per method: greedy and sampled accuracy
(8 samples at T=1), wall time, and the gain over the SFT start.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from lit_reason.quickstart import run_stage  # noqa: E402

METHODS = ("grpo", "reinforce", "rloo", "ppo")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--max-steps", type=int, help="override trainer.max_steps of every method")
    args = parser.parse_args(argv)
    configs = os.path.join(HERE, "configs")
    os.chdir(HERE)  # the configs' run directories are relative to the repository
    sft_dir = os.path.join("runs", "quickstart", "sft")
    rows = []
    t0 = time.perf_counter()
    sft = run_stage(os.path.join(configs, "sft", "quickstart.yaml")) if not os.path.isdir(sft_dir) else None
    if sft is None:  # validate the existing SFT weights with the GRPO config's data and zero steps
        sft = run_stage(os.path.join(configs, "grpo", "quickstart.yaml"), "--trainer.max_steps", "0",
                        "--trainer.callbacks", "[]")
    rows.append(("SFT start", sft, time.perf_counter() - t0))
    for method in args.methods:
        overrides = ["--trainer.max_steps", str(args.max_steps)] if args.max_steps else []
        t = time.perf_counter()
        rows.append((method, run_stage(os.path.join(configs, method, "quickstart.yaml"), *overrides),
                     time.perf_counter() - t))
    base = sft["val/accuracy"]
    print("\n| method | val/accuracy (greedy) | gain | val/accuracy_sampled | minutes |")
    print("|---|---|---|---|---|")
    for name, m, seconds in rows:
        print(f"| {name} | {m['val/accuracy']:.3f} | {m['val/accuracy'] - base:+.3f} | "
              f"{m['val/accuracy_sampled']:.3f} | {seconds / 60:.1f} |")


if __name__ == "__main__":
    main()

"""``make quickstart``: teach the tiny Llama a little addition by SFT, then let GRPO improve it.

Runs ``configs/sft/quickstart.yaml`` then ``configs/grpo/quickstart.yaml`` (which starts from the SFT
stage's exported weights) through the same CLI as ``lit-reason fit``, validates after each stage, and ends
with ``quickstart: val/accuracy sft=<x> grpo=<y> (greedy gain +<g>)`` (greedy accuracy on the held-out
split). The digits depend on the CPU (its kernels' float reductions make a run on another machine in effect
another seed); the gain is what every machine should see.
"""

from __future__ import annotations

import argparse
import os
import time

from lit_reason.cli import LitReasonCLI

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_stage(config: str, *overrides: str) -> dict[str, float]:
    """``lit-reason fit --config config`` then a validation pass; returns the validation metrics."""
    cli = LitReasonCLI(args=["--config", config, *overrides], run=False)
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    return {k: float(v) for k, v in cli.trainer.validate(cli.model, datamodule=cli.datamodule, verbose=False)[0].items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", default=os.path.join(HERE, "configs"), help="folder holding sft/ and grpo/")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    sft = run_stage(os.path.join(args.configs, "sft", "quickstart.yaml"))
    grpo = run_stage(os.path.join(args.configs, "grpo", "quickstart.yaml"))
    minutes = (time.perf_counter() - t0) / 60
    for key in ("val/accuracy", "val/accuracy_sampled"):
        print(f"{key:22s} sft={sft[key]:.3f} grpo={grpo[key]:.3f}")
    print(f"quickstart took {minutes:.1f} min")
    gain = grpo["val/accuracy"] - sft["val/accuracy"]
    print(f"quickstart: val/accuracy sft={sft['val/accuracy']:.3f} grpo={grpo['val/accuracy']:.3f} "
          f"(greedy gain {gain:+.3f}; other CPUs give other digits, README.md)")


if __name__ == "__main__":
    main()

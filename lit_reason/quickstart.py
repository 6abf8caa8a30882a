"""``make quickstart``: the pipeline ``configs/pipelines/quickstart.yaml`` (SFT, then GRPO) from scratch.

The same runner as ``lit-reason pipeline`` (each stage ``fit`` then ``validate`` in its own process, the
GRPO stage starting from the SFT stage's export); it always re-runs both stages and ends with
``quickstart: val/accuracy sft=<x> grpo=<y> (greedy gain +<g> +- <se>, sampled gain ...)``: greedy accuracy on
the held-out split, and each gain with its binomial standard error over the held-out prompts. The digits
depend on the CPU (its kernels' float reductions make a run on another machine in effect another seed); a
gain of many standard errors is what every machine should see.
"""

from __future__ import annotations

import argparse
import math
import os
import time

from lit_reason.pipeline import PipelineError, load_pipeline, run_pipeline

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(HERE, "configs", "pipelines", "quickstart.yaml")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=CONFIG, help="the quickstart pipeline (two stages: sft, grpo)")
    parser.add_argument("--run-dir", default=None, help="where the stages log and export (default: the file's)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        pipeline = load_pipeline(args.config)
        states = run_pipeline(pipeline, args.run_dir, from_stage=pipeline.stages[0].name)
    except PipelineError as e:
        raise SystemExit(f"quickstart: error: {e}") from None
    sft, grpo = (states[stage.name]["metrics"] for stage in pipeline.stages)
    for key in ("val/accuracy", "val/accuracy_sampled"):
        print(f"{key:22s} sft={sft[key]:.3f} grpo={grpo[key]:.3f}")
    print(f"quickstart took {(time.perf_counter() - t0) / 60:.1f} min")
    n = int(grpo["val_rows"])
    print(f"quickstart: val/accuracy sft={sft['val/accuracy']:.3f} grpo={grpo['val/accuracy']:.3f} "
          f"(greedy gain {gain_text(sft['val/accuracy'], grpo['val/accuracy'], n)}, sampled gain "
          f"{gain_text(sft['val/accuracy_sampled'], grpo['val/accuracy_sampled'], n)} over {n} held-out prompts; "
          f"other CPUs give other digits, README.md)")


def gain_text(before: float, after: float, n: int) -> str:
    """``+0.281 +- 0.059``: the gain and its standard error, two rates on ``n`` prompts each treated as binomial
    (a prompt's sampled rate is a mean of samples, whose variance is at most that of one draw: conservative).

    Example:
        >>> gain_text(0.25, 0.5, 100)  # sqrt((0.1875 + 0.25) / 100) = 0.066
        '+0.250 +- 0.066'
    """
    se = math.sqrt((before * (1 - before) + after * (1 - after)) / n)
    return f"{after - before:+.3f} +- {se:.3f}"


if __name__ == "__main__":
    main()

"""Samples/s of the asynchronous Ray actor-learner (report sec 8.4.4) against the synchronous loop.

    pip install -e ".[ray]"
    python benchmarks/async_actor_learner.py                    # tiny GRPO, 12 steps each
    python benchmarks/async_actor_learner.py --steps 20 --generators 2 --max-new-tokens 32

Both runs train the same tiny GRPO learner on the arithmetic task; the synchronous one samples with the HF
engine in the learner's process, the asynchronous one with ``--generators`` Ray actors (HF engine, CPU)
one step ahead. The first two steps of each are warm-up (actor start, queue fill) and not timed. Prints
samples/s of both and ``ratio async/sync: samples_per_s=<r>``. Generation overlaps the update only when the
actors have cores of their own: on a 2-core machine the two compete for the same cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import lightning as L  # noqa: E402
from lightning.pytorch.callbacks import Callback  # noqa: E402

from lit_reason.algorithms import GRPO, OptimizerSettings  # noqa: E402
from lit_reason.datamodules import PromptDataModule  # noqa: E402
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask  # noqa: E402
from lit_reason.distributed import RaySettings  # noqa: E402
from lit_reason.policy import Policy  # noqa: E402
from lit_reason.sampling import SamplingParams  # noqa: E402
from lit_reason.tiny import TinyConfig  # noqa: E402

WARMUP = 2


class StepClock(Callback):
    """Wall time of every training step after the warm-up ones."""

    def __init__(self) -> None:
        self.t0: float | None = None
        self.steps = 0

    def on_train_batch_end(self, trainer, pl_module, *args) -> None:
        if trainer.global_step == WARMUP:
            self.t0 = time.perf_counter()
        elif trainer.global_step > WARMUP:
            self.steps += 1

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


def run(engine: str, args: argparse.Namespace) -> float:
    L.seed_everything(0, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=128, num_layers=2, num_heads=4, intermediate_size=256))
    sampling = SamplingParams(n=args.n, max_new_tokens=args.max_new_tokens)
    ray = RaySettings(num_generators=args.generators) if engine == "ray" else None
    module = GRPO(policy, rewards=["math_accuracy"], verifier=None, sampling=sampling,
                  optimizer=OptimizerSettings(lr=1e-3), engine=engine, ray=ray)
    data = PromptDataModule(synthetic=ArithmeticTask(levels=[[2, 1]]), train_size=512, val_size=8,
                            batch_size=args.batch_size)
    clock = StepClock()
    trainer = L.Trainer(max_steps=args.steps + WARMUP, logger=False, enable_progress_bar=False,
                        enable_model_summary=False, enable_checkpointing=False, limit_val_batches=0,
                        callbacks=[clock])
    try:
        trainer.fit(module, data)
    finally:
        if engine == "ray":
            module.sampler.shutdown()
    return clock.steps * args.batch_size * args.n / clock.elapsed()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=12, help="timed steps of each run")
    parser.add_argument("--generators", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    args = parser.parse_args(argv)
    sync = run("hf", args)
    print(f"sync  (HF engine in the learner): {sync:.1f} samples/s", flush=True)
    asyn = run("ray", args)
    print(f"async (Ray, {args.generators} generator(s), one step ahead): {asyn:.1f} samples/s")
    print(f"ratio async/sync: samples_per_s={asyn / sync:.2f}")


if __name__ == "__main__":
    main()

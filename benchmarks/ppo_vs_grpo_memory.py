"""Peak memory of PPO with a separate critic vs GRPO on the same model (report table 2: about 2x vs 1x).

    make smollm2                                   # fetch SmolLM2-135M-Instruct (GGUF) once
    python benchmarks/ppo_vs_grpo_memory.py        # --model tiny for a quick check without SmolLM2

Each method runs 2 RL iterations (4 arithmetic prompts x 4 samples, 32 new tokens, KL to a frozen
reference, AdamW) in its own process, so that the peak resident set (``ru_maxrss``) is its own. Printed per
method: peak RSS, the RSS after loading the model (before the module is built), the growth between the two
(what the method itself adds: reference, critic, gradients, optimizer state, activations), and the bytes of
trained parameters. Ends with ``ratio PPO/GRPO: peak=<r> growth=<g>``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
GGUF = HERE / "models" / "smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def current_rss_gib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def run(method: str, model: str) -> dict[str, float]:
    import lightning as L
    import torch
    from torch.utils.data import DataLoader

    sys.path.insert(0, str(HERE))
    from lit_reason.algorithms import GRPO, PPO, BatchSettings, KLSettings, OptimizerSettings
    from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask
    from lit_reason.policy import Policy
    from lit_reason.sampling import SamplingParams

    torch.set_num_threads(2)
    L.seed_everything(0, verbose=False)
    policy = Policy(model)
    loaded = current_rss_gib()
    common = dict(sampling=SamplingParams(n=4, max_new_tokens=32, temperature=1.0), kl=KLSettings(0.04),
                  optimizer=OptimizerSettings(lr=1e-6), batching=BatchSettings(micro_batch_size=8))
    module = GRPO(policy, **common) if method == "grpo" else PPO(policy, critic="separate", **common)
    rows = ArithmeticTask(levels=[[2, 1]]).generate(8, seed=0)
    trainer = L.Trainer(max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(rows, batch_size=4, collate_fn=list))
    trained = sum(p.numel() * p.element_size() for p in module.parameters() if p.requires_grad) / 2**30
    return {"peak_gib": rss_gib(), "loaded_gib": loaded, "growth_gib": rss_gib() - loaded, "trained_gib": trained}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(GGUF), help="a GGUF file, HF directory, or 'tiny'")
    p.add_argument("--child", choices=["grpo", "ppo"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(run(args.child, args.model)))
        return
    if args.model.endswith(".gguf") and not Path(args.model).is_file():
        sys.exit(f"ppo_vs_grpo_memory: {args.model} is missing; run `make smollm2` or pass --model tiny")
    figures = {}
    for method in ("grpo", "ppo"):
        out = subprocess.run([sys.executable, __file__, "--model", args.model, "--child", method],
                             check=True, capture_output=True, text=True)
        figures[method] = json.loads(out.stdout.strip().splitlines()[-1])
        f = figures[method]
        print(f"{method:>4}: peak {f['peak_gib']:.2f} GiB, after loading {f['loaded_gib']:.2f} GiB, "
              f"growth {f['growth_gib']:.2f} GiB, trained parameters {f['trained_gib']:.3f} GiB", flush=True)
    g, q = figures["grpo"], figures["ppo"]
    print(f"ratio PPO/GRPO: peak={q['peak_gib'] / g['peak_gib']:.2f} growth={q['growth_gib'] / g['growth_gib']:.2f}")


if __name__ == "__main__":
    main()

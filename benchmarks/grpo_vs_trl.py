"""Benchmark: the same GRPO workload run by lit-reason and by TRL's GRPOTrainer, on CPU.

Workload (fixed for both engines): SmolLM2-135M-Instruct de-quantised from its GGUF to fp32, 8 chat-formatted
arithmetic prompts x 4 samples per step, at most 64 new tokens, temperature 1.0, KL to a frozen reference
with beta = 0.04, one optimizer step per 32 completions, learning rate 1e-6, reward
``lit_reason.rewards.math.math_accuracy`` (the gold answer comes in the ``answer`` column). The prompts are
drawn with ``random.Random(0)`` and fed in the same order to both. TRL keeps its own defaults for everything
else, notably ``gradient_checkpointing=True`` (TRL 1.x); its 32 completions of a step go through one
micro-batch (``per_device_train_batch_size=32``, TRL's default ``gradient_accumulation_steps=1``).

Each engine runs in its own process (this script re-invokes itself with ``--engine lit`` / ``--engine trl``),
so that one's memory cannot hide in the other's figures. For each it prints seconds per step (median of
the steps after the first, which pays for warm-up), rollout tokens per second (completion tokens over
generation time, median after the first step), peak memory (the child's own ``ru_maxrss``, model loading
included) and the mean reward (an unscorable completion counts as 0), then the ratios, ending with
``ratio lit-reason/TRL: s_per_step=<r> peak_mem=<m>``.

TRL is a benchmark-only extra: ``pip install trl==1.16.0 torch==2.13.0``. The GGUF comes from
``make smollm2``.

Usage:
    PYTHONPATH=. python benchmarks/grpo_vs_trl.py [--steps 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GGUF = ROOT / "models" / "smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
# TRL builds its reference model with AutoConfig on a path, which cannot read a GGUF: it gets the same
# de-quantised fp32 weights saved once as a Hugging Face directory.
HF_EXPORT = ROOT / "build" / "smollm2" / "hf-fp32"
PROMPTS_PER_STEP = 8
GROUP = 4
MAX_NEW_TOKENS = 64
TEMPERATURE = 1.0
BETA = 0.04
LR = 1e-6
# lit-reason settings found to meet the target on a 2-core CPU (see benchmarks/README.md).
LIT_MICRO_BATCH = 4
LIT_GRADIENT_CHECKPOINTING = "off"  # "on", "off" or N (every N-th layer)
LIT_REFERENCE_OFFLOAD = "on"  # the frozen reference's weights in a file between its scoring passes
# TRL: the whole generation batch (8 x 4) in one micro-batch, one generation per optimizer step
# (gradient_accumulation_steps=1 and steps_per_generation=1 are TRL's defaults).
TRL_MICRO_BATCH = PROMPTS_PER_STEP * GROUP


def make_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` chat-formatted two-number addition/subtraction prompts with their answers.

    Args:
        n: Number of prompts.
        seed: Seed of the ``random.Random`` that draws the operands.

    Returns:
        Rows ``{"prompt": [{"role": "user", "content": ...}], "answer": str}``.
    """
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b, op = rng.randint(10, 99), rng.randint(10, 99), rng.choice("+-")
        question = f"What is {a}{op}{b}? Put the final answer in \\boxed{{}}."
        rows.append({"prompt": [{"role": "user", "content": question}], "answer": str(a + b if op == "+" else a - b)})
    return rows


def peak_rss_gib() -> float:
    """This process's peak resident set size in GiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def summarise(steps: list[dict[str, float]], engine: str, settings: str) -> dict[str, Any]:
    """Per-engine figures from per-step records ``{"s", "tokens_per_s", "reward"}``."""
    later = steps[1:] or steps
    return {
        "engine": engine,
        "settings": settings,
        "steps": len(steps),
        "s_per_step": statistics.median(s["s"] for s in later),
        "first_step_s": steps[0]["s"],
        "tokens_per_s": statistics.median(s["tokens_per_s"] for s in later),
        "peak_mem_gib": peak_rss_gib(),
        "reward": statistics.fmean(s["reward"] for s in steps),
        "per_step_s": [round(s["s"], 2) for s in steps],
    }


# ---------------------------------------------------------------------------------------------- lit-reason
def run_lit(args: argparse.Namespace) -> dict[str, Any]:
    """Runs the workload with lit-reason's GRPO under a Lightning Trainer; returns its figures."""
    import lightning as L
    import torch
    from torch.utils.data import DataLoader

    from lit_reason.algorithms import GRPO, BatchSettings, KLSettings, OptimizerSettings
    from lit_reason.policy import Policy
    from lit_reason.sampling.params import SamplingParams

    L.seed_everything(0, verbose=False)
    value = args.lit_gradient_checkpointing
    checkpointing = {"on": True, "off": False}.get(value) if value in ("on", "off") else int(value)
    offload = args.lit_reference_offload == "on"
    policy = Policy(model=str(args.model), gradient_checkpointing=checkpointing, lean_activations=True,
                    reference_offload=offload)
    module = GRPO(
        policy,
        rewards=["math_accuracy"],
        verifier="math_accuracy",
        sampling=SamplingParams(temperature=TEMPERATURE, n=GROUP, max_new_tokens=MAX_NEW_TOKENS),
        kl=KLSettings(BETA),
        batching=BatchSettings(micro_batch_size=args.micro_batch_size),
        optimizer=OptimizerSettings(lr=LR),
    )

    class Timer(L.Callback):
        def __init__(self) -> None:
            self.steps: list[dict[str, float]] = []

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            m = trainer.callback_metrics
            self.steps.append({
                "s": time.perf_counter() - self.t0,
                "tokens_per_s": float(m["perf/rollout_tokens_per_s"]),
                "reward": float(m["train/reward"]),
            })
            print(f"[lit] step {len(self.steps)}: {self.steps[-1]['s']:.1f} s, "
                  f"{self.steps[-1]['tokens_per_s']:.0f} tok/s, reward {self.steps[-1]['reward']:.3f}, "
                  f"kl {float(m.get('train/kl', torch.tensor(0.0))):.2e}", flush=True)

    timer = Timer()
    trainer = L.Trainer(
        max_steps=args.steps, accelerator="cpu", logger=False, enable_checkpointing=False,
        limit_val_batches=0, num_sanity_val_steps=0, enable_progress_bar=False, enable_model_summary=False,
        callbacks=[timer],
    )
    rows = make_rows(args.steps * PROMPTS_PER_STEP)
    trainer.fit(module, DataLoader(rows, batch_size=PROMPTS_PER_STEP, collate_fn=list))
    settings = (f"micro_batch_size={args.micro_batch_size}, gradient_checkpointing={checkpointing}, "
                f"lean_activations=True, reference_offload={offload}")
    return summarise(timer.steps, "lit-reason", settings)


# ---------------------------------------------------------------------------------------------- TRL
def run_trl(args: argparse.Namespace) -> dict[str, Any]:
    """Runs the workload with TRL's GRPOTrainer (its defaults elsewhere); returns its figures."""
    from datasets import Dataset
    from transformers import AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from lit_reason.rewards.math import math_accuracy as lit_math_accuracy

    export_hf(args.model, HF_EXPORT)
    checkpointing = args.trl_gradient_checkpointing == "on"
    scores: list[list[float]] = []

    def math_accuracy(prompts, completions, **columns):
        out = lit_math_accuracy(prompts, completions, **columns)
        scores.append([0.0 if s is None else s for s in out])  # None counts as 0, as lit-reason logs it
        return out

    extra = {} if checkpointing else {"gradient_checkpointing": False}  # only override TRL when asked
    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="grpo_vs_trl_"), max_steps=args.steps, use_cpu=True, bf16=False,
        report_to="none", logging_steps=1, save_strategy="no", learning_rate=LR, beta=BETA,
        per_device_train_batch_size=args.trl_micro_batch,
        gradient_accumulation_steps=PROMPTS_PER_STEP * GROUP // args.trl_micro_batch,
        num_generations=GROUP, max_completion_length=MAX_NEW_TOKENS, temperature=TEMPERATURE,
        shuffle_dataset=False, model_init_kwargs={"dtype": "float32"}, **extra,
    )
    assert config.generation_batch_size == PROMPTS_PER_STEP * GROUP, config.generation_batch_size
    tokenizer = AutoTokenizer.from_pretrained(HF_EXPORT, padding_side="left", truncation_side="left")
    gen = {"s": 0.0, "tokens": 0}

    class Timer(TrainerCallback):
        def __init__(self) -> None:
            self.steps: list[dict[str, float]] = []

        def on_step_begin(self, a, state, control, **kw) -> None:
            self.t0, gen["s"], gen["tokens"] = time.perf_counter(), 0.0, 0

        def on_step_end(self, a, state, control, **kw) -> None:
            self.steps.append({
                "s": time.perf_counter() - self.t0,
                "tokens_per_s": gen["tokens"] / max(gen["s"], 1e-9),
                "reward": statistics.fmean(scores[-1]),
            })
            print(f"[trl] step {len(self.steps)}: {self.steps[-1]['s']:.1f} s, "
                  f"{self.steps[-1]['tokens_per_s']:.0f} tok/s, reward {self.steps[-1]['reward']:.3f}", flush=True)

    trainer = GRPOTrainer(model=str(HF_EXPORT), reward_funcs=math_accuracy, args=config,
                          train_dataset=Dataset.from_list(make_rows(args.steps * PROMPTS_PER_STEP)),
                          processing_class=tokenizer, callbacks=[Timer()])
    generate = trainer._generate_single_turn

    def timed_generate(*a, **kw):  # completion tokens over generation time, like lit-reason's metric
        t0 = time.perf_counter()
        completion_ids, logprobs = generate(*a, **kw)
        gen["s"] += time.perf_counter() - t0
        gen["tokens"] += sum(len(ids) for ids in completion_ids)
        return completion_ids, logprobs

    trainer._generate_single_turn = timed_generate
    trainer.train()
    timer = next(c for c in trainer.callback_handler.callbacks if isinstance(c, Timer))
    settings = (f"per_device_train_batch_size={config.per_device_train_batch_size}, "
                f"gradient_accumulation_steps={config.gradient_accumulation_steps}, "
                f"gradient_checkpointing={trainer.args.gradient_checkpointing}")
    return summarise(timer.steps, "TRL", settings)


def export_hf(gguf: Path, out: Path) -> None:
    """Saves the GGUF's de-quantised fp32 model and tokenizer to ``out`` once, in a separate process (so
    that the conversion's memory is not charged to the TRL run)."""
    if not (out / "config.json").is_file():
        subprocess.run([sys.executable, __file__, "--engine", "export", "--model", str(gguf)], check=True)


def _export(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The weights are plain fp32 tensors once de-quantised; only the GGUF marker blocks saving them.
    model.hf_quantizer = None
    del model.config.quantization_config
    model.save_pretrained(out)


# ---------------------------------------------------------------------------------------------- driver
def run_child(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Runs one engine in a fresh Python process and returns the figures it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--engine", engine, "--result", str(result), "--steps", str(args.steps),
               "--threads", str(args.threads), "--model", str(args.model),
               "--micro-batch-size", str(args.micro_batch_size),
               "--lit-gradient-checkpointing", args.lit_gradient_checkpointing,
               "--lit-reference-offload", args.lit_reference_offload,
               "--trl-gradient-checkpointing", args.trl_gradient_checkpointing,
               "--trl-micro-batch", str(args.trl_micro_batch)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        print(f"== {engine}: {' '.join(cmd[1:])}", flush=True)
        proc = subprocess.run(cmd, env=env, cwd=ROOT)
        if proc.returncode != 0 or not result.exists():
            sys.exit(f"grpo_vs_trl: the {engine} run failed (exit code {proc.returncode}); see its output above")
        return json.loads(result.read_text())


def report(lit: dict[str, Any], trl: dict[str, Any]) -> None:
    """Prints both engines' figures and the ratio line."""
    for r in (lit, trl):
        print(f"{r['engine']:>10}: {r['s_per_step']:.1f} s/step (first {r['first_step_s']:.1f} s), "
              f"{r['tokens_per_s']:.0f} rollout tokens/s, peak {r['peak_mem_gib']:.2f} GiB, "
              f"mean reward {r['reward']:.3f} over {r['steps']} steps  [{r['settings']}]")
    s = lit["s_per_step"] / trl["s_per_step"]
    m = lit["peak_mem_gib"] / trl["peak_mem_gib"]
    print(f"ratio lit-reason/TRL: s_per_step={s:.2f} peak_mem={m:.2f}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=4, help="optimizer steps per engine (>= 2)")
    p.add_argument("--threads", type=int, default=2, help="torch threads in each child")
    p.add_argument("--model", type=Path, default=GGUF, help="the SmolLM2 GGUF file")
    p.add_argument("--micro-batch-size", type=int, default=LIT_MICRO_BATCH, help="lit-reason micro-batch")
    p.add_argument("--lit-gradient-checkpointing", metavar="on|off|N",
                   help="lit-reason: checkpoint every decoder layer, none, or every N-th layer",
                   default=LIT_GRADIENT_CHECKPOINTING)
    p.add_argument("--lit-reference-offload", choices=["on", "off"], default=LIT_REFERENCE_OFFLOAD,
                   help="lit-reason: keep the frozen reference's weights on disk between scoring passes")
    p.add_argument("--trl-gradient-checkpointing", choices=["on", "off"], default="on",
                   help="'on' is TRL's default; 'off' overrides it")
    p.add_argument("--trl-micro-batch", type=int, default=TRL_MICRO_BATCH, choices=[1, 2, 4, 8, 16, 32],
                   help="TRL per_device_train_batch_size; gradient accumulation makes up 32 completions")
    p.add_argument("--engine", choices=["both", "lit", "trl", "export"], default="both")
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.steps < 2:
        p.error("--steps must be >= 2: the first step is excluded from the median")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.model.is_file():
        sys.exit(f"grpo_vs_trl: {args.model} is missing; run `make smollm2` to fetch it")
    if args.engine == "export":
        _export(args.model, HF_EXPORT)
        return
    if args.engine != "both":
        import torch

        torch.set_num_threads(args.threads)
        figures = (run_lit if args.engine == "lit" else run_trl)(args)
        if args.result:
            args.result.write_text(json.dumps(figures))
        print(json.dumps(figures), flush=True)
        return
    if importlib.util.find_spec("trl") is None:
        sys.exit("grpo_vs_trl: TRL is not installed; pip install trl==1.16.0 torch==2.13.0")
    lit = run_child("lit", args)
    trl_figures = run_child("trl", args)
    report(lit, trl_figures)


if __name__ == "__main__":
    main()

"""The policy-gradient family from one SFT start, on the quickstart task.

    python benchmarks/pg_family.py                        # GRPO, REINFORCE, RLOO, PPO (SFT first if missing)
    python benchmarks/pg_family.py --methods ppo --max-steps 50
    python benchmarks/pg_family.py --set variants         # DAPO, GSPO, CISPO, GMPO, Clip-Cov, KL-Cov, ...
    python benchmarks/pg_family.py --set variants --methods grpo_2mb dapo --rollouts 50
    python benchmarks/pg_family.py --set frameworks --methods grpo arre crel --seed 1   # report sec 7
    python benchmarks/pg_family.py --set process --seed 1   # GRPO vs PRIME (implicit process rewards)

Each method runs its ``configs/<method>/quickstart.yaml`` through the CLI (the same as ``lit-reason fit``),
then validates on the 128 held-out problems. Prints one table row per method: greedy and sampled accuracy
(8 samples at T=1), wall time, and the gain over the SFT start.

``--set variants`` compares the variants of issue 18 under one budget: 200 rollouts of 16 prompts x 8
samples, each split into two minibatches (so the objectives' ratios and clips act on the second one), from
the same SFT weights; ``grpo_2mb`` is GRPO's quickstart config with the same two minibatches, the baseline
row. ``--rollouts`` scales that budget (it sets ``max_steps`` to two per rollout).

``--set frameworks`` compares the report's sec 7 frameworks with plain GRPO, each from its
``configs/<name>/quickstart.yaml`` (GRPO's budget: 200 rollouts of 128 samples). Its table adds
``robust``: greedy accuracy on one perturbed variant of each held-out problem (ARRE's ``ArithmeticPerturber``
at strength 2: two of number renaming, operand order, rephrasing and distractor clauses), and
``counterfactual``: greedy accuracy on one counterfactual variant of each (CREL's ``Intervention``, do(X=x)
on an operand), both measured on the method's exported weights. ``--seed`` sets ``seed_everything`` and the
module's ``seed`` of every method (the SFT start and the data split stay the configs').
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from lit_reason.pipeline.stage import run_stage as _fit_and_validate  # noqa: E402

FAMILY = {m: (m, ()) for m in ("grpo", "reinforce", "rloo", "ppo")}
# name -> (config folder, extra CLI arguments); every variant config uses batching.minibatch_size 64
VARIANTS = {
    "grpo_2mb": ("grpo", ("--model.init_args.batching.minibatch_size", "64")),
    **{m: (m, ()) for m in ("dapo", "gspo", "cispo", "gmpo", "clip_cov", "kl_cov", "adaptive_entropy",
                            "reinforce_pp", "reinforce_pp_baseline", "remax")},
}
# name -> (config folder, extra CLI arguments); each exports its weights to runs/quickstart/<folder>
FRAMEWORKS = {m: (m, ()) for m in ("grpo", "ahro", "mgrcr", "arre", "crel")}
# issue 19: PRIME's implicit process rewards against plain GRPO, the same quickstart budget and SFT start
PROCESS = {m: (m, ()) for m in ("grpo", "prime")}
SETS = {"family": FAMILY, "variants": VARIANTS, "frameworks": FRAMEWORKS, "process": PROCESS}
# Held-out problems varied by a framework's transform (VariantPromptDataModule(val_transformed=True)).
HELD_OUT_VARIANTS = {
    "robust": ("lit_reason.frameworks.arre.ArithmeticPerturber", ("--data.init_args.transform.init_args.strength",
                                                                 "2.0")),
    "counterfactual": ("lit_reason.frameworks.crel.Intervention", ()),
}


def held_out_variants(config: str, weights: str) -> dict[str, float]:
    """Greedy accuracy of ``weights`` on each of :data:`HELD_OUT_VARIANTS` (no training: ``max_steps 0``)."""
    out = {}
    for name, (transform, extra) in HELD_OUT_VARIANTS.items():
        metrics = run_stage(config, "--trainer.max_steps", "0", "--trainer.callbacks", "[]",
                            "--trainer.logger.init_args.name", f"heldout_{name}",  # logs under runs/, not here
                            "--model.init_args.policy.init_args.model", weights,
                            "--data", "lit_reason.datamodules.variants.VariantPromptDataModule",
                            "--data.init_args.transform", transform, *extra,
                            "--data.init_args.val_transformed", "true")
        out[f"val/{name}"] = metrics["val/accuracy"]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="family", choices=SETS)
    parser.add_argument("--methods", nargs="+", help="a subset of the set's methods, in this order")
    parser.add_argument("--max-steps", type=int, help="override trainer.max_steps of every method")
    parser.add_argument("--rollouts", type=int, help="variants: rollouts per method (max_steps = 2 x this)")
    parser.add_argument("--seed", type=int, help="seed_everything and model seed of every method (default: the configs')")
    args = parser.parse_args(argv)
    methods = SETS[args.set]
    chosen = args.methods or list(methods)
    unknown = [m for m in chosen if m not in methods]
    if unknown:
        parser.error(f"--methods {unknown} not in --set {args.set}: choose from {list(methods)}")
    steps = args.max_steps or (2 * args.rollouts if args.rollouts and args.set == "variants" else None)
    if steps is None and args.set == "variants":
        steps = 400  # the grpo_2mb row needs it; the variant configs say 400 themselves
    configs = os.path.join(HERE, "configs")
    os.chdir(HERE)  # the configs' run directories are relative to the repository
    sft_dir = os.path.join("runs", "quickstart", "sft")
    rows = []
    t0 = time.perf_counter()
    sft = run_stage(os.path.join(configs, "sft", "quickstart.yaml")) if not os.path.isdir(sft_dir) else None
    if sft is None:  # validate the existing SFT weights with the GRPO config's data and zero steps
        sft = run_stage(os.path.join(configs, "grpo", "quickstart.yaml"), "--trainer.max_steps", "0",
                        "--trainer.callbacks", "[]")
    frameworks = args.set == "frameworks"
    grpo_config = os.path.join(configs, "grpo", "quickstart.yaml")
    if frameworks:
        sft.update(held_out_variants(grpo_config, sft_dir))
    rows.append(("SFT start", sft, time.perf_counter() - t0))
    for name in chosen:
        folder, extra = methods[name]
        overrides = [*extra, *(["--trainer.max_steps", str(steps)] if steps else [])]
        if args.seed is not None:
            overrides += ["--seed_everything", str(args.seed), "--model.init_args.seed", str(args.seed)]
        if name == "grpo_2mb":
            overrides += ["--trainer.logger.init_args.name", "grpo_2mb", "--trainer.callbacks", "[]"]
        t = time.perf_counter()
        metrics = run_stage(os.path.join(configs, folder, "quickstart.yaml"), *overrides)
        seconds = time.perf_counter() - t  # training and the clean validation only
        if frameworks:
            metrics.update(held_out_variants(grpo_config, os.path.join("runs", "quickstart", folder)))
        rows.append((name, metrics, seconds))
        print(f"pg_family: {_row(*rows[-1], sft['val/accuracy'], frameworks)}", flush=True)  # progress, row by row
    extra_cols = " robust | counterfactual |" if frameworks else ""
    print(f"\n| method | val/accuracy (greedy) | gain | val/accuracy_sampled |{extra_cols} minutes |")
    print("|---|---|---|---|" + "---|" * (2 if frameworks else 0) + "---|")
    for row in rows:
        print(_row(*row, sft["val/accuracy"], frameworks))


def run_stage(config: str, *overrides: str) -> dict[str, float]:
    """Fits then validates one config in this process, as ``lit-reason fit --config config overrides``."""
    return _fit_and_validate(["--config", config, *overrides], None)


def _row(name: str, m: dict[str, float], seconds: float, base: float, frameworks: bool = False) -> str:
    extra = f" {m['val/robust']:.3f} | {m['val/counterfactual']:.3f} |" if frameworks else ""
    return (f"| {name} | {m['val/accuracy']:.3f} | {m['val/accuracy'] - base:+.3f} | "
            f"{m['val/accuracy_sampled']:.3f} |{extra} {seconds / 60:.1f} |")


if __name__ == "__main__":
    main()

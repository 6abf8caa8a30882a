"""Process rewards on the tiny task: a PRM trained on Math-Shepherd labels (eq 67) of the policy's own
solutions, scored on held-out problems: AUC, PRM-ranked best-of-8 against maj@8, MCTS against greedy.

    PYTHONPATH=. .venv/bin/python benchmarks/process_rewards.py [--prm implicit|head] [--seeds 0 1 2] [--draws 4]
    PYTHONPATH=. .venv/bin/python benchmarks/process_rewards.py --draws 2 --searches prm   # the behaviour tests' figures

Task: ``a+b+c=`` with a, b, c in 0..4 and a worked two-line solution (``a+b=s`` / ``s+c=t``), 93 train and
32 held-out problems; the policy is the 64-wide tiny Llama after 150 SFT steps (lr 5e-3). Its 8 samples of
each train problem are labelled with k = 4 completions per step prefix; the PRM (``implicit``: summed
``beta log(pi_phi / pi_ref)``, beta 0.5, lr 1e-3, 4 epochs; ``head``: a StepHead, lr 3e-3, 10 epochs)
starts from the policy. Each seed trains its own policy and PRM; every figure is a mean over the seeds,
printed with the tokens each method generated per prompt (the budget the searches are matched on).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any, NamedTuple

import lightning as L
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import (
    OptimizerSettings,
    RewardModelModule,
    SFTModule,
    ShepherdSettings,
    label_steps,
)
from lit_reason.datamodules import with_worked_solutions
from lit_reason.losses.verifier import verifier_auc
from lit_reason.policy import Policy
from lit_reason.rewards.math import math_accuracy
from lit_reason.rewards.math.extract import extract_answer
from lit_reason.rewards.models import ProcessRewardModel
from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.sampling.search import MCTSSettings, majority_vote, mcts
from lit_reason.tiny import TinyConfig

N = 8
TINY = dict(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128)
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)
# the searches of the table: 8 simulations of 3 expansions, PRM value or one rollout per simulation
SEARCHES = {"prm": MCTSSettings(simulations=8, expansions=3, max_new_tokens=16, max_depth=3, value="prm"),
            "rollout": MCTSSettings(simulations=8, expansions=3, max_new_tokens=16, max_depth=3, value="rollout")}


class Setup(NamedTuple):
    """A trained policy and the PRM trained on Math-Shepherd labels of its own solutions."""

    policy: Policy
    prm: ProcessRewardModel
    val: list[dict[str, Any]]
    stats: Any


def rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(train, val)``: the 125 problems ``a+b+c=`` (a, b, c < 5), shuffled once, 32 held out."""
    problems = [(a, b, c) for a in range(5) for b in range(5) for c in range(5)]
    random.Random(0).shuffle(problems)
    out = [{"prompt": f"{a}+{b}+{c}=", "answer": str(a + b + c)} for a, b, c in problems]
    return out[32:], out[:32]


def setup(seed: int, prm: str = "implicit") -> Setup:
    """SFT the policy, label its 8 samples of each train problem (k = 4) and train the PRM; all by ``seed``."""
    train, val = rows()
    L.seed_everything(seed, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(**TINY))
    L.Trainer(max_steps=150, **TRAINER).fit(SFTModule(policy, verifier=None, optimizer=OptimizerSettings(lr=5e-3)),
                                            DataLoader(with_worked_solutions(train), batch_size=32, shuffle=True,
                                                       collate_fn=list))
    sampler, gen = HFSampler(policy), torch.Generator().manual_seed(seed)
    roll = sampler.generate([r["prompt"] for r in train], SamplingParams(temperature=1.0, n=N, max_new_tokens=16),
                            generator=gen, columns={"answer": [r["answer"] for r in train]})
    solutions = [{"prompt": p, "completion": c, "answer": a}
                 for p, c, a in zip(roll.prompts, roll.completions, roll.columns["answer"])]
    labelled, stats = label_steps(sampler, solutions, math_accuracy, ShepherdSettings(k=4, max_new_tokens=16,
                                  batch_size=256), generator=gen, progress_bar=False)
    prm_policy = Policy("tiny", tiny=TinyConfig(**TINY))
    prm_policy.load_state_dict(policy.state_dict())
    implicit = prm == "implicit"
    module = RewardModelModule(prm_policy, objective="step_bce", prm=prm, beta=0.5,
                               optimizer=OptimizerSettings(lr=1e-3 if implicit else 3e-3))
    L.Trainer(max_epochs=4 if implicit else 10, **TRAINER).fit(
        module, DataLoader(labelled, batch_size=32, shuffle=True, collate_fn=list))
    return Setup(policy, module.model.eval(), val, stats)


class CountingSampler(HFSampler):
    """An HFSampler that counts the completion tokens it generates (the budget of a search)."""

    tokens = 0

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        roll = super().generate(*args, **kwargs)
        self.tokens += int(roll.completion_mask.sum())
        return roll


def correct(prompts: list[str], completions: list[str], answers: list[str]) -> torch.Tensor:
    """(B,) 1.0 where the completion's answer is right (the rule verifier)."""
    return torch.tensor([float(s == 1.0) for s in math_accuracy(prompts, completions, answer=answers)])


def _uniform(prompts: list[str], completions: list[str], **columns: Any) -> list[float]:
    """The ablation of the PRM value: every node worth the same, so only the visit counts of UCB act."""
    return [0.5] * len(completions)


def measure(s: Setup, seed: int, draws: int = 4, searches: tuple[str, ...] = (*SEARCHES, "uniform")) -> dict[str, float]:
    """Held-out figures of one setup, each sampled one a mean over ``draws`` sampling seeds: AUC, greedy,
    maj@8, best-of-8 by the PRM and the MCTS of ``searches``, with the tokens generated per prompt."""
    prompts, answers = [r["prompt"] for r in s.val], [r["answer"] for r in s.val]
    sampler, out = CountingSampler(s.policy), {}
    greedy = sampler.generate(prompts, SamplingParams(temperature=0.0, n=1, max_new_tokens=16))
    out["greedy"] = correct(greedy.prompts, greedy.completions, answers).mean().item()
    out["greedy_tokens"] = sampler.tokens / len(prompts)
    runs = [_sampled(sampler, s, prompts, answers, torch.Generator().manual_seed(1000 * seed + d), searches)
            for d in range(draws)]
    return {**out, **{k: sum(r[k] for r in runs) / draws for k in runs[0]}}


def _sampled(sampler: CountingSampler, s: Setup, prompts: list[str], answers: list[str], gen: torch.Generator,
             searches: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    sampler.tokens = 0
    # the temperature of the searches' expansions, so that best-of-n and MCTS sample the same distribution
    held = sampler.generate(prompts, SamplingParams(temperature=SEARCHES["prm"].temperature, n=N, max_new_tokens=16),
                            generator=gen)
    out[f"bon@{N}_tokens"] = out[f"maj@{N}_tokens"] = sampler.tokens / len(prompts)
    ok = correct(held.prompts, held.completions, [a for a in answers for _ in range(N)])
    scores = torch.tensor(s.prm(held.prompts, held.completions))
    out["auc"], out["sampled"] = verifier_auc(scores, ok.bool()).item(), ok.mean().item()
    out["n_pos"], out["n_neg"] = float(ok.sum()), float(len(ok) - ok.sum())
    best = scores.view(len(prompts), N).argmax(1)
    out[f"bon@{N}"] = ok.view(len(prompts), N)[torch.arange(len(prompts)), best].mean().item()
    out[f"maj@{N}"] = sum(majority_vote([extract_answer(c) for c in held.completions[i * N : (i + 1) * N]])[0] == a
                          for i, a in enumerate(answers)) / len(prompts)
    for name in searches:
        sampler.tokens = 0
        value = _uniform if name == "uniform" else s.prm
        choices = mcts(sampler, prompts, value, SEARCHES["prm" if name == "uniform" else name], generator=gen)
        out[f"mcts_{name}"] = correct(prompts, [c.completion for c in choices], answers).mean().item()
        out[f"mcts_{name}_tokens"] = sampler.tokens / len(prompts)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prm", default="implicit", choices=["implicit", "head"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--draws", type=int, default=4, help="sampling seeds each sampled figure is averaged over")
    ap.add_argument("--searches", nargs="+", default=[*SEARCHES, "uniform"], choices=[*SEARCHES, "uniform"],
                    help="MCTS values: prm, rollout (the PRM on one sampled completion), uniform (no value)")
    args = ap.parse_args(argv)
    t0, runs = time.perf_counter(), []
    for seed in args.seeds:
        s = setup(seed, args.prm)
        runs.append(measure(s, seed, draws=args.draws, searches=tuple(args.searches)))
        print(f"seed {seed}: labels {s.stats}; " + ", ".join(f"{k} {v:.3f}" for k, v in runs[-1].items()
                                                            if not k.endswith("tokens")), flush=True)
    mean = {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}
    print(f"\nmeans over seeds {args.seeds} (32 held-out problems, {args.draws} sampling draws each; sampled accuracy "
          f"{mean['sampled']:.3f})")
    print(f"PRM ({args.prm}) AUC {mean['auc']:.3f} (chance 0.5)")
    print("| method | accuracy | tokens per prompt |\n|---|---|---|")
    for name in ("greedy", f"maj@{N}", f"bon@{N}", *(f"mcts_{v}" for v in args.searches)):
        print(f"| {name} | {mean[name]:.3f} | {mean[name + '_tokens']:.0f} |")
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])

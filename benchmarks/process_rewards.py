"""Process rewards on the tiny task: a PRM trained on Math-Shepherd labels (eq 67) of the policy's own
solutions, scored on held-out problems: AUC, PRM-ranked best-of-8 against maj@8, MCTS against greedy.

    PYTHONPATH=. .venv/bin/python benchmarks/process_rewards.py [--prm implicit|head] [--seed 0]

Task: ``a+b+c=`` with a, b, c in 0..4 and a worked two-line solution (``a+b=s`` / ``s+c=t``), 93 train and
32 held-out problems; the policy is the 64-wide tiny Llama after 150 SFT steps (lr 5e-3). Its 8 samples of
each train problem are labelled with k = 4 completions per step prefix; the PRM (``implicit``: summed
``beta log(pi_phi / pi_ref)``, beta 0.5, lr 1e-3, 4 epochs; ``head``: a StepHead, lr 3e-3, 10 epochs)
starts from the policy. All figures are printed against the baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

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
from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.sampling.search import MCTSSettings, majority_vote, mcts
from lit_reason.tiny import TinyConfig

N = 8
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)


def _accuracy(prompts: list[str], completions: list[str], answers: list[str]) -> float:
    return sum(s == 1.0 for s in math_accuracy(prompts, completions, answer=answers)) / len(prompts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prm", default="implicit", choices=["implicit", "head"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    problems = [(a, b, c) for a in range(5) for b in range(5) for c in range(5)]
    random.Random(0).shuffle(problems)
    rows = [{"prompt": f"{a}+{b}+{c}=", "answer": str(a + b + c)} for a, b, c in problems]
    val, train = rows[:32], rows[32:]
    L.seed_everything(args.seed, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))
    L.Trainer(max_steps=150, **TRAINER).fit(SFTModule(policy, verifier=None, optimizer=OptimizerSettings(lr=5e-3)),
                                            DataLoader(with_worked_solutions(train), batch_size=32, shuffle=True,
                                                       collate_fn=list))
    sampler, gen = HFSampler(policy), torch.Generator().manual_seed(args.seed)
    params = SamplingParams(temperature=1.0, n=N, max_new_tokens=16)
    roll = sampler.generate([r["prompt"] for r in train], params, generator=gen,
                            columns={"answer": [r["answer"] for r in train]})
    solutions = [{"prompt": p, "completion": c, "answer": a}
                 for p, c, a in zip(roll.prompts, roll.completions, roll.columns["answer"])]
    labelled, stats = label_steps(sampler, solutions, math_accuracy, ShepherdSettings(k=4, max_new_tokens=16,
                                  batch_size=256), generator=gen, progress_bar=False)
    prm_policy = Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))
    prm_policy.load_state_dict(policy.state_dict())
    implicit = args.prm == "implicit"
    module = RewardModelModule(prm_policy, objective="step_bce", prm=args.prm, beta=0.5,
                               optimizer=OptimizerSettings(lr=1e-3 if implicit else 3e-3))
    L.Trainer(max_epochs=4 if implicit else 10, **TRAINER).fit(
        module, DataLoader(labelled, batch_size=32, shuffle=True, collate_fn=list))
    prm = module.model.eval()
    held = sampler.generate([r["prompt"] for r in val], params, generator=gen)
    ok = torch.tensor([s == 1.0 for s in math_accuracy(held.prompts, held.completions,
                                                        answer=[r["answer"] for r in val for _ in range(N)])])
    scores = torch.tensor(prm(held.prompts, held.completions))
    okm, best = ok.view(len(val), N), scores.view(len(val), N).argmax(1)
    bon = okm[torch.arange(len(val)), best].float().mean().item()
    maj = sum(majority_vote([extract_answer(c) for c in held.completions[i * N : (i + 1) * N]])[0] == r["answer"]
              for i, r in enumerate(val)) / len(val)
    prompts, answers = [r["prompt"] for r in val], [r["answer"] for r in val]
    greedy = sampler.generate(prompts, SamplingParams(temperature=0.0, n=1, max_new_tokens=16))
    choices = mcts(sampler, prompts, prm, MCTSSettings(simulations=8, expansions=3, max_new_tokens=16, max_depth=3),
                   generator=gen)
    g, m = _accuracy(greedy.prompts, greedy.completions, answers), _accuracy(prompts, [c.completion for c in choices],
                                                                             answers)
    print(f"labels: {stats}")
    print(f"held-out samples: accuracy {ok.float().mean():.3f}, pass@{N} {okm.any(1).float().mean():.3f}")
    print(f"PRM ({args.prm}) AUC {verifier_auc(scores, ok).item():.3f} (chance 0.5)")
    print(f"best-of-{N} by the PRM {bon:.3f} vs maj@{N} {maj:.3f} (ratio {bon / max(maj, 1e-9):.2f})")
    print(f"MCTS (PRM value, 8 simulations) {m:.3f} vs greedy {g:.3f}")
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])

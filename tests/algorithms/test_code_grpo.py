"""GRPO with the sandboxed code reward raises pass@1 on the tiny model (issue: code tasks).

The task is arithmetic as a function body (``CodeArithmeticTask``): every completion is run as a program
in the sandbox and its ``check(candidate)`` decides the reward and the verifier's verdict. A short SFT (module
fixture) leaves a model whose samples pass about 19% of the time; GRPO trains a copy for 140 rollouts of 8
prompts x 8 samples (each rollout is 64 sandboxed programs, which bounds the test's length). pass@1 is
measured on all 100 problems of the task (16 samples each), so its only noise is the samples' own and the
gain is counted in binomial standard errors (tests/stats.py).
"""

import copy

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import GRPO, OptimizerSettings, SFTModule
from lit_reason.algorithms.evaluation import accuracy_metrics
from lit_reason.datamodules.tasks.code import CodeArithmeticTask
from lit_reason.policy import Policy
from lit_reason.rewards.code import CodePassRate
from lit_reason.sampling import SamplingParams
from lit_reason.sandbox import SandboxConfig
from tests.stats import gain_z

TASK = CodeArithmeticTask(levels=[[1, 1]])
TRAIN = TASK.generate(1000, seed=0)
VAL = [TASK.row(f"{a}+{b}", 0) for a in range(10) for b in range(10)]  # every problem of the task
SAMPLING = SamplingParams(n=8, max_new_tokens=4, temperature=1.0)
EVAL_N = 16  # samples per problem for pass@1: 1,600 draws, so the sampling noise is small next to the gain
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0, accelerator="cpu")


@pytest.fixture(scope="module")
def reward():
    return CodePassRate(SandboxConfig(wall_s=5), max_workers=2)


def pass_at_1(policy: Policy, reward) -> dict[str, float]:
    m = accuracy_metrics(SFTModule(policy, verifier=None).sampler, VAL, reward, SAMPLING.with_(n=EVAL_N),
                         torch.Generator().manual_seed(1))
    return {k: float(v) for k, v in m.items()}


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    return sft_start(TRAIN, steps=180)


def test_every_reference_completion_passes(reward):
    rows = VAL[:8]
    scores = reward([r["prompt"] for r in rows], [r["completion"] for r in rows],
                    test=[r["test"] for r in rows], entry_point=[r["entry_point"] for r in rows])
    assert scores == [1.0] * 8


@pytest.mark.behaviour
def test_grpo_with_the_sandbox_reward_raises_pass_at_1(sft_policy, reward):
    start = pass_at_1(sft_policy, reward)
    L.seed_everything(0, verbose=False)
    module = GRPO(copy.deepcopy(sft_policy), rewards=[reward], verifier=None, sampling=SAMPLING,
                  optimizer=OptimizerSettings(lr=5e-4))
    loader = DataLoader(TRAIN, batch_size=8, shuffle=True, collate_fn=list)
    L.Trainer(max_steps=140, **TRAINER).fit(module, loader)
    end = pass_at_1(module.policy, reward)
    z = gain_z(start["val/pass@1"], end["val/pass@1"], len(VAL) * EVAL_N)
    print("code GRPO start", start, "end", end, "z", z)
    # Observed pass@1 (z): native 0.195 -> 0.274 (5.3), avx2 0.201 -> 0.350 (9.6), default 0.168 -> 0.268
    # (6.9). The start differs too: the SFT fixture is itself trained under each kernel. At lr 1e-3 the run
    # collapses (0.20 -> 0.18) and 80 rollouts gave only z 2.7 natively.
    assert z >= 3, (start, end)

"""REINFORCE, RLOO and PPO on the tiny arithmetic task: each raises validation accuracy over its SFT start.

One short SFT (module fixture, ~5 s) gives a 1-digit-addition model that is right about a third of the
time when sampled at temperature 1; each method then trains a copy of it for 150 rollouts (fixed seeds).
Validation (tests/heldout.py) is the sampled accuracy over all 100 one-digit sums (4 samples each at
temperature 1, the training distribution of the policy) and the greedy accuracy, printed alongside; a gain
is asserted in binomial standard errors (tests/stats.py).
"""

import copy

import lightning as L
import pytest
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader

from lit_reason.algorithms import PPO, REINFORCE, RLOO, OptimizerSettings
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from tests.heldout import DRAWS, TASK, accuracy
from tests.stats import gain_z

TRAIN = TASK.generate(2000, seed=0)  # 1-digit addition has only 100 problems: validation is all of them
SAMPLING = SamplingParams(n=8, max_new_tokens=4, temperature=1.0)
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    policy = sft_start(TRAIN)
    return policy, accuracy(policy)


class Record(Callback):
    def __init__(self, *names):
        self.names, self.rows = names, []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.rows.append({k: float(trainer.callback_metrics[k]) for k in self.names})


def train(cls, start: Policy, steps: int = 150, callbacks=(), **kw):
    L.seed_everything(0, verbose=False)
    module = cls(copy.deepcopy(start), sampling=SAMPLING, optimizer=OptimizerSettings(lr=5e-4), **kw)
    L.Trainer(max_steps=steps, callbacks=list(callbacks), **TRAINER).fit(
        module, DataLoader(TRAIN, batch_size=8, shuffle=True, collate_fn=list))
    return module


@pytest.mark.behaviour
@pytest.mark.parametrize("cls", [REINFORCE, RLOO], ids=["reinforce", "rloo"])
def test_reinforce_family_raises_validation_accuracy(sft_policy, cls):
    start_policy, start = sft_policy
    end = accuracy(train(cls, start_policy).policy)
    z = gain_z(start["val/accuracy_sampled"], end["val/accuracy_sampled"], DRAWS)
    print(cls.__name__, "start", start, "end", end, "z", z)
    # Observed sampled accuracy 0.39 -> end (z): REINFORCE native 0.60 (6.0), avx2 0.71 (9.4), default 0.60
    # (5.9); RLOO native 0.62 (6.8), avx2 0.70 (9.2), default 0.62 (6.5).
    assert z >= 3, (start, end)


@pytest.mark.behaviour
def test_ppo_raises_accuracy_and_fits_its_critic(sft_policy):
    start_policy, start = sft_policy
    rec = Record("train/value_loss", "train/explained_variance", "train/reward")
    module = train(PPO, start_policy, steps=200, callbacks=[rec], critic="shared")
    end = accuracy(module.policy)
    z = gain_z(start["val/accuracy_sampled"], end["val/accuracy_sampled"], DRAWS)
    print("PPO start", start, "end", end, "z", z)
    # Observed (200 rollouts) sampled accuracy 0.39 -> 0.61 (z 6.5) native, 0.66 (7.9) avx2, 0.63 (6.8)
    # default; value loss late/early 0.59, 0.56, 0.55. At 150 rollouts the native run gave only z 3.5.
    assert z >= 3, (start, end)
    vl = [r["train/value_loss"] for r in rec.rows]
    ev = [r["train/explained_variance"] for r in rec.rows]
    print("PPO value loss ratio", sum(vl[-20:]) / 20 / (sum(vl[:10]) / 10), "late EV", sum(ev[-20:]) / 20)
    # zero-initialised critic: 0.5 * E[R^2] at first, towards 0.5 * Var(R) as it learns
    assert sum(vl[-20:]) / 20 < 0.85 * sum(vl[:10]) / 10, vl
    assert all(v == v for v in ev[-20:]), ev  # logged and defined (not NaN)

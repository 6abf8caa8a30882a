"""A plain LightningModule that logs scripted metrics: the callbacks' "drop into your own code" fixture."""

from __future__ import annotations

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch import nn
from torch.utils.data import DataLoader

from lit_reason.rollout import IterationRecord, Rollout
from lit_reason.sampling import SamplingParams


class ScriptedModule(L.LightningModule):
    """Logs ``script[global_step]`` (a dict of metric values) at each step; automatic optimisation, SGD.

    ``rollout_fn(step, batch)``, when given, returns ``(rollout, correct)``; the module publishes the rollout,
    with ``correct`` as its verdicts, as ``last_iteration`` (an ``IterationRecord``), the one attribute
    lit-reason RL modules keep for callbacks.
    """

    def __init__(self, script, kl_coef=0.1, lr=0.1, rollout_fn=None, with_entropy_coef=False):
        super().__init__()
        self.layer = nn.Linear(2, 1)
        self.script, self.rollout_fn, self.lr = script, rollout_fn, lr
        self.kl_coef = kl_coef
        self.sampling = SamplingParams(temperature=1.0)
        if with_entropy_coef:
            self.entropy_coef = 0.0
        self.last_iteration: IterationRecord | None = None

    def training_step(self, batch, batch_idx):
        step = self.global_step
        if self.rollout_fn is not None:
            scored, correct = self.rollout_fn(step, batch)
            scored.correct = correct
            self.last_iteration = IterationRecord(step + 1, scored)
        self.log_dict({k: float(v) for k, v in self.script[step].items()}, on_step=True, batch_size=1)
        x = torch.ones(1, 2)
        return self.layer(x).pow(2).sum()

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def rollout(difficulties, rewards, completions=None, correct=None):
    """A scored Rollout of one-token completions, with the fields callbacks read."""
    n = len(rewards)
    ones = torch.ones(n, 1, dtype=torch.long)
    return Rollout(prompt_ids=ones, prompt_mask=ones, completion_ids=ones, completion_mask=ones,
                   sampler_logprobs=torch.zeros(n, 1), group=torch.arange(n), finished=torch.ones(n, dtype=torch.bool),
                   prompts=[f"p{i}" for i in range(n)], completions=completions or ["c"] * n,
                   columns={"difficulty": list(difficulties), "answer": ["1"] * n},
                   rewards=torch.tensor(rewards, dtype=torch.float32), correct=correct)


def fit(module, steps, callbacks=(), ckpt_path=None, datamodule=None, **kw):
    """Fits ``module`` for ``steps`` steps on a dummy loader (or ``datamodule``) without logging to disk."""
    trainer = L.Trainer(max_steps=steps, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=any(isinstance(c, ModelCheckpoint) for c in callbacks),
                        callbacks=list(callbacks), limit_val_batches=0, num_sanity_val_steps=0, **kw)
    if datamodule is None:
        trainer.fit(module, DataLoader(list(range(1000)), batch_size=1), ckpt_path=ckpt_path)
    else:
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    return trainer

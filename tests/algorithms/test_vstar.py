"""V-STaR on the tiny arithmetic task: the verifier trained on one iteration's samples ranks held-out
samples better than chance, the kept set is what V admits, and V ranks samples at validation."""

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader

from lit_reason.algorithms.filters import read_samples
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.vstar import VSTaR
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask
from lit_reason.sampling import SamplingParams

TASK = ArithmeticTask(levels=[[1, 1]])
TRAIN = TASK.generate(2000, seed=0)
GROW = TASK.generate(512, seed=2)
VAL = TASK.generate(16, seed=1)
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               num_sanity_val_steps=0)


class Record(Callback):
    def __init__(self):
        self.train, self.val = {}, {}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.train = {k: float(v) for k, v in trainer.callback_metrics.items()}

    def on_validation_end(self, trainer, pl_module):
        self.val = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")}


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    return sft_start(TRAIN)


@pytest.mark.behaviour
def test_verifier_beats_chance_and_filters_what_it_admits(sft_policy, tmp_path):
    L.seed_everything(0, verbose=False)
    module = VSTaR(sft_policy, sampling=SamplingParams(n=8, max_new_tokens=4), verifier_lr=1e-3, verifier_epochs=2,
                   sft_batch_size=32, optimizer=OptimizerSettings(lr=1e-3), output_dir=str(tmp_path),
                   progress_bar=False, rank_n=4)
    rec = Record()
    L.Trainer(max_epochs=1, callbacks=[rec], **TRAINER).fit(
        module, DataLoader(GROW, batch_size=len(GROW), collate_fn=list),
        DataLoader(VAL, batch_size=len(VAL), collate_fn=list))
    m = rec.train
    print({k: v for k, v in m.items() if k.startswith("vstar/")}, rec.val)
    # Chance is AUC 0.5 (a verifier that ranks held-out correct and wrong samples at random). Observed
    # (seed 0): AUC 0.66; its thresholded accuracy (0.64) is about the majority answer's rate (0.65), which a
    # 64-wide model trained for two epochs does not beat reliably, so it is logged, not asserted.
    assert m["vstar/verifier_auc"] > 0.6, m
    assert 0.0 < m["vstar/verifier_accuracy"] <= 1.0, m
    kept = read_samples(str(tmp_path / "iteration_0.jsonl"))
    assert 0 < len(kept) < len(GROW) * 8
    v = module.verifier_score([k.prompt for k in kept], [k.completion for k in kept])
    assert min(v) > 0.5  # only what V admits (V > threshold) ...
    assert m["selftrain/kept"] == len(kept)
    assert 0.0 <= rec.val["val/accuracy_verifier_bon"] <= 1.0  # ... and V ranks at validation


def test_vstar_rejects_bad_settings(sft_policy):
    with pytest.raises(ValueError, match="verifier_holdout"):
        VSTaR(sft_policy, verifier_holdout=1.0)
    with pytest.raises(ValueError, match="verifier_epochs"):
        VSTaR(sft_policy, verifier_epochs=0)


def test_split_holds_out_whole_prompts(sft_policy):
    from lit_reason.algorithms.filters import Sample

    module = VSTaR(sft_policy, verifier_holdout=0.25)
    samples = [Sample(i // 2, "p", str(i), 0.0, False) for i in range(16)]  # 8 prompts x 2 samples
    train, held = module.split(samples)
    assert len(held) == 4 and {s.index for s in train}.isdisjoint({s.index for s in held})  # 2 of 8 prompts
    assert torch.is_tensor(module.scorer_logits(["1+1="], ["2"]))

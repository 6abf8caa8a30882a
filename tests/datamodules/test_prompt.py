"""PromptDataModule: synthetic and file rows, chat prompts, curriculum weights and exact resume."""

import json

import lightning as L
import pytest
import torch

from lit_reason.datamodules import ArithmeticTask, DatasetFormatError, PromptDataModule, canonical

TASK = ArithmeticTask(levels=[[1, 1], [2, 2]], ops="+-")


def _dm(**kwargs):
    args = {"synthetic": TASK, "train_size": 40, "val_size": 12, "batch_size": 8, "val_batch_size": 5}
    dm = PromptDataModule(**{**args, **kwargs})
    dm.setup("fit")
    return dm


def _prompts(batches):
    return [[r["prompt"] for r in b] for b in batches]


def test_batches_are_lists_of_rows_and_validation_is_held_out():
    dm = _dm()
    train = list(dm.train_dataloader())
    assert len(train) == 5 and all(isinstance(b, list) and len(b) == 8 for b in train)  # 40 rows / 8
    assert set(train[0][0]) == {"prompt", "answer", "completion", "difficulty"}
    val = list(dm.val_dataloader())
    assert [len(b) for b in val] == [5, 5, 2]  # 12 rows in batches of 5, in order
    assert _prompts(val) == _prompts(dm.val_dataloader())
    val_keys = {canonical(r["prompt"][:-1]) for b in val for r in b}
    assert not val_keys & {canonical(r["prompt"][:-1]) for r in dm.train_rows}


def test_epochs_are_new_permutations_of_the_rows():
    loader = _dm().train_dataloader()
    first, second = _prompts(loader), _prompts(loader)
    assert sorted(sum(first, [])) == sorted(sum(second, [])) and first != second


def test_sampling_weights_steer_difficulties():
    dm = _dm(train_size=200)
    dm.set_sampling_weights({1: 1.0})  # only two-digit problems
    assert {r["difficulty"] for b in dm.train_dataloader() for r in b} == {1}
    with pytest.raises(ValueError, match="unknown difficulty 5"):
        dm.set_sampling_weights({5: 1.0})


def test_state_dict_round_trip_before_setup_resumes_the_same_batches():
    full = _dm().train_dataloader()
    expected = _prompts(full) + _prompts(full)  # two epochs
    head = _dm()
    it = iter(head.train_dataloader())
    seen = _prompts([next(it), next(it), next(it)])
    resumed = PromptDataModule(synthetic=TASK, train_size=40, val_size=12, batch_size=8)
    resumed.load_state_dict(head.state_dict())  # Lightning restores the DataModule before its loaders
    resumed.setup("fit")
    loader = resumed.train_dataloader()
    assert seen + _prompts(loader) + _prompts(loader) == expected


class _Recorder(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.seen: list[list[tuple[str, int]]] = []
        self.val_seen: list[str] = []

    def training_step(self, batch, batch_idx):
        self.seen.append([(r["prompt"], r["difficulty"]) for r in batch])
        return (self.w**2).sum()

    def validation_step(self, batch, batch_idx):
        self.val_seen += [r["prompt"] for r in batch]

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class _Curriculum(L.Callback):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step == 2:
            trainer.datamodule.set_sampling_weights({1: 1.0})


def _fit(max_steps, ckpt_path=None, save_to=None):
    module = _Recorder()
    trainer = L.Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=[_Curriculum()],
    )
    trainer.fit(module, datamodule=_dm(train_size=40), ckpt_path=ckpt_path)
    if save_to:
        trainer.save_checkpoint(save_to)
    return module.seen


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_lightning_resume_mid_epoch_sees_the_batches_of_an_uninterrupted_run(tmp_path):
    straight = _fit(8)  # 5 batches per epoch: the run crosses an epoch, weights change after step 2
    ckpt = str(tmp_path / "mid.ckpt")
    head = _fit(3, save_to=ckpt)
    tail = _fit(8, ckpt_path=ckpt)
    assert head + tail == straight and len(straight) == 8
    assert {d for b in straight[:2] for _, d in b} == {0, 1}
    assert {d for b in straight[2:] for _, d in b} == {1}  # the curriculum's weights survived the resume


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_trainer_validates_on_the_held_out_rows():
    module, dm = _Recorder(), _dm(train_size=40)
    trainer = L.Trainer(
        max_steps=5,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(module, datamodule=dm)
    assert len(module.seen) == 5  # one epoch of 40 rows in batches of 8, then validation at its end
    assert module.val_seen == [r["prompt"] for r in dm.val_rows]


def test_chat_prompts_and_system_prompt(tmp_path):
    f = tmp_path / "c.jsonl"
    rows = [
        {"prompt": "1+1=", "answer": "2"},
        {"prompt": [{"role": "user", "content": "2+2="}], "answer": "4"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    dm = PromptDataModule(
        train_file=str(f), chat=True, system_prompt="Be brief.", shuffle=False, batch_size=2
    )
    dm.setup("fit")
    system = {"role": "system", "content": "Be brief."}
    assert [r["prompt"] for r in next(iter(dm.train_dataloader()))] == [
        [system, {"role": "user", "content": "1+1="}],
        [system, {"role": "user", "content": "2+2="}],
    ]
    with pytest.raises(ValueError, match="system_prompt needs chat=True"):
        PromptDataModule(train_file=str(f), system_prompt="Be brief.")
    with pytest.raises(ValueError, match="give exactly one of train_file and synthetic"):
        PromptDataModule()


def test_bad_row_fails_in_setup_before_any_training_step(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_text('{"prompt": "1+1=", "answer": "2"}\n{"prompt": "2+2=", "answer": "4"}\n{"prompt": "3+3="}\n')
    module = _Recorder()
    trainer = L.Trainer(
        max_steps=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    with pytest.raises(DatasetFormatError) as err:
        trainer.fit(module, datamodule=PromptDataModule(train_file=str(f), batch_size=1))
    assert str(err.value) == f"{f}, line 3: missing field 'answer'"
    assert module.seen == []


def test_val_file_with_several_splits_needs_one(tmp_path):
    import datasets  # a test dependency (the test extra): never skipped
    rows = [{"prompt": "1+1=", "answer": "2"}]
    path = str(tmp_path / "ds")
    datasets.DatasetDict(
        {"train": datasets.Dataset.from_list(rows), "test": datasets.Dataset.from_list(rows)}
    ).save_to_disk(path)
    with pytest.raises(DatasetFormatError, match="choose one with"):
        PromptDataModule(train_file=path, val_file=path).setup("fit")
    dm = PromptDataModule(train_file=path, val_file=f"{path}@test")
    dm.setup("fit")
    assert dm.val_rows == rows

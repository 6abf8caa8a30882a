"""SFTDataModule: prompt/completion training rows, validation rows with answers."""

import json

import pytest

from lit_reason.datamodules import ArithmeticTask, DatasetFormatError, SFTDataModule


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


def test_synthetic_rows_carry_the_completion_template_and_val_keeps_answers():
    task = ArithmeticTask(levels=[[2, 1]], completion_template="The answer is {answer}.")
    dm = SFTDataModule(synthetic=task, train_size=16, val_size=4, batch_size=4)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert len(batch) == 4
    for row in batch:
        a, b = row["prompt"].removesuffix("=").split("+")
        assert row["completion"] == f"The answer is {int(a) + int(b)}."  # e.g. 47+8 -> "The answer is 55."
    assert all(r["answer"] for b in dm.val_dataloader() for r in b)


def test_file_rows_need_a_completion_and_val_rows_an_answer(tmp_path):
    train = _jsonl(tmp_path / "sft.jsonl", [{"prompt": "1+1=", "completion": "2"}, {"prompt": "2+2="}])
    with pytest.raises(DatasetFormatError) as err:
        SFTDataModule(train_file=train).setup("fit")
    assert str(err.value) == f"{train}, line 2: missing field 'completion'"

    good = _jsonl(tmp_path / "ok.jsonl", [{"prompt": "1+1=", "completion": "2"}])
    val = _jsonl(tmp_path / "val.jsonl", [{"prompt": "3+3=", "completion": "6"}])
    with pytest.raises(DatasetFormatError) as err:
        SFTDataModule(train_file=good, val_file=val).setup("fit")
    assert str(err.value) == f"{val}, line 1: missing field 'answer'"


def test_chat_prompts_with_plain_completions(tmp_path):
    train = _jsonl(tmp_path / "sft.jsonl", [{"q": "1+1=", "a": "2"}])
    dm = SFTDataModule(train_file=train, rename={"q": "prompt", "a": "completion"}, chat=True, batch_size=1)
    dm.setup("fit")
    assert next(iter(dm.train_dataloader())) == [
        {"prompt": [{"role": "user", "content": "1+1="}], "completion": "2"}
    ]

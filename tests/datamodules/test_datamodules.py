import json

import pytest

from lit_reason.datamodules import (
    ArithmeticTask,
    DatasetFormatError,
    PromptDataModule,
    RowLoader,
    SFTDataModule,
    evaluate,
)


def test_evaluate_uses_precedence():
    assert evaluate("2+3*4-5") == 9  # 2 + 12 - 5
    assert evaluate("10-3-2") == 5
    assert evaluate("7*8") == 56


def test_arithmetic_is_deterministic_levels_change_digits_and_splits_are_disjoint():
    task = ArithmeticTask(levels=[[1, 1], [2, 2, 1]], ops="+-")
    assert task.generate(20, seed=3) == task.generate(20, seed=3)
    train, val = task.splits(500, 100, seed=0)
    assert {r["prompt"] for r in train}.isdisjoint({r["prompt"] for r in val})
    for r in train:
        operands = r["prompt"][:-1].replace("-", "+").split("+")
        assert len(operands) == (2 if r["difficulty"] == 0 else 3)
        assert r["answer"] == str(evaluate(r["prompt"][:-1])) == r["completion"]


def test_arithmetic_templates_and_validation():
    task = ArithmeticTask(template="What is {expr}?", completion_template="The answer is {answer}.")
    row = task.generate(1, seed=0)[0]
    assert row["prompt"].startswith("What is ") and row["completion"] == f"The answer is {row['answer']}."
    with pytest.raises(ValueError, match="ops"):
        ArithmeticTask(ops="/")


def _write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


def test_missing_answer_fails_before_training_naming_file_row_and_field(tmp_path):
    f = _write_jsonl(tmp_path / "train.jsonl", [{"prompt": "1+1=", "answer": "2"}, {"prompt": "2+2="}])
    dm = PromptDataModule(train_file=f)
    with pytest.raises(DatasetFormatError, match=r"train\.jsonl, line 2: missing field 'answer'"):
        dm.setup("fit")


def test_jsonl_parquet_rename_and_chat(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"question": "1+1=", "answer": "2"}, {"question": "2+3=", "answer": "5"}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "t.parquet")
    dm = PromptDataModule(train_file=str(tmp_path / "t.parquet"), rename={"question": "prompt"}, chat=True,
                          system_prompt="Be brief.", batch_size=2)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert sorted(r["answer"] for r in batch) == ["2", "5"]
    assert batch[0]["prompt"][0] == {"role": "system", "content": "Be brief."}
    assert batch[0]["prompt"][1]["role"] == "user"


def test_sft_requires_completion(tmp_path):
    f = _write_jsonl(tmp_path / "sft.jsonl", [{"prompt": "1+1=", "answer": "2"}])
    with pytest.raises(DatasetFormatError, match="missing field 'completion'"):
        SFTDataModule(train_file=f).setup("fit")


def test_loader_resumes_mid_epoch_and_reshuffles_per_epoch():
    rows = [{"i": i} for i in range(10)]
    full = RowLoader(rows, 3, shuffle=True, seed=1)
    epochs = [[b for b in full], [b for b in full]]
    assert epochs[0] != epochs[1] and len(epochs[0]) == 4
    head = RowLoader(rows, 3, shuffle=True, seed=1)
    it = iter(head)
    first = [next(it), next(it)]
    resumed = RowLoader(rows, 3, shuffle=True, seed=1)
    resumed.load_state_dict(head.state_dict())
    assert first + list(resumed) == epochs[0]
    assert list(resumed) == epochs[1]


def test_loader_weights_follow_the_given_mix():
    rows = [{"d": 0}] * 50 + [{"d": 1}] * 50
    loader = RowLoader(rows, 100, seed=0)
    loader.set_weights([1.0] * 50 + [3.0] * 50)
    drawn = [r["d"] for _ in range(20) for b in loader for r in b]
    share = sum(drawn) / len(drawn)
    assert abs(share - 0.75) < 0.02  # 3:1 weights -> 75% from the second half

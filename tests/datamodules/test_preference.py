"""PreferenceDataModule: synthetic near-miss pairs, paired and unpaired files, errors naming file/row/field."""

import json
import random

import pytest

from lit_reason.datamodules import ArithmeticTask, DatasetFormatError
from lit_reason.datamodules.preference import PreferenceDataModule, near_miss, preference_splits, unpair


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


def test_synthetic_pairs_are_right_vs_near_miss_and_deterministic():
    task = ArithmeticTask(levels=[[2, 1]], completion_template="The answer is {answer}.")
    train, val = preference_splits(task, 200, 20, seed=3)
    for row in train + val:
        a, b = row["prompt"].removesuffix("=").split("+")
        right = int(a) + int(b)
        wrong = int(row["rejected"].removeprefix("The answer is ").removesuffix("."))
        assert row["chosen"] == f"The answer is {right}." and row["answer"] == str(right)
        assert wrong != right
        # a near miss: off by 1 or 10, or one digit changed (so the difference is d * 10^k, |d| <= 9)
        diff = abs(wrong - right)
        assert diff in (1, 10) or (diff < 10 ** len(str(right)) and len(str(diff).strip("0")) == 1), row
    assert (train, val) == preference_splits(task, 200, 20, seed=3)
    assert preference_splits(task, 200, 20, seed=4)[0] != train
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in val}


def test_near_miss_never_returns_the_answer():
    rng = random.Random(0)
    for answer in [0, 1, 9, 10, 55, 100, -3, 999]:
        assert all(near_miss(answer, rng) != answer for _ in range(200))


def test_synthetic_datamodule_batches_and_validation_rows():
    dm = PreferenceDataModule(synthetic=ArithmeticTask(levels=[[2, 1]]), train_size=16, val_size=4, batch_size=4)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert len(batch) == 4 and all({"prompt", "chosen", "rejected"} <= set(r) for r in batch)
    val = [r for b in dm.val_dataloader() for r in b]
    assert len(val) == 4 and all({"prompt", "chosen", "rejected", "answer"} <= set(r) for r in val)


def test_unpaired_splits_training_pairs_but_keeps_validation_pairs():
    dm = PreferenceDataModule(synthetic=ArithmeticTask(), train_size=8, val_size=4, unpaired=True, shuffle=False)
    dm.setup("fit")
    assert len(dm.train_rows) == 16
    assert [r["label"] for r in dm.train_rows[:4]] == [True, False, True, False]
    assert all("chosen" not in r and r["completion"] for r in dm.train_rows)
    assert all("chosen" in r and "rejected" in r for r in dm.val_rows)


def test_unpair_passes_unpaired_rows_through():
    rows = [{"prompt": "p", "chosen": "a", "rejected": "b", "id": 7}, {"prompt": "q", "completion": "c", "label": False}]
    assert unpair(rows) == [
        {"prompt": "p", "id": 7, "completion": "a", "label": True},
        {"prompt": "p", "id": 7, "completion": "b", "label": False},
        rows[1],
    ]


def test_paired_file_and_renamed_fields(tmp_path):
    train = _jsonl(tmp_path / "p.jsonl", [{"q": "1+1=", "good": "2", "bad": "3"}])
    dm = PreferenceDataModule(train_file=train, rename={"q": "prompt", "good": "chosen", "bad": "rejected"})
    dm.setup("fit")
    assert dm.train_rows == [{"prompt": "1+1=", "chosen": "2", "rejected": "3"}]


def test_unpaired_file_is_detected_by_its_label(tmp_path):
    train = _jsonl(tmp_path / "u.jsonl", [{"prompt": "1+1=", "completion": "2", "label": True},
                                          {"prompt": "1+1=", "completion": "3", "label": False}])
    dm = PreferenceDataModule(train_file=train, unpaired=True)
    dm.setup("fit")
    assert [r["label"] for r in dm.train_rows] == [True, False]


def test_parquet_file(tmp_path):
    import pyarrow as pa  # a test dependency (the test extra): never skipped
    import pyarrow.parquet as pq
    path = str(tmp_path / "p.parquet")
    pq.write_table(pa.Table.from_pylist([{"prompt": "1+1=", "chosen": "2", "rejected": "3"}]), path)
    dm = PreferenceDataModule(train_file=path)
    dm.setup("fit")
    assert dm.train_rows[0]["rejected"] == "3"


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"prompt": "a", "chosen": "x", "rejected": "y"}, {"prompt": "b", "chosen": "x"}],
         "line 2: missing field 'rejected'"),
        ([{"prompt": "a", "chosen": "x", "rejected": 3}], "line 1: field 'rejected' must be a string, got int"),
        ([{"prompt": "a", "chosen": "  ", "rejected": "y"}], "line 1: field 'chosen' is empty"),
        ([{"prompt": "a", "completion": "x", "label": "yes"}], "line 1: field 'label' must be true or false"),
        ([{"prompt": "a", "completion": "x", "label": True}, {"prompt": "b", "label": False}],
         "line 2: missing field 'completion'"),
    ],
)
def test_bad_rows_fail_before_training_naming_file_line_and_field(tmp_path, rows, message):
    path = _jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DatasetFormatError) as err:
        PreferenceDataModule(train_file=path).setup("fit")
    assert str(err.value).startswith(f"{path}, {message}"), str(err.value)


def test_renamed_bad_field_is_named_as_in_the_file(tmp_path):
    path = _jsonl(tmp_path / "bad.jsonl", [{"prompt": "a", "good": 1, "rejected": "y"}])
    with pytest.raises(DatasetFormatError, match=r"line 1: field 'good' \(read as 'chosen'\) must be a string"):
        PreferenceDataModule(train_file=path, rename={"good": "chosen"}).setup("fit")

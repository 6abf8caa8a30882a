"""Row loading and validation: every malformed row names its file, row and field before training."""

import json
import re

import pytest

from lit_reason.datamodules import DatasetFormatError, read_rows, split_source, validate_rows

GOOD = [{"prompt": "1+1=", "answer": "2", "difficulty": 0}, {"prompt": "2+3=", "answer": 5, "difficulty": 1}]


def _jsonl(path, lines):
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return str(path)


def _parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)
    return str(path)


def test_jsonl_json_and_parquet_give_the_same_rows(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps(GOOD))
    sources = [
        _jsonl(tmp_path / "d.jsonl", GOOD),
        str(tmp_path / "d.json"),
        _parquet(tmp_path / "d.parquet", [{**r, "answer": str(r["answer"])} for r in GOOD]),
    ]
    for source in sources:
        rows = validate_rows(read_rows(source), source, ["prompt", "answer"])
        # the numeric answer 5 becomes the text "5"; the JSONL line marker is gone
        assert rows == [
            {"prompt": "1+1=", "answer": "2", "difficulty": 0},
            {"prompt": "2+3=", "answer": "5", "difficulty": 1},
        ], source


def test_missing_answer_names_file_line_and_field_exactly(tmp_path):
    # line 2 is blank, so the bad row is on line 4 although it is the third row
    f = _jsonl(tmp_path / "train.jsonl", [GOOD[0], "", GOOD[1], {"prompt": "3+4="}])
    with pytest.raises(DatasetFormatError) as err:
        validate_rows(read_rows(f), f, ["prompt", "answer"])
    assert str(err.value) == f"{f}, line 4: missing field 'answer'"


def test_parquet_null_answer_names_the_row(tmp_path):
    f = _parquet(
        tmp_path / "t.parquet", [{"prompt": "1+1=", "answer": "2"}, {"prompt": "2+2=", "answer": None}]
    )
    with pytest.raises(DatasetFormatError) as err:
        validate_rows(read_rows(f), f, ["prompt", "answer"])
    assert str(err.value) == f"{f}, row 2: missing field 'answer'"


def test_renamed_field_is_named_as_the_file_names_it(tmp_path):
    f = _jsonl(tmp_path / "q.jsonl", [{"question": "1+1=", "solution": "2"}, {"question": "2+2="}])
    with pytest.raises(DatasetFormatError) as err:
        validate_rows(read_rows(f), f, ["prompt", "answer"], {"question": "prompt", "solution": "answer"})
    assert str(err.value) == f"{f}, line 2: missing field 'solution' (read as 'answer')"


@pytest.mark.parametrize(
    "row, message",
    [
        ({"prompt": "  ", "answer": "1"}, "field 'prompt' is empty"),
        ({"prompt": 12, "answer": "1"}, "field 'prompt' must be a string or chat messages, got int"),
        (
            {"prompt": [{"role": "user"}], "answer": "1"},
            "field 'prompt' message 0 must be {'role': str, 'content': str}",
        ),
        ({"prompt": "1=", "answer": ["1"]}, "field 'answer' must be a string or a number, got list"),
        ({"prompt": "1=", "answer": True}, "field 'answer' must be a string or a number, got bool"),
        ({"prompt": "1=", "answer": ""}, "field 'answer' is empty"),
        ({"prompt": "1=", "answer": "1", "completion": 1}, "field 'completion' must be a string, got int"),
        (
            {"prompt": "1=", "answer": "1", "difficulty": [1]},
            "field 'difficulty' must be a number or a string",
        ),
    ],
)
def test_wrong_types_and_empty_values(tmp_path, row, message):
    f = _jsonl(tmp_path / "bad.jsonl", [GOOD[0], row])
    with pytest.raises(DatasetFormatError, match=re.escape(f"{f}, line 2: {message}")):
        validate_rows(read_rows(f), f, ["prompt", "answer"])


def test_unparseable_files_and_empty_files(tmp_path):
    f = _jsonl(tmp_path / "broken.jsonl", [GOOD[0], "{not json"])
    with pytest.raises(DatasetFormatError, match=re.escape(f"{f}, line 2: invalid JSON")):
        read_rows(f)
    arr = _jsonl(tmp_path / "list.jsonl", [[1, 2]])
    with pytest.raises(DatasetFormatError, match=re.escape(f"{arr}, line 1: expected an object, got list")):
        read_rows(arr)
    (tmp_path / "obj.json").write_text('{"prompt": "x"}')
    with pytest.raises(DatasetFormatError, match="expected a JSON list of objects, got dict"):
        read_rows(str(tmp_path / "obj.json"))
    empty = _jsonl(tmp_path / "empty.jsonl", [""])
    with pytest.raises(DatasetFormatError, match=re.escape(f"{empty}: no rows")):
        validate_rows(read_rows(empty), empty, ["prompt"])


def test_saved_dataset_dict_needs_a_split_when_several(tmp_path):
    import datasets  # a test dependency (the test extra): never skipped
    ds = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list(GOOD[:1]),
            "test": datasets.Dataset.from_list([{"prompt": "9+9=", "answer": "18"}]),
        }
    )
    path = str(tmp_path / "ds")
    ds.save_to_disk(path)
    assert read_rows(path)[0]["prompt"] == "1+1="  # split="train" by default
    assert read_rows(f"{path}@test") == [{"prompt": "9+9=", "answer": "18"}]
    with pytest.raises(DatasetFormatError, match=r"no split None; splits are \['test', 'train'\]"):
        read_rows(path, split=None)


def test_split_source_parts(tmp_path):
    assert split_source("openai/gsm8k:main@test") == ("openai/gsm8k", "main", "test")
    assert split_source("org/name") == ("org/name", None, None)
    assert split_source(str(tmp_path)) == (str(tmp_path), None, None)
    assert split_source(f"{tmp_path}@validation") == (str(tmp_path), None, "validation")

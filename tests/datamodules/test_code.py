"""CodePromptDataModule: HumanEval and MBPP rows from JSONL and ``datasets``, malformed rows, the reward."""

import json

import pytest

from lit_reason.datamodules import DatasetFormatError
from lit_reason.datamodules.code import CODE_COLUMNS, CodePromptDataModule, load_code_rows
from lit_reason.datamodules.tasks.code import CodeExpressionTask
from lit_reason.rewards.code import CodePassRate
from lit_reason.sandbox import SandboxConfig

HUMANEVAL = {
    "task_id": "HumanEval/0",
    "prompt": 'def add(a, b):\n    """Sum of a and b."""\n',
    "canonical_solution": "    return a + b\n",
    "test": "METADATA = {}\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n",
    "entry_point": "add",
}
MBPP = {
    "task_id": 2,
    "text": "Write a function to square a number.",
    "code": "def square(n):\n    return n * n",
    "test_list": ["assert square(3) == 9", "assert square(-2) == 4"],
    "test_setup_code": "",
    "challenge_test_list": [],
}


def _jsonl(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return str(path)


def _dm(train, val=None, **kw):
    dm = CodePromptDataModule(train_file=train, val_file=val, batch_size=2, **kw)
    dm.setup("fit")
    return dm


def test_humaneval_rows_keep_their_columns_and_solution_becomes_completion(tmp_path):
    dm = _dm(_jsonl(tmp_path / "he.jsonl", [HUMANEVAL]))
    (row,) = dm.train_rows
    assert row["prompt"] == HUMANEVAL["prompt"]  # a HumanEval stub is continued as it is
    assert row["completion"] == "    return a + b\n"
    assert (row["test"], row["entry_point"]) == (HUMANEVAL["test"], "add")
    assert row["test_list"] is None and set(CODE_COLUMNS) <= set(row)


def test_mbpp_text_is_the_prompt_shown_with_its_tests(tmp_path):
    dm = _dm(_jsonl(tmp_path / "mbpp.jsonl", [MBPP]))
    (row,) = dm.train_rows
    assert row["prompt"] == (
        "Write a function to square a number.\nYour code should pass these tests:\n"
        "assert square(3) == 9\nassert square(-2) == 4\n"
    )
    assert row["completion"] == MBPP["code"] and row["test_list"] == MBPP["test_list"]
    assert row["test"] is None and row["entry_point"] is None
    plain = _dm(_jsonl(tmp_path / "mbpp.jsonl", [MBPP]), mbpp_template=None).train_rows[0]
    assert plain["prompt"] == MBPP["text"]


def test_rename_maps_other_field_names(tmp_path):
    row = {"question": "Double it.", "asserts": ["assert double(2) == 4"], "setup": "import math"}
    rename = {"question": "prompt", "asserts": "test_list", "setup": "test_setup_code"}
    (got,) = _dm(_jsonl(tmp_path / "r.jsonl", [row]), rename=rename, mbpp_template=None).train_rows
    assert got["prompt"] == "Double it." and got["test_list"] == ["assert double(2) == 4"]
    assert got["test_setup_code"] == "import math"


def test_validation_file_needs_tests_not_an_answer(tmp_path):
    train = _jsonl(tmp_path / "t.jsonl", [HUMANEVAL, MBPP])
    dm = _dm(train, val=_jsonl(tmp_path / "v.jsonl", [MBPP]), required_fields=["prompt", "completion"])
    assert len(dm.train_rows) == 2 and len(dm.val_rows) == 1
    (batch,) = list(dm.train_dataloader())
    assert all(set(CODE_COLUMNS) <= set(r) for r in batch)  # aligned columns for a mixed batch


def test_saved_datasets_directory_with_a_split(tmp_path):
    import datasets  # a test dependency (the test extra): never skipped
    path = str(tmp_path / "mbpp_ds")
    datasets.DatasetDict({"test": datasets.Dataset.from_list([MBPP, MBPP])}).save_to_disk(path)
    rows = _dm(f"{path}@test").train_rows
    assert len(rows) == 2 and rows[0]["test_list"] == MBPP["test_list"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"prompt": "p"}, r"line 2: field 'test_list' is missing: give 'test' and 'entry_point'"),
        ({**HUMANEVAL, "entry_point": None}, r"line 2: field 'entry_point' is missing"),
        ({**HUMANEVAL, "entry_point": "not a name"}, r"line 2: field 'entry_point' must be a function name"),
        ({**HUMANEVAL, "test": "def check(candidate):\n    assert (\n"}, r"line 2: field 'test' is not valid Python"),
        ({**HUMANEVAL, "test": "assert add(1, 2) == 3"}, r"line 2: field 'test' must define check\(candidate\)"),
        ({**MBPP, "test_list": "assert square(3) == 9"}, r"line 2: field 'test_list' must be a non-empty list"),
        ({**MBPP, "test_list": []}, r"line 2: field 'test_list' must be a non-empty list"),
        ({**MBPP, "test_setup_code": 3}, r"line 2: field 'test_setup_code' must be a string"),
        ({**MBPP, "text": ""}, r"line 2: field 'text' \(read as 'prompt'\) is empty"),
    ],
)
def test_malformed_rows_name_file_line_and_field(tmp_path, row, message):
    path = _jsonl(tmp_path / "bad.jsonl", [MBPP, row])
    with pytest.raises(DatasetFormatError, match=f"bad.jsonl, {message}"):
        _dm(path)


def test_renamed_field_is_named_as_the_file_names_it(tmp_path):
    path = _jsonl(tmp_path / "bad.jsonl", [{"prompt": "p", "asserts": 5}])
    with pytest.raises(DatasetFormatError, match=r"line 1: field 'asserts' \(read as 'test_list'\) must be"):
        load_code_rows(path, ["prompt"], {"asserts": "test_list"})


def test_sft_needs_a_completion_when_the_file_has_no_solution(tmp_path):
    path = _jsonl(tmp_path / "he.jsonl", [{k: v for k, v in HUMANEVAL.items() if k != "canonical_solution"}])
    with pytest.raises(DatasetFormatError, match=r"he.jsonl, line 1: missing field 'completion'"):
        _dm(path, required_fields=["prompt", "completion"])


def test_bad_mbpp_template_fails_at_construction():
    with pytest.raises(ValueError, match="mbpp_template"):
        CodePromptDataModule(train_file="x.jsonl", mbpp_template="{prompt} {oops}")


def test_synthetic_rows_are_humaneval_style_and_held_out():
    task = CodeExpressionTask(levels=[2, 3])
    dm = CodePromptDataModule(synthetic=task, train_size=50, val_size=10, batch_size=8)
    dm.setup("fit")
    assert len(dm.train_rows) == 50 and len(dm.val_rows) == 10
    assert {r["entry_point"] for r in dm.train_rows} == {"f"}
    val_keys = {task.key(r["completion"]) for r in dm.val_rows}
    assert not val_keys & {task.key(r["completion"]) for r in dm.train_rows}


def test_both_styles_score_under_the_code_reward(tmp_path):
    rows = _dm(_jsonl(tmp_path / "t.jsonl", [HUMANEVAL, MBPP, MBPP])).train_rows
    columns = {k: [r[k] for r in rows] for k in CODE_COLUMNS}
    reward = CodePassRate(SandboxConfig(wall_s=5), max_workers=2)
    completions = [HUMANEVAL["canonical_solution"], MBPP["code"], "def square(n):\n    return n * 3"]
    # the wrong square passes square(3) == 9 only: 1 of 2 asserts
    assert reward([r["prompt"] for r in rows], completions, **columns) == [1.0, 1.0, 0.5]

"""StepLabelDataModule: the three row shapes read to one, and bad rows named by file, line and field."""

import json

import pytest

from lit_reason.datamodules import StepLabelDataModule, worked_solution
from lit_reason.datamodules.files import DatasetFormatError


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _rows(path, **kw):
    dm = StepLabelDataModule(train_file=path, **kw)
    dm.setup()
    return dm.train_rows


def test_steps_rows_with_boolean_and_soft_labels(tmp_path):
    path = _write(tmp_path / "s.jsonl", [{"prompt": "1+2+3=", "steps": ["1+2=3\n", "3+3=6"], "labels": [True, 0.25]}])
    assert _rows(path) == [{"prompt": "1+2+3=", "steps": ["1+2=3\n", "3+3=6"], "labels": [1.0, 0.25]}]


def test_math_shepherd_rows_split_at_the_tags(tmp_path):
    row = {"input": "What is 1+2+3? Step 1: 1+2=3 ки\nStep 2: 3+3=7 ки",
           "label": "What is 1+2+3? Step 1: 1+2=3 +\nStep 2: 3+3=7 -"}
    got = _rows(_write(tmp_path / "m.jsonl", [row]), format="math_shepherd")[0]
    assert got == {"prompt": "What is 1+2+3?", "steps": ["Step 1: 1+2=3\n", "Step 2: 3+3=7"], "labels": [1.0, 0.0]}


def test_prm800k_rows_take_the_chosen_completion_and_stop_at_an_unrated_step(tmp_path):
    steps = [{"completions": [{"text": "a", "rating": -1}, {"text": "b", "rating": 1}], "chosen_completion": 1},
             {"completions": [{"text": "c", "rating": 0}], "chosen_completion": None},
             {"completions": [{"text": "d", "rating": None}]}]
    row = {"question": {"problem": "P?"}, "label": {"steps": steps}}
    got = _rows(_write(tmp_path / "p.jsonl", [row]), format="prm800k", neutral_label=0.5)[0]
    assert got == {"prompt": "P?", "steps": ["b\n", "c"], "labels": [1.0, 0.5]}


@pytest.mark.parametrize(("row", "fmt", "message"), [
    ({"prompt": "x", "steps": ["a"], "labels": [1, 0]}, "steps", "line 2: field 'labels' must be a list of 1"),
    ({"prompt": "x", "steps": ["a"], "labels": [2]}, "steps", r"line 2: field 'labels' item 0 must be .* \[0, 1\]"),
    ({"prompt": "x", "steps": [""], "labels": [1]}, "steps", "line 2: field 'steps' must be a non-empty list"),
    ({"steps": ["a"], "labels": [1]}, "steps", "line 2: missing field 'prompt'"),
    ({"input": "Q Step 1: a ки", "label": "Q Step 1: a ?"}, "math_shepherd", "line 2: field 'label' does not match"),
    ({"question": "P"}, "prm800k", "line 2: field 'question' must be an object"),
])
def test_bad_rows_name_file_line_and_field(tmp_path, row, fmt, message):
    good = {"steps": {"prompt": "x", "steps": ["a"], "labels": [1]},
            "math_shepherd": {"input": "Q Step 1: a ки", "label": "Q Step 1: a +"},
            "prm800k": {"question": {"problem": "P"}, "label": {"steps": [{"completions": [{"text": "a", "rating": 1}]}]}}}
    path = _write(tmp_path / "bad.jsonl", [good[fmt], row])
    with pytest.raises(DatasetFormatError, match=f"bad.jsonl, {message}"):
        _rows(path, format=fmt)


def test_options_are_checked():
    with pytest.raises(ValueError, match="format must be one of"):
        StepLabelDataModule(train_file="x.jsonl", format="csv")
    with pytest.raises(ValueError, match=r"worked_solution: need integers"):
        worked_solution("2*3")

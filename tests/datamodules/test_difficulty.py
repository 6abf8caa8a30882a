"""Eq 96: difficulty levels from feature columns, fitted on training rows and applied to validation."""

import doctest

import pytest

import lit_reason.datamodules.difficulty as module
from lit_reason.datamodules import PromptDataModule
from lit_reason.datamodules.difficulty import FeatureDifficulty
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask, expression_features


def test_doctests():
    assert doctest.testmod(module).failed == 0


def test_features_by_hand():
    assert expression_features("58+67") == {"steps": 1, "digits": 4, "carries": 2}  # 8+7=15, 5+6+1=12
    assert expression_features("3+4+5") == {"steps": 2, "digits": 3, "carries": 1}  # 3+4+5=12
    assert expression_features("12*3") == {"steps": 1, "digits": 3, "carries": 0}  # carries only for sums


def test_levels_by_hand():
    rows = [{"carries": c} for c in [0, 0, 1, 1, 2, 2]]
    fd = FeatureDifficulty({"carries": 1.0}, levels=3).fit(rows)
    # scores sorted [-1.22 -1.22 0 0 1.22 1.22]; edges at indices ceil(6/3)-1=1 and ceil(12/3)-1=3: -1.22, 0;
    # a score equal to an edge stays below it
    assert [fd.level(r) for r in rows] == [0, 0, 1, 1, 2, 2]
    assert fd.level({"carries": 5}) == 2 and fd.level({"carries": -3}) == 0  # outside the fitted range


def test_ties_keep_the_lowest_level_populated():
    rows = [{"carries": c} for c in [0] * 6 + [1] * 3 + [2]]  # 60% of the rows share the lowest score
    fd = FeatureDifficulty({"carries": 1.0}, levels=2).fit(rows)
    assert [fd.level(r) for r in rows] == [0] * 6 + [1] * 4


def test_bad_rows_are_named():
    fd = FeatureDifficulty({"steps": 1.0})
    with pytest.raises(ValueError, match="train.jsonl: row 1 has no difficulty feature 'steps'"):
        fd.fit([{"steps": 1}, {"digits": 2}], "train.jsonl")
    with pytest.raises(ValueError, match="row 0 field 'steps' is not a number"):
        fd.fit([{"steps": "many"}], "train.jsonl")
    with pytest.raises(ValueError, match="levels >= 1"):
        FeatureDifficulty({"steps": 1.0}, levels=0)


def test_prompt_datamodule_sets_difficulty_from_features():
    dm = PromptDataModule(synthetic=ArithmeticTask(levels=[[1, 1], [2, 2]], features=True), train_size=300,
                          val_size=40, difficulty_features={"digits": 1.0, "carries": 1.0}, difficulty_levels=3)
    dm.setup("fit")
    levels = [r["difficulty"] for r in dm.train_rows]
    assert set(levels) == {0, 1, 2} and {r["difficulty"] for r in dm.val_rows} <= {0, 1, 2}
    # more digits and carries never lower the level
    by_score = sorted(dm.train_rows, key=lambda r: r["digits"] + r["carries"])
    hardest = max(dm.train_rows, key=lambda r: (r["digits"], r["carries"]))
    assert by_score[0]["difficulty"] == 0 and hardest["difficulty"] == 2

"""SampleTableLogger: every-N schedule, JSONL / CSV files, W&B table, state."""

import json
from types import SimpleNamespace

import pytest
import torch
from lightning.pytorch.loggers import WandbLogger

from lit_reason.callbacks import SampleTableLogger
from lit_reason.rollout import IterationRecord
from tests.callbacks.stub import ScriptedModule, rollout


def module_with_rollout():
    module = ScriptedModule([])
    module.last_iteration = IterationRecord(1, rollout([0, 1, 2], [1.0, 0.0, 0.5], completions=["a", "b", "c"],
                                                       correct=torch.tensor([True, False, False])))
    return module


def trainer(loggers=()):
    return SimpleNamespace(training=True, sanity_checking=False, loggers=list(loggers), is_global_zero=True,
                           global_step=7)


def test_jsonl_every_second_iteration(tmp_path):
    cb, module = SampleTableLogger(every_n_iterations=2, max_rows=2, dirpath=str(tmp_path)), module_with_rollout()
    for _ in range(4):
        cb.on_train_batch_end(trainer(), module, None, None, 0)
    lines = [json.loads(x) for x in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in lines] == [2, 2, 4, 4]  # 2 tables of max_rows = 2
    assert lines[0] == {"iteration": 2, "prompt": "p0", "completion": "a", "reward": 1.0, "correct": True,
                        "answer": "1"}
    assert cb.tables == 2


def test_csv_header_once(tmp_path):
    cb, module = SampleTableLogger(every_n_iterations=1, dirpath=str(tmp_path), file_format="csv"), module_with_rollout()
    for _ in range(2):
        cb.on_train_batch_end(trainer(), module, None, None, 0)
    rows = (tmp_path / "samples.csv").read_text().splitlines()
    assert rows[0] == "iteration,prompt,completion,reward,correct,answer" and len(rows) == 1 + 2 * 3


def test_wandb_logger_gets_the_table(tmp_path):
    calls = []

    class FakeWandb(WandbLogger):
        def __init__(self):  # no wandb run: only the table call is under test
            pass

        def log_table(self, **kw):
            calls.append(kw)

    cb = SampleTableLogger(every_n_iterations=1, dirpath=str(tmp_path))
    cb.on_train_batch_end(trainer([FakeWandb()]), module_with_rollout(), None, None, 0)
    assert calls[0]["key"] == "samples" and calls[0]["step"] == 7 and len(calls[0]["data"]) == 3
    assert not (tmp_path / "samples.jsonl").exists()


def test_state_dict_round_trip_state_key_and_arguments():
    cb = SampleTableLogger()
    cb.iterations, cb.tables = 5, 1
    other = SampleTableLogger()
    other.load_state_dict(cb.state_dict())
    assert other.state_dict() == {"iterations": 5, "tables": 1}
    assert cb.state_key == "SampleTableLogger{'key': 'samples'}"
    with pytest.raises(ValueError, match="file_format must be one of"):
        SampleTableLogger(file_format="xlsx")

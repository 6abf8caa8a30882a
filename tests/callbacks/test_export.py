"""ExportPolicy keeps an export of a longer run unless told to overwrite it."""

import json

import pytest

from lit_reason.callbacks import ExportPolicy
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig
from tests.callbacks.stub import ScriptedModule, fit

SCRIPT = [{"train/loss": 1.0}] * 10


def _module():
    module = ScriptedModule(SCRIPT)
    module.policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return module


def _steps(path):
    return json.loads((path / "lit_reason_export.json").read_text())["global_step"]


def test_shorter_run_keeps_longer_export(tmp_path):
    fit(_module(), 4, [ExportPolicy(str(tmp_path))])
    assert _steps(tmp_path) == 4 and (tmp_path / "config.json").exists()
    short = ExportPolicy(str(tmp_path))
    with pytest.warns(UserWarning, match=r"kept .* \(exported by a run of 4 steps\); this run's 2 steps"):
        fit(_module(), 2, [short])
    assert _steps(tmp_path) == 4 and not short.exported
    fit(_module(), 2, [ExportPolicy(str(tmp_path), overwrite=True)])
    assert _steps(tmp_path) == 2
    fit(_module(), 3, [ExportPolicy(str(tmp_path))])  # a longer run replaces it
    assert _steps(tmp_path) == 3

"""EntropyMonitor: collapse and spike trajectory, temperature / entropy_coef response, state."""

import lightning as L
import pytest

from lit_reason.callbacks import EntropyEvent, EntropyMonitor
from tests.callbacks.stub import ScriptedModule, fit

N, C, S, W = EntropyEvent.NORMAL, EntropyEvent.COLLAPSE, EntropyEvent.SPIKE, EntropyEvent.WARMUP
# ema_decay 0.5: warm-up baseline 1.0; 0.4 < 0.5 * 1.0 collapse (baseline kept); 0.9 normal -> baseline 0.95;
# 2.0 > 2 * 0.95 = 1.9 spike; 0.5 >= 0.475 normal -> baseline 0.725
STREAM = [1.0, 1.0, 1.0, 0.4, 0.9, 2.0, 0.5]
EVENTS = [W, W, W, C, N, S, N]


def test_scripted_stream_events():
    cb = EntropyMonitor(ema_decay=0.5, warmup=3)
    assert [cb._classify(e) for e in STREAM] == EVENTS
    assert cb.baseline == pytest.approx(0.725, abs=1e-12)


def test_temperature_response_on_plain_module_within_bounds():
    module = ScriptedModule([{"train/entropy": e} for e in STREAM + [0.1, 0.1, 0.1]])
    cb = EntropyMonitor(ema_decay=0.5, warmup=3, response="temperature", step=0.25, max_value=1.6)
    with pytest.warns(UserWarning, match="entropy collapse"):
        fit(module, 10, [cb])
    # 1.0 -collapse-> 1.25 -spike-> 1.0 (floor) -collapse x3-> 1.25, 1.5, 1.6 (max_value)
    assert module.sampling.temperature == pytest.approx(1.6, abs=1e-12)
    assert cb.events == {"collapse": 4, "spike": 1}


def test_entropy_coef_response_and_missing_attribute():
    cb = EntropyMonitor(response="entropy_coef", step=0.01, max_value=0.015)
    cb.floor = 0.0
    assert cb._next_value(0.0, C) == 0.01 and cb._next_value(0.01, C) == 0.015
    assert cb._next_value(0.0, S) == 0.0
    with pytest.raises(TypeError, match="ScriptedModule has none"):
        cb.setup(None, ScriptedModule([]), "fit")
    cb.setup(None, ScriptedModule([], with_entropy_coef=True), "fit")


def test_state_dict_round_trip_and_state_key():
    cb = EntropyMonitor(ema_decay=0.5)
    for e in STREAM:
        cb._classify(e)
    other = EntropyMonitor(ema_decay=0.5)
    other.load_state_dict(cb.state_dict())
    assert other.state_dict() == cb.state_dict()
    assert other._classify(0.3) is C  # 0.3 < 0.5 * 0.725: the restored baseline is used
    assert cb.state_key == "EntropyMonitor{'response': 'none', 'collapse_ratio': 0.5}"


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"collapse_ratio must be in \(0, 1\), got 1.5"):
        EntropyMonitor(collapse_ratio=1.5)
    with pytest.raises(ValueError, match="response must be one of"):
        EntropyMonitor(response="lr")
    assert isinstance(EntropyMonitor(), L.Callback)


def test_adaptive_coefficient_rule():
    # Skywork-OR1 rule: c += step below the target, -= step above; applied only at or below the target
    cb = EntropyMonitor(response="adaptive", target_entropy=1.0, step=0.1, max_value=0.25)
    applied = [cb._adaptive(e) for e in (0.5, 0.5, 0.5, 1.5, 1.0, 2.0, 2.0, 2.0)]
    # c: 0.1, 0.2, 0.25 (max), 0.15 (above: applied 0), 0.05 (at the target: -step, applied 0.05),
    #    0.0 (applied 0), 0.0, 0.0 (never below 0)
    assert applied == pytest.approx([0.1, 0.2, 0.25, 0.0, 0.05, 0.0, 0.0, 0.0], abs=1e-12)
    with pytest.raises(ValueError, match="target_entropy"):
        EntropyMonitor(response="adaptive")


def test_adaptive_response_drives_the_module_and_resumes():
    stream = [0.2] * 4 + [3.0] * 2
    module = ScriptedModule([{"train/entropy": e, "train/entropy_cov": 0.5} for e in stream], with_entropy_coef=True)
    cb = EntropyMonitor(response="adaptive", target_entropy=1.0, step=0.01, max_value=1.0, warmup=10)
    fit(module, len(stream), [cb])
    # four iterations below the target: c = 0.04; two above: c = 0.02 but the module gets 0 above the target
    assert cb.coef == pytest.approx(0.02, abs=1e-12) and module.entropy_coef == 0.0
    other = EntropyMonitor(response="adaptive", target_entropy=1.0, step=0.01, max_value=1.0)
    other.load_state_dict(cb.state_dict())
    assert other.coef == pytest.approx(0.02, abs=1e-12)
    with pytest.raises(TypeError, match="ScriptedModule has none"):
        cb.setup(None, ScriptedModule([]), "fit")


def test_collapse_warning_quotes_the_covariance():
    module = ScriptedModule([{"train/entropy": e, "train/entropy_cov": 0.75} for e in [1.0, 1.0, 0.1]])
    with pytest.warns(UserWarning, match="entropy_cov 0.75"):
        fit(module, 3, [EntropyMonitor(warmup=2)])

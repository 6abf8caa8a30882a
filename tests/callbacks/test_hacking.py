"""RewardHackingMonitor: scripted signals, unparsed high-reward fraction, plain module, state."""

from types import SimpleNamespace

import pytest

from lit_reason.callbacks import HackingSignal, RewardHackingMonitor
from lit_reason.rollout import IterationRecord
from tests.callbacks.stub import ScriptedModule, rollout

J, B, LC, R, U = (HackingSignal.REWARD_JUMP, HackingSignal.LENGTH_BLOWUP, HackingSignal.LENGTH_COLLAPSE,
                  HackingSignal.REPETITION, HackingSignal.UNPARSED_HIGH_REWARD)


def test_scripted_stream_signals():
    cb = RewardHackingMonitor(reward_jump=0.3, length_ratio=2.0, max_repetition=0.5, ema_decay=0.5, warmup=2)
    # warm-up: baselines reward 0.2, length 10; then 0.6 - 0.2 = 0.4 > 0.3 jump; 25 > 2 * 10 blow-up;
    # 4 < 10 / 2 collapse; repetition 0.7 > 0.5; 0.4 and 12 normal -> baselines 0.3 and 11
    stream = [(0.2, 10, 0.0), (0.2, 10, 0.0), (0.6, 10, 0.0), (0.2, 25, 0.0), (0.2, 4, 0.0), (0.2, 10, 0.7),
              (0.4, 12, 0.0)]
    got = [cb._signals(r, n, rep, None) for r, n, rep in stream]
    assert got == [[], [], [J], [B], [LC], [R], []]
    assert (cb.reward_baseline, cb.length_baseline) == pytest.approx((0.3, 11.0), abs=1e-12)


def test_unparsed_fraction_of_high_reward_samples():
    cb = RewardHackingMonitor(high_reward=1.0)
    # A one-word completion is a text answer to the math extractor ("Evelyn"), so the unparseable ones are prose.
    completions = ["\\boxed{3}", "no answer here", "The answer is 4", "I am not sure"]
    # high-reward samples: 0, 1, 3 (reward >= 1); unparseable among them: 1 and 3 -> 2/3
    assert cb.unparsed_fraction(completions, [1.0, 1.5, 0.0, 1.0]) == pytest.approx(2 / 3, abs=1e-12)
    assert cb.unparsed_fraction(completions, [0.0] * 4) is None


def test_hook_on_plain_module_counts_and_logs():
    cb = RewardHackingMonitor(warmup=1, max_unparsed_frac=0.2)
    module = ScriptedModule([])
    module.last_iteration = IterationRecord(1, rollout([0, 0], [1.0, 1.0], completions=["I give up", "\\boxed{2}"]))
    logged = {}
    module.log_dict = lambda d, **kw: logged.update(d)
    trainer = SimpleNamespace(training=True, sanity_checking=False,
                              callback_metrics={"train/reward": 0.5, "train/completion_len": 3.0})
    with pytest.warns(UserWarning, match="unparsed_high_reward"):
        cb.on_train_batch_end(trainer, module, None, None, 0)
    assert logged["callback/unparsed_high_reward_frac"] == 0.5 and cb.counts["unparsed_high_reward"] == 1


def test_state_dict_round_trip_and_state_key():
    cb = RewardHackingMonitor()
    cb._signals(0.2, 10.0, 0.0, None)
    other = RewardHackingMonitor()
    other.load_state_dict(cb.state_dict())
    assert other.state_dict() == cb.state_dict()
    assert cb.state_key == "RewardHackingMonitor{'reward_jump': 0.3, 'length_ratio': 2.0}"
    with pytest.raises(ValueError, match="length_ratio must be > 1, got 1"):
        RewardHackingMonitor(length_ratio=1)

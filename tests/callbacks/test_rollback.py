"""CheckpointRollback: triggers, exact restore of weights, LR cut, cap, disk mode, resume."""

import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from lit_reason.callbacks import CheckpointRollback, RollbackReason
from tests.algorithms.test_grpo import NaNOnSecond, make_grpo
from tests.algorithms.test_grpo import fit as fit_grpo
from tests.callbacks.stub import ScriptedModule, fit


class Weights(Callback):
    """Weights at each iteration's start and end (place it after the rollback callback)."""

    def __init__(self):
        self.start, self.end = [], []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.start.append([p.detach().clone() for p in pl_module.parameters()])

    def on_train_batch_end(self, trainer, pl_module, *args):
        self.end.append([p.detach().clone() for p in pl_module.parameters()])


def test_non_finite_loss_in_grpo_restores_weights_exactly_and_cuts_lr():
    module, rec = make_grpo(NaNOnSecond), Weights()
    cb = CheckpointRollback(lr_factor=0.5)
    with pytest.warns(UserWarning, match="non_finite_loss at iteration 2"):
        trainer = fit_grpo(module, 3, [cb, rec], max_epochs=1, limit_train_batches=3)
    assert cb.rollbacks == 1
    # iteration 1 was healthy, so the weights it started from (the initial ones) are the last good state
    for p, q in zip(rec.end[1], rec.start[0]):
        torch.testing.assert_close(p, q, atol=0, rtol=0)
    # lr 2e-2 * 0.5 = 1e-2, and it survives the scheduler's next step (iteration 3 ran after the cut)
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(1e-2, abs=1e-12)


@pytest.mark.parametrize(
    ("kl", "reward", "nonfinite", "expected"),
    [
        (0.1, 0.5, 0.0, None),
        (0.6, 0.5, 0.0, RollbackReason.KL),  # kl_bound 0.5
        (0.1, 0.29, 0.0, RollbackReason.REWARD_DROP),  # good 0.6 - 0.29 = 0.31 > 0.3
        (0.1, 0.31, 0.0, None),  # 0.6 - 0.31 = 0.29
        (0.1, 0.5, 1.0, RollbackReason.NON_FINITE),
        (float("nan"), 0.5, 0.0, RollbackReason.KL),
    ],
)
def test_trigger_decisions(kl, reward, nonfinite, expected):
    cb = CheckpointRollback(kl_bound=0.5, reward_drop=0.3)
    cb.good_reward = 0.6
    assert cb._trigger(kl, reward, nonfinite) is expected


def test_reward_drop_stream_rolls_back_then_stops_at_cap(tmp_path):
    # good rewards 0.5, 0.6; 0.2 drops 0.4 -> rollback 1; 0.55 healthy; 0.1 -> rollback 2 (cap 1) -> stop
    script = [{"train/reward": r} for r in [0.5, 0.6, 0.2, 0.55, 0.1, 0.5]]
    cb, rec = CheckpointRollback(reward_drop=0.3, max_rollbacks=1, dirpath=str(tmp_path)), Weights()
    with pytest.warns(UserWarning):
        trainer = fit(ScriptedModule(script, lr=0.1), 6, [cb, rec])
    assert cb.rollbacks == 1 and trainer.global_step == 5
    torch.testing.assert_close(rec.end[2][0], rec.start[1][0], atol=0, rtol=0)  # back to the 0.6 weights
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.05, abs=1e-12)
    assert (tmp_path / "last_good.pt").exists()


def test_resume_keeps_rollback_count(tmp_path):
    script = [{"train/reward": r} for r in [0.5, 0.1, 0.5, 0.5]]
    first = CheckpointRollback(reward_drop=0.3)
    with pytest.warns(UserWarning):
        fit(ScriptedModule(script), 2, [first, ModelCheckpoint(dirpath=tmp_path, save_last=True)])
    resumed, module = CheckpointRollback(reward_drop=0.3), ScriptedModule(script)
    trainer = fit(module, 4, [resumed, ModelCheckpoint(dirpath=tmp_path / "b")], ckpt_path=str(tmp_path / "last.ckpt"))
    assert resumed.rollbacks == first.rollbacks == 1
    assert resumed.iterations == 4
    assert trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.05, abs=1e-12)  # the cut LR resumed


def test_state_dict_round_trip_and_state_key():
    cb = CheckpointRollback(kl_bound=0.5)
    cb.rollbacks, cb.iterations, cb.good_reward, cb.nonfinite_seen = 2, 7, 0.4, 1.0
    other = CheckpointRollback(kl_bound=0.5)
    other.load_state_dict(cb.state_dict())
    assert other.state_dict() == {"rollbacks": 2, "iterations": 7, "good_reward": 0.4, "nonfinite_seen": 1.0}
    assert cb.state_key == "CheckpointRollback{'kl_bound': 0.5, 'reward_drop': None}"


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"lr_factor must be in \(0, 1\], got 2"):
        CheckpointRollback(lr_factor=2)
    with pytest.raises(ValueError, match="no trigger"):
        CheckpointRollback(non_finite=False)

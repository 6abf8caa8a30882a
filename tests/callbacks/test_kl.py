"""AdaptiveKLController: eq 127 doubling, the proportional controller, the eq 125 bound, state and resume."""

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from lit_reason.callbacks import AdaptiveKLController, KLReason
from tests.callbacks.stub import ScriptedModule, fit


def controller(**kw):
    cb = AdaptiveKLController(**kw)
    cb.coef = kw.get("init_kl_coef", 0.1) if cb.coef is None else cb.coef
    return cb


@pytest.mark.parametrize(
    ("kls", "expected"),
    [
        # target 0.05: raise above 0.075 (= 0.05 * 1.5), lower below 0.0333 (= 0.05 / 1.5)
        ([0.1, 0.05, 0.02, 0.08, 0.074, 0.034], [0.2, 0.2, 0.1, 0.2, 0.2, 0.2]),
        ([0.0, 0.0, 0.0], [0.05, 0.025, 0.0125]),
        ([1.0, 1.0, 1.0, 1.0], [0.2, 0.4, 0.8, 1.0]),  # capped at max_coef = 1.0
    ],
)
def test_doubling_rule_of_eq_127(kls, expected):
    cb = controller(init_kl_coef=0.1, target=0.05, max_coef=1.0)
    got = []
    for kl in kls:
        cb.coef, _ = cb._next_coef(kl)
        got.append(cb.coef)
    torch.testing.assert_close(torch.tensor(got), torch.tensor(expected), atol=1e-9, rtol=0)


def test_proportional_controller():
    cb = controller(mode="proportional", init_kl_coef=0.1, target=0.05, horizon=10)
    # kl 0.06: error 0.2 -> 0.1 * (1 + 0.2/10) = 0.102
    # kl 0.5: error 9 clipped to 0.2 -> 0.102 * 1.02 = 0.10404
    # kl 0.045: error -0.1 -> 0.10404 * 0.99 = 0.1029996
    got = []
    for kl in [0.06, 0.5, 0.045]:
        cb.coef, _ = cb._next_coef(kl)
        got.append(cb.coef)
    torch.testing.assert_close(torch.tensor(got, dtype=torch.float64),
                               torch.tensor([0.102, 0.10404, 0.1029996], dtype=torch.float64), atol=1e-12, rtol=0)


def test_fixed_mode_keeps_beta_and_reasons_are_named():
    cb = controller(mode="fixed", init_kl_coef=0.3, kl_bound=0.5)
    assert cb._next_coef(10.0 - 9.9) == (0.3, KLReason.KEPT)
    assert cb._next_coef(0.6)[1] is KLReason.BOUND_EXCEEDED  # eq 125 is enforced in every mode


def test_trainer_applies_trajectory_to_plain_module():
    script = [{"train/kl": kl} for kl in [0.1, 0.05, 0.02, 0.08]]
    seen = []

    class Record(Callback):
        def on_train_batch_end(self, trainer, pl_module, *args):
            seen.append((pl_module.kl_coef, float(trainer.callback_metrics["callback/kl_coef"])))

    fit(ScriptedModule(script, kl_coef=0.1), 4, [AdaptiveKLController(target=0.05), Record()])
    expected = torch.tensor([[0.2, 0.2], [0.2, 0.2], [0.1, 0.1], [0.2, 0.2]])
    torch.testing.assert_close(torch.tensor(seen), expected, atol=1e-7, rtol=0)  # logged as float32


def test_bound_stop_ends_training():
    script = [{"train/kl": kl} for kl in [0.1, 0.3, 0.1, 0.1]]
    with pytest.warns(UserWarning, match="exceeds kl_bound 0.2"):
        trainer = fit(ScriptedModule(script), 4, [AdaptiveKLController(target=0.1, kl_bound=0.2)])
    assert trainer.global_step == 2


def test_bound_skip_undoes_the_iteration():
    script = [{"train/kl": kl} for kl in [0.1, 0.3, 0.1]]
    before, after = [], []

    class Snap(Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            before.append(pl_module.layer.weight.detach().clone())

        def on_train_batch_end(self, trainer, pl_module, *args):
            after.append(pl_module.layer.weight.detach().clone())

    cb = AdaptiveKLController(target=0.1, kl_bound=0.2, on_violation="skip")
    with pytest.warns(UserWarning, match="undone"):
        fit(ScriptedModule(script), 3, [cb, Snap()])
    torch.testing.assert_close(after[1], before[1], atol=0, rtol=0)  # step 2 rejected
    assert not torch.equal(after[2], before[2])  # step 3 applied
    # beta: 0.1 (kl 0.1 within [0.0667, 0.15]) -> x2 on the violation -> 0.2 (kl 0.1 within band)
    assert cb.coef == pytest.approx(0.2, abs=1e-12) and cb.violations == 1


def test_resume_from_checkpoint_keeps_beta(tmp_path):
    script = [{"train/kl": kl} for kl in [0.2, 0.2, 0.0, 0.2]]
    straight = AdaptiveKLController(target=0.05)
    fit(ScriptedModule(script), 4, [straight])
    first = AdaptiveKLController(target=0.05)
    fit(ScriptedModule(script), 2, [first, ModelCheckpoint(dirpath=tmp_path, save_last=True)])
    resumed, module = AdaptiveKLController(target=0.05), ScriptedModule(script)
    fit(module, 4, [resumed, ModelCheckpoint(dirpath=tmp_path / "b")], ckpt_path=str(tmp_path / "last.ckpt"))
    # 0.1 -> 0.2 -> 0.4 | resume -> 0.2 -> 0.4
    assert resumed.coef == straight.coef == pytest.approx(0.4, abs=1e-12)
    assert module.kl_coef == resumed.coef


def test_state_dict_round_trip_and_state_key():
    cb = controller(init_kl_coef=0.1, target=0.05, kl_bound=1.0)
    cb.coef, cb.violations = 0.8, 2
    other = AdaptiveKLController(target=0.05, kl_bound=1.0)
    other.load_state_dict(cb.state_dict())
    assert (other.coef, other.violations) == (0.8, 2)
    other.load_state_dict({})  # keys added later default
    assert other.violations == 0
    assert cb.state_key == "AdaptiveKLController{'mode': 'doubling', 'target': 0.05, 'kl_bound': 1.0}"


def test_bad_arguments_and_incompatible_module():
    with pytest.raises(ValueError, match="mode must be one of"):
        AdaptiveKLController(mode="pid")
    with pytest.raises(ValueError, match="target must be > 0, got 0"):
        AdaptiveKLController(target=0)
    with pytest.raises(ValueError, match="on_violation"):
        AdaptiveKLController(on_violation="ignore")

    class NoKL(L.LightningModule):
        pass

    with pytest.raises(TypeError, match="NoKL has none"):
        AdaptiveKLController().setup(None, NoKL(), "fit")
    with pytest.raises(ValueError, match="cannot start from"):
        fit(ScriptedModule([{"train/kl": 0.1}], kl_coef=0.0), 1, [AdaptiveKLController()])

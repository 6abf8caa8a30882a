"""Preference losses against hand-computed values; sign conventions, scaling and bad arguments."""

import math

import pytest
import torch
from torch.testing import assert_close

from lit_reason.losses.preference import (
    PREFERENCE_LOSSES,
    PreferenceLoss,
    dpo_loss,
    ipo_loss,
    kto_loss,
    log_odds,
    orpo_loss,
    resolve_preference_loss,
    simpo_loss,
    spin_loss,
)

TOL = dict(atol=1e-6, rtol=1e-5)


def t(*xs):
    return torch.tensor(xs, dtype=torch.float32)


# Two pairs. Row 0: log-ratios chosen -1-(-1.5)=0.5, rejected -2-(-1.5)=-0.5.
#            Row 1: log-ratios chosen -3-(-2)=-1,   rejected -1-(-2)=1.
PAIRS = (t(-1.0, -3.0), t(-2.0, -1.0), t(-1.5, -2.0), t(-1.5, -2.0))


def test_dpo_hand_computed():
    out = dpo_loss(*PAIRS, beta=0.5)
    assert isinstance(out, PreferenceLoss)
    # row 0: h = 0.5 * (0.5 - -0.5) = 0.5,  -log sigmoid(0.5) = log(1 + e^-0.5) = 0.47407698
    # row 1: h = 0.5 * (-1 - 1) = -1,       -log sigmoid(-1) = log(1 + e^1)    = 1.31326169
    assert_close(out.loss, torch.tensor((0.47407698 + 1.31326169) / 2), **TOL)
    assert_close(out.chosen_rewards, t(0.25, -0.5), **TOL)  # 0.5 * (0.5, -1)
    assert_close(out.rejected_rewards, t(-0.25, 0.5), **TOL)
    assert not out.chosen_rewards.requires_grad


def test_dpo_label_smoothing_is_conservative_dpo():
    chosen, rejected, ref_c, ref_r = (x[:1] for x in PAIRS)
    out = dpo_loss(chosen, rejected, ref_c, ref_r, beta=0.5, label_smoothing=0.2)
    # h = 0.5: 0.8 * log(1 + e^-0.5) + 0.2 * log(1 + e^0.5) = 0.8 * 0.47407698 + 0.2 * 0.97407698 = 0.57407698
    assert_close(out.loss, torch.tensor(0.57407698), **TOL)


def test_dpo_beta_scales_rewards_and_margin():
    small, big = dpo_loss(*PAIRS, beta=0.1), dpo_loss(*PAIRS, beta=1.0)
    assert_close(big.chosen_rewards, 10 * small.chosen_rewards, **TOL)
    # beta = 1, row 0: h = 1 -> log(1 + e^-1) = 0.31326169; row 1: h = -2 -> log(1 + e^2) = 2.12692801
    assert_close(big.loss, torch.tensor((0.31326169 + 2.12692801) / 2), **TOL)


def test_dpo_is_the_contract_signature():
    # another engineer calls it positionally, exactly like this
    out = dpo_loss(*PAIRS, 0.5, 0.0)
    assert_close(out.loss, dpo_loss(*PAIRS, beta=0.5).loss, **TOL)


def test_spin_equals_dpo_with_real_as_winner():
    assert_close(spin_loss(*PAIRS, beta=0.5).loss, dpo_loss(*PAIRS, beta=0.5).loss, **TOL)


def test_ipo_hand_computed():
    out = ipo_loss(*PAIRS, beta=0.25)
    # target 1 / (2 * 0.25) = 2; row 0: (0.5 - -0.5 - 2)^2 = 1; row 1: (-1 - 1 - 2)^2 = 16
    assert_close(out.loss, torch.tensor(8.5), **TOL)
    assert_close(out.chosen_rewards, t(0.125, -0.25), **TOL)


def test_ipo_is_zero_at_its_target_margin():
    # beta = 0.5: target 1, row 0 margin is exactly 1
    assert_close(ipo_loss(*(x[:1] for x in PAIRS), beta=0.5).loss, torch.tensor(0.0), **TOL)


def test_simpo_hand_computed():
    out = simpo_loss(t(-2.0), t(-6.0), t(4.0), t(3.0), beta=2.0, gamma=1.0)
    # rewards 2 * -2/4 = -1 and 2 * -6/3 = -4; -log sigmoid(-1 + 4 - 1) = log(1 + e^-2) = 0.12692801
    assert_close(out.loss, torch.tensor(0.12692801), **TOL)
    assert_close(out.chosen_rewards, t(-1.0), **TOL)
    assert_close(out.rejected_rewards, t(-4.0), **TOL)


def test_simpo_gamma_is_a_margin():
    # with gamma = 3 the margin 3 is exactly met: -log sigmoid(0) = log 2
    out = simpo_loss(t(-2.0), t(-6.0), t(4.0), t(3.0), beta=2.0, gamma=3.0)
    assert_close(out.loss, torch.tensor(math.log(2.0)), **TOL)


def test_kto_hand_computed_with_zero_reference_point():
    out = kto_loss(t(-1.0, -2.0, -3.0), t(-1.5, -1.5, -2.0), torch.tensor([True, False, True]),
                   beta=1.0, desirable_weight=1.0, undesirable_weight=2.0)
    # r = (0.5, -0.5, -1), mean -1/3 -> z0 = max(0, -1/3) = 0
    # desirable:   1 * sigmoid(0 - 0.5) = 0.37754067;  1 * sigmoid(0 - -1) = 0.73105858
    # undesirable: 2 * sigmoid(-(0 - -0.5)) = 2 * 0.37754067 = 0.75508134
    assert_close(out.loss, torch.tensor((0.37754067 + 0.75508134 + 0.73105858) / 3), **TOL)
    assert_close(out.chosen_rewards, t(0.5, -1.0), **TOL)
    assert_close(out.rejected_rewards, t(-0.5), **TOL)


def test_kto_reference_point_is_detached():
    logps = t(-1.0, -2.0).requires_grad_()
    out = kto_loss(logps, t(-2.0, -2.5), torch.tensor([True, False]), beta=1.0)
    # r = (1, 0.5), z0 = 0.75; both rows sigmoid(-0.25) = 0.43782350
    assert_close(out.loss, torch.tensor(0.43782350), **TOL)
    out.loss.backward()
    # only the direct path: d/dr0 [sigmoid(z0 - r0) / 2] = -s(1 - s) / 2 with s = sigmoid(-0.25): -0.12306704
    # d/dr1 [sigmoid(r1 - z0) / 2] = +0.12306704
    assert_close(logps.grad, t(-0.12306704, 0.12306704), **TOL)


def test_kto_mismatched_kl_estimate():
    out = kto_loss(t(-1.0, -2.0), t(-2.0, -2.5), torch.tensor([True, False]), beta=1.0,
                   kl_logps=t(-1.0), ref_kl_logps=t(-1.2))
    # z0 = 0.2; r = (1, 0.5): sigmoid(0.2 - 1) = 0.31002552, sigmoid(0.5 - 0.2) = 0.57444252
    assert_close(out.loss, torch.tensor((0.31002552 + 0.57444252) / 2), **TOL)


def test_log_odds():
    # p = e^-0.5: log p - log(1 - p) = -0.5 - log(0.39346934) = 0.43275213
    assert_close(log_odds(t(-0.5)), t(0.43275213), **TOL)
    assert torch.isfinite(log_odds(t(0.0))).all()  # p = 1 clamped, not inf


def test_orpo_hand_computed():
    out = orpo_loss(t(-2.0), t(-3.0), t(4.0), t(2.0), lam=0.1)
    # means -0.5 and -1.5; log odds 0.43275213 and -1.24751754; diff 1.68026967
    # -log sigmoid(1.68026967) = 0.17085922; NLL = 2 / 4 = 0.5; 0.5 + 0.1 * 0.17085922 = 0.51708592
    assert_close(out.loss, torch.tensor(0.51708592), **TOL)
    assert_close(out.chosen_rewards, t(-0.05), **TOL)  # 0.1 * -0.5


def test_orpo_nll_is_token_mean_over_the_batch():
    out = orpo_loss(t(-2.0, -4.0), t(-50.0, -50.0), t(4.0, 4.0), t(1.0, 1.0), lam=0.0)
    assert_close(out.loss, torch.tensor(6.0 / 8.0), **TOL)  # (2 + 4) / (4 + 4)


@pytest.mark.parametrize("name", ["dpo", "ipo", "simpo", "orpo", "spin"])
def test_loss_falls_when_chosen_logp_rises_and_rejected_falls(name):
    chosen = t(-2.0, -3.0).requires_grad_()
    rejected = t(-2.5, -1.0).requires_grad_()
    others = (t(-2.0, -2.0), t(-2.0, -2.0)) if name in ("dpo", "ipo", "spin") else (t(3.0, 3.0), t(2.0, 2.0))
    fn = PREFERENCE_LOSSES[name]
    fn(chosen, rejected, *others).loss.backward()
    assert (chosen.grad < 0).all() and (rejected.grad > 0).all(), (chosen.grad, rejected.grad)


def test_kto_sign_convention():
    logps = t(-2.0, -2.0).requires_grad_()
    kto_loss(logps, t(-2.0, -2.0), torch.tensor([True, False])).loss.backward()
    assert logps.grad[0] < 0 < logps.grad[1]


def test_non_finite_input_gives_non_finite_loss():
    # the module counts and skips such steps; the loss must not hide them
    assert not torch.isfinite(dpo_loss(t(float("nan")), t(-1.0), t(-1.0), t(-1.0)).loss)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dpo_loss(*PAIRS, beta=0.0), "beta must be > 0"),
        (lambda: dpo_loss(*PAIRS, label_smoothing=0.5), "label_smoothing"),
        (lambda: dpo_loss(t(-1.0), *PAIRS[1:]), "one shape"),
        (lambda: ipo_loss(*PAIRS, beta=-1.0), "beta must be > 0"),
        (lambda: simpo_loss(t(-1.0), t(-1.0), t(0.0), t(1.0)), "chosen_lengths must be > 0"),
        (lambda: orpo_loss(t(-1.0), t(-1.0), t(1.0), t(1.0), lam=-1.0), "lam must be >= 0"),
        (lambda: kto_loss(t(-1.0), t(-1.0), t(1.0)), "bool"),
        (lambda: kto_loss(t(-1.0), t(-1.0), torch.tensor([True]), undesirable_weight=-1), ">= 0"),
        (lambda: kto_loss(t(-1.0), t(-1.0), torch.tensor([True]), kl_logps=t(-1.0)), "both kl_logps"),
        (lambda: resolve_preference_loss("dpoo"), "'dpo', 'ipo'"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_registry():
    assert resolve_preference_loss("kto") is kto_loss
    assert set(PREFERENCE_LOSSES) == {"dpo", "ipo", "simpo", "kto", "orpo", "spin"}

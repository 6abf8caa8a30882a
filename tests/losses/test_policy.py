"""Hand-computed checks of the PPO / GRPO clipped surrogate and its diagnostics."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.losses.policy as policy_module
from lit_reason.losses import POLICY_LOSSES, approx_kl, clip_fraction, clipped_surrogate, resolve_policy_loss

TOL = {"atol": 1e-6, "rtol": 1e-5}
EPS = {"eps_low": 0.2, "eps_high": 0.28}  # DAPO clip-higher: range [0.8, 1.28]

# Row 0 has A = +2, row 1 has A = -1.
RATIOS = torch.tensor([[1.5, 0.5, 1.1, 1.25], [1.5, 0.5, 1.1, 0.75]])
LOGP = torch.log(RATIOS)
OLD = torch.zeros(2, 4)
ADV = torch.tensor([2.0, -1.0])
# loss = -min(r*A, clip(r, 0.8, 1.28)*A)
# row 0 (A=2):  r=1.5 -> -min(3.0, 2.56) = -2.56 (clipped); r=0.5 -> -min(1.0, 1.6) = -1.0;
#               r=1.1 -> -2.2; r=1.25 -> -min(2.5, 2.5) = -2.5 (inside 1.28, clipped if eps_high were 0.2)
# row 1 (A=-1): r=1.5 -> -min(-1.5, -1.28) = 1.5; r=0.5 -> -min(-0.5, -0.8) = 0.8 (clipped);
#               r=1.1 -> 1.1; r=0.75 -> -min(-0.75, -0.8) = 0.8 (clipped)
EXPECTED = torch.tensor([[-2.56, -1.0, -2.2, -2.5], [1.5, 0.8, 1.1, 0.8]])


def test_clipped_surrogate_both_signs_asymmetric_eps():
    assert_close(clipped_surrogate(LOGP, OLD, ADV, **EPS), EXPECTED, **TOL)


def test_symmetric_eps_clips_the_1_25_ratio():
    # with eps_high = 0.2, r = 1.25 clips to 1.2: -min(2.5, 2.4) = -2.4
    loss = clipped_surrogate(LOGP, OLD, ADV, eps_low=0.2, eps_high=0.2)
    assert_close(loss[0, 3], torch.tensor(-2.4), **TOL)


def test_per_token_advantages_equal_broadcast():
    adv_bt = ADV[:, None].expand(2, 4)
    assert_close(clipped_surrogate(LOGP, OLD, adv_bt, **EPS), EXPECTED, **TOL)


def test_gradient_is_zero_where_clipped():
    logp = LOGP.clone().requires_grad_(True)
    clipped_surrogate(logp, OLD, ADV, **EPS).sum().backward()
    # d(-r*A)/dlogp = -A*r where the unclipped term is selected, 0 where the clipped one is:
    # row 0: [0, -2*0.5, -2*1.1, -2*1.25]; row 1: [1.5, 0, 1.1, 0]
    expected = torch.tensor([[0.0, -1.0, -2.2, -2.5], [1.5, 0.0, 1.1, 0.0]])
    assert_close(logp.grad, expected, **TOL)


def test_zero_advantage_gives_zero_loss_and_no_clipping():
    zero = torch.zeros(2)
    assert torch.equal(clipped_surrogate(LOGP, OLD, zero).abs(), torch.zeros(2, 4))
    assert clip_fraction(LOGP, OLD, zero, torch.ones(2, 4)).item() == 0.0


def test_clip_fraction():
    # clipped tokens: (0, 0), (1, 1), (1, 3) -> 3 of 8
    assert_close(clip_fraction(LOGP, OLD, ADV, torch.ones(2, 4), **EPS), torch.tensor(3 / 8), **TOL)
    # masking out (1, 3) -> 2 of 7
    mask = torch.ones(2, 4)
    mask[1, 3] = 0
    assert_close(clip_fraction(LOGP, OLD, ADV, mask, **EPS), torch.tensor(2 / 7), **TOL)


def test_clip_fraction_fully_masked_row_and_batch():
    mask = torch.tensor([[1, 1, 1, 1], [0, 0, 0, 0]])
    # row 0 alone: 1 clipped of 4
    assert_close(clip_fraction(LOGP, OLD, ADV, mask, **EPS), torch.tensor(0.25), **TOL)
    assert clip_fraction(LOGP, OLD, ADV, torch.zeros(2, 4), **EPS).item() == 0.0


def test_approx_kl_k3():
    logp = torch.log(torch.tensor([[2.0, 0.5, 7.0]]))
    mask = torch.tensor([[1, 1, 0]])
    # k3 = (r - 1) - log r: r=2 -> 1 - ln 2 = 0.306853; r=0.5 -> -0.5 + ln 2 = 0.193147
    # mean = (0.306853 + 0.193147) / 2 = 0.25 (r=7 is masked)
    out = approx_kl(logp.requires_grad_(True), torch.zeros(1, 3), mask)
    assert_close(out, torch.tensor(0.25), **TOL)
    assert not out.requires_grad


def test_approx_kl_fully_masked_is_zero():
    assert approx_kl(torch.tensor([[math.nan]]), torch.zeros(1, 1), torch.zeros(1, 1)).item() == 0.0


def test_non_finite_input_propagates():
    logp = LOGP.clone()
    logp[0, 0] = math.nan
    assert torch.isnan(clipped_surrogate(logp, OLD, ADV)[0, 0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="eps_low"):
        clipped_surrogate(LOGP, OLD, ADV, eps_low=1.0)
    with pytest.raises(ValueError, match="eps_high"):
        clipped_surrogate(LOGP, OLD, ADV, eps_high=-0.1)
    with pytest.raises(ValueError, match="advantages"):
        clipped_surrogate(LOGP, OLD, torch.ones(3))
    with pytest.raises(ValueError, match="old_logp"):
        clipped_surrogate(LOGP, OLD[:, :3], ADV)


def test_registry():
    assert POLICY_LOSSES["clip"] is clipped_surrogate
    assert resolve_policy_loss("clip") is clipped_surrogate
    with pytest.raises(ValueError, match="valid names: 'clip'"):
        resolve_policy_loss("ppo")


def test_docstring_examples():
    result = doctest.testmod(policy_module)
    assert result.attempted > 0 and result.failed == 0

"""Hand-computed checks of GSPO, CISPO, GMPO, Clip-Cov and KL-Cov (losses/policy_variants.py)."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.losses.policy_variants as variants
from lit_reason.losses import aggregate, clipped_surrogate
from lit_reason.losses.policy_variants import (
    cispo_surrogate,
    clip_cov_selection,
    clip_cov_surrogate,
    gmpo_surrogate,
    gspo_surrogate,
    kl_cov_selection,
    kl_cov_surrogate,
    sequence_ratio,
    token_covariance,
)

TOL = {"atol": 1e-6, "rtol": 1e-5}
# Row 0: token ratios 2 and 0.5 (valid), row 1: ratio 4, then padding (NaN there must not leak).
RATIOS = torch.tensor([[2.0, 0.5], [4.0, 1.0]])
MASK = torch.tensor([[1, 1], [1, 0]])
OLD = torch.zeros(2, 2)
ADV = torch.tensor([1.0, -2.0])


def _logp() -> torch.Tensor:
    lp = torch.log(RATIOS)
    lp[1, 1] = float("nan")  # padding may hold anything
    return lp.requires_grad_()


def test_doctests():
    assert doctest.testmod(variants).failed == 0


def test_sequence_ratio_is_the_geometric_mean_and_ignores_padding():
    # row 0: sqrt(2 * 0.5) = 1; row 1: one valid token, 4; a fully masked row: 1
    s = sequence_ratio(_logp(), OLD, MASK)
    assert_close(s, torch.tensor([1.0, 4.0]), **TOL)
    assert sequence_ratio(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 2)).item() == 1.0


def test_gspo_value_and_gradient():
    logp = _logp()
    loss = gspo_surrogate(logp, OLD, ADV, mask=MASK, eps_low=0.2, eps_high=0.2)
    # row 0: s = 1, A = 1 -> -1 on both tokens; row 1: s = 4, A = -2: -min(-8, -2.4) = 8 (unclipped term)
    assert_close(loss[MASK.bool()], torch.tensor([-1.0, -1.0, 8.0]), **TOL)
    total = aggregate(loss, MASK, "sequence")  # (-1 + 8) / 2 = 3.5, eq 5's mean over sequences
    assert_close(total, torch.tensor(3.5), **TOL)
    total.backward()
    # d/dlogp_t of -(1/2) s_0 A_0 = -(1/2) * s_0 * (1/|y_0|) = -0.25 per token of row 0;
    # row 1: d/dlogp of (1/2) * 2 * s_1 = s_1 = 4 (|y_1| = 1); padding gets no gradient
    assert_close(logp.grad, torch.tensor([[-0.25, -0.25], [4.0, 0.0]]), **TOL)


def test_gspo_clip_zeroes_the_gradient_of_a_clipped_sequence():
    logp = torch.log(torch.tensor([[4.0, 4.0]])).requires_grad_()
    loss = gspo_surrogate(logp, torch.zeros(1, 2), torch.tensor([1.0]), mask=torch.ones(1, 2))
    assert_close(loss, torch.full((1, 2), -1.0004), **TOL)  # s = 4 clipped at 1 + 4e-4
    loss.sum().backward()
    assert logp.grad.abs().max().item() == 0.0


def test_gspo_on_one_token_sequences_is_the_token_clip():
    logp, old = torch.randn(3, 1), torch.randn(3, 1)
    adv = torch.tensor([1.0, -1.0, 0.5])
    assert_close(gspo_surrogate(logp, old, adv, mask=torch.ones(3, 1), eps_low=0.2, eps_high=0.28),
                 clipped_surrogate(logp, old, adv, eps_low=0.2, eps_high=0.28), **TOL)


def test_cispo_clips_the_weight_not_the_gradient():
    # per token like clipped_surrogate: padding must be finite (its docstring), the sequence losses' need not
    logp = torch.log(RATIOS).requires_grad_()
    loss = cispo_surrogate(logp, OLD, ADV, eps_low=1.0, eps_high=0.28)
    # weights min(r, 1.28): 1.28, 0.5, 1.28; loss = -w A logp
    # row 0: -1.28 * ln 2 = -0.887228, -0.5 * ln 0.5 = 0.346574; row 1: -1.28 * -2 * ln 4 = 3.548913
    assert_close(loss[MASK.bool()], torch.tensor([-0.887228, 0.346574, 3.548913]), **TOL)
    aggregate(loss, MASK, "token").backward()
    # gradient -w A / N with N = 3 valid tokens: every token keeps one, clipped or not
    assert_close(logp.grad, torch.tensor([[-1.28 / 3, -0.5 / 3], [2.56 / 3, 0.0]]), **TOL)


def test_cispo_lower_bound_and_bad_range():
    loss = cispo_surrogate(torch.log(torch.tensor([[0.5]])), torch.zeros(1, 1), torch.tensor([1.0]),
                           eps_low=0.2, eps_high=0.2)
    assert_close(loss, torch.tensor([[-0.8 * math.log(0.5)]]), **TOL)  # weight max(0.5, 0.8) = 0.8
    with pytest.raises(ValueError, match="eps_low"):
        cispo_surrogate(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1), eps_low=1.5)


def test_gmpo_value_signs_and_gradient():
    logp = _logp()
    loss = gmpo_surrogate(logp, OLD, ADV, mask=MASK, eps_low=0.4, eps_high=0.4)
    # row 0 (A = +1): log r = (ln 2, -ln 2) = (0.693, -0.693): min(x, clip(x)) = (0.4, -0.693),
    #   mean -0.146574, R = exp(-0.146574) = 0.863664, loss -0.863664
    # row 1 (A = -2, sign -1): -log r = -ln 4 = -1.386: min(-1.386, clip -> -0.4) = -1.386,
    #   log R = -1 * -1.386 = 1.386, R = 4, loss = -4 * -2 = 8 (not clipped: the bound only stops gains)
    assert_close(loss[MASK.bool()], torch.tensor([-0.863664, -0.863664, 8.0]), **TOL)
    aggregate(loss, MASK, "sequence").backward()
    # row 0: d/dlogp of -(1/2) R A: token 0 is clipped (0 grad), token 1: -(1/2) * R * (1/2) = -0.215916
    # row 1: d/dlogp of (1/2) * 2 * R = R = 4
    assert_close(logp.grad, torch.tensor([[0.0, -0.215916], [4.0, 0.0]]), **TOL)


def test_gmpo_zero_advantage_and_masked_row_give_zero():
    loss = gmpo_surrogate(torch.ones(2, 2), torch.zeros(2, 2), torch.tensor([0.0, 1.0]),
                          mask=torch.tensor([[1, 1], [0, 0]]))
    assert_close(loss[0], torch.zeros(2), **TOL)
    assert aggregate(loss, torch.tensor([[1, 1], [0, 0]]), "sequence").item() == 0.0


def test_token_covariance_by_hand():
    logp = torch.tensor([[-1.0, -2.0], [-3.0, 9.0]])
    adv = torch.tensor([1.0, -1.0])
    # valid tokens: logp (-1, -2, -3) mean -2; A (1, 1, -1) mean 1/3
    # terms: (1)(2/3) = 0.666667, (0)(2/3) = 0, (-1)(-4/3) = 1.333333; padding 0
    assert_close(token_covariance(logp, adv, MASK), torch.tensor([[2 / 3, 0.0], [4 / 3, 0.0]]), **TOL)


def test_kl_cov_selects_the_top_covariance_and_penalises_it():
    logp = torch.tensor([[-1.0, -2.0], [-3.0, 9.0]])
    adv = torch.tensor([1.0, -1.0])
    sel = kl_cov_selection(logp, adv, MASK, ratio=0.4)  # int(0.4 * 3) = 1 token: the covariance 4/3 one
    assert sel.tolist() == [[False, False], [True, False]]
    assert kl_cov_selection(logp, adv, MASK, ratio=1e-6).sum().item() == 1  # never fewer than one token
    assert kl_cov_selection(logp, adv, torch.zeros(2, 2), ratio=0.5).sum().item() == 0
    loss = kl_cov_surrogate(logp, logp - 0.5, adv, selected=sel, kl_coef=2.0)
    # r = e^0.5 = 1.648721 everywhere: -r A = (-1.648721, -1.648721, 1.648721); + 2 * 0.5 on the selected one
    assert_close(loss[MASK.bool()], torch.tensor([-1.648721, -1.648721, 2.648721]), **TOL)


def test_clip_cov_selection_respects_bounds_ratio_and_ppo_clip():
    logp = torch.tensor([[-1.0, -2.0], [-3.0, 9.0]])
    adv = torch.tensor([1.0, -1.0])
    g = torch.Generator().manual_seed(0)
    # covariance terms (2/3, 0, 4/3): only 4/3 lies in (1, 5); ratio 1 would allow 3 tokens
    sel = clip_cov_selection(logp, logp, adv, MASK, ratio=1.0, low=1.0, high=5.0, generator=g)
    assert sel.tolist() == [[False, False], [True, False]]
    # bounds (0.5, 5) admit two tokens; ratio 0.4 draws one of them
    sel = clip_cov_selection(logp, logp, adv, MASK, ratio=0.4, low=0.5, high=5.0, generator=g)
    assert sel.sum().item() == 1 and not sel[0, 1] and not sel[1, 1]
    # a token the PPO clip already cuts (ratio 2 > 1.2 with A > 0) is not selected again
    sel = clip_cov_selection(logp, logp - math.log(2.0), adv, MASK, ratio=1.0, low=0.5, high=5.0, generator=g)
    assert sel.tolist() == [[False, False], [True, False]]
    with pytest.raises(ValueError, match="cov_ratio"):
        clip_cov_selection(logp, logp, adv, MASK, ratio=0.0)


def test_clip_cov_surrogate_cuts_only_the_selected_gradients():
    logp = torch.zeros(1, 3, requires_grad=True)
    sel = torch.tensor([[False, True, False]])
    loss = clip_cov_surrogate(logp, torch.zeros(1, 3), torch.tensor([2.0]), selected=sel)
    assert_close(loss, torch.tensor([[-2.0, 0.0, -2.0]]), **TOL)
    loss.sum().backward()
    assert_close(logp.grad, torch.tensor([[-2.0, 0.0, -2.0]]), **TOL)


def test_shape_errors():
    with pytest.raises(ValueError, match="one shape"):
        gspo_surrogate(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2), mask=torch.ones(2, 2))
    with pytest.raises(ValueError, match="share a shape"):
        kl_cov_surrogate(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1), selected=torch.ones(1, 3).bool())


def test_clip_fractions_by_hand():
    logp = torch.log(RATIOS)
    # GSPO with eps 0.2: row 0 s = 1 (inside), row 1 s = 4 with A < 0 (unclipped term active): 0 of 2
    assert variants.gspo_clip_fraction(logp, OLD, ADV, MASK, eps_low=0.2, eps_high=0.2).item() == 0.0
    # with A = +1 on row 1 its s = 4 > 1.2 is clipped: 1 of 2 rows
    assert variants.gspo_clip_fraction(logp, OLD, torch.ones(2), MASK, eps_low=0.2, eps_high=0.2).item() == 0.5
    # CISPO: ratios 2, 0.5, 4 vs [0.8, 1.28]: all three truncated; vs [0, 1.28]: 2 and 4 only
    assert variants.cispo_clip_fraction(logp, OLD, MASK, eps_low=0.2, eps_high=0.28).item() == 1.0
    assert_close(variants.cispo_clip_fraction(logp, OLD, MASK, eps_low=1.0, eps_high=0.28), torch.tensor(2 / 3))
    # GMPO: row 0 (A > 0): ln 2 > 0.4 clipped, -ln 2 not (the min keeps it); row 1 (A < 0): -ln 4 not: 1 of 3
    assert_close(variants.gmpo_clip_fraction(logp, OLD, ADV, MASK), torch.tensor(1 / 3))

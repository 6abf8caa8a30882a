"""Hand-computed checks of the k1/k2/k3 KL estimators and the exact token-level KL (eq. 128)."""

import doctest
import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

import lit_reason.losses.kl as kl_module
from lit_reason.losses import KL_ESTIMATORS, full_kl, kl_penalty, resolve_kl

TOL = {"atol": 1e-6, "rtol": 1e-5}

LOGP = torch.tensor([[0.0, -1.0, -2.0]])
REF = torch.tensor([[-1.0, -1.0, -0.5]])
# d = logp - ref = [1, 0, -1.5]


def test_k1():
    assert_close(kl_penalty(LOGP, REF, kind="k1"), torch.tensor([[1.0, 0.0, -1.5]]), **TOL)


def test_k2():
    # 0.5 * d^2 = [0.5, 0, 0.5 * 2.25 = 1.125]
    assert_close(kl_penalty(LOGP, REF, kind="k2"), torch.tensor([[0.5, 0.0, 1.125]]), **TOL)


def test_k3_is_default():
    # exp(-d) + d - 1: d=1 -> e^-1 = 0.36787944; d=0 -> 0; d=-1.5 -> e^1.5 - 2.5 = 1.98168907
    expected = torch.tensor([[0.36787944, 0.0, 1.98168907]])
    assert_close(kl_penalty(LOGP, REF), expected, **TOL)
    assert_close(kl_penalty(LOGP, REF, kind="k3"), expected, **TOL)


def test_k3_small_difference_keeps_precision():
    # d = 1e-3: exp(-1e-3) + 1e-3 - 1 = 4.99833375e-07 (float64); float32 exp(-d) - 1 would lose
    # ~5% of it to cancellation (4.77e-07), expm1 keeps it to about 1e-4 relative (hence rtol 1e-3).
    out = kl_penalty(torch.tensor([[1e-3]]), torch.zeros(1, 1))
    assert_close(out, torch.tensor([[4.99833375e-07]]), atol=0.0, rtol=1e-3)


def test_k3_gradient():
    # d/dlogp [exp(ref - logp) - (ref - logp) - 1] = 1 - exp(ref - logp): [1 - e^-1, 0, 1 - e^1.5]
    logp = LOGP.clone().requires_grad_(True)
    kl_penalty(logp, REF).sum().backward()
    assert_close(logp.grad, torch.tensor([[1 - math.exp(-1), 0.0, 1 - math.exp(1.5)]]), **TOL)


def test_non_finite_input_propagates():
    assert torch.isnan(kl_penalty(torch.tensor([[math.nan]]), torch.zeros(1, 1))).all()


def test_unknown_kind_and_shape_mismatch():
    with pytest.raises(ValueError, match="'k1', 'k2', 'k3'"):
        kl_penalty(LOGP, REF, kind="k4")
    with pytest.raises(ValueError, match="shape"):
        kl_penalty(LOGP, REF[:, :2])
    assert resolve_kl("k2") is KL_ESTIMATORS["k2"]


def test_full_kl_two_token_vocab_is_asymmetric():
    p, q = torch.tensor([0.5, 0.5]), torch.tensor([0.9, 0.1])
    # KL(p||q) = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1) = -0.29389333 + 0.80471896 = 0.51082562
    # KL(q||p) = 0.9 ln(1.8) + 0.1 ln(0.2) = 0.52900803 - 0.16094379 = 0.36806421
    # logits are log-probs shifted by arbitrary constants: softmax ignores the shift
    assert_close(full_kl(p.log() + 3.0, q.log() - 2.0), torch.tensor(0.51082562), **TOL)
    assert_close(full_kl(q.log(), p.log()), torch.tensor(0.36806421), **TOL)


def test_full_kl_three_token_vocab_batched():
    p = torch.tensor([0.5, 0.25, 0.25])
    q = torch.tensor([0.25, 0.5, 0.25])
    # KL = 0.5 ln 2 + 0.25 ln 0.5 + 0.25 ln 1 = 0.25 ln 2 = 0.17328680; KL(p||p) = 0
    logits = torch.stack([torch.stack([p.log(), p.log()])])  # (B=1, T=2, V=3)
    ref = torch.stack([torch.stack([q.log(), p.log()])])
    assert_close(full_kl(logits, ref), torch.tensor([[0.17328680, 0.0]]), **TOL)


def test_full_kl_matches_torch_kl_div_and_is_nonnegative():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 5, 11, generator=gen) * 3
    ref = torch.randn(4, 5, 11, generator=gen) * 3
    out = full_kl(logits, ref)  # (4, 5)
    naive = F.kl_div(ref.log_softmax(-1), logits.log_softmax(-1), log_target=True, reduction="none").sum(-1)
    assert out.shape == (4, 5)
    assert_close(out, naive, **TOL)
    assert (out >= 0).all()


def test_full_kl_is_stable_for_huge_logits():
    # p ~ (1, e^-1000), q ~ (e^-1000, 1): KL ~ 1 * (log 1 - log e^-1000) = 1000; softmax would overflow
    out = full_kl(torch.tensor([1000.0, 0.0]), torch.tensor([0.0, 1000.0]))
    assert_close(out, torch.tensor(1000.0), **TOL)


def test_full_kl_masked_vocab_entry_is_zero_with_finite_grad():
    # both give token 1 probability 0 (logit -inf): 0 * log(0/0) counts as 0, not nan
    logits = torch.tensor([0.0, -math.inf, 0.0], requires_grad=True)
    ref = torch.tensor([0.0, -math.inf, math.log(3.0)])
    out = full_kl(logits, ref)
    # p = (1/2, 0, 1/2), q = (1/4, 0, 3/4): 0.5 ln 2 + 0.5 ln(2/3) = 0.34657359 - 0.20273255 = 0.14384104
    assert_close(out, torch.tensor(0.14384104), **TOL)
    out.backward()
    assert torch.isfinite(logits.grad).all()


def test_full_kl_upcasts_half_precision_and_checks_shapes():
    half = torch.zeros(2, 3, dtype=torch.bfloat16)
    assert full_kl(half, half).dtype == torch.float32
    with pytest.raises(ValueError, match="shape"):
        full_kl(torch.zeros(2, 3), torch.zeros(2, 4))


def test_docstring_examples():
    result = doctest.testmod(kl_module)
    assert result.attempted > 0 and result.failed == 0

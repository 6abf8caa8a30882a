"""Hand-computed checks of dual-clip PPO (eq. 20), PPO-penalty (eq. 19) and the entropy surrogate."""


import pytest
import torch
from torch.testing import assert_close

from lit_reason.losses.policy import (
    POLICY_LOSSES,
    clipped_surrogate,
    dual_clip_surrogate,
    entropy_surrogate,
    kl_penalty_surrogate,
    resolve_policy_loss,
)

TOL = {"atol": 1e-6, "rtol": 1e-5}


def test_dual_clip_hand_computed():
    logp = torch.log(torch.tensor([[5.0, 5.0, 0.5]]))
    adv = torch.tensor([[-1.0, 1.0, -1.0]])
    # token 0: r=5, A=-1: min(-5, 1.2*-1) = -5, max(-5, 3*-1) = -3 -> loss 3 (plain clip would give 5)
    # token 1: r=5, A=+1: min(5, 1.2) = 1.2, no second clip for A>0 -> loss -1.2
    # token 2: r=0.5, A=-1: min(-0.5, 0.8*-1) = -0.8, max(-0.8, -3) = -0.8 -> loss 0.8
    out = dual_clip_surrogate(logp, torch.zeros(1, 3), adv, eps_low=0.2, eps_high=0.2, clip_c=3.0)
    assert_close(out, torch.tensor([[3.0, -1.2, 0.8]]), **TOL)
    plain = clipped_surrogate(logp, torch.zeros(1, 3), adv)
    assert_close(plain, torch.tensor([[5.0, -1.2, 0.8]]), **TOL)


def test_dual_clip_bound_has_zero_gradient():
    logp = torch.log(torch.tensor([[5.0]])).requires_grad_(True)
    dual_clip_surrogate(logp, torch.zeros(1, 1), torch.tensor([-1.0])).sum().backward()
    assert_close(logp.grad, torch.zeros(1, 1))
    with pytest.raises(ValueError, match="clip_c"):
        dual_clip_surrogate(logp, torch.zeros(1, 1), torch.tensor([-1.0]), clip_c=1.0)


def test_kl_penalty_hand_computed():
    # token 0: r=2, A=1, beta=0.1: k3 = (2-1) - ln 2 = 0.30685282; loss = -(2 - 0.030685282) = -1.96931472
    # token 1: r=0.5, A=-0.5: k3 = (0.5-1) + ln 2 = 0.19314718; loss = -(-0.25 - 0.019314718) = 0.26931472
    logp = torch.log(torch.tensor([[2.0, 0.5]]))
    out = kl_penalty_surrogate(logp, torch.zeros(1, 2), torch.tensor([[1.0, -0.5]]), beta=0.1)
    assert_close(out, torch.tensor([[-1.96931472, 0.26931472]]), **TOL)
    # on-policy (r = 1) the penalty is 0 and the loss is -A
    assert_close(kl_penalty_surrogate(torch.zeros(1, 1), torch.zeros(1, 1), torch.tensor([3.0])), torch.tensor([[-3.0]]))
    with pytest.raises(ValueError, match="beta"):
        kl_penalty_surrogate(logp, torch.zeros(1, 2), torch.tensor([1.0]), beta=-1.0)


def test_registry():
    assert POLICY_LOSSES["dual_clip"] is dual_clip_surrogate
    assert resolve_policy_loss("kl_penalty") is kl_penalty_surrogate
    with pytest.raises(ValueError, match="'clip', 'dual_clip', 'kl_penalty', 'pg'"):
        resolve_policy_loss("clipped")


def test_entropy_surrogate_expected_gradient_is_minus_entropy_gradient():
    # Enumerate every token of a 3-way categorical: sum_a p(a) * grad surrogate(a) = -grad H exactly.
    logits = torch.tensor([0.3, -1.0, 2.0], requires_grad=True)
    logp = torch.log_softmax(logits, -1)
    h = -(logp.exp() * logp).sum()
    (grad_h,) = torch.autograd.grad(h, logits, retain_graph=True)
    ent = h.detach().expand(3).reshape(1, 3)
    per_token = entropy_surrogate(logp.reshape(1, 3), ent)  # (1, 3): one "token" per vocabulary entry
    expected_loss = (logp.exp().detach() * per_token.reshape(3)).sum()
    (grad_s,) = torch.autograd.grad(expected_loss, logits)
    assert_close(grad_s, -grad_h, **TOL)

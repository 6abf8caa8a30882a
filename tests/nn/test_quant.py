"""BitNet quantisers (report §13.1.2 eqs. 154-157, §13.2.1 eq. 158) against hand-computed tensors."""

import math

import pytest
import torch
from torch.testing import assert_close

from lit_reason.nn.quant import (
    QUANT_EPS,
    act_absmax,
    act_absmean,
    layer_norm,
    resolve,
    rms_norm,
    ste,
    topk_sparsify,
    weight_sign,
    weight_ternary,
)


def test_weight_sign_centres_on_the_mean_and_scales_by_mean_abs() -> None:
    w = torch.tensor([[0.5, -1.0], [2.0, 0.1]])
    # mean = (0.5 - 1 + 2 + 0.1) / 4 = 0.4; w - 0.4 = [0.1, -1.4, 1.6, -0.3] -> [+1, -1, +1, -1]
    # scale = mean|w| = (0.5 + 1 + 2 + 0.1) / 4 = 0.9
    q = weight_sign(w)
    assert_close(q.values, torch.tensor([[1.0, -1.0], [1.0, -1.0]]))
    assert_close(q.scale, torch.tensor(0.9))


def test_weight_sign_of_zero_is_minus_one() -> None:
    # eq. 155: Sign(x) = -1 for x <= 0; mean of [1, 3, 2] is 2, so the last entry sits at 0 -> -1
    assert_close(weight_sign(torch.tensor([1.0, 3.0, 2.0])).values, torch.tensor([-1.0, 1.0, -1.0]))


def test_weight_ternary_absmean_roundclip() -> None:
    w = torch.tensor([[0.3, -0.05], [-1.0, 0.45]])
    # gamma = (0.3 + 0.05 + 1 + 0.45) / 4 = 0.45; w / gamma = [0.667, -0.111, -2.222, 1.0]
    # round -> [1, 0, -2, 1], clip to [-1, 1] -> [1, 0, -1, 1]
    q = weight_ternary(w)
    assert_close(q.values, torch.tensor([[1.0, 0.0], [-1.0, 1.0]]))
    assert_close(q.scale, torch.tensor(0.45))
    assert_close(q.dequantize(), torch.tensor([[0.45, 0.0], [-0.45, 0.45]]))


def test_weight_ternary_all_zero_uses_eps() -> None:
    q = weight_ternary(torch.zeros(2, 3))
    assert_close(q.values, torch.zeros(2, 3))
    assert_close(q.scale, torch.tensor(QUANT_EPS))


def test_act_absmax_8bit_per_token() -> None:
    x = torch.tensor([[1.0, -0.5, 0.25, 2.0], [0.0, 0.0, 0.0, 0.0]])
    # row 0: Q = 127, absmax 2 -> inv = 63.5; x * inv = [63.5, -31.75, 15.875, 127]
    # round half to even -> [64, -32, 16, 127]; scale = 1 / 63.5
    # row 1: all zero -> inv = 127 / eps, values 0
    q = act_absmax(x, bits=8)
    assert_close(q.values, torch.tensor([[64.0, -32.0, 16.0, 127.0], [0.0, 0.0, 0.0, 0.0]]))
    assert_close(q.scale, torch.tensor([[1 / 63.5], [QUANT_EPS / 127]]))


def test_act_absmax_4bit() -> None:
    # Q = 7, absmax 2 -> inv = 3.5: [3.5, -1.75, 0.875, 7] -> [4, -2, 1, 7]
    q = act_absmax(torch.tensor([1.0, -0.5, 0.25, 2.0]), bits=4)
    assert_close(q.values, torch.tensor([4.0, -2.0, 1.0, 7.0]))
    assert_close(q.scale, torch.tensor([2 / 7]))


def test_act_absmean_4bit_a48() -> None:
    x = torch.tensor([[1.0, -1.0, 3.0, -3.0], [0.1, 0.1, 0.1, 10.0], [0.1, 0.1, 0.1, -10.0]])
    # row 0: beta = 2, inv = sqrt(7) / 2 = 1.3229 -> [1.32, -1.32, 3.97, -3.97] -> [1, -1, 4, -4]
    # row 1: beta = 10.3 / 4 = 2.575, inv = 1.0275 -> [0.10, 0.10, 0.10, 10.27] -> clip at 7
    # row 2: the same with -10.27 -> clip at -8 (range [-8, 7])
    q = act_absmean(x, bits=4)
    expected = torch.tensor([[1.0, -1.0, 4.0, -4.0], [0.0, 0.0, 0.0, 7.0], [0.0, 0.0, 0.0, -8.0]])
    assert_close(q.values, expected)
    assert_close(q.scale, torch.tensor([[2.0], [2.575], [2.575]]) / math.sqrt(7))


def test_topk_keeps_largest_magnitudes() -> None:
    # keep 50% of 4 = 2 entries of largest |x|: -3 and 1
    out = topk_sparsify(torch.tensor([[0.5, -3.0, 1.0, -0.1]]), 0.5)
    assert_close(out, torch.tensor([[0.0, -3.0, 1.0, 0.0]]))


def test_norms_hand_computed() -> None:
    # rms of [3, 4] = sqrt(12.5) = 3.5355 -> [0.8485, 1.1314]; layer norm of [1, 3]: mean 2, var 1 -> [-1, 1]
    assert_close(rms_norm(torch.tensor([3.0, 4.0]), eps=0.0), torch.tensor([3.0, 4.0]) / math.sqrt(12.5))
    assert_close(layer_norm(torch.tensor([1.0, 3.0]), eps=0.0), torch.tensor([-1.0, 1.0]))


def test_ste_value_is_quantised_gradient_is_identity() -> None:
    x = torch.tensor([0.2, 0.7, -1.6], requires_grad=True)
    c = torch.tensor([1.0, -2.0, 3.0])
    y = ste(x, x.detach().round())
    assert_close(y.detach(), torch.tensor([0.0, 1.0, -2.0]))
    (y * c).sum().backward()
    # d/dx sum(c * x) = c: the gradient of the identity (eq. 158)
    assert_close(x.grad, c)


def test_resolve_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"\['a', 'b'\].*'c'"):
        resolve({"a": 1, "b": 2}, "c", "opt")

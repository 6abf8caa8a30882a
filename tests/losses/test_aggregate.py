"""Hand-computed checks of token / sequence / constant loss aggregation."""

import doctest
import importlib
import math

import pytest
import torch
from torch.testing import assert_close

from lit_reason.losses import AGGREGATIONS, aggregate, resolve_aggregation

# `lit_reason.losses.aggregate` the attribute is the re-exported function, so fetch the module itself.
aggregate_module = importlib.import_module("lit_reason.losses.aggregate")

TOL = {"atol": 1e-6, "rtol": 1e-5}

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
MASK = torch.tensor([[1, 1, 1], [1, 0, 0]])


def test_token_mean():
    # valid tokens 1, 2, 3, 4 -> (1 + 2 + 3 + 4) / 4 = 2.5 (the masked 5 is not read)
    assert_close(aggregate(X, MASK, "token"), torch.tensor(2.5), **TOL)


def test_sequence_mean():
    # row means: (1 + 2 + 3) / 3 = 2 and 4 / 1 = 4 -> (2 + 4) / 2 = 3
    assert_close(aggregate(X, MASK, "sequence"), torch.tensor(3.0), **TOL)


def test_constant_normalizer():
    # (1 + 2 + 3 + 4) / (B * max_len) = 10 / (2 * 5) = 1.0
    assert_close(aggregate(X, MASK, "constant", max_len=5), torch.tensor(1.0), **TOL)


def test_default_is_token_and_max_len_ignored_elsewhere():
    assert_close(aggregate(X, MASK), torch.tensor(2.5), **TOL)
    assert_close(aggregate(X, MASK, "sequence", max_len=99), torch.tensor(3.0), **TOL)


def test_fully_masked_row_contributes_zero_and_ignores_garbage():
    x = torch.tensor([[1.0, 3.0], [math.nan, math.inf]])
    mask = torch.tensor([[True, True], [False, False]])
    # token: (1 + 3) / 2 = 2; sequence: (2 + 0) / 2 rows = 1; constant: 4 / (2 * 2) = 1
    assert_close(aggregate(x, mask, "token"), torch.tensor(2.0), **TOL)
    assert_close(aggregate(x, mask, "sequence"), torch.tensor(1.0), **TOL)
    assert_close(aggregate(x, mask, "constant", max_len=2), torch.tensor(1.0), **TOL)


@pytest.mark.parametrize("how", sorted(AGGREGATIONS))
def test_fully_masked_batch_is_zero_with_zero_grad(how):
    x = torch.tensor([[math.nan, 2.0], [3.0, math.inf]], requires_grad=True)
    out = aggregate(x, torch.zeros(2, 2), how, max_len=4)
    out.backward()
    assert out.item() == 0.0
    assert torch.equal(x.grad, torch.zeros(2, 2))


def test_token_mean_gradient_is_mask_over_count():
    x = X.clone().requires_grad_(True)
    aggregate(x, MASK, "token").backward()
    # d/dx of sum(x * m) / 4 is m / 4
    assert_close(x.grad, MASK / 4.0, **TOL)


def test_sequence_mean_gradient_weights_rows_equally():
    x = X.clone().requires_grad_(True)
    aggregate(x, MASK, "sequence").backward()
    # row 0: 1 / (2 rows * 3 tokens) = 1/6 each; row 1: 1 / (2 * 1) = 1/2 on its one token
    expected = torch.tensor([[1 / 6, 1 / 6, 1 / 6], [0.5, 0.0, 0.0]])
    assert_close(x.grad, expected, **TOL)


def test_float_mask_equals_bool_mask_and_dtype_kept():
    x64 = X.double()
    assert aggregate(x64, MASK.double(), "token").dtype == torch.float64
    assert_close(aggregate(X, MASK.float(), "sequence"), aggregate(X, MASK.bool(), "sequence"), **TOL)


def test_non_finite_valid_entry_propagates():
    x = torch.tensor([[1.0, math.nan]])
    assert torch.isnan(aggregate(x, torch.ones(1, 2), "token"))


def test_constant_requires_positive_int_max_len():
    for bad in (None, 0, -3, 2.5, True):
        with pytest.raises(ValueError, match="max_len"):
            aggregate(X, MASK, "constant", max_len=bad)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="'token', 'sequence', 'constant'"):
        aggregate(X, MASK, "mean")
    with pytest.raises(ValueError, match="unknown aggregation"):
        resolve_aggregation("seq")


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        aggregate(X, MASK[:, :2])
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        aggregate(X[0], MASK[0])


def test_docstring_examples():
    result = doctest.testmod(aggregate_module)
    assert result.attempted > 0 and result.failed == 0

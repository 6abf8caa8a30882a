"""Hand-computed checks of group-normalised advantages (report eq. 23) and whitening."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.advantages.group as advantages_module
import lit_reason.advantages.token as token_module
from lit_reason.advantages import group_normalized, whiten

TOL = {"atol": 1e-6, "rtol": 1e-5}

# Groups are arbitrary, non-contiguous ids:
#   group 7: rows 0, 2 -> rewards (1, 0); group 3: rows 1, 3 -> (2, 2) zero variance;
#   group 9: rows 4, 5, 6 -> (3, 1, 2); group 4: row 7 alone (G = 1).
REWARDS = torch.tensor([1.0, 2.0, 0.0, 2.0, 3.0, 1.0, 2.0, 5.0])
GROUP = torch.tensor([7, 3, 7, 3, 9, 9, 9, 4])


def test_group_normalized_unbiased_std():
    # group 7: mean 0.5, unbiased var ((0.5)^2 + (0.5)^2) / (2 - 1) = 0.5, std 0.70710678
    #          A = +-0.5 / (0.70710678 + 1e-4) = +-0.70700680
    #          (the population std 0.5 would give +-0.5 / 0.5001 = +-0.99980004 instead)
    # group 3: zero variance -> 0, 0
    # group 9: mean 2, deviations (1, -1, 0), unbiased var (1 + 1 + 0) / 2 = 1, std 1
    #          A = (1, -1, 0) / 1.0001 = (0.99990001, -0.99990001, 0)
    # group 4: G = 1 -> 0
    expected = torch.tensor([0.70700680, 0.0, -0.70700680, 0.0, 0.99990001, -0.99990001, 0.0, 0.0])
    assert_close(group_normalized(REWARDS, GROUP), expected, **TOL)


def test_group_normalized_without_std():
    # Dr. GRPO: r - mean: group 7 (0.5, -0.5), group 3 (0, 0), group 9 (1, -1, 0), group 4 (0)
    expected = torch.tensor([0.5, 0.0, -0.5, 0.0, 1.0, -1.0, 0.0, 0.0])
    assert_close(group_normalized(REWARDS, GROUP, std=False), expected, **TOL)


def test_eps_is_added_to_std():
    # eps = 0: group (1, 0) -> +-0.5 / sqrt(0.5) = +-0.70710678
    out = group_normalized(torch.tensor([1.0, 0.0]), torch.tensor([0, 0]), eps=0.0)
    assert_close(out, torch.tensor([0.70710678, -0.70710678]), **TOL)


def test_zero_variance_group_is_exactly_zero():
    # in float64, (0.1 + 0.1 + 0.1) / 3 - 0.1 = -1.4e-17, which / (std + 1e-4) would leak as -1.4e-13
    out = group_normalized(torch.full((3,), 0.1, dtype=torch.float64), torch.zeros(3, dtype=torch.long))
    assert torch.equal(out, torch.zeros(3, dtype=torch.float64))


def test_all_singleton_groups_are_zero():
    out = group_normalized(torch.tensor([3.0, -1.0, 7.0]), torch.arange(3))
    assert torch.equal(out, torch.zeros(3))


def test_row_order_does_not_matter():
    perm = torch.tensor([5, 0, 7, 2, 4, 1, 6, 3])
    assert_close(group_normalized(REWARDS[perm], GROUP[perm]), group_normalized(REWARDS, GROUP)[perm], **TOL)


def test_dtypes():
    assert group_normalized(REWARDS.double(), GROUP).dtype == torch.float64
    # integer rewards (e.g. 0/1 accuracy) come back in the default float dtype
    out = group_normalized(torch.tensor([1, 0]), torch.tensor([0, 0], dtype=torch.int32), std=False)
    assert out.dtype == torch.get_default_dtype()
    assert_close(out, torch.tensor([0.5, -0.5]), **TOL)


def test_empty_batch():
    assert group_normalized(torch.zeros(0), torch.zeros(0, dtype=torch.long)).shape == (0,)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_reward_names_the_row(bad):
    rewards = REWARDS.clone()
    rewards[5] = bad
    with pytest.raises(ValueError, match="row 5"):
        group_normalized(rewards, GROUP)


def test_bad_group_argument():
    with pytest.raises(ValueError, match="integer"):
        group_normalized(REWARDS, GROUP.float())
    with pytest.raises(ValueError, match=r"\(B,\)"):
        group_normalized(REWARDS, GROUP[:3])


def test_whiten_unmasked():
    # (2, 4, 6): mean 4, unbiased var (4 + 0 + 4) / 2 = 4, std 2 -> (-1, 0, 1)
    x = torch.tensor([2.0, 4.0, 6.0])
    assert_close(whiten(x), torch.tensor([-1.0, 0.0, 1.0]), **TOL)
    # shift_mean=False adds the mean back: (3, 4, 5)
    assert_close(whiten(x, shift_mean=False), torch.tensor([3.0, 4.0, 5.0]), **TOL)


def test_whiten_masked_with_fully_masked_row():
    x = torch.tensor([[2.0, 4.0], [math.nan, math.inf]])
    mask = torch.tensor([[1, 1], [0, 0]])
    # valid (2, 4): mean 3, unbiased var (1 + 1) / 1 = 2 -> (-1, 1) / sqrt(2) = (-0.70710678, 0.70710678)
    expected = torch.tensor([[-0.70710678, 0.70710678], [0.0, 0.0]])
    assert_close(whiten(x, mask), expected, **TOL)


def test_whiten_degenerate_inputs():
    assert torch.equal(whiten(torch.tensor([5.0, 1.0]), torch.tensor([0, 0])), torch.zeros(2))
    # a single valid entry has no spread: it whitens to 0
    assert torch.equal(whiten(torch.tensor([5.0, 1.0]), torch.tensor([1, 0])), torch.zeros(2))


def test_whiten_non_finite_and_shape_errors():
    with pytest.raises(ValueError, match=r"row \(1, 0\)"):
        whiten(torch.tensor([[1.0, 2.0], [math.nan, 3.0]]))
    with pytest.raises(ValueError, match="mask"):
        whiten(torch.ones(3), torch.ones(2))


@pytest.mark.parametrize("module", [advantages_module, token_module], ids=["group", "token"])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0

"""GRPO variants of sec 3.2.6 against hand-computed values."""

import doctest
import math

import pytest
import torch
from torch.testing import assert_close

import lit_reason.advantages.variants as module
from lit_reason.advantages import group_normalized
from lit_reason.advantages.variants import (
    adaptive_group_sizes,
    novelty_weights,
    stratified_group_normalized,
    weighted_group_normalized,
)

TOL = {"atol": 1e-4, "rtol": 1e-4}


def test_doctests():
    assert doctest.testmod(module).failed == 0


def test_weighted_by_hand():
    r, g = torch.tensor([1.0, 0.0, 1.0, 0.0, 5.0, 5.0]), torch.tensor([0, 0, 0, 0, 1, 1])
    w = torch.tensor([3.0, 1.0, 1.0, 1.0, 2.0, 1.0])
    # group 0: weighted mean (3 + 1) / 6 = 2/3; unbiased std of {1,0,1,0} = sqrt(1/3) = 0.57735
    # A = w (r - 2/3) / 0.57745: 3 * (1/3) / 0.57745 = 1.73175, -(2/3) / 0.57745 = -1.15450, 0.57725
    # group 1: equal rewards -> 0
    expected = [1.73175, -1.15450, 0.57725, -1.15450, 0.0, 0.0]
    assert_close(weighted_group_normalized(r, g, w), torch.tensor(expected), **TOL)


def test_unit_weights_are_plain_grpo():
    r, g = torch.tensor([0.2, 0.9, 0.4, 1.0, 0.0]), torch.tensor([4, 4, 4, 9, 9])
    assert_close(weighted_group_normalized(r, g, torch.ones(5)), group_normalized(r, g), atol=1e-6, rtol=1e-6)


def test_weighted_rejects_bad_weights():
    with pytest.raises(ValueError, match="positive total weight"):
        weighted_group_normalized(torch.tensor([1.0, 0.0]), torch.tensor([0, 0]), torch.zeros(2))
    with pytest.raises(ValueError, match=">= 0"):
        weighted_group_normalized(torch.tensor([1.0, 0.0]), torch.tensor([0, 0]), torch.tensor([1.0, -1.0]))


def test_stratified_by_hand():
    # stratum 0 (easy): groups {1, 1, 1, 0} and {1, 1, 1, 1}; stratum 1 (hard): {0, 0, 0, 1}
    r = torch.tensor([1.0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1])
    g = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    s = torch.tensor([0] * 8 + [1] * 4)
    # stratum 0: centred [.25 .25 .25 -.75, 0 0 0 0]; pooled var = (3*.0625 + .5625) / (8 - 2) = 0.125
    #   sigma = 0.353553; lambda = 12 / (2 * 8) = 0.75 -> 0.75 * 0.25 / 0.353653 = 0.530179, -1.590538
    # stratum 1: centred [-.25 -.25 -.25 .75]; var = 0.75 / (4 - 1) = 0.25, sigma 0.5; lambda = 12 / 8 = 1.5
    #   -> 1.5 * -0.25 / 0.5001 = -0.749850, 2.249550
    expected = [0.530179] * 3 + [-1.590538] + [0.0] * 4 + [-0.749850] * 3 + [2.249550]
    assert_close(stratified_group_normalized(r, g, s), torch.tensor(expected), **TOL)


def test_adaptive_sizes():
    # 4 * e^(0.5 * [0, 1, 2, 3]) = 4, 6.59, 10.87, 17.93 -> 4, 7, 11, clamp 16
    sizes = adaptive_group_sizes(torch.tensor([0.0, 1.0, 2.0, 3.0]), 4, 0.5, max_size=16)
    assert sizes.tolist() == [4, 7, 11, 16]
    assert adaptive_group_sizes(torch.tensor([-5.0]), 4, 1.0).tolist() == [2]  # min_size 2
    with pytest.raises(ValueError, match="min_size <= max_size"):
        adaptive_group_sizes(torch.tensor([0.0]), 4, 1.0, min_size=4, max_size=3)


def test_novelty_weights():
    # group 0: completions a, a, b -> copies 2, 2, 1 -> inverse .5 .5 1, mean 2/3 -> .75 .75 1.5
    w = novelty_weights(torch.tensor([2, 2, 1, 1, 1]), torch.tensor([0, 0, 0, 1, 1]))
    assert_close(w, torch.tensor([0.75, 0.75, 1.5, 1.0, 1.0]), atol=1e-6, rtol=1e-6)
    assert math.isclose(float(w[:3].mean()), 1.0, rel_tol=1e-6)

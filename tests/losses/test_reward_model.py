"""Reward-model losses (eq 31) and PRM aggregation (eq 66, 144) against hand-computed values."""

import math

import pytest
import torch
from torch.testing import assert_close

from lit_reason.losses.reward_model import (
    bradley_terry_loss,
    min_aggregate,
    pair_accuracy,
    product_aggregate,
    resolve_step_aggregation,
    step_bce,
)


def test_bradley_terry_hand_computed():
    # r_w - r_l = (0, ln 3): -log sigmoid(0) = ln 2, -log sigmoid(ln 3) = -log(3/4); mean = (ln 2 + ln 4/3) / 2
    loss = bradley_terry_loss(torch.tensor([1.0, math.log(3.0)]), torch.tensor([1.0, 0.0]))
    assert_close(loss, torch.tensor((math.log(2.0) + math.log(4 / 3)) / 2), atol=1e-6, rtol=1e-5)
    # margin 1 on a gap of 1: -log sigmoid(0) = ln 2
    assert_close(bradley_terry_loss(torch.tensor([2.0]), torch.tensor([1.0]), margin=1.0), torch.tensor(math.log(2.0)),
                 atol=1e-6, rtol=1e-5)
    assert torch.isnan(bradley_terry_loss(torch.tensor([float("nan")]), torch.tensor([0.0])))


def test_pair_accuracy_counts_ties_as_wrong():
    assert_close(pair_accuracy(torch.tensor([2.0, 1.0, 0.0]), torch.tensor([1.0, 1.0, 3.0])), torch.tensor(1 / 3))


def test_step_bce_soft_labels_and_masked_row():
    logits = torch.tensor([[0.0, math.log(3.0)], [5.0, 5.0]])
    labels = torch.tensor([[0.5, 1.0], [0.0, 0.0]])
    mask = torch.tensor([[1, 1], [0, 0]])  # the second row is all padding
    # step (0, 0.5): -(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2; step (ln 3, 1): -ln(3/4); mean over the 2 real steps
    assert_close(step_bce(logits, labels, mask), torch.tensor((math.log(2.0) + math.log(4 / 3)) / 2), atol=1e-6, rtol=1e-5)
    assert step_bce(logits, labels, torch.zeros_like(mask)).item() == 0.0


def test_product_and_min_aggregate_eq66():
    probs = torch.tensor([[0.9, 0.5, 0.2], [0.8, 0.1, 0.7], [0.3, 0.3, 0.3]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1], [0, 0, 0]])
    # row 0: 0.9 * 0.5 (0.2 is padding); row 1: 0.8 * 0.1 * 0.7; row 2: no steps -> empty product 1
    assert_close(product_aggregate(probs, mask), torch.tensor([0.45, 0.056, 1.0]), atol=1e-6, rtol=1e-5)
    assert_close(min_aggregate(probs, mask), torch.tensor([0.5, 0.1, 1.0]), atol=1e-6, rtol=1e-5)
    assert torch.isnan(product_aggregate(torch.tensor([[float("nan")]]), torch.tensor([[1]]))).all()


def test_resolve_names_the_valid_aggregations():
    assert resolve_step_aggregation("min") is min_aggregate
    with pytest.raises(ValueError, match=r"\['min', 'product'\]"):
        resolve_step_aggregation("mean")

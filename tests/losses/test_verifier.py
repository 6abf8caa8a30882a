"""Verifier loss (report eq 65) and diagnostics against hand-computed values."""

import math

import torch
from torch.testing import assert_close

from lit_reason.losses.verifier import verifier_accuracy, verifier_auc, verifier_bce


def test_bce_hand_computed():
    logits, labels = torch.tensor([0.0, math.log(3.0)]), torch.tensor([1.0, 0.0])
    # row 0: -log sigmoid(0) = ln 2; row 1: -log(1 - sigmoid(ln 3)) = -log(1 - 3/4) = ln 4; mean = 1.5 ln 2
    assert_close(verifier_bce(logits, labels), torch.tensor(1.5 * math.log(2.0)), atol=1e-6, rtol=1e-5)
    assert_close(verifier_bce(logits, labels, torch.tensor([1, 0])), torch.tensor(math.log(2.0)), atol=1e-6, rtol=1e-5)


def test_bce_fully_masked_is_zero_and_extreme_logits_stay_finite():
    assert verifier_bce(torch.tensor([3.0]), torch.tensor([1.0]), torch.tensor([0])).item() == 0.0
    # -log sigmoid(-100) = 100 (+ log(1 + e^-100)): the log-sigmoid form does not overflow
    assert_close(verifier_bce(torch.tensor([-100.0]), torch.tensor([1.0])), torch.tensor(100.0), atol=1e-6, rtol=1e-5)


def test_bce_propagates_non_finite_logits():
    assert torch.isnan(verifier_bce(torch.tensor([float("nan"), 0.0]), torch.tensor([1.0, 0.0])))


def test_accuracy_hand_computed():
    # V > 0.5 for logits 0.1 and 2 -> predictions (1, 0, 1) against labels (1, 1, 0): 1 of 3 agree
    assert_close(verifier_accuracy(torch.tensor([0.1, -0.1, 2.0]), torch.tensor([1, 1, 0])), torch.tensor(1 / 3))


def test_auc_hand_computed_with_ties():
    # positives {0.9, 0.2}, negatives {0.2, 0.1}: pairs 0.9>0.2, 0.9>0.1, 0.2=0.2 (1/2), 0.2>0.1 -> 3.5 / 4
    auc = verifier_auc(torch.tensor([0.9, 0.2, 0.2, 0.1]), torch.tensor([1, 1, 0, 0]))
    assert_close(auc, torch.tensor(0.875), atol=1e-6, rtol=1e-5)
    assert_close(verifier_auc(torch.tensor([0.1, 0.9]), torch.tensor([1, 0])), torch.tensor(0.0))
    assert torch.isnan(verifier_auc(torch.tensor([0.3, 0.4]), torch.tensor([1, 1])))  # one class only

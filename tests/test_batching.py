"""Token-budget micro-batches (lit_reason/batching.py): every sample once, the budget held, less padding."""

import doctest

import pytest
import torch

import lit_reason.batching as batching
from lit_reason.batching import padded_positions, token_budget_batches


def test_doctests():
    assert doctest.testmod(batching).failed == 0


def test_every_sample_once_and_budget_held():
    g = torch.Generator().manual_seed(0)
    p = torch.randint(3, 9, (40,), generator=g)
    c = torch.randint(1, 30, (40,), generator=g)
    batches = token_budget_batches(p, c, 96)
    assert sorted(torch.cat(batches).tolist()) == list(range(40))
    for b in batches:
        cost = len(b) * int(p[b].max() + c[b].max())
        assert cost <= 96 or len(b) == 1


def test_a_sample_over_budget_is_alone_and_bad_budget_raises():
    batches = token_budget_batches(torch.tensor([5, 1]), torch.tensor([20, 1]), 8)
    assert [b.tolist() for b in batches] == [[0], [1]]
    with pytest.raises(ValueError, match="budget"):
        token_budget_batches(torch.tensor([1]), torch.tensor([1]), 0)
    with pytest.raises(ValueError, match=r"\(B,\)"):
        token_budget_batches(torch.tensor([1, 2]), torch.tensor([1]), 4)


def test_fewer_padded_positions_than_fixed_count_micro_batches():
    # alternating short and long completions: fixed pairs always pad the short one to the long one
    p = torch.full((8,), 4)
    c = torch.tensor([2, 20, 2, 20, 2, 20, 2, 20])
    fixed = [torch.arange(i, i + 2) for i in range(0, 8, 2)]
    budget = 2 * 24  # the same positions per forward as the fixed pairs' worst case
    by_budget = token_budget_batches(p, c, budget)
    # fixed: 4 pairs x 2 x 24 = 192; by budget: the four long ones in two pairs (2 x 48) and the four
    # short ones together (4 x 6 = 24): 96 + 24 = 120
    assert padded_positions(p, c, fixed) == 192
    assert padded_positions(p, c, by_budget) == 120

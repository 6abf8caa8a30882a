"""Unbiased pass@k (Chen et al. 2021): hand-computed values, the exact binomial form, the Metric."""

from __future__ import annotations

from math import comb

import pytest
import torch

from lit_reason.metrics import PassAtK, pass_at_k


def test_hand_computed_values():
    n = torch.tensor([10, 10, 5, 5, 5, 1])
    c = torch.tensor([3, 3, 0, 5, 4, 1])
    got = pass_at_k(n, c, 1)
    # pass@1 = c / n: 0.3, 0.3, 0, 1, 0.8, 1 (the last is G=1: one sample, correct).
    torch.testing.assert_close(got, torch.tensor([0.3, 0.3, 0.0, 1.0, 0.8, 1.0], dtype=torch.float64),
                               atol=1e-12, rtol=0)
    # n=10, c=3, k=5: 1 - C(7,5)/C(10,5) = 1 - 21/252 = 11/12.
    torch.testing.assert_close(pass_at_k(torch.tensor([10]), torch.tensor([3]), 5),
                               torch.tensor([11 / 12], dtype=torch.float64), atol=1e-12, rtol=0)
    # n=5, c=4, k=2: n - c < k, every pair holds a correct sample -> 1.
    assert pass_at_k(torch.tensor([5]), torch.tensor([4]), 2).item() == 1.0


def test_matches_exact_binomial_formula():
    ns, cs, ks = [], [], []
    for n in range(1, 16):
        for c in range(n + 1):
            for k in range(1, n + 1):
                ns.append(n)
                cs.append(c)
                ks.append(k)
    for k in set(ks):
        idx = [i for i, kk in enumerate(ks) if kk == k]
        n = torch.tensor([ns[i] for i in idx])
        c = torch.tensor([cs[i] for i in idx])
        exact = torch.tensor([1 - comb(ns[i] - cs[i], k) / comb(ns[i], k) for i in idx], dtype=torch.float64)
        torch.testing.assert_close(pass_at_k(n, c, k), exact, atol=1e-12, rtol=0)


@pytest.mark.parametrize(("n", "c", "k", "match"), [(3, 1, 4, "at least k"), (3, 4, 1, r"\[0, num_samples\]"),
                                                    (3, 1, 0, "k must be")])
def test_invalid_inputs_raise(n, c, k, match):
    with pytest.raises(ValueError, match=match):
        pass_at_k(torch.tensor([n]), torch.tensor([c]), k)


def test_metric_accumulates_and_resets():
    metric = PassAtK(k=(1, 2))
    metric.update(torch.tensor([4]), torch.tensor([2]))
    metric.update(torch.tensor([4, 2]), torch.tensor([0, 1]))
    out = metric.compute()
    # pass@1: (2/4 + 0 + 1/2) / 3 = 1/3.  pass@2: (1 - C(2,2)/C(4,2) + 0 + 1 - C(1,2)/C(2,2)) / 3
    # = (5/6 + 0 + 1) / 3 = 11/18.
    torch.testing.assert_close(out["pass@1"], torch.tensor(1 / 3, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(out["pass@2"], torch.tensor(11 / 18, dtype=torch.float64), atol=1e-12, rtol=0)
    metric.reset()
    # torchmetrics itself warns first; our error then says why there is no number.
    with pytest.warns(UserWarning, match="before the ``update``"), pytest.raises(ValueError, match="before any update"):
        metric.compute()


def test_metric_from_rollout_groups():
    metric = PassAtK(k=1)
    # groups 7: [1, 0, 1] -> 2/3; group 3: [0, 0] -> 0; mean = 1/3.
    metric.update_from_groups(torch.tensor([1, 0, 0, 1, 0]), torch.tensor([7, 7, 3, 7, 3]))
    torch.testing.assert_close(metric.compute()["pass@1"], torch.tensor(1 / 3, dtype=torch.float64),
                               atol=1e-12, rtol=0)


def test_metric_rejects_bad_k():
    with pytest.raises(ValueError, match="k must be"):
        PassAtK(k=0)

"""Warmup (eq. 118) and cosine (eq. 119) learning-rate factors, hand-computed."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.algorithms.optim import OptimizerSettings


def test_constant_schedule_keeps_the_warmup_behaviour():
    s = OptimizerSettings(lr=1.0, warmup_steps=4)
    assert [s.lr_factor(i) for i in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


def test_warmup_then_cosine():
    s = OptimizerSettings(lr=1.0, warmup_steps=2, schedule="cosine", total_steps=6, min_lr=0.1)
    # warmup (s+1)/2: 0.5, 1.0; then 0.1 + 0.45 * (1 + cos(pi * (s - 2) / 4)):
    # s=2: 1.0; s=3: 0.1 + 0.45 * 1.70710678 = 0.86819805; s=4: 0.55; s=5: 0.1 + 0.45 * 0.29289322 = 0.23180195
    # s=6 and after: 0.1
    got = torch.tensor([s.lr_factor(i) for i in range(8)], dtype=torch.float64)
    expected = torch.tensor([0.5, 1.0, 1.0, 0.86819805, 0.55, 0.23180195, 0.1, 0.1], dtype=torch.float64)
    assert_close(got, expected, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("total_steps, max_steps", [(2, None), (None, 2)])
def test_scheduler_follows_the_factor(total_steps, max_steps):
    # Without total_steps, trainer.max_steps (2) is the cosine's horizon: the same factors
    # cos(0) -> 1, cos(pi/2) -> 0.5, then min_lr 0 from step 2 on.
    s = OptimizerSettings(lr=2.0, schedule="cosine", total_steps=total_steps)
    built = s.build(torch.nn.Linear(1, 1), max_steps=max_steps)
    opt, sched = built["optimizer"], built["lr_scheduler"]["scheduler"]
    lrs = []
    for _ in range(3):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert_close(torch.tensor(lrs), torch.tensor([2.0, 1.0, 0.0]), atol=1e-6, rtol=1e-5)


def test_bad_schedule_options_are_named():
    with pytest.raises(ValueError, match="schedule"):
        OptimizerSettings(schedule="linear")
    with pytest.raises(ValueError, match="schedule cosine needs total_steps, or trainer.max_steps > warmup_steps"):
        OptimizerSettings(schedule="cosine").build(torch.nn.Linear(1, 1), max_steps=-1)
    with pytest.raises(ValueError, match="total_steps must be > warmup_steps"):
        OptimizerSettings(schedule="cosine", warmup_steps=4, total_steps=4)
    with pytest.raises(ValueError, match="min_lr"):
        OptimizerSettings(lr=1e-3, min_lr=1.0)

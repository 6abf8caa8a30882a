"""The standard errors the behaviour tests count their gains in (tests/stats.py), against hand arithmetic."""

import math

import pytest

from tests.stats import auc_z, gain_z, mean_z


def test_gain_z_is_the_difference_over_its_binomial_standard_error():
    # 0.35 -> 0.60 on 256 draws: se = sqrt((0.35 * 0.65 + 0.6 * 0.4) / 256) = sqrt(0.4675 / 256) = 0.042734
    assert gain_z(0.35, 0.60, 256) == pytest.approx(0.25 / 0.042734, rel=1e-4)
    assert gain_z(0.60, 0.35, 256) == pytest.approx(-0.25 / 0.042734, rel=1e-4)  # a loss counts negative
    assert gain_z(0.0, 0.5, 4) == pytest.approx(0.5 / 0.25)  # sqrt((0 + 0.25) / 4) = 0.25
    # no noise on either side: the sign decides
    assert gain_z(0.0, 1.0, 10) == math.inf and gain_z(1.0, 0.0, 10) == -math.inf and gain_z(1.0, 1.0, 3) == 0.0
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        gain_z(0.1, 0.2, 0)


def test_auc_z_uses_the_mann_whitney_null_variance():
    # 100 positives, 300 negatives: var = 401 / (12 * 100 * 300) = 0.0011139, sd 0.033375
    assert auc_z(0.6, 100, 300) == pytest.approx(0.1 / 0.033375, rel=1e-4)
    assert auc_z(0.5, 7, 9) == 0.0
    with pytest.raises(ValueError, match="n_pos=0"):
        auc_z(0.7, 0, 5)


def test_mean_z_is_the_paired_t_statistic():
    # [0.5, -0.1, 0.8, 0.4]: mean 0.4, deviations 0.1 -0.5 0.4 0: sd = sqrt(0.42 / 3) = 0.374166
    assert mean_z([0.5, -0.1, 0.8, 0.4]) == pytest.approx(0.4 / (0.374166 / 2), rel=1e-5)
    assert mean_z([-1.0, -2.0, -3.0]) == pytest.approx(-2 * math.sqrt(3))  # a loss counts negative
    assert mean_z([0.2, 0.2]) == math.inf and mean_z([0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="needs >= 2 values, got 1"):
        mean_z([1.0])

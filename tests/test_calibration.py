"""Calibration checks (analysis/methods/calibration.py) on a problem whose true posterior is known."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import calibration

N_TESTS, N_SAMPLES, NOISE_SD = 1000, 200, 0.5


def conjugate_gaussian(overconfidence: float = 1.0, seed: int = 8):
    """theta ~ N(0, 1), x = theta + N(0, s^2): the posterior is N(x / (1 + s^2), s^2 / (1 + s^2)). Posterior
    samples are drawn from it, with the sd divided by `overconfidence` to make a deliberately wrong one."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(N_TESTS, 1))
    x = theta + NOISE_SD * rng.normal(size=theta.shape)
    mean, sd = x / (1 + NOISE_SD**2), np.sqrt(NOISE_SD**2 / (1 + NOISE_SD**2)) / overconfidence
    samples = mean[:, None, :] + sd * rng.normal(size=(N_TESTS, N_SAMPLES, 1))
    return samples, theta


def test_a_correct_posterior_is_calibrated():
    samples, theta = conjugate_gaussian()
    ranks = calibration.sbc_ranks(samples, theta)
    assert calibration.rank_uniformity_p(ranks, N_SAMPLES)[0] > 0.01
    for level, covered in calibration.coverage(samples, theta).items():
        # binomial spread of a coverage over 1000 tests: sqrt(q (1 - q) / 1000) <= 0.016
        assert covered[0] == pytest.approx(level, abs=0.05)
    # shrinkage of the exact posterior: 1 - (s^2 / (1 + s^2)) / 1 = 0.8
    assert calibration.shrinkage(samples, np.array([1.0])).mean() == pytest.approx(0.8, abs=0.02)


def test_an_overconfident_posterior_is_flagged():
    samples, theta = conjugate_gaussian(overconfidence=2.0)
    ranks = calibration.sbc_ranks(samples, theta)
    assert calibration.rank_uniformity_p(ranks, N_SAMPLES)[0] < 1e-6  # ranks pile up at both ends
    assert calibration.coverage(samples, theta)[0.9][0] < 0.65     # 90 % intervals hold the truth far less often
    assert np.median(calibration.posterior_zscore(samples, theta)) > 1.0


def test_uniform_box_variance():
    assert calibration.uniform_box_variance(np.array([27.0]), np.array([32.0]))[0] == pytest.approx(25 / 12)

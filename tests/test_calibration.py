"""Calibration checks (analysis/methods/calibration.py) on problems whose true posterior is known, with sbi's own
diagnostics, and the power of the rank test."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import calibration

N_TESTS, N_SAMPLES, NOISE_SD = 1000, 200, 0.5


def conjugate_gaussian(overconfidence: float = 1.0, seed: int = 8):
    """theta ~ N(0, 1), x = theta + N(0, s^2): the posterior is N(x / (1 + s^2), s^2 / (1 + s^2)). Posterior
    samples are drawn from it, with the sd divided by `overconfidence` to make a deliberately wrong one; returns
    the SBC ranks, the samples' mean and sd, the truth and one sample per run (the data-averaged posterior)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(N_TESTS, 1))
    x = theta + NOISE_SD * rng.normal(size=theta.shape)
    mean, sd = x / (1 + NOISE_SD**2), np.sqrt(NOISE_SD**2 / (1 + NOISE_SD**2)) / overconfidence
    samples = mean[:, None, :] + sd * rng.normal(size=(N_TESTS, N_SAMPLES, 1))
    ranks = (samples < theta[:, None, :]).sum(axis=1)
    return ranks, samples.mean(axis=1), samples.std(axis=1), theta, samples[:, 0, :]


def test_a_correct_posterior_is_calibrated():
    ranks, mean, sd, theta, dap = conjugate_gaussian()
    prior = np.random.default_rng(1).normal(size=(N_TESTS, 1))
    checks = calibration.sbc_checks(ranks, prior, dap, N_SAMPLES)
    assert checks["ks_p"][0] > 0.01 and checks["c2st_dap"][0] < 0.56
    for level, covered in calibration.coverage_from_ranks(ranks, N_SAMPLES, (0.5, 0.8, 0.9, 0.95)).items():
        # binomial spread of a coverage over 1000 runs: sqrt(q (1 - q) / 1000) <= 0.016; the exact 95 % interval
        # brackets the coverage with the binomial width 2 x 1.96 sd
        assert covered["coverage"][0] == pytest.approx(level, abs=0.05)
        assert covered["low"][0] < covered["coverage"][0] < covered["high"][0]
        width = 2 * 1.96 * np.sqrt(level * (1 - level) / N_TESTS)
        assert covered["high"][0] - covered["low"][0] == pytest.approx(width, rel=0.25)
    # shrinkage of the exact posterior: 1 - (s^2 / (1 + s^2)) / 1 = 0.8
    assert calibration.shrinkage(sd, np.array([1.0])).mean() == pytest.approx(0.8, abs=0.02)


def test_an_overconfident_posterior_is_flagged():
    ranks, mean, sd, theta, dap = conjugate_gaussian(overconfidence=2.0)
    prior = np.random.default_rng(1).normal(size=(N_TESTS, 1))
    assert calibration.sbc_checks(ranks, prior, dap, N_SAMPLES)["ks_p"][0] < 1e-6   # ranks pile up at both ends
    covered = calibration.coverage_from_ranks(ranks, N_SAMPLES, (0.9,))[0.9]
    assert covered["coverage"][0] < 0.65 and covered["high"][0] < 0.9     # 90 % intervals hold the truth far less
    assert np.median(calibration.posterior_zscore(mean, sd, theta)) > 1.0


def test_the_rank_test_has_its_level_and_gains_power_with_runs():
    rng = np.random.default_rng(3)
    # a calibrated posterior is rejected at the test's level (2000 simulations: Monte Carlo sd 0.005)
    assert calibration.rank_test_power(300, 1.0, 1000, 0.05, 2000, rng) == pytest.approx(0.05, abs=0.02)
    # 11 runs (a 10 % hold-out of 105) almost never see a posterior 20 % too narrow (~0.09); 300 runs see one 30 %
    # too narrow almost always (~0.99)
    assert calibration.rank_test_power(11, 0.8, 1000, 0.05, 2000, rng) < 0.15
    assert calibration.rank_test_power(300, 0.7, 1000, 0.05, 2000, rng) > 0.9
    few = calibration.smallest_detectable_width_error(50, 1000, 0.05, 0.8, 1000, seed=4)
    many = calibration.smallest_detectable_width_error(300, 1000, 0.05, 0.8, 1000, seed=4)
    assert many["narrower"] < few["narrower"] and 0.15 < many["narrower"] < 0.3 and 0.2 < many["wider"] < 0.45


def test_cross_fitting_gives_every_run_an_out_of_fold_calibrated_posterior():
    """A real NPE (sbi) on x = phi + noise with phi uniform on a box: every run gets a posterior from the fold
    that did not see it, and the 90 % intervals cover about 90 % of the runs."""
    from types import SimpleNamespace

    rng = np.random.default_rng(5)
    low, high = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    phi = rng.uniform(low, high, (300, 2))
    x = phi + 0.2 * rng.normal(size=phi.shape)
    settings = SimpleNamespace(density_estimator="zuko_maf", hidden_features=20, num_transforms=2, max_epochs=500,
                               z_score_theta="transform_to_unconstrained")
    reported = []
    fitted = calibration.cross_fit(phi, x, low, high, lambda p: p, 2, folds=3, n_samples=200, tarp_bins=10,
                                   settings=settings, feature_transform="standard", seed=6, progress=reported.append)
    assert reported == ["NPE fold 1/3", "NPE fold 2/3", "NPE fold 3/3"]
    assert sorted(np.bincount(fitted.fold)) == [100, 100, 100] and np.isfinite(fitted.ranks).all()
    covered = calibration.coverage_from_ranks(fitted.ranks, 200, (0.9,))[0.9]["coverage"]
    np.testing.assert_allclose(covered, 0.9, atol=0.08)
    # the posterior mean tracks phi: noise sd 0.2 on a box of sd 0.58, so R2 ~ 0.9
    r2 = 1 - ((fitted.mean - phi) ** 2).mean(axis=0) / phi.var(axis=0)
    assert np.all(r2 > 0.8)
    atc, ks_p = calibration.tarp_check(fitted.tarp_ecp, fitted.tarp_alpha)
    assert abs(atc) < 0.5 and fitted.example.shape == (200, 2)

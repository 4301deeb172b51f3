"""Neural posterior estimation (analysis/methods/npe.py, sbi) on a problem whose posterior is known exactly, checked
with the calibration code: theta ~ U(-2, 2) (the prior box), x = theta + N(0, 0.3^2), so the posterior is
N(x, 0.3^2) truncated to [-2, 2]. Training a flow takes minutes on 2 cores: `slow` (make test-slow)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import calibration, npe

NOISE_SD = 0.3


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(5)
    theta = rng.uniform(-2, 2, size=(1500, 1))
    x = theta + NOISE_SD * rng.normal(size=theta.shape)
    posterior, standardization = npe.fit_npe(theta, x, np.array([-2.0]), np.array([2.0]), seed=5, max_epochs=200)
    test_theta = rng.uniform(-1.5, 1.5, size=(150, 1))   # away from the box edges, where the posterior is Gaussian
    test_x = test_theta + NOISE_SD * rng.normal(size=test_theta.shape)
    samples = npe.sample_posteriors(posterior, standardization, test_x, n_samples=300, seed=6)
    return samples, test_theta, test_x


def test_npe_posterior_matches_the_exact_posterior(trained):
    import scipy.stats as st

    samples, _, x = trained
    low, high = (-2 - x[:, 0]) / NOISE_SD, (2 - x[:, 0]) / NOISE_SD
    exact_mean = st.truncnorm.mean(low, high, loc=x[:, 0], scale=NOISE_SD)
    exact_sd = st.truncnorm.std(low, high, loc=x[:, 0], scale=NOISE_SD)
    errors = np.abs(samples.mean(axis=1)[:, 0] - exact_mean)
    assert np.median(errors) < 0.05 and errors.max() < 0.2
    assert np.median(samples.std(axis=1)[:, 0] / exact_sd) == pytest.approx(1.0, abs=0.2)


def test_npe_posterior_is_calibrated(trained):
    samples, theta, _ = trained
    for level, covered in calibration.coverage(samples, theta).items():
        assert covered[0] == pytest.approx(level, abs=0.1)  # 150 tests: binomial sd <= 0.04
    assert calibration.rank_uniformity_p(calibration.sbc_ranks(samples, theta), 300)[0] > 0.001

"""Study 2's evaluation (analysis/methods/study2_inverse.py): E/I_net from samples, and the per-parameter
posterior metrics on posteriors whose calibration is known."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import study2_inverse as study2_evaluate
from analysis.model import priors
from analysis.params import profile_params


def test_ei_ratio_is_computed_from_the_samples():
    best = priors.best_fit(profile_params("full"))
    samples = np.array([[[best[name] for name in priors.PARAMETERS]]])  # one run, one sample
    assert study2_evaluate.with_ei_ratio(samples)[0, 0, 7] == pytest.approx(0.279, abs=5e-4)


def test_metrics_of_exact_posteriors_are_calibrated_and_of_noise_are_not_informative():
    """Eight targets: exact conjugate-Gaussian posteriors (calibrated, informative) for the first four, and
    posteriors equal to the prior for the last four (calibrated, R^2 ~ 0, shrinkage ~ 0)."""
    rng = np.random.default_rng(12)
    n_runs, n_samples, noise = 400, 300, 0.5
    truth = rng.normal(size=(n_runs, 8))
    x = truth + noise * rng.normal(size=truth.shape)
    post_sd = np.sqrt(noise**2 / (1 + noise**2))
    samples = x[:, None, :] / (1 + noise**2) + post_sd * rng.normal(size=(n_runs, n_samples, 8))
    samples[..., 4:] = rng.normal(size=(n_runs, n_samples, 4))  # the prior itself: no information
    metrics = study2_evaluate.posterior_metrics(samples, truth, np.ones(8), (0.5, 0.9),
                                                 study2_evaluate.THETA_TARGETS)
    informative, uninformative = metrics["J_EE_pA"], metrics["tau_syn_I_ms"]
    assert informative["r2_posterior_mean"] == pytest.approx(0.8, abs=0.05)  # var explained: 1 / (1 + 0.25)
    assert informative["shrinkage_mean"] == pytest.approx(0.8, abs=0.03)
    assert abs(uninformative["r2_posterior_mean"]) < 0.05 and abs(uninformative["shrinkage_mean"]) < 0.05
    for target in (informative, uninformative):
        assert target["coverage"]["0.9"] == pytest.approx(0.9, abs=0.05) and target["sbc_uniformity_p"] > 1e-3

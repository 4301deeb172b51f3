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
    from analysis.methods import calibration

    rng = np.random.default_rng(12)
    n_runs, n_samples, noise = 400, 300, 0.5
    truth = rng.normal(size=(n_runs, 8))
    x = truth + noise * rng.normal(size=truth.shape)
    post_sd = np.sqrt(noise**2 / (1 + noise**2))
    samples = x[:, None, :] / (1 + noise**2) + post_sd * rng.normal(size=(n_runs, n_samples, 8))
    samples[..., 4:] = rng.normal(size=(n_runs, n_samples, 4))  # the prior itself: no information
    ranks = (samples < truth[:, None, :]).sum(axis=1)
    fitted = calibration.CrossFitted(ranks, samples.mean(axis=1), samples.std(axis=1), samples[:, 0, :],
                                     np.zeros(n_runs, int), np.zeros(3), np.zeros(3), samples[0], n_samples)
    checks = calibration.sbc_checks(ranks, rng.normal(size=(n_runs, 8)), samples[:, 0, :], n_samples)
    metrics = study2_evaluate.posterior_metrics(fitted, truth, np.ones(8), checks, (0.5, 0.9),
                                                 study2_evaluate.THETA_TARGETS)
    informative, uninformative = metrics["J_EE_pA"], metrics["tau_syn_I_ms"]
    assert informative["r2_posterior_mean"] == pytest.approx(0.8, abs=0.05)  # var explained: 1 / (1 + 0.25)
    assert informative["shrinkage_mean"] == pytest.approx(0.8, abs=0.03)
    assert informative["posterior_sd_mean"] == pytest.approx(post_sd, rel=0.02)
    assert abs(uninformative["r2_posterior_mean"]) < 0.05 and abs(uninformative["shrinkage_mean"]) < 0.05
    for target in (informative, uninformative):
        assert target["coverage"]["0.9"] == pytest.approx(0.9, abs=0.05) and target["sbc_ks_p"] > 1e-3
        low, high = target["coverage_ci"]["0.9"]
        assert low < target["coverage"]["0.9"] < high


def test_the_learning_curve_never_trains_on_its_test_set_and_rises_with_information():
    """y = a feature + noise: R2 on the fixed test set rises towards 1 / (1 + 0.1) with more training runs; the
    test set is fixed by draw key."""
    rng = np.random.default_rng(2)
    n = 400
    keys = np.array([f"t{i:04d}" for i in range(n)])
    X = rng.normal(size=(n, 5))
    Y = np.zeros((n, len(study2_evaluate.TARGETS)))
    Y[:, 0] = X[:, 0] + np.sqrt(0.1) * rng.normal(size=n)   # J_EE_pA: learnable
    Y[:, 1:] = rng.normal(size=(n, Y.shape[1] - 1))          # the rest: noise
    test = study2_evaluate.learning_curve_test_rows(keys, 0.25, 45)
    curve = study2_evaluate.learning_curve(X, Y, keys, "ridge", [5, 20, 100], 20, 0.25, "standard", 45)
    assert curve["n_test"] == int(test.sum()) and curve["n_pool"] == n - int(test.sum())
    assert 0.15 < test.mean() < 0.35
    learnable = [curve["sizes"][str(size)]["J_EE_pA"]["r2_mean"] for size in (5, 20, 100)]
    assert learnable[0] < learnable[1] < learnable[2] and learnable[2] == pytest.approx(1 / 1.1, abs=0.05)
    assert curve["sizes"]["100"]["tau_syn_I_ms"]["r2_mean"] < 0.02     # no information: no R2


def test_per_draw_kernels_scale_each_pathway_with_the_draws_weight_and_time_constant(tiny_params):
    """Real NEURON/LFPykernels on the tiny profile: without g_eff twice the I->E weight doubles the I->E kernel (a
    linearized kernel is linear in its synapse's conductance); with g_eff the stronger synapse also raises the
    membrane's mean conductance, so the kernel grows less than twice; a shorter inhibitory time constant makes the
    I kernels decay sooner, while the E kernels stay study 1's."""
    import tempfile
    from pathlib import Path

    from analysis.model import cells, draw_kernels, kernels, mechanisms

    mechanisms.load()
    params = tiny_params
    best = priors.best_fit(params)
    rates = np.array([4.0, 8.0])
    vrest = params.kernels.Vrest_mV
    with tempfile.TemporaryDirectory() as folder:
        morph = {name: cells.write_morphology(Path(folder) / f"m_{name}.hoc", name,
                                              params.kernels.cells.morphology[name]) for name in ("E", "I")}
        base = kernels.compute_kernel_set(draw_kernels.kernel_params(params, best), rates, vrest, morph)
        same = kernels.compute_kernel_set(params, rates, vrest, morph)
        double = dict(best, J_EI_pA=2 * best["J_EI_pA"])
        stronger = kernels.compute_kernel_set(draw_kernels.kernel_params(params, double), rates, vrest, morph)
        no_g_eff = params.with_changes({"kernels": {"g_eff": False}})
        linear = [kernels.compute_kernel_set(draw_kernels.kernel_params(no_g_eff, theta), rates, vrest, morph)
                  for theta in (best, double)]
        faster = kernels.compute_kernel_set(
            draw_kernels.kernel_params(params, dict(best, tau_syn_I_ms=best["tau_syn_I_ms"] / 2)), rates, vrest, morph)
    np.testing.assert_array_equal(base, same)      # the best fit's own kernels are study 1's
    i_to_e = base[1, 0]
    np.testing.assert_allclose(linear[1][1, 0], 2 * linear[0][1, 0], rtol=1e-6, atol=1e-9 * np.abs(i_to_e).max())
    # with g_eff the doubled inhibitory conductance also shunts the membrane: the kernel grows, far less than twice
    # (1.08 at these rates)
    gain = np.abs(stronger[1, 0]).sum() / np.abs(i_to_e).sum()
    assert 1.0 < gain < 1.5
    np.testing.assert_array_equal(linear[1][0, 0], linear[0][0, 0])   # without g_eff other pathways are untouched
    # the time of the kernel's centre of mass (its |H| over lags >= 0) moves earlier with a faster decay
    lags = np.arange(i_to_e.size) - i_to_e.size // 2

    def centre(kernel):
        weight = np.abs(kernel) * (lags >= 0)
        return float((weight * lags).sum() / weight.sum())

    # (the E kernels move too, through g_eff: a shorter inhibitory current is a smaller mean conductance; 7 % here)
    assert centre(faster[1, 0]) < 0.8 * centre(i_to_e)
    assert abs(centre(faster[0, 0]) / centre(base[0, 0]) - 1) < abs(centre(faster[1, 0]) / centre(i_to_e) - 1)


def test_the_noise_floor_is_the_seed_share_of_each_features_variance():
    """Features = signal(theta) + seed noise: with signal variance 3 and noise variance 1 the seed share is 1/4;
    a feature that is pure noise has share 1."""
    import pandas as pd

    from analysis.methods.features import FEATURE_NAMES

    rng = np.random.default_rng(9)
    names = [*FEATURE_NAMES, "aperiodic_exponent"]
    n_draws, n_seeds = 400, 5
    signal = np.sqrt(3.0) * rng.normal(size=(n_draws, 1))

    def features(noise_sd):
        values = signal + noise_sd * rng.normal(size=(n_draws, len(names)))
        values[:, 1] = rng.normal(size=n_draws)   # pure noise
        return values

    keys = [f"t{i:04d}" for i in range(n_draws)]
    table = pd.DataFrame(features(1.0), columns=names)
    table.insert(0, "key", keys)
    table["status"] = "accepted"
    for target in study2_evaluate.POSTERIOR_TARGETS + priors.RATE_TARGETS:
        table[target] = 1.0
    replicate_rows = []
    for seed in range(1, n_seeds):
        values = features(1.0)
        for i in range(50):                       # 50 draws replicated with 4 other seeds
            replicate_rows.append({"key": f"{keys[i]}_s{seed}", "draw": keys[i], "status": "accepted",
                                   **dict(zip(names, values[i]))})
    floor = study2_evaluate.noise_floor(table, pd.DataFrame(replicate_rows))
    assert floor["n_groups"] == 50 and floor["n_runs"] == 250
    fraction = floor["seed_variance_fraction"]
    assert fraction[names[0]] == pytest.approx(0.25, abs=0.05)
    assert fraction[names[1]] == pytest.approx(1.0, abs=0.15)

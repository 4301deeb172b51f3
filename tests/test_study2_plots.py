"""Study 2's figures (analysis/methods/study2_plots.py) drawn from synthetic cross-fitted posteriors: every panel,
PDF and PNG."""
from __future__ import annotations

import numpy as np

from analysis.data import save_figure
from analysis.methods import calibration, study2_plots
from analysis.methods import study2_inverse as study2_evaluate
from analysis.methods.study2_inverse import THETA_TARGETS as TARGETS


def draws_figure():
    """Five draws of the full study's prior: three usable, one runaway, one silent."""
    from analysis.model import priors
    from analysis.params import profile_params

    prior = priors.Prior.from_params(profile_params("full"))
    phi = prior.sample(np.random.default_rng(1), 5)
    return study2_plots.fig_draws(phi, np.array(["usable", "usable", "runaway", "usable", "silent"]), prior)


def test_every_study2_figure_is_drawn(tmp_path):
    rng = np.random.default_rng(3)
    n_runs, n_samples = 20, 100
    truth = rng.normal(size=(n_runs, 8))
    samples = truth[:, None, :] + 0.3 * rng.normal(size=(n_runs, n_samples, 8))
    ranks = (samples < truth[:, None, :]).sum(axis=1)
    fitted = calibration.CrossFitted(ranks, samples.mean(axis=1), samples.std(axis=1), samples[:, 0, :],
                                     np.zeros(n_runs, int), np.zeros(3), np.zeros(3), samples[0], n_samples)
    checks = {"ks_p": np.full(8, 0.5)}
    metrics = study2_evaluate.posterior_metrics(fitted, truth, np.ones(8), checks, (0.5, 0.8, 0.9, 0.95), TARGETS)
    curve = {"n_test": 10, "sizes": {str(n): {t: {"r2_mean": 1 - 10 / n, "r2_sd": 0.05} for t in TARGETS}
                                     for n in (25, 50, 100)}}
    figures = {"recovery": study2_plots.fig_recovery(fitted.mean, fitted.sd, truth, metrics),
               "sbc": study2_plots.fig_sbc(ranks, n_samples),
               "coverage": study2_plots.fig_coverage(metrics),
               "posterior": study2_plots.fig_posterior(samples[0, :, :7], truth[0, :7]),
               "learning_curve": study2_plots.fig_learning_curve(curve),
               "draws": draws_figure()}
    assert len(figures["recovery"].axes) == 8 and len(figures["posterior"].axes) == 49
    # each recovery panel states its parameter's R^2 from the metrics (0.3-sd noise on unit-sd truth: R^2 ~ 0.9)
    for ax, target in zip(figures["recovery"].axes, TARGETS):
        assert ax.get_title() == f"{target}\nR² = {metrics[target]['r2_posterior_mean']:.2f}"
        assert 0.8 < metrics[target]["r2_posterior_mean"] < 1.0
    # every SBC panel counts every run once
    for ax in figures["sbc"].axes:
        assert sum(patch.get_height() for patch in ax.patches[1:]) == n_runs
    # the coverage curves plot the metrics' coverage at the nominal levels (shifted a hair apart per target)
    line = figures["coverage"].axes[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), [0.5, 0.8, 0.9, 0.95], atol=0.02)
    # the draws figure: one panel per prior variable, each draw once in its outcome's row, inside the box
    panel = figures["draws"].axes[0]
    assert len(figures["draws"].axes) == 7
    assert [line.get_label() for line in panel.lines] == ["usable (3)", "accepted, no features (0)", "runaway (1)",
                                                          "silent (1)"]
    box = panel.patches[0].get_x(), panel.patches[0].get_x() + panel.patches[0].get_width()
    assert all(box[0] <= x <= box[1] for line in panel.lines for x in line.get_xdata())
    prov = {"params_hash": "test", "profile": "test", "inputs": {}, "software": {}}
    for name, fig in figures.items():
        pdf, png = save_figure(fig, name, prov, dpi=60, output_dir=tmp_path)
        assert pdf.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

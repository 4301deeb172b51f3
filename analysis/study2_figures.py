"""Study 2's figures (docs/model.md §8), as PDF and PNG with provenance like study 1's figures.

Usage: python -m analysis.study2_figures

  study2_recovery        cross-fitted posterior mean vs true value per parameter (NPE, both feature sets), with R^2
  study2_sbc             SBC rank histograms per parameter (every usable run), with the band a uniform one stays in
  study2_coverage        empirical vs nominal coverage of central credible intervals, with 95 % intervals
  study2_posterior       one run's out-of-fold posterior (pair plot of the 7 parameters) with its true theta
  study2_learning_curve  test R^2 (Ridge, both feature sets) against the training runs: mean and sd over repeats
  study2_draws           every draw in the prior's variables (charges and time constants) with the prior's box,
                         by what became of it: usable, accepted without features, runaway, silent
"""
from __future__ import annotations

import sys
import time

import matplotlib

matplotlib.use("Agg")  # files only, before pyplot is imported (by the plots too)
import matplotlib.pyplot as plt  # noqa: E402

from analysis import common, data  # noqa: E402
from analysis.common import get_logger, load_npz, log_io, read_json  # noqa: E402
from analysis.data import provenance, save_figure  # noqa: E402
from analysis.methods import study2_plots as plots  # noqa: E402
from analysis.methods.study2_inverse import draw_outcomes  # noqa: E402
from analysis.model import priors  # noqa: E402
from analysis.params import load_params  # noqa: E402

# the figures show the posteriors fitted on the feature set "both": catch22 and the aperiodic exponent (§8)
FEATURE_SET = "both"


def main() -> int:
    logger = get_logger("study2_figures")
    start = time.perf_counter()
    params = load_params()
    metrics = read_json(data.STUDY2_METRICS)
    posteriors = load_npz(data.STUDY2_POSTERIORS_FILE)
    part = {name: posteriors[f"{FEATURE_SET}_{name}"] for name in ("mean", "sd", "truth", "ranks", "example")}
    n_samples = int(posteriors[f"{FEATURE_SET}_n_samples"])
    npe_metrics = metrics["feature_sets"][FEATURE_SET]["npe"]
    plt.rcParams.update({"font.size": 8, "pdf.fonttype": 42})
    table = data.read_features(data.STUDY2_FEATURES_FILE)
    phi = priors.phi_from_theta({name: table[name].to_numpy(dtype=float) for name in priors.PARAMETERS})
    prov = provenance(params, [data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE, data.STUDY2_FEATURES_FILE])
    figures = {"study2_recovery": lambda: plots.fig_recovery(part["mean"], part["sd"], part["truth"], npe_metrics),
               "study2_sbc": lambda: plots.fig_sbc(part["ranks"], n_samples),
               "study2_coverage": lambda: plots.fig_coverage(npe_metrics),
               "study2_posterior": lambda: plots.fig_posterior(part["example"][:, :7], part["truth"][0, :7]),
               "study2_learning_curve": lambda: plots.fig_learning_curve(metrics["learning_curve_ridge_both_r2"]),
               "study2_draws": lambda: plots.fig_draws(phi, draw_outcomes(table), priors.Prior.from_params(params))}
    wrote = []
    for name, draw in figures.items():
        wrote += save_figure(draw(), name, prov, params.figures.dpi)
    log_io(logger, read=["params.yaml", data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE, data.STUDY2_FEATURES_FILE],
           wrote=wrote)
    logger.info("stage study2_figures took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

"""Study 2's figures (docs/model.md §8), as PDF and PNG with provenance like study 1's figures.

Usage: python -m analysis.study2_figures

  study2_recovery        posterior mean vs true value per parameter (NPE, both feature sets), with R^2
  study2_sbc             SBC rank histograms per parameter, with the band a uniform histogram stays in
  study2_coverage        empirical vs nominal coverage of central credible intervals, per parameter
  study2_posterior       one held-out run's posterior (pair plot of the 7 parameters) with its true theta
  study2_learning_curve  cross-validated R^2 (Ridge, both feature sets) against the number of runs
"""
from __future__ import annotations

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats as st  # noqa: E402

from analysis import common, data  # noqa: E402
from analysis.common import get_logger, load_npz, log_io, read_json  # noqa: E402
from analysis.data import provenance, save_figure  # noqa: E402
from analysis.methods.calibration import sbc_ranks  # noqa: E402
from analysis.methods.study2_inverse import THETA_TARGETS as TARGETS  # noqa: E402
from analysis.params import load_params  # noqa: E402

FEATURE_SET = "both"
N_RANK_BINS = 10


def fig_recovery(samples: np.ndarray, truth: np.ndarray, metrics: dict) -> plt.Figure:
    fig, axes = plt.subplots(2, 4, figsize=(12, 6))
    for j, (ax, target) in enumerate(zip(axes.flat, TARGETS)):
        estimate, sd = samples[:, :, j].mean(axis=1), samples[:, :, j].std(axis=1)
        ax.errorbar(truth[:, j], estimate, yerr=sd, fmt="o", ms=3, lw=0.6, color="tab:blue")
        low, high = min(truth[:, j].min(), estimate.min()), max(truth[:, j].max(), estimate.max())
        ax.plot([low, high], [low, high], "k--", lw=0.7)
        ax.set_title(f"{target}\nR² = {metrics[target]['r2_posterior_mean']:.2f}", fontsize=8)
        ax.set_xlabel("true")
    axes[0, 0].set_ylabel("posterior mean ± sd")
    fig.tight_layout()
    return fig


def fig_sbc(samples: np.ndarray, truth: np.ndarray) -> plt.Figure:
    ranks = sbc_ranks(samples, truth)
    n_runs, n_samples = ranks.shape[0], samples.shape[1]
    # 99 % band of a bin count under uniform ranks: Binomial(n_runs, 1 / N_RANK_BINS)
    low, high = st.binom.ppf([0.005, 0.995], n_runs, 1 / N_RANK_BINS)
    fig, axes = plt.subplots(2, 4, figsize=(12, 5), sharey=True)
    for j, (ax, target) in enumerate(zip(axes.flat, TARGETS)):
        ax.axhspan(low, high, color="0.85")
        ax.hist(ranks[:, j], bins=np.linspace(0, n_samples + 1, N_RANK_BINS + 1), color="tab:blue")
        ax.set_title(target, fontsize=8)
    fig.supxlabel("rank of the true value among the posterior samples")
    fig.tight_layout()
    return fig


def fig_coverage(metrics: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    for target in TARGETS:
        levels = sorted(float(q) for q in metrics[target]["coverage"])
        ax.plot(levels, [metrics[target]["coverage"][str(q)] for q in levels], "o-", ms=3, lw=0.8, label=target)
    ax.plot([0, 1], [0, 1], "k--", lw=0.7)
    ax.set(xlabel="nominal coverage", ylabel="empirical coverage", xlim=(0.4, 1), ylim=(0, 1), aspect="equal")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def fig_posterior(samples: np.ndarray, truth: np.ndarray) -> plt.Figure:
    n = 7
    fig, axes = plt.subplots(n, n, figsize=(10, 10))
    for i in range(n):
        for j in range(n):
            ax = axes[i, j]
            if i == j:
                ax.hist(samples[:, i], bins=30, color="tab:blue")
                ax.axvline(truth[i], color="tab:red")
            elif i > j:
                ax.plot(samples[:, j], samples[:, i], ",", color="tab:blue", alpha=0.5)
                ax.plot(truth[j], truth[i], "*", color="tab:red", ms=8)
            else:
                ax.axis("off")
            ax.tick_params(labelsize=5)
            if i == n - 1:
                ax.set_xlabel(TARGETS[j], fontsize=6)
            if j == 0 and i > 0:
                ax.set_ylabel(TARGETS[i], fontsize=6)
    fig.tight_layout()
    return fig


def fig_learning_curve(curve: dict) -> plt.Figure:
    runs = sorted(int(n) for n in curve)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for target in TARGETS:
        ax.plot(runs, [curve[str(n)][target] for n in runs], "o-", ms=3, lw=0.8, label=target)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set(xlabel="runs", ylabel="CV R² (Ridge, both feature sets)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def main() -> int:
    logger = get_logger("study2_figures")
    start = time.perf_counter()
    params = load_params()
    metrics = read_json(data.STUDY2_METRICS)
    posteriors = load_npz(data.STUDY2_POSTERIORS_FILE)
    samples, truth = posteriors[f"{FEATURE_SET}_samples"], posteriors[f"{FEATURE_SET}_truth"]
    npe_metrics = metrics["feature_sets"][FEATURE_SET]["npe"]
    plt.rcParams.update({"font.size": 8, "pdf.fonttype": 42})
    prov = provenance(params, [data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE])
    figures = {"study2_recovery": lambda: fig_recovery(samples, truth, npe_metrics),
               "study2_sbc": lambda: fig_sbc(samples, truth),
               "study2_coverage": lambda: fig_coverage(npe_metrics),
               "study2_posterior": lambda: fig_posterior(samples[0, :, :7], truth[0, :7]),
               "study2_learning_curve": lambda: fig_learning_curve(metrics["learning_curve_ridge_both_r2"])}
    wrote = []
    for name, draw in figures.items():
        wrote += save_figure(draw(), name, prov, params.figures.dpi)
    log_io(logger, read=["params.yaml", data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE], wrote=wrote)
    logger.info("stage study2_figures took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

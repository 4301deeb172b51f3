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

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats as st  # noqa: E402

from analysis import common, data  # noqa: E402
from analysis.common import get_logger, load_npz, log_io, read_json  # noqa: E402
from analysis.data import provenance, save_figure  # noqa: E402
from analysis.methods.study2_inverse import DRAW_OUTCOMES, draw_outcomes  # noqa: E402
from analysis.methods.study2_inverse import THETA_TARGETS as TARGETS  # noqa: E402
from analysis.model import priors  # noqa: E402
from analysis.params import PRIOR_NAMES, load_params  # noqa: E402

FEATURE_SET = "both"
N_RANK_BINS = 10


def fig_recovery(mean: np.ndarray, sd: np.ndarray, truth: np.ndarray, metrics: dict) -> plt.Figure:
    fig, axes = plt.subplots(2, 4, figsize=(12, 6))
    for j, (ax, target) in enumerate(zip(axes.flat, TARGETS)):
        ax.errorbar(truth[:, j], mean[:, j], yerr=sd[:, j], fmt="o", ms=2, lw=0.4, color="tab:blue")
        low, high = min(truth[:, j].min(), mean[:, j].min()), max(truth[:, j].max(), mean[:, j].max())
        ax.plot([low, high], [low, high], "k--", lw=0.7)
        ax.set_title(f"{target}\nR² = {metrics[target]['r2_posterior_mean']:.2f}", fontsize=8)
        ax.set_xlabel("true")
    axes[0, 0].set_ylabel("posterior mean ± sd (out of fold)")
    fig.tight_layout()
    return fig


def fig_sbc(ranks: np.ndarray, n_samples: int) -> plt.Figure:
    n_runs = ranks.shape[0]
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
    # the axes are 0.6 wide and 1 high at equal aspect: a figure of that shape has no empty margins
    fig, ax = plt.subplots(figsize=(3.4, 4.8))
    for k, target in enumerate(TARGETS):
        levels = sorted(float(q) for q in metrics[target]["coverage"])
        shift = (k - len(TARGETS) / 2) * 0.005   # side by side, so that the intervals stay readable
        values = np.array([metrics[target]["coverage"][str(q)] for q in levels])
        ci = np.array([metrics[target]["coverage_ci"][str(q)] for q in levels])
        ax.errorbar(np.array(levels) + shift, values, yerr=[values - ci[:, 0], ci[:, 1] - values], fmt="o-", ms=3,
                    lw=0.8, capsize=1.5, label=target)
    ax.plot([0, 1], [0, 1], "k--", lw=0.7)
    ax.set(xlabel="nominal coverage", ylabel="empirical coverage (95 % interval)", xlim=(0.4, 1), ylim=(0, 1),
           aspect="equal")
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
    sizes = curve["sizes"]
    runs = sorted(int(n) for n in sizes)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for target in TARGETS:
        mean = np.array([sizes[str(n)][target]["r2_mean"] for n in runs])
        sd = np.array([sizes[str(n)][target]["r2_sd"] for n in runs])
        line, = ax.plot(runs, mean, "o-", ms=3, lw=0.8, label=target)
        ax.fill_between(runs, mean - sd, mean + sd, color=line.get_color(), alpha=0.15, lw=0)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set(xlabel="training runs", ylabel=f"R² on {curve['n_test']} fixed test runs (Ridge, both)",
           ylim=(max(-1.0, ax.get_ylim()[0]), 1.0))
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


OUTCOME_COLOURS = {"usable": "tab:blue", "accepted, no features": "tab:gray", "runaway": "tab:red",
                   "silent": "tab:orange"}


def fig_draws(phi: np.ndarray, outcomes: np.ndarray, prior: priors.Prior) -> plt.Figure:
    """Each draw's charges and time constants on a log axis, one row per outcome, the prior's box shaded."""
    fig, axes = plt.subplots(len(PRIOR_NAMES), 1, figsize=(7, 1.1 * len(PRIOR_NAMES)))
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(outcomes))  # layout only, no result depends on it
    for j, (ax, name) in enumerate(zip(axes, PRIOR_NAMES)):
        ax.axvspan(np.exp(prior.low[j]), np.exp(prior.high[j]), color="0.9")
        for row, outcome in enumerate(DRAW_OUTCOMES):
            chosen = outcomes == outcome
            ax.plot(np.exp(phi[chosen, j]), row + jitter[chosen], "o", ms=2, color=OUTCOME_COLOURS[outcome],
                    label=f"{outcome} ({int(chosen.sum())})")
        ax.set_xscale("log")
        for axis in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
            axis(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.tick_params(axis="x", which="minor", labelsize=6)
        ax.set_yticks(range(len(DRAW_OUTCOMES)), [""] * len(DRAW_OUTCOMES))
        ax.set_ylim(len(DRAW_OUTCOMES) - 0.5, -0.5)
        ax.set_ylabel(name.replace("_fC", " (fC)").replace("_ms", " (ms)"), rotation=0, ha="right", va="center")
    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=len(DRAW_OUTCOMES), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


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
    figures = {"study2_recovery": lambda: fig_recovery(part["mean"], part["sd"], part["truth"], npe_metrics),
               "study2_sbc": lambda: fig_sbc(part["ranks"], n_samples),
               "study2_coverage": lambda: fig_coverage(npe_metrics),
               "study2_posterior": lambda: fig_posterior(part["example"][:, :7], part["truth"][0, :7]),
               "study2_learning_curve": lambda: fig_learning_curve(metrics["learning_curve_ridge_both_r2"]),
               "study2_draws": lambda: fig_draws(phi, draw_outcomes(table), priors.Prior.from_params(params))}
    wrote = []
    for name, draw in figures.items():
        wrote += save_figure(draw(), name, prov, params.figures.dpi)
    log_io(logger, read=["params.yaml", data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE, data.STUDY2_FEATURES_FILE],
           wrote=wrote)
    logger.info("stage study2_figures took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

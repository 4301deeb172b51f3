"""Study 2's figures (docs/model.md §8), each drawn from the evaluation's arrays and metrics into a matplotlib figure.

The stage script `analysis/study2_figures.py` reads the study's files and saves what these functions return;
the functions read no file, so they can be drawn from small synthetic inputs in tests. Parameters are in the
units of docs/model.md §8 (charges in fC, time constants in ms; the prior's variables on a log axis).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import scipy.stats as st

from analysis.methods.study2_inverse import DRAW_OUTCOMES
from analysis.methods.study2_inverse import THETA_TARGETS as TARGETS
from analysis.model import priors
from analysis.params import PRIOR_NAMES

# bins of the SBC rank histograms: about 10 runs per bin at the study's N >= 100 usable runs
N_RANK_BINS = 10


def fig_recovery(mean: np.ndarray, sd: np.ndarray, truth: np.ndarray, metrics: dict) -> plt.Figure:
    """Cross-fitted posterior mean ± sd against the true value, one panel per target, with its R².

    Parameters
    ----------
    mean, sd, truth : numpy.ndarray, shape (n_runs, n_targets)
        Out-of-fold posterior means and sds and the true values, in the targets' units (THETA_TARGETS).
    metrics : dict
        Per target, r2_posterior_mean.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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
    """SBC rank histograms per target, with the 99 % band of a bin's count under uniform ranks.

    Parameters
    ----------
    ranks : numpy.ndarray of int, shape (n_runs, n_targets)
        Rank of each true value among its run's posterior samples (0 .. n_samples).
    n_samples : int
        Posterior samples per run.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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
    """Empirical against nominal coverage of central credible intervals, per target, with 95 % binomial intervals.

    Parameters
    ----------
    metrics : dict
        Per target, coverage and coverage_ci keyed by the nominal level as a string ("0.9").

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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
    """One run's posterior as a pair plot of the first 7 targets (the network's parameters), its truth starred.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n_samples, 7)
        Posterior samples of the run.
    truth : numpy.ndarray, shape (7,)
        Its true parameters.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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
    """Test R² of Ridge (mean ± sd over random training subsets) against the number of training runs, per target.

    Parameters
    ----------
    curve : dict
        n_test (the fixed test runs) and sizes: per training size (a string), per target, r2_mean and r2_sd.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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
    """Each draw's charges (fC) and time constants (ms) on a log axis, one row per outcome, the prior's box shaded.

    Parameters
    ----------
    phi : numpy.ndarray, shape (n_draws, 7)
        The draws in the prior's variables: ln of the charges (fC) and time constants (ms), PRIOR_NAMES order.
    outcomes : numpy.ndarray of str, shape (n_draws,)
        What became of each draw (DRAW_OUTCOMES).
    prior : priors.Prior
        The prior the draws came from (its box in phi: low, high).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
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

"""Is a posterior calibrated? Simulation-based calibration and coverage (docs/model.md §8).

For test simulations with known parameters theta_i and posterior samples drawn given their features:
  SBC rank     r_i = #{posterior samples < theta_i}; for a calibrated posterior the ranks are uniform on
               0..S (Talts et al. 2018). Uniformity is tested with a chi-square test on equal-width bins.
  coverage     the fraction of tests whose theta_i lies in the central q-credible interval; calibrated: q.
  z-score      |posterior mean - theta| / posterior sd        (how far off, in posterior sds)
  shrinkage    1 - posterior variance / prior variance        (how much the data taught; 0: nothing)

References: Talts S, Betancourt M, Simpson D, Vehtari A, Gelman A (2018). Validating Bayesian inference
algorithms with simulation-based calibration. arXiv:1804.06788.
"""
from __future__ import annotations

import numpy as np
import scipy.stats as st

COVERAGE_LEVELS = (0.5, 0.8, 0.9, 0.95)


def sbc_ranks(samples: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Ranks (tests, parameters) of the true values among the posterior samples (tests, samples, parameters)."""
    return np.sum(samples < theta[:, None, :], axis=1)


def rank_uniformity_p(ranks: np.ndarray, n_samples: int, n_bins: int = 10) -> np.ndarray:
    """Per parameter: p-value of a chi-square test that the ranks are uniform on 0..n_samples (small: not)."""
    edges = np.linspace(0, n_samples + 1, n_bins + 1)
    p_values = []
    for column in np.atleast_2d(ranks.T):
        counts, _ = np.histogram(column, bins=edges)
        p_values.append(st.chisquare(counts).pvalue)
    return np.array(p_values)


def coverage(samples: np.ndarray, theta: np.ndarray, levels=COVERAGE_LEVELS) -> dict[float, np.ndarray]:
    """Per level q: the fraction of tests (per parameter) whose theta is inside the central q interval."""
    out = {}
    for level in levels:
        low = np.quantile(samples, (1 - level) / 2, axis=1)
        high = np.quantile(samples, (1 + level) / 2, axis=1)
        out[level] = np.mean((theta >= low) & (theta <= high), axis=0)
    return out


def posterior_zscore(samples: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """|posterior mean - theta| / posterior sd, per test and parameter."""
    return np.abs(samples.mean(axis=1) - theta) / samples.std(axis=1)


def shrinkage(samples: np.ndarray, prior_variance: np.ndarray) -> np.ndarray:
    """1 - posterior variance / prior variance, per test and parameter."""
    return 1 - samples.var(axis=1) / np.asarray(prior_variance)


def uniform_box_variance(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Variance of independent uniform priors on [low, high]: (high - low)^2 / 12."""
    return (np.asarray(high) - np.asarray(low)) ** 2 / 12

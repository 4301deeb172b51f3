"""Is a posterior calibrated, and could the test tell? (docs/model.md §8)

For runs with known parameters and posteriors given their features:
  SBC rank     r_i = #{posterior samples < truth_i}, uniform on 0..S for a calibrated posterior (Talts et al. 2018);
               computed by sbi's `run_sbc` for any function of the parameters (reduce_fns) and tested by sbi's
               `check_sbc`: Kolmogorov-Smirnov p per target, and a classifier (C2ST) of the data-averaged
               posterior against the prior. Not reported: check_sbc's C2ST of the ranks, which compares integer
               ranks with continuous uniform numbers and so tells them apart (0.88 accuracy for exactly uniform
               ranks 0..200 in 1000 runs, sbi 0.27.0, where 0.5 means indistinguishable)
  coverage     the fraction of runs whose truth lies in the central q-credible interval, i.e. whose rank lies in
               [(1 - q) / 2, (1 + q) / 2] x S; calibrated: q. With a Clopper-Pearson 95 % interval.
  TARP         sbi's `run_tarp` / `check_tarp` (Lemos et al. 2023): the joint expected coverage of random-point
               credible regions; ATC (area to the diagonal) 0 and KS p large for a calibrated posterior
  power        the smallest width error of a posterior that the rank test detects at this number of runs
               (`smallest_detectable_width_error`): a calibrated test that cannot see a 50 % error says little
Cross-fitting (`cross_fit`): the runs are split into K folds; the NPE fitted on K - 1 folds gives the posterior of
every run of the remaining one, so every usable run is a calibration run and none is judged by a model that saw it.

References: Talts S, Betancourt M, Simpson D, Vehtari A, Gelman A (2018). Validating Bayesian inference algorithms
with simulation-based calibration. arXiv:1804.06788. Lemos P, Coogan A, Hezaveh Y, Perreault-Levasseur L (2023).
Sampling-based accuracy testing of posterior estimators for general inference. ICML, PMLR 202:19256-19273.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.stats as st

from analysis.methods import npe


@dataclass(frozen=True)
class CrossFitted:
    """Every run's out-of-fold posterior, summarized.

    Parameters
    ----------
    ranks : ndarray (runs, targets)
        SBC ranks of each target (0 .. n_samples).
    mean, sd : ndarray (runs, targets)
        Posterior mean and sd of each target, in its units.
    dap : ndarray (runs, parameters)
        One posterior sample per run, of the prior's variables (the data-averaged posterior).
    fold : ndarray (runs,)
        The fold each run was held out in.
    tarp_ecp, tarp_alpha : ndarray (bins,)
        TARP's expected coverage, pooled over folds (weighted by their sizes), and its credibility levels.
    example : ndarray (n_samples, targets)
        The posterior samples of the first run, for a figure.
    n_samples : int
        Posterior samples per run.
    """
    ranks: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    dap: np.ndarray
    fold: np.ndarray
    tarp_ecp: np.ndarray
    tarp_alpha: np.ndarray
    example: np.ndarray
    n_samples: int


def cross_fit(phi: np.ndarray, x: np.ndarray, low: np.ndarray, high: np.ndarray, targets: Callable,
              n_targets: int, folds: int, n_samples: int, tarp_bins: int, settings, feature_transform: str,
              seed: int, progress: Callable[[str], None] | None = None) -> CrossFitted:
    """K-fold cross-fitted NPE posteriors of every run, with sbi's SBC ranks and TARP coverage.

    Parameters
    ----------
    phi : ndarray (runs, parameters)
        The runs' values of the prior's variables.
    x : ndarray (runs, features)
        Their features.
    low, high : ndarray (parameters,)
        The prior's box.
    targets : callable
        ndarray (..., parameters) of phi -> ndarray (..., n_targets) of every target (theta, E/I_net, charges).
    n_targets : int
        The targets' number.
    folds : int
        K (2 <= K <= runs).
    n_samples : int
        Posterior samples per run.
    tarp_bins : int
        Credibility levels of TARP.
    settings : NpeSettings
        study2.npe.
    feature_transform : {"standard", "quantile_normal"}
        study2.feature_transform.
    seed : int
        Folds, training and sampling all derive from it.
    progress : callable, optional
        Called with a short description after each fold (the whole fit takes minutes at a few hundred runs).

    Returns
    -------
    CrossFitted
    """
    import torch
    from sbi.diagnostics import run_sbc, run_tarp
    from sklearn.model_selection import KFold

    from analysis.common import derive_seed

    def reduce(j: int):
        return lambda theta, _x: torch.as_tensor(targets(theta.numpy().astype(np.float64))[..., j])

    n_runs = len(phi)
    ranks, mean, sd = (np.full((n_runs, n_targets), np.nan) for _ in range(3))
    dap, fold_of = np.full_like(phi, np.nan, dtype=np.float64), np.full(n_runs, -1)
    ecp_sum, alpha, example = 0.0, None, None
    splitter = KFold(n_splits=folds, shuffle=True, random_state=derive_seed(seed, "calibration_folds") % 2**32)
    for k, (train, test) in enumerate(splitter.split(phi)):
        posterior, transform = npe.fit_npe(phi[train], x[train], low, high, derive_seed(seed, "npe", str(k)),
                                           settings, feature_transform)
        xs = torch.as_tensor(transform.transform(x[test]), dtype=torch.float32)
        thetas = torch.as_tensor(phi[test], dtype=torch.float32)
        torch.manual_seed(derive_seed(seed, "sbc", str(k)))
        fold_ranks, fold_dap = run_sbc(thetas, xs, posterior, num_posterior_samples=n_samples,
                                       reduce_fns=[reduce(j) for j in range(n_targets)], show_progress_bar=False)
        ranks[test], dap[test], fold_of[test] = fold_ranks.numpy(), fold_dap.numpy(), k
        samples = targets(npe.sample_posteriors(posterior, transform, x[test], n_samples,
                                                derive_seed(seed, "sample", str(k))))
        mean[test], sd[test] = samples.mean(axis=1), samples.std(axis=1)
        if 0 in test:
            example = samples[list(test).index(0)]
        torch.manual_seed(derive_seed(seed, "tarp", str(k)))
        ecp, alpha = run_tarp(thetas, xs, posterior, num_posterior_samples=n_samples, num_bins=tarp_bins,
                              show_progress_bar=False)
        ecp_sum = ecp_sum + ecp.numpy() * len(test)
        if progress is not None:
            progress(f"NPE fold {k + 1}/{folds}")
    return CrossFitted(ranks, mean, sd, dap, fold_of, ecp_sum / n_runs, alpha.numpy(), example, n_samples)


def sbc_checks(ranks: np.ndarray, prior_phi: np.ndarray, dap_phi: np.ndarray, n_samples: int) -> dict:
    """sbi's check_sbc: rank uniformity per target and the data-averaged posterior against the prior.

    Parameters
    ----------
    ranks : ndarray (runs, targets)
        SBC ranks.
    prior_phi : ndarray (runs, parameters)
        As many prior draws as runs.
    dap_phi : ndarray (runs, parameters)
        The data-averaged posterior's samples.
    n_samples : int
        Posterior samples behind each rank.

    Returns
    -------
    dict
        ks_p (targets,): Kolmogorov-Smirnov p of uniform ranks; c2st_dap (parameters,): classifier accuracy of the
        data-averaged posterior against the prior (0.5: indistinguishable).
    """
    import warnings

    import torch
    from sbi.diagnostics import check_sbc

    with warnings.catch_warnings():  # sbi warns below 100 runs; the power analysis says what N can detect
        warnings.simplefilter("ignore", UserWarning)
        checks = check_sbc(torch.as_tensor(ranks, dtype=torch.float32), torch.as_tensor(prior_phi, dtype=torch.float32),
                           torch.as_tensor(dap_phi, dtype=torch.float32), num_posterior_samples=n_samples)
    return {"ks_p": checks["ks_pvals"].numpy(), "c2st_dap": checks["c2st_dap"].numpy()}


def tarp_check(ecp: np.ndarray, alpha: np.ndarray) -> tuple[float, float]:
    """sbi's check_tarp of pooled TARP coverage.

    Parameters
    ----------
    ecp, alpha : ndarray (bins,)
        Expected coverage and credibility levels (`CrossFitted`).

    Returns
    -------
    atc : float
        Area to the diagonal: > 0 underdispersed (too narrow), < 0 overdispersed.
    ks_p : float
        Kolmogorov-Smirnov p of ecp against alpha.
    """
    import torch
    from sbi.diagnostics import check_tarp

    atc, ks_p = check_tarp(torch.as_tensor(ecp), torch.as_tensor(alpha))
    return float(atc), float(ks_p)


def coverage_from_ranks(ranks: np.ndarray, n_samples: int, levels) -> dict[float, dict[str, np.ndarray]]:
    """Coverage of the central credible intervals, with Clopper-Pearson 95 % intervals.

    The truth lies in the central q interval of S samples when its rank lies in [(1 - q) / 2, (1 + q) / 2] x S.

    Parameters
    ----------
    ranks : ndarray (runs, targets)
        SBC ranks (0 .. n_samples).
    n_samples : int
        S.
    levels : sequence of float
        The nominal levels q.

    Returns
    -------
    dict
        q -> {"coverage", "low", "high"}: arrays (targets,).

    Examples
    --------
    Ranks uniform on 0..100 cover the central 50 % interval half of the time:

    >>> out = coverage_from_ranks(np.arange(101)[:, None], 100, [0.5])
    >>> round(float(out[0.5]["coverage"][0]), 3)       # ranks 25..75: 51 of 101
    0.505
    """
    quantile = np.asarray(ranks, dtype=float) / n_samples
    n_runs = len(quantile)
    out = {}
    for level in levels:
        inside = ((quantile >= (1 - level) / 2) & (quantile <= (1 + level) / 2)).sum(axis=0)
        intervals = [st.binomtest(int(k), n_runs).proportion_ci(0.95, method="exact") for k in inside]
        out[level] = {"coverage": inside / n_runs, "low": np.array([ci.low for ci in intervals]),
                      "high": np.array([ci.high for ci in intervals])}
    return out


def posterior_zscore(mean: np.ndarray, sd: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """|posterior mean - truth| / posterior sd, per run and target.

    Parameters
    ----------
    mean, sd, truth : ndarray (runs, targets)
        In the targets' units.

    Returns
    -------
    ndarray (runs, targets)
    """
    return np.abs(mean - truth) / sd


def shrinkage(sd: np.ndarray, prior_variance: np.ndarray) -> np.ndarray:
    """1 - posterior variance / prior variance, per run and target (0: the data taught nothing).

    Parameters
    ----------
    sd : ndarray (runs, targets)
        Posterior sd.
    prior_variance : ndarray (targets,)
        Each target's variance under the prior.

    Returns
    -------
    ndarray (runs, targets)
    """
    return 1 - sd ** 2 / np.asarray(prior_variance)


# ------------------------------------------------------------------ power of the rank test (docs/model.md §8)
# the width errors searched, on a 0.01 grid: up to 90 % too narrow, up to 300 % too wide
WIDTH_ERROR_GRID_END = {"narrower": 0.9, "wider": 3.0}
WIDTH_ERROR_STEP = 0.01
def rank_test_power(n_runs: int, width_ratio: float, n_samples: int, alpha: float, simulations: int,
                    rng: np.random.Generator) -> float:
    """How often the KS test of uniform ranks (as sbi's check_sbc) rejects a posterior of the wrong width.

    Model: the true posterior is normal; the reported one has the right centre and width_ratio x its sd. The
    truth's quantile under the reported posterior is then Phi(z / width_ratio), z ~ N(0, 1), and its rank among
    n_samples samples is that quantile x n_samples.

    Parameters
    ----------
    n_runs : int
        Ranks per test.
    width_ratio : float
        Reported sd / true sd (< 1: overconfident).
    n_samples : int
        Posterior samples per rank.
    alpha : float
        The test's level.
    simulations : int
        Monte Carlo repetitions.
    rng : numpy.random.Generator
        Seeded by the caller.

    Returns
    -------
    float
        The rejection rate (alpha at width_ratio = 1).
    """
    z = rng.standard_normal((simulations, n_runs))
    quantile = np.sort(np.floor(st.norm.cdf(z / width_ratio) * n_samples) / n_samples, axis=1)
    steps = np.arange(1, n_runs + 1) / n_runs
    distance = np.maximum(steps - quantile, quantile - (steps - 1 / n_runs)).max(axis=1)
    return float(np.mean(st.kstwo.sf(distance, n_runs) < alpha))


def smallest_detectable_width_error(n_runs: int, n_samples: int, alpha: float, power: float, simulations: int,
                                    seed: int) -> dict[str, float]:
    """The smallest relative error of a posterior's width that the rank test detects with the given power.

    Parameters
    ----------
    n_runs : int
        Ranks per test (the study's usable runs).
    n_samples : int
        Posterior samples per rank.
    alpha : float
        The test's level.
    power : float
        The detection probability asked for.
    simulations : int
        Monte Carlo repetitions per width.
    seed : int
        Of the Monte Carlo draws.

    Returns
    -------
    dict
        narrower: the smallest e such that a posterior (1 - e) x too narrow is detected; wider: the smallest e for
        (1 + e) x too wide; NaN when no e on the grid (WIDTH_ERROR_GRID_END) reaches the power.
    """
    rng = np.random.default_rng(seed)
    found = {"narrower": float("nan"), "wider": float("nan")}
    for name, ratio in (("narrower", lambda e: 1 - e), ("wider", lambda e: 1 + e)):
        n_steps = int(round(WIDTH_ERROR_GRID_END[name] / WIDTH_ERROR_STEP))
        for error in WIDTH_ERROR_STEP * np.arange(1, n_steps + 1):
            if rank_test_power(n_runs, ratio(error), n_samples, alpha, simulations, rng) >= power:
                found[name] = round(float(error), 2)
                break
    return found

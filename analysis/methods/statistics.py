"""Statistical verification (docs/model.md §9): other spikes (another thread count, build or platform), the same
network statistics? The NEST microcircuit's reference data are checked this way.

Statistics of one run, over [transient, tstop) (simulation_statistics):
  rate_X         mean rate of population X (spikes/s)
  cv_isi_X       mean coefficient of variation of the inter-spike intervals (neurons with >= 3 spikes)
  corr_X         mean pairwise Pearson correlation of spike counts in 10-ms bins (the first 200 active neurons)
and the per-neuron rate distribution, compared by the Kolmogorov-Smirnov distance. Signals: the log power of
the CDM and the EEG in four frequency bands (band_log_power). Features: each catch22 feature over the items.

Thresholds come from the seed-to-seed spread (seed_spread): runs of one item with other seeds, in the study the
reference point and its spread items (reference.spread_keys). A candidate is statistically equivalent to the
archived run when every statistic differs by at most K_SD standard deviations of a difference between two seeds
(the seeds' relative sd x sqrt 2 x the archived value), never closer than RELATIVE_FLOOR, and the KS distance of
its rate distribution is at most KS_MARGIN x the largest distance between two seeds. Band powers follow the same
K_SD rule with the seeds' sd of each band; a feature is equivalent when the median over items of its difference,
in seed sd of a difference, stays below the 1 - FEATURE_ALPHA quantile of its null distribution (which accounts for
the few seed runs that estimate the sd). The Ridge metrics are equivalent when the cross-validated MSE
lies within METRICS_K_SD of its own cross-validation sd.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.stats as st

from analysis.methods.spectra import welch_psd
from analysis.params import POPULATIONS

K_SD = 4.0              # allowed difference, in standard deviations of a difference between two seeds
RELATIVE_FLOOR = 0.01   # never demand agreement closer than 1 % of the value
KS_MARGIN = 1.5
METRICS_K_SD = 2.0
# signals: log10 Welch power in these bands (Hz) of the CDM and the EEG, 1-s segments
BANDS_HZ = ((1.0, 10.0), (10.0, 30.0), (30.0, 100.0), (100.0, 300.0))
LOG_POWER_FLOOR = 0.01   # never demand band powers closer than 10^0.01 - 1 = 2.3 %
# features: family-wise false-alarm rate of the per-feature test, and the fixed draws of its null distribution
FEATURE_ALPHA = 0.01
FEATURE_NULL_SEED, FEATURE_NULL_DRAWS = 20261127, 100_000
BIN_MS = 10.0
N_CORRELATED = 200


def _window(data: dict) -> tuple[float, float, float, dict]:
    meta = json.loads(str(data["metadata"]))
    return meta["dt_ms"], meta["transient_ms"], meta["tstop_ms"], meta["population_sizes"]


def neuron_rates(data: dict, name: str) -> np.ndarray:
    """The rate of every neuron of a population over [transient, tstop).

    Parameters
    ----------
    data : dict
        A simulation file's arrays (load_npz).
    name : str
        E or I.

    Returns
    -------
    ndarray (neurons,)
        spikes/s.
    """
    dt, transient, tstop, sizes = _window(data)
    steps, ids = data[f"spike_steps_{name}"], data[f"spike_ids_{name}"]
    keep = (steps * dt >= transient) & (steps * dt < tstop)
    return np.bincount(ids[keep], minlength=sizes[name]) / ((tstop - transient) / 1000.0)


def simulation_statistics(data: dict) -> dict[str, float]:
    """The network statistics of one run over [transient, tstop) (the module's list).

    Parameters
    ----------
    data : dict
        A simulation file's arrays (load_npz).

    Returns
    -------
    dict
        rate_X (spikes/s), cv_isi_X, corr_X for X in E, I (NaN where too few spikes).
    """
    dt, transient, tstop, sizes = _window(data)
    stats = {}
    for name in POPULATIONS:
        t_ms = data[f"spike_steps_{name}"] * dt
        ids = data[f"spike_ids_{name}"]
        keep = (t_ms >= transient) & (t_ms < tstop)
        t_ms, ids = t_ms[keep], ids[keep]
        stats[f"rate_{name}"] = float(t_ms.size / sizes[name] / ((tstop - transient) / 1000.0))
        order = np.lexsort((t_ms, ids))
        t_sorted, id_sorted = t_ms[order], ids[order]
        cvs = []
        for neuron in np.unique(id_sorted):
            isi = np.diff(t_sorted[id_sorted == neuron])
            if isi.size >= 2 and isi.mean() > 0:
                cvs.append(isi.std() / isi.mean())
        stats[f"cv_isi_{name}"] = float(np.mean(cvs)) if cvs else float("nan")
        active = np.unique(ids)[:N_CORRELATED]
        edges = np.arange(transient, tstop + BIN_MS, BIN_MS)
        counts = np.array([np.histogram(t_ms[ids == neuron], edges)[0] for neuron in active])
        counts = counts[counts.std(axis=1) > 0] if counts.size else counts
        if len(counts) >= 2:
            corr = np.corrcoef(counts)
            stats[f"corr_{name}"] = float(corr[np.triu_indices_from(corr, k=1)].mean())
        else:
            stats[f"corr_{name}"] = float("nan")
    return stats


@dataclass(frozen=True)
class SeedSpread:
    """How much the statistics of one item vary with the seed alone.

    Parameters
    ----------
    relative_sd : dict
        sd / |mean| of each statistic over the seed runs.
    ks_between : dict
        Per population, the largest KS distance of single-neuron rates between two seed runs.
    n_runs : int
        The seed runs.
    """
    relative_sd: dict[str, float]
    ks_between: dict[str, float]
    n_runs: int


def seed_spread(seed_runs: list[dict]) -> SeedSpread:
    """The spread of >= 3 runs of one item that differ only in their seed.

    Parameters
    ----------
    seed_runs : list of dict
        The runs' arrays (load_npz).

    Returns
    -------
    SeedSpread
    """
    if len(seed_runs) < 3:
        raise ValueError(f"the seed-to-seed spread needs at least 3 runs of one item, got {len(seed_runs)}")
    stats = [simulation_statistics(run) for run in seed_runs]
    relative = {}
    for name in stats[0]:
        values = np.array([s[name] for s in stats], dtype=float)
        mean = np.nanmean(values) if np.isfinite(values).any() else np.nan
        relative[name] = float(np.nanstd(values, ddof=1) / abs(mean)) if mean and np.isfinite(mean) else float("nan")
    between = {name: max(st.ks_2samp(neuron_rates(a, name), neuron_rates(b, name)).statistic
                         for a, b in combinations(seed_runs, 2)) for name in POPULATIONS}
    return SeedSpread(relative, between, len(seed_runs))


def verdict(candidate: dict, archived: dict, spread: SeedSpread) -> tuple[str, list[str]]:
    """A re-run against the archived run, within the seeds' spread (the module's rule).

    Parameters
    ----------
    candidate, archived : dict
        The two runs' arrays (load_npz).
    spread : SeedSpread
        The item's seed-to-seed spread.

    Returns
    -------
    verdict : {"statistically equivalent", "different"}
    reasons : list of str
        One line per statistic out of bounds.
    """
    reference, mine = simulation_statistics(archived), simulation_statistics(candidate)
    reasons = []
    for name, value in mine.items():
        expected = reference[name]
        if np.isnan(value) and np.isnan(expected):
            continue
        relative_sd = spread.relative_sd[name] if np.isfinite(spread.relative_sd[name]) else 0.0
        allowed = max(K_SD * relative_sd * np.sqrt(2), RELATIVE_FLOOR) * abs(expected)
        if not abs(value - expected) <= allowed:
            reasons.append(f"{name} {value:.4g} vs {expected:.4g} (allowed ± {allowed:.2g}; seed sd "
                           f"{100 * relative_sd:.2g} %)")
    for name in POPULATIONS:
        distance = st.ks_2samp(neuron_rates(candidate, name), neuron_rates(archived, name)).statistic
        if distance > KS_MARGIN * spread.ks_between[name] + 1e-12:
            reasons.append(f"KS distance of {name} neuron rates {distance:.3f} > {KS_MARGIN} x "
                           f"{spread.ks_between[name]:.3f} (the largest between seeds)")
    return ("statistically equivalent" if not reasons else "different"), reasons


def metrics_verdict(candidate: dict, archived: dict) -> tuple[str, list[str]]:
    """The Ridge metrics (metrics/ridge.json): the pooled cross-validated MSE and R2 within METRICS_K_SD per-fold
    sd of the archived values (the per-fold spread is the sampling spread of one fold's score; the sd over repeats
    of the pooled score reflects only the fold assignment).

    Parameters
    ----------
    candidate, archived : dict
        The two metrics/ridge.json.

    Returns
    -------
    verdict : {"statistically equivalent", "different"}
    reasons : list of str
    """
    reasons = []
    for mean_key, sd_key in (("cv_pooled_mse_pA2_mean", "cv_fold_mse_pA2_sd"),
                             ("cv_pooled_r2_mean", "cv_fold_r2_sd")):
        allowed = METRICS_K_SD * archived[sd_key]
        if not abs(candidate[mean_key] - archived[mean_key]) <= allowed:
            reasons.append(f"{mean_key} {candidate[mean_key]:.4g} vs {archived[mean_key]:.4g} (allowed ± "
                           f"{allowed:.2g}: {METRICS_K_SD} cross-validation sd)")
    return ("statistically equivalent" if not reasons else "different"), reasons


def band_log_power(trace: np.ndarray, rate_Hz: float) -> np.ndarray:
    """log10 of the mean Welch power (1-s Hann segments, half overlap) in each band of BANDS_HZ.

    Parameters
    ----------
    trace : ndarray (samples,)
        A CDM (nA·um) or EEG (mV) trace.
    rate_Hz : float
        Its sampling rate.

    Returns
    -------
    ndarray (4,)
        log10 of the trace's units squared per Hz.

    Examples
    --------
    >>> t = np.arange(16000) / 1600.0
    >>> powers = band_log_power(np.sin(2 * np.pi * 20.0 * t), 1600.0)
    >>> int(np.argmax(powers))        # a 20-Hz sine has its power in the 10-30 Hz band
    1
    """
    # 1-s segments, or the whole trace when it is shorter (the tiny profile's 0.8 s)
    frequencies, power = welch_psd(trace, rate_Hz, segment_s=1.0)
    return np.array([np.log10(power[(frequencies >= low) & (frequencies < high)].mean()) for low, high in BANDS_HZ])


def signal_spread(traces_by_seed: list[dict[str, np.ndarray]], rate_Hz: float) -> dict[str, np.ndarray]:
    """The seed-to-seed spread of spectra: the sd over seed runs of each band's log power, per signal.

    Parameters
    ----------
    traces_by_seed : list of dict
        Per seed run, signal name (cdm, eeg) -> trace.
    rate_Hz : float
        The traces' sampling rate.

    Returns
    -------
    dict
        Signal name -> ndarray (4,) of sds (log10 units).
    """
    return {name: np.std([band_log_power(traces[name], rate_Hz) for traces in traces_by_seed], axis=0, ddof=1)
            for name in traces_by_seed[0]}


def signals_verdict(candidate: dict[str, dict[str, np.ndarray]], archived: dict[str, dict[str, np.ndarray]],
                    spread: dict[str, np.ndarray], rate_Hz: float) -> tuple[str, list[str]]:
    """Items' CDM and EEG spectra (band log powers) against the archived ones, within the seeds' spread.

    Parameters
    ----------
    candidate, archived : dict
        Item key -> signal name -> trace.
    spread : dict
        `signal_spread`.
    rate_Hz : float
        The traces' sampling rate.

    Returns
    -------
    verdict : {"statistically equivalent", "different"}
    reasons : list of str
    """
    reasons = []
    for key in sorted(archived):
        for name, sd in spread.items():
            got, expected = band_log_power(candidate[key][name], rate_Hz), band_log_power(archived[key][name], rate_Hz)
            allowed = np.maximum(K_SD * sd * np.sqrt(2), LOG_POWER_FLOOR)
            for (low, high), difference, limit in zip(BANDS_HZ, got - expected, allowed):
                if not abs(difference) <= limit:
                    reasons.append(f"{key} {name} power {low:g}-{high:g} Hz differs by {difference:+.3f} log10 "
                                   f"(allowed ± {limit:.3f})")
    return ("statistically equivalent" if not reasons else "different"), reasons


def feature_threshold(n_items: int, n_seed_runs: int, n_features: int, alpha: float = FEATURE_ALPHA) -> float:
    """The largest median over items of |difference| / (sqrt 2 x the seeds' sd) that a seed-like re-run reaches with
    probability 1 - alpha over all features: the null distribution of the statistic, median of n_items |N(0, 1)|
    divided by an sd estimated from n_seed_runs runs (sqrt(chi2_nu / nu), nu = n_seed_runs - 1), drawn with a
    fixed seed (the quantile is Bonferroni-corrected for n_features).

    Parameters
    ----------
    n_items : int
        Items whose differences enter the median.
    n_seed_runs : int
        Seed runs that estimate the sd.
    n_features : int
        Features tested (Bonferroni).
    alpha : float
        Family-wise false-alarm rate.

    Returns
    -------
    float
        In seed sd of a difference.

    Examples
    --------
    >>> round(feature_threshold(n_items=50, n_seed_runs=4, n_features=22), 1)   # sd from 4 seeds: a loose bound
    10.5
    """
    rng = np.random.default_rng(FEATURE_NULL_SEED)
    nu = n_seed_runs - 1
    medians = np.median(np.abs(rng.standard_normal((FEATURE_NULL_DRAWS, n_items))), axis=1)
    sd_ratio = np.sqrt(rng.chisquare(nu, FEATURE_NULL_DRAWS) / nu)
    return float(np.quantile(medians / sd_ratio, 1 - alpha / n_features))


def features_verdict(candidate: pd.DataFrame, archived: pd.DataFrame, seed_sd: dict[str, float],
                     n_seed_runs: int) -> tuple[str, list[str]]:
    """Each feature over the items against the archived values: the median of |difference| / (sqrt 2 x the seeds'
    sd of that feature) must stay below feature_threshold (a seed-like re-run gives about 0.67).

    Parameters
    ----------
    candidate, archived : pandas.DataFrame
        Feature tables (one row per item, column key).
    seed_sd : dict
        Feature name -> its sd over the seed runs.
    n_seed_runs : int
        The seed runs behind seed_sd.

    Returns
    -------
    verdict : {"statistically equivalent", "different"}
    reasons : list of str
    """
    reasons = []
    merged = archived.merge(candidate, on="key", suffixes=("_archived", "_candidate"))
    if len(merged) != len(archived) or len(merged) != len(candidate):
        return "different", [f"items differ: {sorted(set(archived['key']) ^ set(candidate['key']))[:5]}"]
    limit = feature_threshold(len(merged), n_seed_runs, len(seed_sd))
    for name, sd in seed_sd.items():
        difference = np.abs(merged[f"{name}_candidate"].to_numpy(float) - merged[f"{name}_archived"].to_numpy(float))
        if not np.isfinite(sd) or sd == 0:
            if np.nanmax(difference) > 0:
                reasons.append(f"{name}: differs where the seeds do not vary it")
            continue
        median_z = float(np.nanmedian(difference / (np.sqrt(2) * sd)))
        if not median_z <= limit:
            reasons.append(f"{name}: median |difference| = {median_z:.2f} seed sd of a difference "
                           f"(allowed {limit:.2f} with {n_seed_runs} seed runs)")
    return ("statistically equivalent" if not reasons else "different"), reasons


"""Statistical verification (docs/model.md §9): other spikes (another thread count, build or platform), the same
network statistics? The NEST microcircuit's reference data are checked this way.

Statistics of one run, over [transient, tstop) (simulation_statistics):
  rate_X         mean rate of population X (spikes/s)
  cv_isi_X       mean coefficient of variation of the inter-spike intervals (neurons with >= 3 spikes)
  corr_X         mean pairwise Pearson correlation of spike counts in 10-ms bins (the first 200 active neurons)
and the per-neuron rate distribution, compared by the Kolmogorov-Smirnov distance.

Thresholds come from the seed-to-seed spread (seed_spread): runs of one item with other seeds, in the study the
reference point and its spread items (reference.spread_keys). A candidate is statistically equivalent to the
archived run when every statistic differs by at most K_SD standard deviations of a difference between two seeds
(the seeds' relative sd x sqrt 2 x the archived value), never closer than RELATIVE_FLOOR, and the KS distance of
its rate distribution is at most KS_MARGIN x the largest distance between two seeds. The Ridge metrics are
equivalent when the cross-validated MSE lies within METRICS_K_SD of its own cross-validation sd.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.stats as st

POPULATIONS = ("E", "I")
K_SD = 4.0              # allowed difference, in standard deviations of a difference between two seeds
RELATIVE_FLOOR = 0.01   # never demand agreement closer than 1 % of the value
KS_MARGIN = 1.5
METRICS_K_SD = 2.0
BIN_MS = 10.0
N_CORRELATED = 200


def _window(data: dict) -> tuple[float, float, float, dict]:
    meta = json.loads(str(data["metadata"]))
    return meta["dt_ms"], meta["transient_ms"], meta["tstop_ms"], meta["population_sizes"]


def neuron_rates(data: dict, name: str) -> np.ndarray:
    dt, transient, tstop, sizes = _window(data)
    steps, ids = data[f"spike_steps_{name}"], data[f"spike_ids_{name}"]
    keep = (steps * dt >= transient) & (steps * dt < tstop)
    return np.bincount(ids[keep], minlength=sizes[name]) / ((tstop - transient) / 1000.0)


def simulation_statistics(data: dict) -> dict[str, float]:
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
    """How much the statistics of one item vary with the seed alone."""
    relative_sd: dict[str, float]     # sd / |mean| of each statistic over the seed runs
    ks_between: dict[str, float]      # the largest KS distance of single-neuron rates between two seed runs
    n_runs: int


def seed_spread(seed_runs: list[dict]) -> SeedSpread:
    """The spread of >= 3 runs of one item that differ only in their seed."""
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
    """('statistically equivalent' | 'different', reasons) of a re-run against the archived run."""
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
    """The Ridge metrics (metrics/ridge.json): the cross-validated MSE and R2 within METRICS_K_SD of their own
    cross-validation sd of the archived values."""
    reasons = []
    for mean_key, sd_key in (("cv_mse_pA2_mean", "cv_mse_pA2_sd"), ("cv_r2_mean", "cv_r2_sd")):
        allowed = METRICS_K_SD * archived[sd_key]
        if not abs(candidate[mean_key] - archived[mean_key]) <= allowed:
            reasons.append(f"{mean_key} {candidate[mean_key]:.4g} vs {archived[mean_key]:.4g} (allowed ± "
                           f"{allowed:.2g}: {METRICS_K_SD} cross-validation sd)")
    return ("statistically equivalent" if not reasons else "different"), reasons


def load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}

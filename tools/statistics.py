"""Statistical verification of a simulation: other spikes (another thread count, build or platform), the same
network statistics? The NEST microcircuit's reference data are checked this way.

Statistics of one run, over [transient, tstop) (simulation_statistics):
  rate_X         mean rate of population X (spikes/s)
  cv_isi_X       mean coefficient of variation of the inter-spike intervals (neurons with >= 3 spikes)
  corr_X         mean pairwise Pearson correlation of spike counts in 10-ms bins (the first 200 active neurons)
and the per-neuron rate distribution, compared by the Kolmogorov-Smirnov distance.

Thresholds come from the seed-to-seed spread of the same item (replicate runs with other seeds): a candidate is
statistically equivalent to the archived run when every statistic differs by at most K_SD replicate standard
deviations of a difference (sd x sqrt 2), with a floor for statistics that hardly vary, and the KS distance of
its rate distribution is at most KS_MARGIN x the largest distance between replicates.
"""
from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.stats as st

POPULATIONS = ("E", "I")
K_SD = 4.0              # allowed difference, in standard deviations of a difference between two seeds
RELATIVE_FLOOR = 0.01   # never demand agreement closer than 1 % of the value
KS_MARGIN = 1.5
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


def verdict(candidate: dict, archived: dict, replicates: list[dict]) -> tuple[str, list[str]]:
    """('statistically equivalent' | 'different', reasons), the replicates being runs of other seeds."""
    runs = [archived, *replicates]
    if len(runs) < 3:
        raise ValueError("the seed-to-seed spread needs the archived run and at least 2 replicates")
    stats = [simulation_statistics(run) for run in runs]
    mine = simulation_statistics(candidate)
    reasons = []
    for name, value in mine.items():
        spread = np.nanstd([s[name] for s in stats], ddof=1)
        reference = stats[0][name]
        if np.isnan(value) and np.isnan(reference):
            continue
        allowed = max(K_SD * spread * np.sqrt(2), RELATIVE_FLOOR * abs(reference))
        if not abs(value - reference) <= allowed:
            reasons.append(f"{name} {value:.4g} vs {reference:.4g} (allowed ± {allowed:.2g}, seed sd {spread:.2g})")
    for name in POPULATIONS:
        rates = [neuron_rates(run, name) for run in runs]
        between = max(st.ks_2samp(a, b).statistic for a, b in combinations(rates, 2))
        distance = st.ks_2samp(neuron_rates(candidate, name), rates[0]).statistic
        if distance > KS_MARGIN * between + 1e-12:
            reasons.append(f"KS distance of {name} neuron rates {distance:.3f} > {KS_MARGIN} x {between:.3f} "
                           "(the largest between seeds)")
    return ("statistically equivalent" if not reasons else "different"), reasons


def load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}

"""Study 2's features (docs/model.md §8): for every draw, the EEG of its run and that trace's features.

Usage: python -m analysis.study2_features

For each accepted run (data/study2/runs/tNNNN.npz) the steady-state CDM and EEG are computed as in study 1
(its kernels, data/kernels; its head model's gain, data/signals/head_model.json), then the 22 catch22 features
and the aperiodic exponent of the EEG trace. Rejected runs keep their row with theta and empty features.

Writes data/study2/features.csv: key, status, the 7 parameters of theta, ei_ratio, the 22 catch22 features
and aperiodic_exponent (17 significant digits; deterministic bytes).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import common, features
from analysis.model import priors
from analysis.methods import spectra
from analysis.common import format_eta, get_logger, log_io
from analysis.params import Params, load_params
from analysis.signals import KERNELS, KernelSource, item_signals, read_head_gain
from analysis.simulate_study2 import OUTPUT_DIR as RUNS, study2_params

HEAD_JSON = Path("data/signals/head_model.json")
OUTPUT = Path("data/study2/features.csv")


def run_features(run: dict, run_params: Params, kernels: dict, gain: np.ndarray, nearest: int) -> dict[str, float]:
    """catch22 and the aperiodic exponent of one accepted run's EEG at the electrode nearest the dipole."""
    eeg = item_signals(run, kernels, run_params, gain)["eeg_all"][nearest]
    rate_Hz = 1000.0 / (run_params.simulation.dt_ms * run_params.cdm.decimation_factor)
    spectrum = run_params.study2.spectrum
    values = dict(zip(features.FEATURE_NAMES, features.catch22_features(eeg)))
    values["aperiodic_exponent"] = spectra.aperiodic_exponent(
        eeg, rate_Hz, spectrum.freq_range_Hz, spectrum.max_n_peaks, spectrum.peak_width_limits_Hz,
        spectrum.segment_s)
    return values


def main() -> int:
    logger = get_logger("study2_features")
    start = time.perf_counter()
    params = load_params()
    gain, nearest, _ = read_head_gain(HEAD_JSON)
    kernels = KernelSource(params, KERNELS)
    draws = list(params.study2.draws)
    n_draws = len(draws)
    rows = []
    for index, key in enumerate(draws):
        run = common.load_checked_npz(RUNS / f"{key}.npz", ("theta", "status"))
        run_params, theta = study2_params(params, key)
        row = {"key": key, "status": str(run["status"]), **theta, "ei_ratio": priors.ei_ratio(theta)}
        if row["status"] == "accepted":
            row.update(run_features(run, run_params, kernels.for_item(run), gain, nearest))
        rows.append(row)
        logger.info("draw %d/%d %s %s; %s", index + 1, n_draws, key, row["status"],
                    format_eta(index + 1, n_draws, time.perf_counter() - start))
    table = pd.DataFrame(rows, columns=["key", "status", *priors.PARAMETERS, "ei_ratio", *features.FEATURE_NAMES,
                                        "aperiodic_exponent"])
    features.write_csv(table, OUTPUT)
    accepted = int((table["status"] == "accepted").sum())
    logger.info("%d of %d draws accepted (%.0f %%)", accepted, n_draws, 100 * accepted / n_draws)
    log_io(logger, read=["params.yaml", KERNELS, HEAD_JSON, f"{RUNS}/*.npz ({n_draws} draws)"], wrote=[OUTPUT])
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

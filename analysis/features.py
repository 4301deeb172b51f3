"""catch22 features of every sweep item's EEG trace (docs/model.md §5), in parallel.

Usage: python -m analysis.features

Each EEG trace's 22 catch22 features in the order of docs/model.md §5 (analysis/methods/features.py).

Writes data/features/features.csv: one row per sweep item (key, J_ext_pA) and the 22 feature columns
(and data/features/features_cdm.csv when features.also_cdm is true). Floats are written with 17 significant
digits, so the CSV round-trips exactly and has deterministic bytes.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import get_logger, log_io
from analysis.methods import features
from analysis.params import load_params


def main() -> int:
    logger = get_logger("features")
    start = time.perf_counter()
    params = load_params()
    n_jobs = params.features.n_jobs
    keys = list(params.sweep)
    drives = [float(params.sweep[key]) for key in keys]
    outputs = {"features.csv": "eeg"}
    if params.features.also_cdm:
        outputs["features_cdm.csv"] = "cdm"
    samples, rate_Hz = params.trace_samples, params.sampling_rate_Hz
    signals = {key: {signal: data.read_signals(data.signals_file(key), signal, samples, rate_Hz)[signal]
                     for signal in outputs.values()} for key in keys}
    wrote = []
    for name, signal in outputs.items():
        logger.info("catch22 of %d %s traces (%d samples each) with %d processes", len(keys), signal,
                    signals[keys[0]][signal].size, n_jobs)
        values = features.features_of_traces([signals[key][signal] for key in keys], n_jobs)
        n_nan = int(np.isnan(values).any(axis=1).sum())
        if n_nan:
            logger.warning("%d of %d traces gave non-finite features (flat or non-finite traces)", n_nan, len(keys))
        data.write_csv(features.feature_table(keys, drives, values), data.FEATURES_DIR / name)
        wrote.append(data.FEATURES_DIR / name)
    log_io(logger, read=["params.yaml", f"{data.SIGNALS_DIR}/*.npz ({len(keys)} items)"], wrote=wrote)
    logger.info("stage features took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

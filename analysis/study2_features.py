"""Study 2's features (docs/model.md §8): for every draw, the EEG of its run and that trace's features.

Usage: python -m analysis.study2_features

For each accepted run (data/study2/runs/tNNNN.npz) the steady-state CDM and EEG are computed as in study 1
(its kernels, data/kernels; its head model's gain, data/signals/head_model.json), then the 22 catch22 features
and the aperiodic exponent of the EEG trace. Rejected runs keep their row with theta and empty features.

Writes data/study2/features.csv: key, status, rejection (runaway | silent), stopped_at_ms, the 7 parameters of
theta, ei_ratio, the charges and the rate targets (analysis/model/priors.py), the 22 catch22 features and
aperiodic_exponent (17 significant digits; deterministic bytes).
"""
from __future__ import annotations

import sys
import time

import pandas as pd

from analysis import common, data
from analysis.common import format_eta, get_logger, log_io
from analysis.methods import draw_features, features
from analysis.model import draws, forward, priors
from analysis.params import load_params


def main() -> int:
    logger = get_logger("study2_features")
    start = time.perf_counter()
    params = load_params()
    gain, nearest, _ = data.read_head_gain(data.HEAD_MODEL_FILE)
    kernels = forward.KernelSource(params, data.KERNELS_FILE)
    keys = list(params.study2.draws)
    n_draws = len(keys)
    rows = []
    for index, key in enumerate(keys):
        run = common.load_checked_npz(data.study2_run_file(key), ("theta", "status", "rejection", "stopped_at_ms"))
        run_params, theta = draws.study2_params(params, key)
        row = {"key": key, "status": str(run["status"]), "rejection": str(run["rejection"]),
               "stopped_at_ms": float(run["stopped_at_ms"]), **theta, "ei_ratio": priors.ei_ratio(theta),
               **priors.charges(theta)}
        if row["status"] == "accepted":
            row.update(priors.rate_targets(theta, run["rates_Hz"], run_params.network))
            row.update(draw_features.run_features(run, run_params, kernels.for_item(run), gain, nearest))
        rows.append(row)
        logger.info("draw %d/%d %s %s; %s", index + 1, n_draws, key, row["status"],
                    format_eta(index + 1, n_draws, time.perf_counter() - start))
    table = pd.DataFrame(rows, columns=["key", "status", "rejection", "stopped_at_ms", *priors.PARAMETERS,
                                        "ei_ratio", *priors.CHARGE_TARGETS, *priors.RATE_TARGETS,
                                        *features.FEATURE_NAMES, "aperiodic_exponent"])
    data.write_csv(table, data.STUDY2_FEATURES_FILE)
    accepted = int((table["status"] == "accepted").sum())
    logger.info("%d of %d draws accepted (%.0f %%); stopped early: %d runaway, %d silent", accepted, n_draws,
                100 * accepted / n_draws, int((table["rejection"] == "runaway").sum()),
                int((table["rejection"] == "silent").sum()))
    log_io(logger, read=["params.yaml", data.KERNELS_FILE, data.HEAD_MODEL_FILE, f"{data.STUDY2_RUNS_DIR}/*.npz "
                         f"({n_draws} draws)"], wrote=[data.STUDY2_FEATURES_FILE])
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

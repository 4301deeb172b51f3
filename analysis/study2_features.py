"""Study 2's features (docs/model.md §8): for every draw, the EEG of its run and that trace's features.

Usage: python -m analysis.study2_features

For each accepted run (data/study2/runs/tNNNN.npz) the steady-state CDM and EEG are computed as in study 1 (its
head model's gain, data/signals/head_model.json) with the draw's kernels (study2.kernels: per_draw, its own
four; fixed, study 1's data/kernels), then the 22 catch22 features and the aperiodic exponent of the EEG trace.
Rejected runs keep their row with theta and empty features. The same is done with the other kernel mode, for the
side-by-side comparison (docs/model.md §8).

The replicate runs of the noise floor (study2.replicate_draws) get the same features with study2.kernels.

Writes data/study2/features.csv (study2.kernels) and data/study2/features_other_kernels.csv: key, status,
rejection (runaway | silent), stopped_at_ms, the 7 parameters of theta, ei_ratio, the charges and the rate targets
(analysis/model/priors.py), the 22 catch22 features and aperiodic_exponent, and the spectral fit's R^2 and error
(aperiodic_fit_r2, aperiodic_fit_error: not features, for the audit; 17 significant digits; deterministic bytes);
and data/study2/replicate_features.csv: key, draw, status, rejection and the features.
"""
from __future__ import annotations

import sys
import time

import pandas as pd

from analysis import common, data
from analysis.common import format_eta, get_logger, log_io
from analysis.methods import draw_features, features, spectra
from analysis.model import draw_kernels, draws, priors
from analysis.params import KERNEL_MODES, load_params


def main() -> int:
    logger = get_logger("study2_features")
    start = time.perf_counter()
    params = load_params()
    gain, nearest, _ = data.read_head_gain(data.HEAD_MODEL_FILE)
    modes = (params.study2.kernels, *(m for m in KERNEL_MODES if m != params.study2.kernels))
    sources = {mode: draw_kernels.DrawKernels(params, mode, data.KERNELS_FILE) for mode in modes}
    keys = list(params.study2.draws)
    n_draws = len(keys)
    rows = {mode: [] for mode in modes}
    for index, key in enumerate(keys):
        run = common.load_checked_npz(data.study2_run_file(key), ("theta", "status", "rejection", "stopped_at_ms"))
        run_params, theta = draws.study2_params(params, key)
        row = {"key": key, "status": str(run["status"]), "rejection": str(run["rejection"]),
               "stopped_at_ms": float(run["stopped_at_ms"]), **theta, "ei_ratio": priors.ei_ratio(theta),
               **priors.charges(theta)}
        if row["status"] == "accepted":
            row.update(priors.rate_targets(theta, run["rates_Hz"], run_params.network))
        for mode, source in sources.items():
            features_of_mode = (draw_features.run_features(run, run_params, source.for_run(run, theta), gain, nearest)
                                if row["status"] == "accepted" else {})
            rows[mode].append({**row, **features_of_mode})
        logger.info("draw %d/%d %s %s; %s", index + 1, n_draws, key, row["status"],
                    format_eta(index + 1, n_draws, time.perf_counter() - start))
    columns = ["key", "status", "rejection", "stopped_at_ms", *priors.PARAMETERS, "ei_ratio", *priors.CHARGE_TARGETS,
               *priors.RATE_TARGETS, *features.FEATURE_NAMES, "aperiodic_exponent",
               *spectra.FIT_QUALITY_COLUMNS]
    files = dict(zip(modes, (data.STUDY2_FEATURES_FILE, data.STUDY2_OTHER_KERNELS_FEATURES_FILE)))
    for mode, path in files.items():
        data.write_csv(pd.DataFrame(rows[mode], columns=columns), path)
    table = pd.DataFrame(rows[params.study2.kernels], columns=columns)

    # the noise floor's runs (docs/model.md §8): a draw's theta with other seeds, the study's kernels
    replicate_rows = []
    for key in params.study2.replicate_draws:
        run = common.load_checked_npz(data.study2_run_file(key), ("theta", "status", "rejection", "stopped_at_ms"))
        run_params, theta = draws.study2_params(params, key)
        row = {"key": key, "draw": key.split("_s")[0], "status": str(run["status"]), "rejection": str(run["rejection"])}
        if row["status"] == "accepted":
            row.update(draw_features.run_features(run, run_params, sources[modes[0]].for_run(run, theta), gain,
                                                  nearest))
        replicate_rows.append(row)
    data.write_csv(pd.DataFrame(replicate_rows, columns=["key", "draw", "status", "rejection",
                                                         *features.FEATURE_NAMES, "aperiodic_exponent"]),
                   data.STUDY2_REPLICATE_FEATURES_FILE)
    accepted = int((table["status"] == "accepted").sum())
    logger.info("%d of %d draws accepted (%.0f %%); stopped early: %d runaway, %d silent", accepted, n_draws,
                100 * accepted / n_draws, int((table["rejection"] == "runaway").sum()),
                int((table["rejection"] == "silent").sum()))
    log_io(logger, read=["params.yaml", data.KERNELS_FILE, data.HEAD_MODEL_FILE,
                         f"{data.STUDY2_RUNS_DIR}/*.npz ({n_draws} draws)",
                         f"{data.STUDY2_REPLICATES_DIR}/*.npz ({len(replicate_rows)} replicates)"],
           wrote=[*files.values(), data.STUDY2_REPLICATE_FEATURES_FILE])
    logger.info("kernels: %s in %s, %s in %s", modes[0], files[modes[0]], modes[1], files[modes[1]])
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

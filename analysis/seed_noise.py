"""Study 1's noise floor (docs/model.md §9): the reference point's runs with other seeds, through the study's own
forward chain, features and inverse model.

Usage: python -m analysis.seed_noise

ref (data/simulations/ref.npz) and its seed-spread runs (data/seed_spread/KEY.npz, reference.spread_keys) share
J_ext = reference.J_ext_pA and differ only in the seed. Each gives an EEG trace (kernels, head model and onset of
the signals stage), its 22 catch22 features and the J_ext that models/ridge_J_ext.json predicts from them.

Writes
  data/seed_noise/features.csv   key, J_ext_pA, the 22 features, J_ext_predicted_pA (one row per seed)
  metrics/seed_noise.json        the predictions' spread over seeds beside the pooled cross-validated RMSE,
                                 and each feature's seed variance as a share of its variance over the sweep
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import format_eta, get_logger, log_io, read_json, write_json
from analysis.methods import features, inverse, noise_floor
from analysis.methods.features import FEATURE_NAMES
from analysis.model import forward
from analysis.params import load_params


def main() -> int:
    logger = get_logger("seed_noise")
    start = time.perf_counter()
    params = load_params()
    keys = ["ref", *params.reference.spread_keys]     # the schema asks for >= 2 spread keys
    paths = [data.seed_run_file(key) for key in keys]
    for path in paths:  # every input whole before any work
        common.check_npz_structure(path, data.SIMULATION_ARRAYS)
    model = read_json(data.RIDGE_MODEL_FILE)
    ridge = read_json(data.RIDGE_METRICS)
    sweep_table = data.read_features(data.FEATURES_FILE)
    gain, nearest, _ = data.read_head_gain()
    if model["trace_samples"] != params.trace_samples:
        raise common.InputError(f"{data.RIDGE_MODEL_FILE}: trained on traces of {model['trace_samples']} samples; "
                                f"these are {params.trace_samples}; re-run the evaluate stage")

    # the same chain as the signals and features stages (docs/model.md §3-§5), one trace per seed
    kernel_source = forward.KernelSource(params, data.KERNELS_FILE)
    traces = []
    for i, (key, path) in enumerate(zip(keys, paths)):
        simulation = common.load_checked_npz(path, data.SIMULATION_ARRAYS)
        signals = forward.item_signals(simulation, kernel_source.for_item(simulation), params, gain)
        traces.append(signals["eeg_all"][nearest])
        logger.info("%s: EEG sd %.4g uV; %s", key, traces[-1].std() * 1000,
                    format_eta(i + 1, len(keys), time.perf_counter() - start))
    values = features.features_of_traces(traces, params.features.n_jobs)
    table = features.feature_table(keys, [params.reference.J_ext_pA] * len(keys), values)
    table["J_ext_predicted_pA"] = inverse.predict_from_data(model, values)

    # docs/model.md §9: the seed's share of what the features and the model report
    cv_rmse_pA = float(np.sqrt(ridge["cv_pooled_mse_pA2_mean"]))
    spread = noise_floor.prediction_spread(table["J_ext_predicted_pA"].to_numpy(), params.reference.J_ext_pA,
                                           cv_rmse_pA)
    finite_sweep, _ = inverse.drop_non_finite(sweep_table)   # the rows the evaluate stage trains on
    fraction = noise_floor.seed_variance_fraction([values], finite_sweep[list(FEATURE_NAMES)].to_numpy(dtype=float))
    metrics = {"J_ext_pA": params.reference.J_ext_pA, "keys": keys,
               "predicted_J_ext_pA": spread, "cv_pooled_rmse_pA": cv_rmse_pA,
               "sweep_step_pA": float(np.median(np.diff(sorted(params.sweep.values())))),
               "seed_variance_fraction": dict(zip(FEATURE_NAMES, map(float, fraction))),
               "median_fraction": float(np.nanmedian(fraction)), "n_sweep_rows": int(len(finite_sweep))}
    logger.info("predicted J_ext over %d seeds at %.4g pA: %.4f ± %.4f pA (sd), against the pooled CV RMSE %.4f pA "
                "(ratio %.2f); median seed share of a feature's variance over the sweep %.3f", len(keys),
                params.reference.J_ext_pA, spread["mean"], spread["sd"], cv_rmse_pA, spread["sd_over_cv_rmse"],
                metrics["median_fraction"])
    data.write_csv(table, data.SEED_NOISE_FEATURES_FILE)
    write_json(data.SEED_NOISE_METRICS, metrics)
    log_io(logger, read=["params.yaml", *paths, data.KERNELS_FILE, data.HEAD_MODEL_FILE, data.FEATURES_FILE,
                         data.RIDGE_MODEL_FILE, data.RIDGE_METRICS],
           wrote=[data.SEED_NOISE_FEATURES_FILE, data.SEED_NOISE_METRICS])
    logger.info("stage seed_noise took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

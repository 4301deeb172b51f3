"""The inverse model (docs/model.md §6): Ridge regression from the 22 catch22 features to J_ext, and its evaluation.

Usage: python -m analysis.evaluate

StandardScaler + Ridge(alpha), fitted on training rows only, evaluated by a seeded split and repeated K-fold
cross-validation (analysis/methods/inverse.py).
Rows with non-finite features are dropped and counted.

Writes
  metrics/ridge.json        test MSE (pA²) and R², pooled and per-fold CV MSE and R², row counts  (DVC metrics)
  metrics/predictions.csv   key, J_ext true, predicted (model of the training rows), cross-validated (the
                            out-of-fold prediction, mean over repeats), split                    (DVC plot)
  models/ridge_J_ext.json   the fitted predictor as data, not code (a small file kept in git): feature names,
                            the scaler's mean and scale, Ridge coefficients and intercept, the training range of
                            J_ext, the trace length and sampling rate it was trained on, software versions.
                            StandardScaler + Ridge is linear, so J_ext = intercept + sum(coef * (x - mean) / scale)
                            rebuilds it exactly; `python -m tools.predict TRACE` uses it (no pickle to trust)
"""
from __future__ import annotations

import sys
import time

from analysis import common, data
from analysis.common import get_logger, log_io, write_json
from analysis.methods import inverse
from analysis.params import load_params


def main() -> int:
    logger = get_logger("evaluate")
    start = time.perf_counter()
    params = load_params()
    raw = data.read_features(data.FEATURES_FILE)
    inverse.check_feature_table(raw, list(params.sweep))
    table, n_dropped = inverse.drop_non_finite(raw)
    if n_dropped:
        logger.warning("dropped %d rows with non-finite features", n_dropped)
    inverse.check_inverse_params(params, len(table))
    inv = params.inverse
    metrics, predictions, model = inverse.evaluate(table, inv.alpha, inv.test_fraction, inv.cv_folds,
                                                   inv.cv_repeats, params.seeds.inverse)
    metrics.update(n_rows=len(table) + n_dropped, n_dropped_non_finite=n_dropped)
    logger.info("test MSE %.4f pA² (n = %d); pooled CV MSE %.4f ± %.4f pA², R² %.3f ± %.3f (%d folds x %d "
                "repeats; per fold: R² %.3f ± %.3f)", metrics["test_mse_pA2"], metrics["n_test"],
                metrics["cv_pooled_mse_pA2_mean"], metrics["cv_pooled_mse_pA2_sd"], metrics["cv_pooled_r2_mean"],
                metrics["cv_pooled_r2_sd"], metrics["cv_folds"], metrics["cv_repeats"], metrics["cv_fold_r2_mean"],
                metrics["cv_fold_r2_sd"])
    # what a trace must look like for this model: the study's EEG traces (all of one length and rate); read
    # before the first write, so a damaged signals file leaves no metrics of a model that is not written
    example = common.load_checked_npz(data.signals_file(table["key"].iloc[0]), ("eeg", "sampling_rate_Hz"))
    train_rows = predictions["split"] == "train"
    model_data = inverse.model_as_data(model, table["J_ext_pA"].to_numpy()[train_rows.to_numpy()],
                                       example["eeg"].size, float(example["sampling_rate_Hz"]))
    write_json(data.RIDGE_METRICS, metrics)
    data.write_csv(predictions, data.PREDICTIONS_FILE)
    write_json(data.RIDGE_MODEL_FILE, model_data)
    log_io(logger, read=["params.yaml", data.FEATURES_FILE, data.signals_file(table["key"].iloc[0])],
           wrote=[data.RIDGE_METRICS, data.PREDICTIONS_FILE, data.RIDGE_MODEL_FILE])
    logger.info("stage evaluate took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

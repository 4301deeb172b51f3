"""Study 2's evaluation (docs/model.md §8): which network parameters can EEG features recover, how well, and
are the posteriors calibrated?

Usage: python -m analysis.study2_evaluate

Reads data/study2/features.csv. For each feature set (catch22, exponent, both):
  * a seeded held-out test fraction (study2.test_fraction); the rest trains every model;
  * Ridge (alpha by inner CV) and an MLP: per target R^2 and Pearson r of repeated K-fold CV on the training
    rows (pooled out-of-fold predictions, mean and sd over repeats; the per-fold numbers beside them);
  * NPE (sbi) trained on the training rows with the prior the runs were drawn from (uniform in phi); on the
    test rows, per parameter: R^2 and r of the posterior mean, median z-score, mean shrinkage, SBC
    rank-uniformity p-value and the coverage of the central intervals at study2.coverage_levels (E/I_net
    from the samples of theta);
  * a learning curve of Ridge on both feature sets over study2.learning_curve_runs.
Writes metrics/study2.json (DVC metrics) and data/study2/posteriors.npz (test rows' posterior samples and
true theta, for the figures).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import get_logger, log_io, save_npz, write_json
from analysis.methods import study2_inverse
from analysis.model import priors
from analysis.params import load_params


def main() -> int:
    logger = get_logger("study2_evaluate")
    start = time.perf_counter()
    params = load_params()
    study, seed = params.study2, params.seeds.inverse
    prior = priors.Prior.from_params(params)
    table = data.read_features(data.STUDY2_FEATURES_FILE)
    accepted = int((table["status"] == "accepted").sum())
    usable = len(study2_inverse.usable_rows(table, "both"))
    metrics = {"n_draws": int(len(table)), "n_accepted": accepted, "acceptance_rate": accepted / len(table),
               # the draws stopped early (docs/model.md §8), and the accepted runs whose features are all finite
               "n_runaway": int((table["rejection"] == "runaway").sum()),
               "n_silent": int((table["rejection"] == "silent").sum()),
               "n_usable": usable, "usable_rate": usable / len(table),
               "cv_definition": {"r2, pearson_r": "of the pooled out-of-fold predictions of each repeat, mean and sd "
                                                  "over repeats", "r2_fold, pearson_r_fold": "per fold, mean and sd "
                                                  "over all folds"},
               "feature_sets": {}}
    posteriors = {}
    for feature_set in study2_inverse.FEATURE_SETS:
        metrics["feature_sets"][feature_set], posteriors[feature_set] = study2_inverse.evaluate_feature_set(
            table, feature_set, study, prior, seed)
        logger.info("%s: done (%.0f s)", feature_set, time.perf_counter() - start)
    rows = study2_inverse.usable_rows(table, "both")
    X = rows[study2_inverse.FEATURE_SETS["both"]].to_numpy(dtype=float)
    Y = study2_inverse.target_matrix(rows)
    sizes = [n for n in study.learning_curve_runs if n <= len(rows)] or [len(rows)]
    curve = study2_inverse.learning_curve(X, Y, "ridge", sizes, study.cv_folds, seed)
    metrics["learning_curve_ridge_both_r2"] = {str(n): dict(zip(study2_inverse.TARGETS, map(float, values)))
                                               for n, values in curve.items()}
    write_json(data.STUDY2_METRICS, metrics)
    save_npz(data.STUDY2_POSTERIORS_FILE, **{f"{name}_{part}": np.asarray(value) for name, parts in posteriors.items()
                            for part, value in parts.items()})
    log_io(logger, read=["params.yaml", data.STUDY2_FEATURES_FILE], wrote=[data.STUDY2_METRICS,
                                                                          data.STUDY2_POSTERIORS_FILE])
    logger.info("stage study2_evaluate took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

"""Study 2's evaluation (docs/model.md §8): which network parameters can EEG features recover, how well, and
are the posteriors calibrated?

Usage: python -m analysis.study2_evaluate

Reads data/study2/features.csv. For each feature set (catch22, exponent, both):
  * a seeded held-out test fraction (study2.test_fraction); the rest trains every model;
  * Ridge (alpha by inner CV) and an MLP: per target R^2 and Pearson r of repeated K-fold CV on the training
    rows (pooled out-of-fold predictions, mean and sd over repeats; the per-fold numbers beside them);
  * NPE (sbi) trained on the training rows with the prior box; on the test rows, per parameter: R^2 and r of
    the posterior mean, median z-score, mean shrinkage, SBC rank-uniformity p-value and the coverage of the
    central intervals at study2.coverage_levels (E/I_net from the samples of theta);
  * a learning curve of Ridge on both feature sets over study2.learning_curve_runs.
Writes metrics/study2.json (DVC metrics) and data/study2/posteriors.npz (test rows' posterior samples and
true theta, for the figures).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import common
from analysis.model import priors
from analysis.methods import calibration, cross_validation, npe, study2_inverse
from analysis.common import ParamsError, derive_seed, get_logger, log_io, save_npz, write_json
from analysis.features import read_features
from analysis.params import Study2, load_params

FEATURES = Path("data/study2/features.csv")
METRICS = Path("metrics/study2.json")
POSTERIORS = Path("data/study2/posteriors.npz")


def split_rows(n_rows: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train and test row indices (the test rows are never used for training or model choice)."""
    order = np.random.default_rng(derive_seed(seed, "study2_split")).permutation(n_rows)
    n_test = max(1, int(np.ceil(test_fraction * n_rows)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def with_ei_ratio(samples: np.ndarray) -> np.ndarray:
    """Posterior samples of theta (..., 7) with E/I_net appended as an eighth column."""
    named = {name: samples[..., i] for i, name in enumerate(priors.PARAMETERS)}
    return np.concatenate([samples, priors.ei_ratio(named)[..., None]], axis=-1)


def posterior_metrics(samples: np.ndarray, truth: np.ndarray, prior_variance: np.ndarray, levels) -> dict:
    """Per target (the 7 parameters and E/I_net): point-estimate and calibration metrics of the posteriors."""
    from sklearn.metrics import r2_score

    mean = samples.mean(axis=1)
    r = cross_validation.pearson_per_column(truth, mean)
    z = calibration.posterior_zscore(samples, truth)
    shrink = calibration.shrinkage(samples, prior_variance)
    ranks_p = calibration.rank_uniformity_p(calibration.sbc_ranks(samples, truth), samples.shape[1])
    coverage = calibration.coverage(samples, truth, levels)
    out = {}
    for j, target in enumerate(study2_inverse.TARGETS):
        out[target] = {"r2_posterior_mean": float(r2_score(truth[:, j], mean[:, j])), "pearson_r": float(r[j]),
                       "zscore_median": float(np.median(z[:, j])), "shrinkage_mean": float(np.mean(shrink[:, j])),
                       "sbc_uniformity_p": float(ranks_p[j]),
                       "coverage": {str(level): float(coverage[level][j]) for level in levels}}
    return out


def check_rows(n_rows: int, study: Study2, feature_set: str) -> None:
    """The split and the folds must leave every test fold at least 2 runs (R2 and r need 2 points)."""
    n_test = max(1, int(np.ceil(study.test_fraction * n_rows)))
    if (n_rows - n_test) // study.cv_folds < 2:
        raise ParamsError(f"study2.cv_folds = {study.cv_folds} with study2.test_fraction = {study.test_fraction} "
                          f"leaves test folds of fewer than 2 of the {n_rows - n_test} training runs ({feature_set} "
                          f"features, {n_rows} usable runs); accepted: more draws, or fewer folds")


def evaluate_feature_set(table: pd.DataFrame, feature_set: str, study: Study2, seed: int) -> tuple[dict, dict]:
    rows = study2_inverse.usable_rows(table, feature_set)
    check_rows(len(rows), study, feature_set)
    X = rows[study2_inverse.FEATURE_SETS[feature_set]].to_numpy(dtype=float)
    Y = rows[list(study2_inverse.TARGETS)].to_numpy(dtype=float)
    train, test = split_rows(len(rows), study.test_fraction, seed)
    result = {"n_train": int(len(train)), "n_test": int(len(test))}
    for kind in ("ridge", "mlp"):
        scores = study2_inverse.cross_validated_scores(X[train], Y[train], kind, study.cv_folds,
                                                       study.cv_repeats, seed)
        result[kind] = study2_inverse.summarize(scores)
    bounds = study.prior_box.bounds()
    low = np.array([bounds[name][0] for name in priors.PARAMETERS])
    high = np.array([bounds[name][1] for name in priors.PARAMETERS])
    posterior, standardization = npe.fit_npe(Y[train, :7], X[train], low, high, derive_seed(seed, "npe", feature_set))
    samples = with_ei_ratio(npe.sample_posteriors(posterior, standardization, X[test],
                                                  study.posterior_samples, derive_seed(seed, "sample")))
    ei_prior = with_ei_ratio(np.random.default_rng(derive_seed(seed, "prior")).uniform(low, high, (20000, 7)))
    prior_variance = np.append(calibration.uniform_box_variance(low, high), ei_prior[:, 7].var())
    result["npe"] = posterior_metrics(samples, Y[test], prior_variance, study.coverage_levels)
    return result, {"samples": samples, "truth": Y[test], "keys": rows["key"].to_numpy(dtype=str)[test]}


def main() -> int:
    logger = get_logger("study2_evaluate")
    start = time.perf_counter()
    params = load_params()
    study, seed = params.study2, params.seeds.inverse
    table = read_features(FEATURES)
    accepted = int((table["status"] == "accepted").sum())
    metrics = {"n_draws": int(len(table)), "n_accepted": accepted, "acceptance_rate": accepted / len(table),
               "cv_definition": {"r2, pearson_r": "of the pooled out-of-fold predictions of each repeat, mean and sd "
                                                  "over repeats", "r2_fold, pearson_r_fold": "per fold, mean and sd "
                                                  "over all folds"},
               "feature_sets": {}}
    posteriors = {}
    for feature_set in study2_inverse.FEATURE_SETS:
        metrics["feature_sets"][feature_set], posteriors[feature_set] = evaluate_feature_set(table, feature_set,
                                                                                             study, seed)
        logger.info("%s: done (%.0f s)", feature_set, time.perf_counter() - start)
    rows = study2_inverse.usable_rows(table, "both")
    X = rows[study2_inverse.FEATURE_SETS["both"]].to_numpy(dtype=float)
    Y = rows[list(study2_inverse.TARGETS)].to_numpy(dtype=float)
    sizes = [n for n in study.learning_curve_runs if n <= len(rows)] or [len(rows)]
    curve = study2_inverse.learning_curve(X, Y, "ridge", sizes, study.cv_folds, seed)
    metrics["learning_curve_ridge_both_r2"] = {str(n): dict(zip(study2_inverse.TARGETS, map(float, values)))
                                               for n, values in curve.items()}
    write_json(METRICS, metrics)
    save_npz(POSTERIORS, **{f"{name}_{part}": np.asarray(value) for name, parts in posteriors.items()
                            for part, value in parts.items()})
    log_io(logger, read=["params.yaml", FEATURES], wrote=[METRICS, POSTERIORS])
    logger.info("stage study2_evaluate took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

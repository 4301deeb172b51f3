"""Study 2's evaluation (docs/model.md §8): which network parameters can EEG features recover, how well, and
are the posteriors calibrated, and could the test tell?

Usage: python -m analysis.study2_evaluate

Reads data/study2/features.csv and, for the kernel comparison, features_other_kernels.csv. For each feature
set (catch22, exponent, both), over every usable run:
  * Ridge (alpha by inner CV) and an MLP: per target R^2, RMSE and Pearson r of repeated K-fold CV (pooled
    out-of-fold predictions, mean and sd over repeats; the per-fold numbers beside them);
  * NPE (sbi) cross-fitted (study2.calibration_folds): every run's posterior from the NPE that did not see it;
    per posterior target R^2 and r of the posterior mean, RMSE and posterior sd in the target's units, median
    z-score, shrinkage against the prior, sbi's SBC check (KS p of the ranks) and the coverage of the
    central intervals at study2.coverage_levels with Clopper-Pearson intervals; sbi's TARP and the data-averaged
    posterior against the prior;
Then: Ridge on both feature sets with the other kernel mode (study2.kernels); the noise floor (the features'
seed variance at fixed theta, from replicate_features.csv, against their variance over the study); the power of
the rank test at this number of runs (the smallest width error it detects); the feature audit (outliers,
skewness) and the spectral fits' audit (fooof's R^2 and error against a perfect model's on traces of this length);
and a learning curve of Ridge on both feature sets (study2.learning_curve_runs x
study2.learning_curve_repeats random training sets, one fixed test set by draw key).
Writes metrics/study2.json (DVC metrics) and data/study2/posteriors.npz (every run's posterior summary, ranks and
one run's samples, for the figures).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import derive_seed, format_eta, get_logger, log_io, save_npz, write_json
from analysis.methods import calibration, spectra, study2_inverse
from analysis.model import draws, priors
from analysis.params import load_params


def main() -> int:
    logger = get_logger("study2_evaluate")
    start = time.perf_counter()
    params = load_params()
    study, seed = params.study2, params.seeds.inverse
    prior = priors.Prior.from_params(params)
    table = data.read_features(data.STUDY2_FEATURES_FILE)
    accepted = int((table["status"] == "accepted").sum())
    rows = study2_inverse.usable_rows(table, "both")
    metrics = {"n_draws": int(len(table)), "n_accepted": accepted, "acceptance_rate": accepted / len(table),
               # the draws stopped early (docs/model.md §8), and the accepted runs whose features are all finite
               "n_runaway": int((table["rejection"] == "runaway").sum()),
               "n_silent": int((table["rejection"] == "silent").sum()),
               "n_usable": len(rows), "usable_rate": len(rows) / len(table),
               "cv_definition": {"r2, rmse, pearson_r": "of the pooled out-of-fold predictions of each repeat, mean "
                                                        "and sd over repeats", "r2_fold, pearson_r_fold": "per fold, "
                                                        "mean and sd over all folds"},
               "feature_transform": study.feature_transform, "npe_settings": study.npe.model_dump(),
               "feature_sets": {}}
    posteriors = {}
    # progress: Ridge, MLP and every NPE fold of each feature set (tens of minutes at a few hundred runs)
    total_steps = len(study2_inverse.FEATURE_SETS) * study2_inverse.steps_per_feature_set(study)
    steps_done = 0

    def progress(step: str) -> None:
        nonlocal steps_done
        steps_done += 1
        elapsed_s = time.perf_counter() - start
        logger.info("%s: %s; steps %d/%d, remaining %d, elapsed %.0f s, %s", feature_set, step, steps_done,
                    total_steps, total_steps - steps_done, elapsed_s, format_eta(steps_done, total_steps, elapsed_s))

    for feature_set in study2_inverse.FEATURE_SETS:
        metrics["feature_sets"][feature_set], posteriors[feature_set] = study2_inverse.evaluate_feature_set(
            table, feature_set, study, prior, seed, progress)

    # the same runs with the other kernel mode, side by side (docs/model.md §8)
    other = data.read_features(data.STUDY2_OTHER_KERNELS_FEATURES_FILE)
    metrics["kernel_comparison"] = study2_inverse.kernel_comparison(table, other, study, seed)
    # the noise floor: the features' seed variance at fixed theta against their variance over the study
    metrics["noise_floor"] = study2_inverse.noise_floor(table, data.read_features(data.STUDY2_REPLICATE_FEATURES_FILE))

    # what the calibration tests could detect at this N (docs/model.md §8)
    power = study.calibration_power
    metrics["calibration_power"] = {
        "n_runs": len(rows), "alpha": power.alpha, "power": power.power,
        "grid_end": calibration.WIDTH_ERROR_GRID_END,
        **calibration.smallest_detectable_width_error(len(rows), study.posterior_samples, power.alpha, power.power,
                                                      power.simulations, derive_seed(seed, "calibration_power"))}
    logger.info("rank test at N = %d detects a posterior %s narrower or %s wider (power %.2f)", len(rows),
                metrics["calibration_power"]["narrower"], metrics["calibration_power"]["wider"], power.power)

    X = rows[study2_inverse.FEATURE_SETS["both"]].to_numpy(dtype=float)
    metrics["feature_audit"] = study2_inverse.feature_audit(X, study2_inverse.FEATURE_SETS["both"])
    # the spectral fits against the scatter that spectra of this length leave on a perfect model (§8)
    trace_params = draws.study2_params(params, rows["key"].iloc[0])[0]
    scatter_only = spectra.scatter_only_error(
        trace_params.trace_samples, trace_params.sampling_rate_Hz, float(rows["aperiodic_exponent"].median()),
        derive_seed(seed, "spectral_fit_reference"), study.spectrum.model_dump())
    metrics["spectral_fit_audit"] = study2_inverse.spectral_fit_audit(rows, scatter_only)
    metrics["learning_curve_ridge_both_r2"] = study2_inverse.learning_curve(
        X, study2_inverse.target_matrix(rows), rows["key"].to_numpy(dtype=str), "ridge", study.learning_curve_runs,
        study.learning_curve_repeats, study.test_fraction, study.feature_transform, seed)

    write_json(data.STUDY2_METRICS, metrics)
    save_npz(data.STUDY2_POSTERIORS_FILE, **{f"{name}_{part}": np.asarray(value) for name, parts in posteriors.items()
                                             for part, value in parts.items()})
    log_io(logger, read=["params.yaml", data.STUDY2_FEATURES_FILE, data.STUDY2_OTHER_KERNELS_FEATURES_FILE,
                         data.STUDY2_REPLICATE_FEATURES_FILE],
           wrote=[data.STUDY2_METRICS, data.STUDY2_POSTERIORS_FILE])
    logger.info("stage study2_evaluate took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

"""Study 2's inverse models and their evaluation per target (docs/model.md §8).

Feature sets: catch22 (22 features), the aperiodic exponent, and both. Targets (TARGETS): theta, E/I_net, the
charges, the rates and the input E:I onto E cells, and tau_syn_E beyond the drive. Point estimates, each inside a
pipeline whose features pass study2.feature_transform (and, for the MLP, standardized targets):
  ridge  RidgeCV: alpha chosen by inner cross-validation on the training rows, per target
  mlp    scikit-learn MLPRegressor (2 hidden layers of 64), seeded
scored by repeated K-fold CV over all usable runs (per target R^2, RMSE and Pearson r of the pooled out-of-fold
predictions, mean and sd over repeats; the per-fold numbers beside them). NPE (sbi) gives the posteriors of
every usable run by K-fold cross-fitting, checked by analysis/methods/calibration.py. The learning curve fits
Ridge on random training sets of each size and scores them on one fixed test set chosen by draw key.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis import data
from analysis.common import ParamsError, derive_seed
from analysis.methods import calibration, cross_validation, npe, spectra
from analysis.methods.features import FEATURE_NAMES
from analysis.methods.noise_floor import seed_variance_fraction
from analysis.model import priors
from analysis.model.priors import PARAMETERS
from analysis.params import KERNEL_MODES, PRIOR_NAMES, Study2

# targets (docs/model.md §8): theta and E/I_net; what the network sees of theta (the charges, functions of theta:
# NPE's samples give them too); what needs the run (the E:I input onto E cells, the rates: point estimates only);
# and tau_syn_E beyond the drive, ln tau_syn_E less its linear prediction from ln Q_ext (its R2 is the partial R2
# of ln tau_syn_E given the drive)
THETA_TARGETS = (*PARAMETERS, "ei_ratio")
POSTERIOR_TARGETS = (*THETA_TARGETS, *priors.CHARGE_TARGETS)
PARTIAL_TARGET = "ln_tau_syn_E_given_drive"
TARGETS = (*POSTERIOR_TARGETS, *priors.RATE_TARGETS, PARTIAL_TARGET)
FEATURE_SETS = {"catch22": list(FEATURE_NAMES), "exponent": ["aperiodic_exponent"],
                "both": [*FEATURE_NAMES, "aperiodic_exponent"]}
RIDGE_ALPHAS = np.logspace(-3, 3, 13)
# the MLP holds out 10 % of its training rows to stop early; below this many rows that set is too small to use
MLP_EARLY_STOPPING_MIN_ROWS = 30
# draws from the prior that estimate the prior variance of each posterior target (functions of phi, whose variance
# has no closed form here): the sd of this estimate is ~1 % of the variance
PRIOR_SAMPLES_FOR_VARIANCE = 20000


def make_model(kind: str, seed: int, n_rows: int, transform_kind: str):
    """An unfitted point-estimate model.

    Parameters
    ----------
    kind : {"ridge", "mlp"}
        The model.
    seed : int
        The MLP's seed.
    n_rows : int
        Its training rows (early stopping needs MLP_EARLY_STOPPING_MIN_ROWS; the quantile transform's size).
    transform_kind : {"standard", "quantile_normal"}
        study2.feature_transform.

    Returns
    -------
    sklearn estimator
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = npe.feature_transform(transform_kind, n_rows)
    if kind == "ridge":
        return make_pipeline(features, RidgeCV(alphas=RIDGE_ALPHAS, alpha_per_target=True))
    if kind == "mlp":
        mlp = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=seed,
                           early_stopping=n_rows >= MLP_EARLY_STOPPING_MIN_ROWS)
        return TransformedTargetRegressor(make_pipeline(features, mlp), transformer=StandardScaler())
    raise ValueError(f"model {kind!r} is invalid; accepted: ridge | mlp")


def usable_rows(table: pd.DataFrame, feature_set: str) -> pd.DataFrame:
    """Accepted runs whose features of the set and whose targets are all finite.

    Parameters
    ----------
    table : pandas.DataFrame
        data/study2/features.csv.
    feature_set : str
        A key of FEATURE_SETS.

    Returns
    -------
    pandas.DataFrame
    """
    columns = [*FEATURE_SETS[feature_set], *POSTERIOR_TARGETS, *priors.RATE_TARGETS]
    ok = (table["status"] == "accepted") & np.isfinite(table[columns].to_numpy(dtype=float)).all(axis=1)
    return table[ok].reset_index(drop=True)


# what became of each draw (docs/model.md §8), in the order the figure and the paper list them
DRAW_OUTCOMES = ("usable", "accepted, no features", "runaway", "silent")


def draw_outcomes(table: pd.DataFrame) -> np.ndarray:
    """What became of each draw: usable (accepted, every feature and target finite), accepted without usable
    features, or stopped as runaway or silent.

    Parameters
    ----------
    table : pandas.DataFrame
        data/study2/features.csv.

    Returns
    -------
    ndarray of str (draws,)
        One of DRAW_OUTCOMES per row.
    """
    usable = set(usable_rows(table, "both")["key"])
    return np.array([("usable" if key in usable else "accepted, no features") if status == "accepted"
                     else str(rejection) for key, status, rejection in
                     zip(table["key"], table["status"], table["rejection"])], dtype=object)


def target_matrix(rows: pd.DataFrame) -> np.ndarray:
    """The targets of usable rows, columns in TARGETS order (the partial target computed over these rows).

    Parameters
    ----------
    rows : pandas.DataFrame
        Usable rows of data/study2/features.csv (`usable_rows`).

    Returns
    -------
    ndarray (rows, targets)
    """
    ln_tau = np.log(rows["tau_syn_E_ms"].to_numpy(dtype=float))
    drive = rows["ln_Q_ext_fC"].to_numpy(dtype=float)
    # least squares of ln tau_syn_E on [1, ln Q_ext] over the rows (theta only: no feature enters)
    design = np.column_stack([np.ones_like(drive), drive])
    coefficients, *_ = np.linalg.lstsq(design, ln_tau, rcond=None)
    partial = ln_tau - design @ coefficients
    return np.column_stack([rows[list(TARGETS[:-1])].to_numpy(dtype=float), partial])


def cross_validation_of(X: np.ndarray, Y: np.ndarray, kind: str, folds: int, repeats: int, transform_kind: str,
                        seed: int) -> cross_validation.CrossValidation:
    """The out-of-fold predictions of a seeded repeated K-fold (analysis/methods/cross_validation.py); their
    scores by `scores_of`.

    Parameters
    ----------
    X : ndarray (rows, features)
        Features.
    Y : ndarray (rows, targets)
        Targets in their units.
    kind : {"ridge", "mlp"}
        The model.
    folds, repeats : int
        K and the repeats.
    transform_kind : {"standard", "quantile_normal"}
        study2.feature_transform.
    seed : int
        Folds and models derive from it.

    Returns
    -------
    CrossValidation
        predictions (repeats, rows, targets), folds, truth.
    """
    def model_for_fold(fold: int, n_train: int):
        return make_model(kind, derive_seed(seed, kind, str(fold)), n_train, transform_kind)

    return cross_validation.cross_validate(model_for_fold, X, Y, folds, repeats, derive_seed(seed, "cv"))


def scores_of(cv: cross_validation.CrossValidation) -> dict[str, np.ndarray]:
    """R^2, RMSE and Pearson r per target of a CrossValidation (pooled, and per fold).

    Parameters
    ----------
    cv : CrossValidation
        Out-of-fold predictions of a repeated K-fold.

    Returns
    -------
    dict
        r2, rmse, pearson_r of the pooled out-of-fold predictions (repeats, targets); r2_fold, pearson_r_fold per
        fold (repeats x folds, targets).
    """
    pooled, per_fold = cv.pooled(), cv.per_fold()
    return {"r2": pooled["r2"], "rmse": np.sqrt(pooled["mse"]), "pearson_r": pooled["pearson_r"],
            "r2_fold": per_fold["r2"], "pearson_r_fold": per_fold["pearson_r"]}


def summarize(scores: dict[str, np.ndarray], targets=TARGETS) -> dict[str, dict[str, float]]:
    """Per target: mean and sd of each score.

    Parameters
    ----------
    scores : dict
        `scores_of`.
    targets : sequence of str
        The columns' names.

    Returns
    -------
    dict
        target -> {score_mean, score_sd} (r2, rmse, pearson_r: pooled, over repeats; r2_fold, pearson_r_fold: over
        folds).
    """
    return {target: {f"{metric}_{stat}": float(fn(values[:, j]))
                     for metric, values in scores.items() for stat, fn in (("mean", np.nanmean), ("sd", np.nanstd))}
            for j, target in enumerate(targets)}


def learning_curve_test_rows(keys, test_fraction: float, seed: int) -> np.ndarray:
    """The learning curve's fixed test set: each draw key's own seeded coin, so that the set never depends on
    which or how many other draws are usable.

    Parameters
    ----------
    keys : sequence of str
        Draw keys of the usable rows.
    test_fraction : float
        The coin's probability (study2.test_fraction).
    seed : int
        seeds.inverse.

    Returns
    -------
    ndarray of bool (rows,)

    Examples
    --------
    >>> a = learning_curve_test_rows(["t0000", "t0001", "t0002"], 0.5, 45)
    >>> b = learning_curve_test_rows(["t0002", "t0000"], 0.5, 45)     # other rows: the same keys, the same verdicts
    >>> bool(a[0] == b[1] and a[2] == b[0])
    True
    """
    return np.array([np.random.default_rng(derive_seed(seed, "learning_curve_test", key)).random() < test_fraction
                     for key in keys], dtype=bool)


def learning_curve(X: np.ndarray, Y: np.ndarray, keys, kind: str, sizes: list[int], repeats: int,
                   test_fraction: float, transform_kind: str, seed: int) -> dict:
    """R^2 per target on a fixed test set of models trained on random subsets of each size.

    Parameters
    ----------
    X : ndarray (rows, features)
        Features of the usable rows.
    Y : ndarray (rows, targets)
        Their targets.
    keys : sequence of str
        Their draw keys (`learning_curve_test_rows`).
    kind : {"ridge", "mlp"}
        The model.
    sizes : list of int
        Training set sizes; those above the training pool are skipped.
    repeats : int
        Random training sets per size.
    test_fraction : float
        study2.test_fraction.
    transform_kind : {"standard", "quantile_normal"}
        study2.feature_transform.
    seed : int
        seeds.inverse.

    Returns
    -------
    dict
        n_test, n_pool (the rows training sets are drawn from), sizes: {n: {target: {r2_mean, r2_sd}}}.
    """
    from sklearn.metrics import r2_score

    test = learning_curve_test_rows(keys, test_fraction, seed)
    pool = np.flatnonzero(~test)
    rng = np.random.default_rng(derive_seed(seed, "learning_curve"))
    curve = {}
    for n in [size for size in sizes if size <= len(pool)]:
        scores = []
        for repeat in range(repeats):
            rows = rng.choice(pool, n, replace=False)
            model = make_model(kind, derive_seed(seed, "learning_curve", str(n), str(repeat)), n, transform_kind)
            predicted = model.fit(X[rows], Y[rows]).predict(X[test])
            scores.append(r2_score(Y[test], predicted, multioutput="raw_values"))
        scores = np.array(scores)
        curve[str(n)] = {target: {"r2_mean": float(scores[:, j].mean()), "r2_sd": float(scores[:, j].std())}
                         for j, target in enumerate(TARGETS)}
    return {"n_test": int(test.sum()), "n_pool": int(len(pool)), "repeats": repeats, "sizes": curve}


def theta_samples(phi: np.ndarray) -> np.ndarray:
    """Samples of phi (..., 7) as samples of theta (..., 7) in PARAMETERS order (pA, ms).

    Parameters
    ----------
    phi : ndarray (..., 7)
        PRIOR_NAMES order (ln fC, ln ms).

    Returns
    -------
    ndarray (..., 7)
    """
    theta = priors.theta_from_phi(phi)
    return np.stack([theta[name] for name in priors.PARAMETERS], axis=-1)


def with_ei_ratio(samples: np.ndarray) -> np.ndarray:
    """Samples of theta (..., 7) with E/I_net appended as an eighth column.

    Parameters
    ----------
    samples : ndarray (..., 7)
        theta in PARAMETERS order.

    Returns
    -------
    ndarray (..., 8)
    """
    named = {name: samples[..., i] for i, name in enumerate(priors.PARAMETERS)}
    return np.concatenate([samples, priors.ei_ratio(named)[..., None]], axis=-1)


def posterior_columns(samples: np.ndarray) -> np.ndarray:
    """Samples of theta (..., 7) as samples of every POSTERIOR_TARGETS column: theta, E/I_net, the charges.

    Parameters
    ----------
    samples : ndarray (..., 7)
        Samples of theta, in PARAMETERS order (pA, ms).

    Returns
    -------
    ndarray (..., len(POSTERIOR_TARGETS))
    """
    named = {name: samples[..., i] for i, name in enumerate(priors.PARAMETERS)}
    charge = priors.charges(named)
    return np.concatenate([with_ei_ratio(samples), np.stack([charge[name] for name in priors.CHARGE_TARGETS],
                                                            axis=-1)], axis=-1)


def posterior_targets(phi: np.ndarray) -> np.ndarray:
    """Every POSTERIOR_TARGETS column of samples of phi (NPE's variables).

    Parameters
    ----------
    phi : ndarray (..., 7)
        PRIOR_NAMES order.

    Returns
    -------
    ndarray (..., len(POSTERIOR_TARGETS))
    """
    return posterior_columns(theta_samples(phi))


def check_rows(n_rows: int, study: Study2, feature_set: str) -> None:
    """Every CV fold and every calibration fold must hold at least 2 runs (R2 and r need 2 points).

    Parameters
    ----------
    n_rows : int
        Usable runs.
    study : Study2
        The study's settings.
    feature_set : str
        Named in the message.

    Raises
    ------
    ParamsError
        Naming the setting and the accepted range.
    """
    for key in ("cv_folds", "calibration_folds"):
        folds = getattr(study, key)
        if n_rows // folds < 2:
            raise ParamsError(f"study2.{key} = {folds} leaves folds of fewer than 2 of the {n_rows} usable runs "
                              f"({feature_set} features); accepted: at most {max(n_rows // 2, 1)} folds, or more draws")


def posterior_metrics(fitted: calibration.CrossFitted, truth: np.ndarray, prior_variance: np.ndarray,
                      checks: dict, levels, targets: tuple[str, ...] = POSTERIOR_TARGETS) -> dict:
    """Per posterior target: point-estimate and calibration metrics of the cross-fitted posteriors.

    Parameters
    ----------
    fitted : CrossFitted
        The runs' out-of-fold posteriors.
    truth : ndarray (runs, targets)
        The targets' true values.
    prior_variance : ndarray (targets,)
        Each target's variance under the prior.
    checks : dict
        `calibration.sbc_checks`.
    levels : sequence of float
        Coverage levels.
    targets : tuple of str
        The columns' names.

    Returns
    -------
    dict
        target -> r2_posterior_mean, pearson_r, rmse_posterior_mean and posterior_sd_mean (the target's units),
        zscore_median, shrinkage_mean, sbc_ks_p, coverage {q: value}, coverage_ci {q: [low, high]}.
    """
    from sklearn.metrics import r2_score

    if truth.shape[-1] != len(targets):
        raise ValueError(f"{truth.shape[-1]} columns of truth for {len(targets)} targets")
    r = cross_validation.pearson_per_column(truth, fitted.mean)
    z = calibration.posterior_zscore(fitted.mean, fitted.sd, truth)
    shrink = calibration.shrinkage(fitted.sd, prior_variance)
    coverage = calibration.coverage_from_ranks(fitted.ranks, fitted.n_samples, levels)
    out = {}
    for j, target in enumerate(targets):
        out[target] = {"r2_posterior_mean": float(r2_score(truth[:, j], fitted.mean[:, j])), "pearson_r": float(r[j]),
                       "rmse_posterior_mean": float(np.sqrt(np.mean((fitted.mean[:, j] - truth[:, j]) ** 2))),
                       "posterior_sd_mean": float(np.mean(fitted.sd[:, j])),
                       "zscore_median": float(np.median(z[:, j])), "shrinkage_mean": float(np.mean(shrink[:, j])),
                       "sbc_ks_p": float(checks["ks_p"][j]),
                       "coverage": {str(q): float(coverage[q]["coverage"][j]) for q in levels},
                       "coverage_ci": {str(q): [float(coverage[q]["low"][j]), float(coverage[q]["high"][j])]
                                       for q in levels}}
    return out


def steps_per_feature_set(study: Study2) -> int:
    """The progress steps of `evaluate_feature_set`: Ridge, MLP and each NPE calibration fold.

    Parameters
    ----------
    study : Study2
        The study's settings (calibration_folds).

    Returns
    -------
    int
        2 + study2.calibration_folds.
    """
    return 2 + study.calibration_folds


def evaluate_feature_set(table: pd.DataFrame, feature_set: str, study: Study2, prior: priors.Prior,
                         seed: int, progress: Callable[[str], None] | None = None) -> tuple[dict, dict]:
    """One feature set: Ridge and MLP cross-validated, NPE cross-fitted over every usable run and checked.

    Parameters
    ----------
    table : pandas.DataFrame
        data/study2/features.csv.
    feature_set : str
        A key of FEATURE_SETS.
    study : Study2
        The study's settings.
    prior : Prior
        The prior the runs were drawn from (NPE's BoxUniform on phi).
    seed : int
        seeds.inverse.
    progress : callable, optional
        Called with a short description after each step (`steps_per_feature_set` of them).

    Returns
    -------
    metrics : dict
        n_runs, ridge, mlp, npe (per target), npe_checks (c2st_dap per phi, TARP's atc and KS p).
    posteriors : dict
        Arrays for the figures: keys, truth, mean, sd, ranks, fold, example (the first run's samples).
    """
    rows = usable_rows(table, feature_set)
    check_rows(len(rows), study, feature_set)
    X = rows[FEATURE_SETS[feature_set]].to_numpy(dtype=float)
    Y = target_matrix(rows)
    result = {"n_runs": int(len(rows))}
    for kind in ("ridge", "mlp"):
        cv = cross_validation_of(X, Y, kind, study.cv_folds, study.cv_repeats, study.feature_transform, seed)
        result[kind] = summarize(scores_of(cv))
        if progress is not None:
            progress(f"{kind} cross-validated")
    # NPE learns the posterior of phi, the variables the draws were uniform in (the prior the runs were drawn
    # from, docs/model.md §8); its samples are turned into theta and every other posterior target
    phi = priors.phi_from_theta({name: Y[:, j] for j, name in enumerate(priors.PARAMETERS)})
    n_posterior = len(POSTERIOR_TARGETS)
    fitted = calibration.cross_fit(phi, X, prior.low, prior.high, posterior_targets, n_posterior,
                                   study.calibration_folds, study.posterior_samples, study.tarp_bins, study.npe,
                                   study.feature_transform, derive_seed(seed, "npe", feature_set), progress)
    # shrinkage against the prior's own variance of each target, estimated from draws of it
    rng = np.random.default_rng(derive_seed(seed, "prior"))
    prior_variance = posterior_targets(prior.sample(rng, PRIOR_SAMPLES_FOR_VARIANCE)).var(axis=0)
    checks = calibration.sbc_checks(fitted.ranks, prior.sample(rng, len(rows)), fitted.dap, fitted.n_samples)
    atc, tarp_p = calibration.tarp_check(fitted.tarp_ecp, fitted.tarp_alpha)
    result["npe"] = posterior_metrics(fitted, Y[:, :n_posterior], prior_variance, checks, study.coverage_levels)
    result["npe_checks"] = {"calibration_folds": study.calibration_folds,
                            "c2st_dap": dict(zip(PRIOR_NAMES, map(float, checks["c2st_dap"]))),
                            "tarp_atc": atc, "tarp_ks_p": tarp_p}
    posteriors = {"keys": rows["key"].to_numpy(dtype=str), "truth": Y[:, :n_posterior], "mean": fitted.mean,
                  "sd": fitted.sd, "ranks": fitted.ranks, "fold": fitted.fold, "example": fitted.example,
                  "n_samples": np.int64(fitted.n_samples)}
    return result, posteriors


# the feature audit (docs/model.md §8): a value this many robust sds (1.4826 MAD) from the median is an outlier
OUTLIER_ROBUST_SD = 5.0


def feature_audit(X: np.ndarray, names) -> dict[str, dict[str, float]]:
    """Per feature, what a transform must cope with: the fraction of outliers and the skewness.

    Parameters
    ----------
    X : ndarray (rows, features)
        The usable rows' features.
    names : sequence of str
        The features' names.

    Returns
    -------
    dict
        feature -> outlier_fraction (beyond OUTLIER_ROBUST_SD robust sds of the median), skewness.

    Examples
    --------
    >>> X = np.column_stack([np.arange(100.0), np.r_[np.zeros(99), 1e6] + np.arange(100.0)])
    >>> audit = feature_audit(X, ["flat", "one_outlier"])
    >>> audit["flat"]["outlier_fraction"], audit["one_outlier"]["outlier_fraction"]
    (0.0, 0.01)
    """
    import scipy.stats as st

    median = np.median(X, axis=0)
    robust_sd = 1.4826 * np.median(np.abs(X - median), axis=0)
    robust_sd[robust_sd == 0] = np.inf
    outliers = (np.abs(X - median) > OUTLIER_ROBUST_SD * robust_sd).mean(axis=0)
    skewness = st.skew(X, axis=0)
    return {name: {"outlier_fraction": float(outliers[j]), "skewness": float(skewness[j])}
            for j, name in enumerate(names)}


def spectral_fit_audit(rows: pd.DataFrame, scatter_only_error: float) -> dict[str, float]:
    """How well the spectral model fits the runs' spectra, against what the spectra allow (docs/model.md §8).

    Parameters
    ----------
    rows : pandas.DataFrame
        The usable runs, with aperiodic_fit_r2 and aperiodic_fit_error (spectra.FIT_QUALITY_COLUMNS).
    scatter_only_error : float
        The error that a perfect aperiodic model leaves on traces of the same length (spectra.scatter_only_error),
        log10 power.

    Returns
    -------
    dict
        n_runs; r2_median, r2_min; error_median, error_max (log10 power); scatter_only_error; error_ratio (the
        median error over the scatter-only error: near 1, the fits are as good as the spectra's own scatter
        allows; well above 1, the model misses the spectra's shape).

    Examples
    --------
    >>> rows = pd.DataFrame({"aperiodic_fit_r2": [0.9, 0.8, 0.7], "aperiodic_fit_error": [0.1, 0.2, 0.4]})
    >>> audit = spectral_fit_audit(rows, scatter_only_error=0.2)
    >>> audit["r2_median"], audit["r2_min"], audit["error_ratio"]
    (0.8, 0.7, 1.0)
    """
    r2, error = (rows[column].to_numpy(dtype=float) for column in spectra.FIT_QUALITY_COLUMNS)
    return {"n_runs": int(len(rows)), "r2_median": float(np.median(r2)), "r2_min": float(np.min(r2)),
            "error_median": float(np.median(error)), "error_max": float(np.max(error)),
            "scatter_only_error": float(scatter_only_error),
            "error_ratio": float(np.median(error) / scatter_only_error)}


def kernel_comparison(table: pd.DataFrame, other: pd.DataFrame, study: Study2, seed: int) -> dict:
    """The same runs' recovery with the other kernel mode, side by side (docs/model.md §8): cross-validated
    Ridge R^2 on both feature sets, over the runs usable in both tables.

    Parameters
    ----------
    table : pandas.DataFrame
        data/study2/features.csv (study2.kernels).
    other : pandas.DataFrame
        data/study2/features_other_kernels.csv (the other mode).
    study : Study2
        The study's settings.
    seed : int
        seeds.inverse.

    Returns
    -------
    dict
        modes (the study's first), n_runs, r2: target -> mode -> {mean, sd} (over CV repeats), and
        r2_difference: target -> {difference, low, high}: R² of the first mode minus the second's (mean over the
        CV repeats), with the paired bootstrap's interval over runs (`cross_validation.r2_difference`,
        study2.kernel_comparison_bootstrap).
    """
    modes = (study.kernels, *(mode for mode in KERNEL_MODES if mode != study.kernels))
    rows = {mode: usable_rows(frame, "both") for mode, frame in zip(modes, (table, other))}
    keys = sorted(set(rows[modes[0]]["key"]) & set(rows[modes[1]]["key"]))
    out = {"modes": list(modes), "n_runs": len(keys), "r2": {target: {} for target in TARGETS}}
    predicted, truth = {}, {}
    for mode in modes:
        chosen = rows[mode].set_index("key").loc[keys].reset_index()
        truth[mode] = target_matrix(chosen)
        cv = cross_validation_of(chosen[FEATURE_SETS["both"]].to_numpy(dtype=float), truth[mode], "ridge",
                                 study.cv_folds, study.cv_repeats, study.feature_transform, seed)
        scores, predicted[mode] = scores_of(cv), cv.predictions
        for j, target in enumerate(TARGETS):
            out["r2"][target][mode] = {"mean": float(np.mean(scores["r2"][:, j])),
                                       "sd": float(np.std(scores["r2"][:, j]))}
    if not np.array_equal(truth[modes[0]], truth[modes[1]]):
        raise ValueError(f"{data.STUDY2_OTHER_KERNELS_FEATURES_FILE}: other θ or rates than "
                         f"{data.STUDY2_FEATURES_FILE} for the same draws; accepted: both tables of one features run")
    bootstrap = study.kernel_comparison_bootstrap
    difference = cross_validation.r2_difference(truth[modes[0]], predicted[modes[0]], predicted[modes[1]],
                                                bootstrap.resamples, bootstrap.confidence,
                                                derive_seed(seed, "kernel_comparison"))
    out["r2_difference"] = {target: {name: float(difference[name][j]) for name in ("difference", "low", "high")}
                            for j, target in enumerate(TARGETS)}
    out["bootstrap"] = bootstrap.model_dump()
    return out


def noise_floor(table: pd.DataFrame, replicates: pd.DataFrame) -> dict:
    """What part of each feature's variance across the study's runs is seed noise (docs/model.md §8).

    Each replicated draw's run and its replicates (the same theta, other seeds) form a group; the within-group
    variance, pooled over groups (sum of squared deviations / sum of (n - 1)), is the seed variance at fixed theta,
    and its ratio to the variance over all usable runs of the study is the seed-noise fraction (1: the feature
    says nothing of theta beyond noise).

    Parameters
    ----------
    table : pandas.DataFrame
        data/study2/features.csv.
    replicates : pandas.DataFrame
        data/study2/replicate_features.csv.

    Returns
    -------
    dict
        n_groups, n_runs (in the groups), seed_variance_fraction: feature -> fraction, median_fraction.
    """
    names = FEATURE_SETS["both"]
    usable = usable_rows(table, "both")
    accepted = replicates[(replicates["status"] == "accepted")
                          & np.isfinite(replicates[names].to_numpy(dtype=float)).all(axis=1)]
    groups = []
    for draw, extra in accepted.groupby("draw"):
        own = usable[usable["key"] == draw]
        members = pd.concat([own[names], extra[names]]).to_numpy(dtype=float)
        if len(members) >= 2:
            groups.append(members)
    if not groups:
        return {"n_groups": 0, "n_runs": 0, "seed_variance_fraction": {}, "median_fraction": float("nan")}
    fraction = seed_variance_fraction(groups, usable[names].to_numpy(dtype=float))
    return {"n_groups": len(groups), "n_runs": int(sum(len(g) for g in groups)),
            "seed_variance_fraction": dict(zip(names, map(float, fraction))),
            "median_fraction": float(np.nanmedian(fraction))}

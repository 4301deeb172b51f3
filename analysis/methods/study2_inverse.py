"""Study 2's point-estimate inverse models and their evaluation per parameter (docs/model.md §8).

Feature sets: catch22 (22 features), the aperiodic exponent, and both. Targets: the 7 parameters of theta and
E/I_net. Models, each inside a pipeline that standardizes the features (and, for the MLP, the targets):
  ridge  RidgeCV: alpha chosen by inner cross-validation on the training rows, per target
  mlp    scikit-learn MLPRegressor (2 hidden layers of 64), seeded
Protocol: a seeded held-out test fraction, and repeated K-fold CV on the rest; per target R^2 and Pearson r of
the pooled out-of-fold predictions, mean and sd over repeats, and the per-fold numbers beside them. A learning
curve repeats the CV on nested subsets of the training rows.
Neural posterior estimation (sbi) and its calibration (analysis/methods/calibration.py) complete the study.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.common import ParamsError, derive_seed
from analysis.methods import calibration, cross_validation, npe
from analysis.methods.features import FEATURE_NAMES
from analysis.model import priors
from analysis.model.priors import PARAMETERS
from analysis.params import Study2

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


def make_model(kind: str, seed: int, n_rows: int = MLP_EARLY_STOPPING_MIN_ROWS):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "ridge":
        return make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS, alpha_per_target=True))
    if kind == "mlp":
        mlp = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=seed,
                           early_stopping=n_rows >= MLP_EARLY_STOPPING_MIN_ROWS)
        return TransformedTargetRegressor(make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())
    raise ValueError(f"model {kind!r} is invalid; accepted: ridge | mlp")


def usable_rows(table: pd.DataFrame, feature_set: str) -> pd.DataFrame:
    """Accepted runs whose features of the set and whose targets are all finite."""
    columns = [*FEATURE_SETS[feature_set], *POSTERIOR_TARGETS, *priors.RATE_TARGETS]
    ok = (table["status"] == "accepted") & np.isfinite(table[columns].to_numpy(dtype=float)).all(axis=1)
    return table[ok].reset_index(drop=True)


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


def cross_validated_scores(X: np.ndarray, Y: np.ndarray, kind: str, folds: int, repeats: int,
                           seed: int) -> dict[str, np.ndarray]:
    """R^2 and Pearson r per target of a seeded repeated K-fold (analysis/methods/cross_validation.py): pooled
    out-of-fold per repeat, arrays (repeats, targets), and per fold, `r2_fold`, `pearson_r_fold` (repeats x folds,
    targets)."""
    def model_for_fold(fold: int, n_train: int):
        return make_model(kind, derive_seed(seed, kind, str(fold)), n_train)

    cv = cross_validation.cross_validate(model_for_fold, X, Y, folds, repeats, derive_seed(seed, "cv"))
    pooled, per_fold = cv.pooled(), cv.per_fold()
    return {"r2": pooled["r2"], "rmse": np.sqrt(pooled["mse"]), "pearson_r": pooled["pearson_r"],
            "r2_fold": per_fold["r2"], "pearson_r_fold": per_fold["pearson_r"]}


def summarize(scores: dict[str, np.ndarray], targets=TARGETS) -> dict[str, dict[str, float]]:
    """Per target: mean and sd of each score (r2, pearson_r: pooled, over repeats; r2_fold, pearson_r_fold: over
    folds)."""
    return {target: {f"{metric}_{stat}": float(fn(values[:, j]))
                     for metric, values in scores.items() for stat, fn in (("mean", np.nanmean), ("sd", np.nanstd))}
            for j, target in enumerate(targets)}


def learning_curve(X: np.ndarray, Y: np.ndarray, kind: str, sizes: list[int], folds: int, seed: int) -> dict:
    """Mean CV R^2 per target on nested random subsets of the rows (the first n of one seeded permutation)."""
    order = np.random.default_rng(derive_seed(seed, "learning_curve")).permutation(len(X))
    curve = {}
    for n in sizes:
        rows = order[:n]
        scores = cross_validated_scores(X[rows], Y[rows], kind, min(folds, n), 1, seed)
        curve[n] = np.nanmean(scores["r2"], axis=0)
    return curve


def theta_samples(phi: np.ndarray) -> np.ndarray:
    """Samples of phi (..., 7) as samples of theta (..., 7) in PARAMETERS order (pA, ms)."""
    theta = priors.theta_from_phi(phi)
    return np.stack([theta[name] for name in priors.PARAMETERS], axis=-1)


def with_ei_ratio(samples: np.ndarray) -> np.ndarray:
    """Posterior samples of theta (..., 7) with E/I_net appended as an eighth column."""
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


def posterior_metrics(samples: np.ndarray, truth: np.ndarray, prior_variance: np.ndarray, levels,
                      targets: tuple[str, ...] = POSTERIOR_TARGETS) -> dict:
    """Per target of POSTERIOR_TARGETS: point-estimate and calibration metrics of the posteriors, with the
    posterior sd and the RMSE of the posterior mean in the target's units."""
    from sklearn.metrics import r2_score

    if samples.shape[-1] != len(targets):
        raise ValueError(f"{samples.shape[-1]} columns of samples for {len(targets)} targets")
    mean = samples.mean(axis=1)
    r = cross_validation.pearson_per_column(truth, mean)
    z = calibration.posterior_zscore(samples, truth)
    shrink = calibration.shrinkage(samples, prior_variance)
    ranks_p = calibration.rank_uniformity_p(calibration.sbc_ranks(samples, truth), samples.shape[1])
    coverage = calibration.coverage(samples, truth, levels)
    out = {}
    sd = samples.std(axis=1)
    for j, target in enumerate(targets):
        out[target] = {"r2_posterior_mean": float(r2_score(truth[:, j], mean[:, j])), "pearson_r": float(r[j]),
                       "rmse_posterior_mean": float(np.sqrt(np.mean((mean[:, j] - truth[:, j]) ** 2))),
                       "posterior_sd_mean": float(np.mean(sd[:, j])),
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


def evaluate_feature_set(table: pd.DataFrame, feature_set: str, study: Study2, prior: priors.Prior,
                         seed: int) -> tuple[dict, dict]:
    """One feature set: Ridge and MLP cross-validated on the training rows, NPE fitted there and judged on the
    held-out rows (metrics; the held-out posteriors for the figures)."""
    rows = usable_rows(table, feature_set)
    check_rows(len(rows), study, feature_set)
    X = rows[FEATURE_SETS[feature_set]].to_numpy(dtype=float)
    Y = target_matrix(rows)
    train, test = cross_validation.holdout_split(len(rows), study.test_fraction, derive_seed(seed, "study2_split"))
    result = {"n_train": int(len(train)), "n_test": int(len(test))}
    for kind in ("ridge", "mlp"):
        scores = cross_validated_scores(X[train], Y[train], kind, study.cv_folds,
                                                       study.cv_repeats, seed)
        result[kind] = summarize(scores)
    # NPE learns the posterior of phi, the variables the draws were uniform in (the prior the runs were drawn
    # from, docs/model.md §8); its samples are turned into theta and every other posterior target
    theta_train = {name: Y[train, j] for j, name in enumerate(priors.PARAMETERS)}
    posterior, standardization = npe.fit_npe(priors.phi_from_theta(theta_train), X[train], prior.low, prior.high,
                                             derive_seed(seed, "npe", feature_set))
    samples = posterior_columns(theta_samples(npe.sample_posteriors(posterior, standardization, X[test],
                                                                    study.posterior_samples,
                                                                    derive_seed(seed, "sample"))))
    # shrinkage against the prior's own variance of each target, estimated from draws of it
    prior_draws = prior.sample(np.random.default_rng(derive_seed(seed, "prior")), PRIOR_SAMPLES_FOR_VARIANCE)
    prior_variance = posterior_columns(theta_samples(prior_draws)).var(axis=0)
    n_posterior = len(POSTERIOR_TARGETS)
    result["npe"] = posterior_metrics(samples, Y[test, :n_posterior], prior_variance, study.coverage_levels)
    return result, {"samples": samples, "truth": Y[test, :n_posterior], "keys": rows["key"].to_numpy(dtype=str)[test]}

"""Study 1's inverse model (docs/model.md §6): StandardScaler + Ridge(alpha) from the 22 catch22 features to J_ext,
its evaluation, and the fitted model as plain data.

  * the study's protocol: a seeded train/test split (the original shuffled without a seed), MSE on the test rows;
  * because a few test points give a noisy number: repeated K-fold cross-validation over seeded repeats; R² and
    MSE of each repeat's pooled out-of-fold predictions, mean ± sd over repeats (the headline), and the
    per-fold numbers beside them (analysis/methods/cross_validation.py says why both).

Hoerl AE, Kennard RW (1970) Ridge regression: biased estimation for nonorthogonal problems. Technometrics 12:55-67.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import common
from analysis.common import ParamsError, derive_seed, software_versions
from analysis.data import FEATURES_FILE
from analysis.methods import cross_validation
from analysis.methods.features import FEATURE_NAMES
from analysis.params import Params


def make_model(alpha: float):
    """StandardScaler + Ridge as one scikit-learn Pipeline (docs/model.md §6).

    Parameters
    ----------
    alpha : float
        Ridge's regularization strength (inverse.alpha).

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), Ridge(alpha=alpha))


def drop_non_finite(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows whose 22 features are all finite.

    Parameters
    ----------
    table : pandas.DataFrame
        A features table (data.read_features).

    Returns
    -------
    rows : pandas.DataFrame
        The finite rows, re-indexed.
    n_dropped : int
        How many rows were dropped.
    """
    finite = np.isfinite(table[list(FEATURE_NAMES)].to_numpy()).all(axis=1)
    return table[finite].reset_index(drop=True), int((~finite).sum())


def check_feature_table(table: pd.DataFrame, sweep_keys: list[str], path: Path = FEATURES_FILE) -> None:
    """Check that the table holds one row per sweep item, no more and no fewer, every target finite.

    Parameters
    ----------
    table : pandas.DataFrame
        The features table.
    sweep_keys : list of str
        The keys of params.yaml sweep.
    path : Path
        The file, for the message.

    Raises
    ------
    InputError
        Naming the file and what is wrong.
    """
    needed = ["key", "J_ext_pA", *FEATURE_NAMES]
    missing = [name for name in needed if name not in table.columns]
    if missing:
        raise common.InputError(f"{path}: lacks the columns {missing[:3]}{' ...' if len(missing) > 3 else ''}; "
                             "re-run the features stage")
    if table.empty:
        raise common.InputError(f"{path}: holds no rows; re-run the features stage")
    duplicated = sorted(set(table["key"][table["key"].duplicated()]))
    if duplicated:
        raise common.InputError(f"{path}: items {duplicated} appear more than once (one would land in train and test); "
                             "re-run the features stage")
    unknown, absent = sorted(set(table["key"]) - set(sweep_keys)), sorted(set(sweep_keys) - set(table["key"]))
    if unknown or absent:
        raise common.InputError(f"{path}: its items do not match params.yaml sweep (not in the sweep: {unknown[:3]}, "
                             f"missing: {absent[:3]}); re-run the features stage")
    bad_target = table["key"][~np.isfinite(table["J_ext_pA"].to_numpy(dtype=float))].tolist()
    if bad_target:
        raise common.InputError(f"{path}: J_ext_pA is not a finite number for {bad_target[:3]}")


def check_inverse_params(params: Params, n_rows: int) -> None:
    """Check that the split and the folds fit the rows actually available (the ranges are the schema's).

    Parameters
    ----------
    params : Params
        The study's parameters (inverse.test_fraction, inverse.cv_folds).
    n_rows : int
        The usable rows.

    Raises
    ------
    ParamsError
        Naming the parameter and the accepted range for these rows.
    """
    fraction, folds = params.inverse.test_fraction, params.inverse.cv_folds
    n_test = int(np.ceil(fraction * n_rows))
    if n_rows - n_test < 2 or n_test < 1:
        raise ParamsError(f"inverse.test_fraction = {fraction} leaves {n_rows - n_test} training and {n_test} test "
                          f"rows of {n_rows}; accepted: at least 2 training rows and 1 test row")
    if folds > n_rows:
        raise ParamsError(f"inverse.cv_folds = {folds} is more than the {n_rows} usable rows; accepted: "
                          f"2 <= cv_folds <= {n_rows}")


# what the cross-validated numbers of metrics/ridge.json are (analysis/methods/cross_validation.py)
CV_DEFINITION = {
    "cv_pooled": "R2 and MSE of the pooled out-of-fold predictions of each repeat (every run predicted once by "
                 "the model that did not see it), mean and sd over the repeats: the headline",
    "cv_fold": "R2 and MSE on each fold's test runs, mean and sd over all folds (unstable when a fold holds "
               "few runs)",
}


def evaluate(table: pd.DataFrame, alpha: float, test_fraction: float, folds: int, repeats: int,
             seed: int) -> tuple[dict, pd.DataFrame, object]:
    """Fit and evaluate the inverse model (pure: a table in, numbers out).

    Parameters
    ----------
    table : pandas.DataFrame
        Finite rows of the features table (key, J_ext_pA, the 22 features).
    alpha : float
        Ridge's alpha.
    test_fraction : float
        Fraction of rows held out, in (0, 1).
    folds : int
        K of the repeated K-fold.
    repeats : int
        Repeats of the K-fold.
    seed : int
        seeds.inverse: the split's and the folds' seeds derive from it.

    Returns
    -------
    metrics : dict
        Test and cross-validated MSE (pA²) and R², pooled and per fold (metrics/ridge.json).
    predictions : pandas.DataFrame
        Per row: true, predicted and cross-validated J_ext (pA), split.
    model : sklearn.pipeline.Pipeline
        Fitted on the training rows.
    """
    from sklearn.metrics import mean_squared_error, r2_score

    X, y = table[list(FEATURE_NAMES)].to_numpy(), table["J_ext_pA"].to_numpy()
    split_seed, cv_seed = derive_seed(seed, "split"), derive_seed(seed, "cv")
    train, test = cross_validation.holdout_split(len(table), test_fraction, split_seed)
    model = make_model(alpha).fit(X[train], y[train])
    predicted = model.predict(X)
    cv = cross_validation.cross_validate(lambda fold, n_train: make_model(alpha), X, y, folds, repeats, cv_seed)
    pooled, per_fold = cv.pooled(), cv.per_fold()
    metrics = {
        "test_mse_pA2": float(mean_squared_error(y[test], predicted[test])),
        "test_r2": float(r2_score(y[test], predicted[test])) if len(test) > 1 else None,
        "train_mse_pA2": float(mean_squared_error(y[train], predicted[train])),
        **{f"cv_{kind}_{name}_{stat}": float(value[0])
           for kind, scores in (("pooled", pooled), ("fold", per_fold))
           for name, values in (("mse_pA2", scores["mse"]), ("r2", scores["r2"]))
           for stat, value in zip(("mean", "sd"), cross_validation.mean_sd(values))},
        "cv_definition": CV_DEFINITION,
        "cv_folds": folds, "cv_repeats": repeats, "n_train": int(len(train)), "n_test": int(len(test)),
        "alpha": alpha, "split_seed": split_seed, "cv_seed": cv_seed,
    }
    split = np.array(["train"] * len(table), dtype=object)
    split[test] = "test"
    predictions = pd.DataFrame({"key": table["key"], "J_ext_true_pA": y, "J_ext_predicted_pA": predicted,
                                "J_ext_cv_predicted_pA": cv.predictions[:, :, 0].mean(axis=0), "split": split})
    return metrics, predictions, model


def model_as_data(model, training_drives_pA: np.ndarray, n_samples: int, sampling_rate_Hz: float) -> dict:
    """The fitted StandardScaler + Ridge as plain numbers (JSON), with what a trace must look like to use it.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        The fitted pipeline.
    training_drives_pA : ndarray
        J_ext of the training rows, pA (their range is recorded).
    n_samples : int
        Samples of the traces it was trained on.
    sampling_rate_Hz : float
        Their sampling rate, Hz.

    Returns
    -------
    dict
        models/ridge_J_ext.json.
    """
    scaler, ridge = model.named_steps["standardscaler"], model.named_steps["ridge"]
    return {"target": "J_ext_pA", "feature_names": list(FEATURE_NAMES),
            "scaler_mean": scaler.mean_.tolist(), "scaler_scale": scaler.scale_.tolist(),
            "coefficients": ridge.coef_.tolist(), "intercept": float(ridge.intercept_), "alpha": float(ridge.alpha),
            "training_J_ext_pA": [float(np.min(training_drives_pA)), float(np.max(training_drives_pA))],
            "trace_samples": int(n_samples), "sampling_rate_Hz": float(sampling_rate_Hz),
            "formula": "J_ext_pA = intercept + sum(coefficients * (features - scaler_mean) / scaler_scale)",
            "software": software_versions("scikit-learn", "numpy", "pycatch22")}


def predict_from_data(model: dict, features: np.ndarray) -> np.ndarray:
    """J_ext from catch22 features with a model stored by model_as_data (docs/model.md §6).

    Parameters
    ----------
    model : dict
        models/ridge_J_ext.json.
    features : ndarray (rows, 22) or (22,)
        catch22 features of z-scored traces.

    Returns
    -------
    ndarray (rows,)
        J_ext, pA.

    Examples
    --------
    J = 29 + 2 x (x - 1) / 0.5 for a one-feature model:

    >>> predict_from_data({"scaler_mean": [1.0], "scaler_scale": [0.5], "coefficients": [2.0], "intercept": 29.0},
    ...                   np.array([[1.0], [1.5]]))
    array([29., 31.])
    """
    z = (np.atleast_2d(features) - np.asarray(model["scaler_mean"])) / np.asarray(model["scaler_scale"])
    return model["intercept"] + z @ np.asarray(model["coefficients"])

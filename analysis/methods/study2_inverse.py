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

from analysis.common import derive_seed
from analysis.methods import cross_validation
from analysis.features import FEATURE_NAMES
from analysis.model.priors import PARAMETERS

TARGETS = (*PARAMETERS, "ei_ratio")
FEATURE_SETS = {"catch22": list(FEATURE_NAMES), "exponent": ["aperiodic_exponent"],
                "both": [*FEATURE_NAMES, "aperiodic_exponent"]}
RIDGE_ALPHAS = np.logspace(-3, 3, 13)
# the MLP holds out 10 % of its training rows to stop early; below this many rows that set is too small to use
MLP_EARLY_STOPPING_MIN_ROWS = 30


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
    """Accepted runs whose features of the set are all finite."""
    columns = FEATURE_SETS[feature_set]
    ok = (table["status"] == "accepted") & np.isfinite(table[columns].to_numpy(dtype=float)).all(axis=1)
    return table[ok].reset_index(drop=True)


def cross_validated_scores(X: np.ndarray, Y: np.ndarray, kind: str, folds: int, repeats: int,
                           seed: int) -> dict[str, np.ndarray]:
    """R^2 and Pearson r per target of a seeded repeated K-fold (analysis/methods/cross_validation.py): pooled
    out-of-fold per repeat, arrays (repeats, targets), and per fold, `r2_fold`, `pearson_r_fold` (repeats x folds,
    targets)."""
    def model_for_fold(fold: int, n_train: int):
        return make_model(kind, derive_seed(seed, kind, str(fold)), n_train)

    cv = cross_validation.cross_validate(model_for_fold, X, Y, folds, repeats, derive_seed(seed, "cv"))
    pooled, per_fold = cv.pooled(), cv.per_fold()
    return {"r2": pooled["r2"], "pearson_r": pooled["pearson_r"], "r2_fold": per_fold["r2"],
            "pearson_r_fold": per_fold["pearson_r"]}


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

"""Repeated K-fold cross-validation for both studies' inverse models (docs/model.md §6, §8).

Two summaries of the same folds:

* **pooled** (the headline): in each repeat every row is predicted once, by the model that did not see it
  (scikit-learn's `cross_val_predict`); R², MSE and Pearson r are computed over all rows of the repeat at
  once, then mean and sd over the repeats. This holds at small N: with 10 runs and 5 folds a fold's R² rests on
  2 points (its own mean), and a fold that holds out an end of the range extrapolates, so per-fold R² can be
  far below 0 while the pooled predictions lie on the identity line.
* **per fold** (beside it, as before): the score of each fold's test rows, mean and sd over all folds.

The folds are scikit-learn's `RepeatedKFold(n_splits, n_repeats, random_state=seed)`: repeat r is splits
r·K … r·K + K − 1 of it, so both summaries, and the numbers published before the pooled one existed, use the
same folds.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


# Pearson's r of fewer points is no correlation (2 points always give +-1)
MIN_POINTS_FOR_R = 3


def pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r of the pairs where both values are finite; NaN for fewer than 3 pairs or a constant side.

    The one Pearson correlation of both studies (the onset comparison, study 2's scores).

    Parameters
    ----------
    x, y : array (n,)
        Paired values.

    Returns
    -------
    float

    Examples
    --------
    >>> pearson_r(np.array([1.0, 2.0, 3.0, np.nan]), np.array([2.0, 4.0, 6.0, 1.0]))
    1.0
    >>> bool(np.isnan(pearson_r(np.array([1.0, 2.0]), np.array([2.0, 1.0]))))
    True
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < MIN_POINTS_FOR_R or np.std(x[keep]) == 0 or np.std(y[keep]) == 0:
        return float("nan")
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def pearson_per_column(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Pearson's r (`pearson_r`) of each column of y_pred against the same column of y_true.

    Parameters
    ----------
    y_true, y_pred : array (rows, targets)
        True and predicted values.

    Returns
    -------
    ndarray (targets,)

    Examples
    --------
    >>> pearson_per_column(np.array([[1., 0.], [2., 1.], [3., 0.]]), np.array([[2., 1.], [4., 1.], [6., 1.]]))
    array([ 1., nan])
    """
    y_true, y_pred = np.atleast_2d(np.asarray(y_true, dtype=float)), np.atleast_2d(np.asarray(y_pred, dtype=float))
    return np.array([pearson_r(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])])


def holdout_split(n_rows: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seeded held-out split of both studies: ceil(test_fraction x n_rows) test rows, never used for training
    or model choice (sklearn.model_selection.train_test_split, shuffled).

    Parameters
    ----------
    n_rows : int
        Rows to split.
    test_fraction : float
        In (0, 1).
    seed : int
        The split's seed (each study derives its own from seeds.inverse).

    Returns
    -------
    train, test : ndarray of int
        Row indices.
    """
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(n_rows), test_size=test_fraction, random_state=seed, shuffle=True)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold predictions of a repeated K-fold and the row sets of its folds.

    Parameters
    ----------
    predictions : ndarray, shape (repeats, rows, targets)
        Each row's prediction by the model of the fold that held it out, per repeat.
    folds : list of ndarray
        The test rows of every fold, repeat by repeat (repeats × K arrays).
    truth : ndarray, shape (rows, targets)
        The true targets.
    """
    predictions: np.ndarray
    folds: list[np.ndarray]
    truth: np.ndarray

    def pooled(self) -> dict[str, np.ndarray]:
        """R², MSE and Pearson r over all rows of each repeat.

        Returns
        -------
        dict
            r2, mse (target units²), pearson_r: arrays (repeats, targets).
        """
        from sklearn.metrics import mean_squared_error, r2_score

        return {"r2": np.array([r2_score(self.truth, p, multioutput="raw_values") for p in self.predictions]),
                "mse": np.array([mean_squared_error(self.truth, p, multioutput="raw_values")
                                 for p in self.predictions]),
                "pearson_r": np.array([pearson_per_column(self.truth, p) for p in self.predictions])}

    def per_fold(self) -> dict[str, np.ndarray]:
        """R², MSE and Pearson r on each fold's test rows.

        Returns
        -------
        dict
            r2, mse (target units²), pearson_r: arrays (repeats × K, targets).
        """
        from sklearn.metrics import mean_squared_error, r2_score

        n_folds = len(self.folds) // len(self.predictions)
        scores = {"r2": [], "mse": [], "pearson_r": []}
        for index, rows in enumerate(self.folds):
            truth, predicted = self.truth[rows], self.predictions[index // n_folds][rows]
            scores["r2"].append(r2_score(truth, predicted, multioutput="raw_values"))
            scores["mse"].append(mean_squared_error(truth, predicted, multioutput="raw_values"))
            scores["pearson_r"].append(pearson_per_column(truth, predicted))
        return {name: np.array(values) for name, values in scores.items()}


def cross_validate(model_for_fold: Callable[[int, int], object], X: np.ndarray, Y: np.ndarray, folds: int,
                   repeats: int, seed: int) -> CrossValidation:
    """Fit and predict every fold of a seeded repeated K-fold.

    Parameters
    ----------
    model_for_fold : callable (fold index, number of training rows) -> unfitted scikit-learn estimator
        A new model per fold (the index lets a stochastic model take its own seed).
    X : ndarray, shape (rows, features)
    Y : ndarray, shape (rows,) or (rows, targets)
        Targets in their physical units (the MSE is in those units squared).
    folds, repeats : int
        K and the number of repeats (2 <= K <= rows).
    seed : int
        `random_state` of RepeatedKFold.

    Returns
    -------
    CrossValidation
        With 2-D `predictions[r]` and `truth` (a 1-D Y becomes one column).
    """
    from sklearn.model_selection import RepeatedKFold

    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    truth = Y.reshape(len(Y), -1)
    predictions = np.full((repeats, *truth.shape), np.nan)
    test_rows = []
    splitter = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    for index, (train, test) in enumerate(splitter.split(X)):
        model = model_for_fold(index, len(train)).fit(X[train], Y[train])
        predictions[index // folds, test] = np.asarray(model.predict(X[test]), dtype=float).reshape(len(test), -1)
        test_rows.append(test)
    return CrossValidation(predictions, test_rows, truth)


def mean_sd(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd over the first axis, ignoring NaN (a constant fold).

    Parameters
    ----------
    values : ndarray (n, ...)
        Scores, one row per repeat or fold.

    Returns
    -------
    mean, sd : ndarray
        Over the first axis.
    """
    return np.nanmean(values, axis=0), np.nanstd(values, axis=0)


def r2_difference(truth: np.ndarray, first: np.ndarray, second: np.ndarray, resamples: int, confidence: float,
                  seed: int) -> dict[str, np.ndarray]:
    """R²(first) − R²(second) of two sets of predictions of the same rows, mean over CV repeats, with a BCa
    interval from a paired bootstrap over rows (scipy.stats.bootstrap; Efron & Tibshirani 1993, ch. 14;
    docs/model.md §8).

    On the same rows R² = 1 − SSE/SST, so each repeat's difference is (SSE_second − SSE_first) / SST; a resample
    draws rows with their truth and every prediction of them together, which is what makes it paired, and its
    statistic is the mean over repeats, so the point estimate is the difference of the repeats' mean R².

    Parameters
    ----------
    truth : ndarray (rows, targets)
        True values, in the targets' units.
    first, second : ndarray (repeats, rows, targets) or (rows, targets)
        Out-of-fold predictions (CrossValidation.predictions), the same repeats for both.
    resamples : int
        Bootstrap resamples.
    confidence : float
        The interval's level, in (0, 1).
    seed : int
        The resampling's seed.

    Returns
    -------
    dict
        difference (targets,) on all rows; low, high (targets,): the interval's ends.

    Examples
    --------
    >>> truth = np.arange(20.0).reshape(-1, 1)
    >>> better = truth + np.tile([0.5, -0.5], 10).reshape(-1, 1)    # off by 0.5, SSE 5
    >>> worse = truth + np.tile([2.0, -2.0], 10).reshape(-1, 1)     # off by 2, SSE 80; SST 665
    >>> out = r2_difference(truth, better, worse, 500, 0.95, 1)
    >>> round(float(out["difference"][0]), 4), bool(out["low"][0] > 0)
    (0.1128, True)
    """
    from scipy.stats import bootstrap

    truth = np.asarray(truth, dtype=float).reshape(len(truth), -1)
    first, second = (np.asarray(x, dtype=float).reshape(-1, *truth.shape) for x in (first, second))
    repeats = len(first)

    def difference(t, *predictions, axis=-1):
        a, b = predictions[:repeats], predictions[repeats:]
        sst = ((t - t.mean(axis=axis, keepdims=True)) ** 2).sum(axis=axis)
        return np.mean([(((t - pb) ** 2).sum(axis=axis) - ((t - pa) ** 2).sum(axis=axis)) / sst
                        for pa, pb in zip(a, b)], axis=0)

    rng = np.random.default_rng(seed)
    out = {"difference": [], "low": [], "high": []}
    for j in range(truth.shape[1]):
        samples = (truth[:, j], *first[:, :, j], *second[:, :, j])
        out["difference"].append(difference(*samples))
        if np.array_equal(first[:, :, j], second[:, :, j]):     # every resample gives 0, where BCa is undefined
            out["low"].append(0.0)
            out["high"].append(0.0)
            continue
        result = bootstrap(samples, difference, paired=True, vectorized=True, n_resamples=resamples,
                           confidence_level=confidence, random_state=rng)
        out["low"].append(result.confidence_interval.low)
        out["high"].append(result.confidence_interval.high)
    return {name: np.asarray(values, dtype=float) for name, values in out.items()}

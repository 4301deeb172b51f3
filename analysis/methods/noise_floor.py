"""The seed noise floor (docs/model.md §8 and §9): how much of what the features and the inverse model report is
the seed alone.

A run's seed decides its connectivity, initial potentials and Poisson input; runs at one parameter point that
differ only in the seed show what no inverse model can remove from one trace. Two numbers come from them:

- the seed share of a feature's variance: the within-point variance of the feature (pooled over points) over
  its variance across all of the study's runs (1: the feature says nothing beyond noise);
- the seed spread of a prediction: the inverse model applied to every seed's trace at one point; its sd is the
  error the model makes from the seed alone, to set beside its cross-validated RMSE.
"""
from __future__ import annotations

import numpy as np


def seed_variance_fraction(groups: list[np.ndarray], population: np.ndarray) -> np.ndarray:
    """The seed share of each feature's variance.

    Parameters
    ----------
    groups : list of ndarray (runs, features)
        Each the features of runs at one parameter point that differ only in the seed; groups of fewer than 2
        runs carry no within-point variance and are ignored.
    population : ndarray (runs, features)
        The features of all of the study's runs.

    Returns
    -------
    ndarray (features,)
        Pooled within-group variance (sum of squared deviations / sum of (n - 1)) over the population's variance
        (ddof 1); NaN where the population does not vary or no group has 2 runs.

    Examples
    --------
    Two points, each with seed deviations of ±1, in a population of variance 4:

    >>> groups = [np.array([[0.0], [2.0]]), np.array([[5.0], [7.0]])]
    >>> seed_variance_fraction(groups, np.array([[-2.0], [0.0], [2.0]]))
    array([0.5])
    """
    groups = [np.asarray(g, dtype=float) for g in groups if len(g) >= 2]
    total = np.asarray(population, dtype=float).var(axis=0, ddof=1)
    if not groups:
        return np.full(total.shape, np.nan)
    squares = sum(((g - g.mean(axis=0)) ** 2).sum(axis=0) for g in groups)
    within = squares / sum(len(g) - 1 for g in groups)
    return np.where(total > 0, within / np.where(total > 0, total, 1.0), np.nan)


def prediction_spread(predicted: np.ndarray, truth: float, cv_rmse: float, confidence: float = 0.95) -> dict:
    """The spread of one parameter point's predictions over seeds, beside the model's cross-validated error.

    Parameters
    ----------
    predicted : ndarray (seeds,)
        The inverse model's prediction from each seed's trace, in the target's unit.
    truth : float
        The point's true value, same unit.
    cv_rmse : float
        The model's cross-validated root-mean-square error over the study's runs, same unit.
    confidence : float
        Of the sd's interval.

    Returns
    -------
    dict
        n_seeds, mean, sd (ddof 1), sd_interval (the chi-square interval of a normal sample's sd at `confidence`),
        min, max, bias (mean - truth), seed_rmse (root mean square of predicted - truth), sd_over_cv_rmse (near 1
        when the seed alone accounts for the model's error) and its interval (the RMSE taken as exact).

    Examples
    --------
    >>> spread = prediction_spread(np.array([28.9, 29.1, 29.0]), 29.0, 0.2)
    >>> round(spread["sd"], 3), round(spread["sd_over_cv_rmse"], 3)
    (0.1, 0.5)
    >>> [round(v, 3) for v in spread["sd_interval"]]     # 3 seeds pin an sd down to a factor of 10
    [0.052, 0.628]
    """
    predicted = np.asarray(predicted, dtype=float)
    if predicted.size < 2:
        raise ValueError(f"prediction_spread: {predicted.size} prediction(s); accepted: >= 2 seeds")
    from scipy.stats import chi2

    sd, dof = float(predicted.std(ddof=1)), predicted.size - 1
    tail = (1 - confidence) / 2
    interval = [sd * float(np.sqrt(dof / chi2.ppf(1 - tail, dof))), sd * float(np.sqrt(dof / chi2.ppf(tail, dof)))]
    ratio = (lambda value: value / cv_rmse) if cv_rmse > 0 else (lambda value: float("nan"))
    return {"n_seeds": int(predicted.size), "mean": float(predicted.mean()), "sd": sd, "sd_interval": interval,
            "confidence": confidence,
            "min": float(predicted.min()), "max": float(predicted.max()), "bias": float(predicted.mean() - truth),
            "seed_rmse": float(np.sqrt(np.mean((predicted - truth) ** 2))),
            "sd_over_cv_rmse": ratio(sd), "sd_over_cv_rmse_interval": [ratio(v) for v in interval]}

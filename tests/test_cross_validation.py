"""analysis/methods/cross_validation.py: pooled out-of-fold and per-fold scores of a repeated K-fold."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from analysis.methods import cross_validation


def line_with_noise(n_rows: int, noise: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """y = 2 x + 1 + noise on x evenly spaced in [0, 1]: R² of the truth = 1 − noise² / var(y)."""
    x = np.linspace(0.0, 1.0, n_rows)
    y = 2.0 * x + 1.0 + np.random.default_rng(seed).normal(scale=noise, size=n_rows)
    return x[:, None], y


def linear(fold: int, n_train: int) -> LinearRegression:
    return LinearRegression()


def test_every_run_is_predicted_once_per_repeat_by_a_model_that_did_not_see_it():
    X, y = line_with_noise(12, 0.0)
    cv = cross_validation.cross_validate(linear, X, y, folds=4, repeats=3, seed=7)
    assert cv.predictions.shape == (3, 12, 1) and np.isfinite(cv.predictions).all()
    for repeat in range(3):
        rows = np.concatenate(cv.folds[4 * repeat: 4 * repeat + 4])
        assert sorted(rows) == list(range(12))          # a partition of the rows in each repeat
    # a noise-free line is predicted exactly by a line fitted to the other rows
    assert cv.predictions[:, :, 0] == pytest.approx(np.tile(y, (3, 1)), abs=1e-12)


def test_pooled_scores_follow_their_definitions():
    """With equal folds the pooled MSE of a repeat is the mean of its folds' MSE, and the pooled R² is
    1 − MSE / (population variance of y)."""
    X, y = line_with_noise(10, 0.3)
    cv = cross_validation.cross_validate(linear, X, y, folds=5, repeats=4, seed=11)
    pooled, per_fold = cv.pooled(), cv.per_fold()
    assert per_fold["mse"].shape == (20, 1) and pooled["mse"].shape == (4, 1)
    assert pooled["mse"][:, 0] == pytest.approx(per_fold["mse"][:, 0].reshape(4, 5).mean(axis=1), rel=1e-12)
    assert pooled["r2"][:, 0] == pytest.approx(1 - pooled["mse"][:, 0] / y.var(), rel=1e-12)


def test_at_small_n_the_pooled_r2_holds_where_the_per_fold_r2_does_not():
    """10 runs, 5 folds: each fold's R² rests on 2 points and its own mean, so with a little noise it falls far
    below 0 in some folds, while the pooled out-of-fold predictions give R² near that of the truth."""
    X, y = line_with_noise(10, 0.15, seed=2)
    cv = cross_validation.cross_validate(linear, X, y, folds=5, repeats=5, seed=2)
    pooled_mean, pooled_sd = cross_validation.mean_sd(cv.pooled()["r2"])
    fold_mean, fold_sd = cross_validation.mean_sd(cv.per_fold()["r2"])
    truth_r2 = 1 - 0.15**2 / y.var()
    assert pooled_mean[0] > 0.85 and abs(pooled_mean[0] - truth_r2) < 0.1 and pooled_sd[0] < 0.05
    assert fold_mean[0] < 0 and fold_sd[0] > 10 * pooled_sd[0]
    assert cv.per_fold()["r2"].min() < -5


def test_pearson_r_of_a_constant_prediction_is_nan_not_a_number_that_looks_real():
    r = cross_validation.pearson_per_column(np.array([[1.0], [2.0], [3.0]]), np.array([[5.0], [5.0], [5.0]]))
    assert np.isnan(r[0])


def test_pearson_per_column_matches_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
    expected = [np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(2)]
    np.testing.assert_allclose(cross_validation.pearson_per_column(a, b), expected, rtol=1e-12)


def test_the_holdout_split_is_seeded_disjoint_complete_and_rounds_the_test_rows_up():
    train, test = cross_validation.holdout_split(150, 0.1, seed=45)
    assert len(test) == 15 and len(train) == 135 and not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(150))
    again, _ = cross_validation.holdout_split(150, 0.1, seed=45)
    np.testing.assert_array_equal(train, again)
    assert len(cross_validation.holdout_split(50, 0.1, seed=1)[1]) == 5
    assert len(cross_validation.holdout_split(12, 0.1, seed=1)[1]) == 2   # ceil(1.2)


def test_pearson_r_ignores_non_finite_pairs_and_needs_three_points():
    x = np.array([1.0, 2.0, 3.0, 4.0, np.inf])
    y = np.array([1.0, 3.0, 2.0, 4.0, 0.0])
    assert cross_validation.pearson_r(x, y) == pytest.approx(0.8)   # sum dx dy = 4, sum dx^2 = sum dy^2 = 5
    assert np.isnan(cross_validation.pearson_r(x[:2], y[:2]))
    assert np.isnan(cross_validation.pearson_r(x[:4], np.ones(4)))


def test_the_paired_r2_difference_covers_the_truth_at_its_level_and_is_zero_for_equal_models():
    # two predictions of the same 60 rows, noise sd 1 and 1.5 around the truth (variance 4): the population
    # difference R2(first) - R2(second) is (1.5^2 - 1^2) / 4 = 0.3125; a 90 % interval must hold it in about
    # 90 % of independent samples, and two equal predictions differ by exactly 0
    rng = np.random.default_rng(3)
    held, trials = 0, 200
    for trial in range(trials):
        truth = rng.normal(0, 2, (60, 1))
        first, second = truth + rng.normal(0, 1, truth.shape), truth + rng.normal(0, 1.5, truth.shape)
        out = cross_validation.r2_difference(truth, first, second, 400, 0.9, trial)
        held += out["low"][0] <= 0.3125 <= out["high"][0]
    assert 0.84 <= held / trials <= 0.96, held        # binomial sd of the rate at 200 trials: 0.021
    same = cross_validation.r2_difference(truth, first, first, 200, 0.9, 0)
    assert same["difference"][0] == same["low"][0] == same["high"][0] == 0.0

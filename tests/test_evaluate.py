"""The Ridge inverse model (analysis/evaluate.py, docs/model.md §6) on synthetic data with a known relation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_squared_error

from analysis.methods import inverse as evaluate
from analysis.common import ParamsError
from analysis.params import profile_params
from analysis.methods.features import FEATURE_NAMES


def synthetic_table(n_rows=50, noise=0.0, seed=1) -> pd.DataFrame:
    """Features linear in J_ext (plus optional noise): the regression must find the relation."""
    rng = np.random.default_rng(seed)
    drive = np.linspace(26, 32, n_rows)
    slopes = rng.normal(size=len(FEATURE_NAMES))
    X = np.outer(drive, slopes) + rng.normal(size=(n_rows, len(FEATURE_NAMES))) * noise
    table = pd.DataFrame(X, columns=list(FEATURE_NAMES))
    table.insert(0, "J_ext_pA", drive)
    table.insert(0, "key", [f"j{i:02d}" for i in range(n_rows)])
    return table


def test_known_linear_relation_is_recovered():
    table = synthetic_table(noise=0.01)
    metrics, predictions, model = evaluate.evaluate(table, alpha=1e-3, test_fraction=0.1, folds=5, repeats=3,
                                                    seed=45)
    assert metrics["cv_pooled_r2_mean"] > 0.99 and metrics["cv_fold_r2_mean"] > 0.99 and metrics["test_r2"] > 0.99
    assert metrics["n_train"] == 45 and metrics["n_test"] == 5
    test = predictions[predictions["split"] == "test"]
    by_hand = mean_squared_error(test["J_ext_true_pA"], test["J_ext_predicted_pA"])
    assert metrics["test_mse_pA2"] == pytest.approx(by_hand, rel=1e-12)  # same numbers, other order
    # the saved predictions are the model's
    X = table[list(FEATURE_NAMES)].to_numpy()
    np.testing.assert_array_equal(predictions["J_ext_predicted_pA"], model.predict(X))


def test_regression_unseeded_split_same_seed_same_split_and_metrics():
    """Regression test for the original unseeded shuffle (docs/model.md §6): the split follows seeds.inverse."""
    table = synthetic_table(noise=0.5)
    first = evaluate.evaluate(table, 1.0, 0.1, 5, 4, seed=45)
    second = evaluate.evaluate(table, 1.0, 0.1, 5, 4, seed=45)
    other = evaluate.evaluate(table, 1.0, 0.1, 5, 4, seed=46)
    assert first[0] == second[0]
    assert list(first[1]["split"]) == list(second[1]["split"])
    assert list(first[1]["split"]) != list(other[1]["split"])


def test_scaler_is_fitted_on_training_rows_only():
    table = synthetic_table(noise=0.3)
    metrics, predictions, model = evaluate.evaluate(table, 1.0, 0.1, 5, 2, seed=45)
    train = predictions["split"] == "train"
    X = table[list(FEATURE_NAMES)].to_numpy()
    np.testing.assert_allclose(model.named_steps["standardscaler"].mean_, X[train.to_numpy()].mean(axis=0))


def test_non_finite_rows_are_dropped_and_counted():
    table = synthetic_table()
    table.loc[3, "dfa"] = np.nan
    table.loc[7, "ami2"] = np.inf
    kept, dropped = evaluate.drop_non_finite(table)
    assert dropped == 2 and len(kept) == 48 and "j03" not in set(kept["key"])


def test_too_few_rows_for_the_folds_is_a_clear_error():
    params = profile_params("tiny")
    with pytest.raises(ParamsError, match=r"inverse.cv_folds = 12 is more than the 10 usable rows"):
        evaluate.check_inverse_params(params.with_changes({"inverse": {"cv_folds": 12}}), 10)
    with pytest.raises(ParamsError, match=r"leaves 1 training and 9 test rows"):
        evaluate.check_inverse_params(params.with_changes({"inverse": {"cv_folds": 3, "test_fraction": 0.9}}), 10)


def test_model_stored_as_numbers_predicts_what_the_fitted_pipeline_predicts():
    """models/ridge_J_ext.json is plain numbers; J = intercept + coef . (x - mean) / scale rebuilds the fitted
    StandardScaler + Ridge exactly (an independent formula, not scikit-learn)."""
    table = synthetic_table(noise=0.3)
    _, predictions, model = evaluate.evaluate(table, 1.0, 0.1, 5, 2, seed=45)
    train = (predictions["split"] == "train").to_numpy()
    data = evaluate.model_as_data(model, table["J_ext_pA"].to_numpy()[train], n_samples=16000,
                                  sampling_rate_Hz=1600.0)
    import json

    data = json.loads(json.dumps(data))  # what the file holds
    X = table[list(FEATURE_NAMES)].to_numpy()
    np.testing.assert_allclose(evaluate.predict_from_data(data, X), model.predict(X), rtol=1e-12)
    assert data["training_J_ext_pA"][0] >= 26.0 and data["training_J_ext_pA"][1] <= 32.0
    assert data["trace_samples"] == 16000 and data["sampling_rate_Hz"] == 1600.0

"""Study 2's inverse models and their per-parameter evaluation (analysis/methods/study2_inverse.py) on synthetic data
whose identifiability is known: one target is a function of the features, one is independent of them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.methods import study2_inverse

N_RUNS = 150


def synthetic(seed=4):
    """Features X (150 x 5); target 0 linear in them (identifiable), target 1 independent noise (not)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_RUNS, 5))
    identifiable = X @ np.array([1.0, -0.5, 0.3, 0.0, 0.0]) + 0.05 * rng.normal(size=N_RUNS)
    unidentifiable = rng.uniform(size=N_RUNS)
    return X, np.column_stack([identifiable, unidentifiable])


@pytest.mark.parametrize("kind", ["ridge", "mlp"])
def test_identifiable_and_unidentifiable_parameters_are_told_apart(kind):
    X, Y = synthetic()
    scores = study2_inverse.cross_validated_scores(X, Y, kind, folds=5, repeats=2, seed=45)
    summary = study2_inverse.summarize(scores, targets=("identifiable", "unidentifiable"))
    assert summary["identifiable"]["r2_mean"] > 0.9 and summary["identifiable"]["pearson_r_mean"] > 0.95
    assert summary["unidentifiable"]["r2_mean"] < 0.1 and abs(summary["unidentifiable"]["pearson_r_mean"]) < 0.3
    assert scores["r2"].shape == (2, 2) and scores["r2_fold"].shape == (10, 2)     # repeats; folds x repeats
    assert summary["identifiable"]["r2_fold_mean"] > 0.9


def test_scores_are_reproducible_for_a_seed():
    X, Y = synthetic()
    first = study2_inverse.cross_validated_scores(X, Y, "mlp", 3, 1, seed=7)
    again = study2_inverse.cross_validated_scores(X, Y, "mlp", 3, 1, seed=7)
    np.testing.assert_array_equal(first["r2"], again["r2"])


def test_learning_curve_rises_with_more_runs_for_an_identifiable_target():
    X, Y = synthetic()
    curve = study2_inverse.learning_curve(X, Y, "ridge", sizes=[10, 40, 150], folds=5, seed=3)
    assert curve[150][0] > curve[10][0] and curve[150][0] > 0.95


def test_rejected_or_featureless_runs_are_not_used():
    table = pd.DataFrame({"status": ["accepted", "rejected", "accepted"], "aperiodic_exponent": [1.2, 1.5, np.nan]})
    assert list(study2_inverse.usable_rows(table, "exponent").index) == [0]
    assert len(study2_inverse.usable_rows(table, "exponent")) == 1

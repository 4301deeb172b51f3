"""What a legacy option of the original tooling changes in the study (docs/model.md §3): its features' relation to
the drive beside the study's own option's, and how far its signals are from them.

The comparison stages (`analysis/compare_onsets.py`, `analysis/compare_pairings.py`) compute the whole chain after
the simulations under both options; these functions summarise them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.methods import cross_validation, features, inverse
from analysis.params import Params

# the number of features a comparison names as the ones whose relation to J_ext the option changed most
N_MOST_CHANGED = 5
# the Ridge numbers a comparison reports for each option (inverse.evaluate's keys)
REPORTED_METRICS = ("test_mse_pA2", "test_r2", "cv_pooled_mse_pA2_mean", "cv_pooled_mse_pA2_sd", "cv_pooled_r2_mean",
                    "cv_pooled_r2_sd", "cv_fold_mse_pA2_mean", "cv_fold_mse_pA2_sd", "cv_fold_r2_mean",
                    "cv_fold_r2_sd", "n_test")


def evaluate_traces(traces: list[np.ndarray], keys: list[str], drives_pA: list[float], params: Params
                    ) -> tuple[pd.DataFrame, dict]:
    """catch22 of every EEG trace and the Ridge evaluation with the main pipeline's settings and seed.

    Parameters
    ----------
    traces : list of numpy.ndarray
        One EEG trace per sweep item (mV).
    keys : list of str
        The items' keys.
    drives_pA : list of float
        The items' J_ext (pA).
    params : Params
        features.n_jobs, inverse and seeds.inverse are used.

    Returns
    -------
    table : pandas.DataFrame
        The features table of every item (as data/features), non-finite rows included.
    metrics : dict
        REPORTED_METRICS and n_dropped_non_finite.
    """
    values = features.features_of_traces(traces, params.features.n_jobs, progress=False)
    table = features.feature_table(keys, drives_pA, values)
    finite, n_dropped = inverse.drop_non_finite(table)
    inverse.check_inverse_params(params, len(finite))
    settings = params.inverse
    metrics, _, _ = inverse.evaluate(finite, settings.alpha, settings.test_fraction, settings.cv_folds,
                                     settings.cv_repeats, params.seeds.inverse)
    return table, {**{name: metrics[name] for name in REPORTED_METRICS}, "n_dropped_non_finite": n_dropped}


def fluctuation_ratio(legacy: np.ndarray, reference: np.ndarray) -> float:
    """How much larger a legacy signal's fluctuations are than the study's: sd(legacy) / sd(reference).

    With the Pearson r of the two traces it says what catch22 can see of the difference: catch22 z-scores each
    trace, so a change of the mean is invisible to it, a change of scale alone too, and only the shape (r) is
    left; the ratio says how much of the signal's size the legacy option changes before the head model.

    Parameters
    ----------
    legacy, reference : numpy.ndarray, shape (samples,)
        The same signal (a CDM, nA·µm) under both options.

    Returns
    -------
    float
        1 for signals of the same fluctuation size; NaN for a constant reference.

    Examples
    --------
    >>> t = np.linspace(0.0, 1.0, 1000, endpoint=False)
    >>> round(fluctuation_ratio(-50.0 + 3.0 * np.sin(2 * np.pi * t), 5.0 + np.sin(2 * np.pi * t)), 6)
    3.0
    """
    reference_sd = float(np.std(np.asarray(reference, dtype=np.float64)))
    if not reference_sd > 0:
        return float("nan")
    return float(np.std(np.asarray(legacy, dtype=np.float64))) / reference_sd


def feature_correlations(tables: dict) -> dict:
    """Per catch22 feature: Pearson's r with J_ext under the legacy option and the study's own, and its change.

    Parameters
    ----------
    tables : dict
        Two features tables (J_ext_pA and the catch22 columns): "legacy" and the study's option ("steady" for
        the onset, "correct" for the pairing).

    Returns
    -------
    dict
        feature -> {"r_legacy": r, "r_OPTION": r, "change": r_OPTION - r_legacy} (NaN where r is undefined).
    """
    (option,) = set(tables) - {"legacy"}
    out = {}
    for name in features.FEATURE_NAMES:
        r = {onset: cross_validation.pearson_r(table[name].to_numpy(float), table["J_ext_pA"].to_numpy(float))
             for onset, table in tables.items()}
        out[name] = {**{f"r_{onset}": value for onset, value in r.items()},
                     "change": r[option] - r["legacy"]}
    return out


def most_changed(correlations: dict, n: int = N_MOST_CHANGED) -> list[str]:
    """The n features with the largest finite |change| of their correlation with J_ext, largest first.

    Parameters
    ----------
    correlations : dict
        The output of `feature_correlations`.
    n : int
        How many to name.

    Returns
    -------
    list of str
        Feature names; ties keep catch22's order.
    """
    finite = [name for name, row in correlations.items() if np.isfinite(row["change"])]
    return sorted(finite, key=lambda name: -abs(correlations[name]["change"]))[:n]

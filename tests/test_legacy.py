"""What a legacy option changes (analysis/methods/legacy.py): signal distance and feature correlations, on
synthetic traces and feature tables."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import legacy
from analysis.methods.features import FEATURE_NAMES, feature_table

RNG = np.random.default_rng(7)


def test_fluctuation_ratio_ignores_the_mean_and_measures_the_scale():
    reference = 100.0 + RNG.normal(size=20_000)          # sd 1 around a large mean
    assert legacy.fluctuation_ratio(reference, reference) == 1.0
    # a mean shifted by 1000 sd changes nothing catch22 or this ratio sees; a 5-fold scale is 5
    assert legacy.fluctuation_ratio(reference - 1000.0, reference) == pytest.approx(1.0)
    assert legacy.fluctuation_ratio(5.0 * reference, reference) == pytest.approx(5.0)
    assert np.isnan(legacy.fluctuation_ratio(reference, np.full(10, 3.0)))


def tables_with_a_flipped_feature(flipped: str, n_runs: int = 30, option: str = "steady") -> dict:
    drives = np.linspace(20.0, 40.0, n_runs)
    keys = [f"j{i:02d}" for i in range(n_runs)]
    values = {name: RNG.normal(size=(n_runs, len(FEATURE_NAMES))) for name in ("legacy", option)}
    column = FEATURE_NAMES.index(flipped)
    values["legacy"][:, column] = -drives       # falls with the drive under the legacy option ...
    values[option][:, column] = drives          # ... rises with it under the study's option
    values["legacy"][:, 0] = np.nan             # a feature catch22 could not compute
    return {name: feature_table(keys, list(drives), v) for name, v in values.items()}


def test_the_feature_whose_relation_flipped_is_named_first():
    flipped = FEATURE_NAMES[5]
    correlations = legacy.feature_correlations(tables_with_a_flipped_feature(flipped))
    assert np.isclose(correlations[flipped]["r_legacy"], -1.0)
    assert np.isclose(correlations[flipped]["r_steady"], 1.0) and np.isclose(correlations[flipped]["change"], 2.0)
    # noise features at n = 30: |r| mostly < 0.5, so their change is far below 2
    named = legacy.most_changed(correlations, n=3)
    assert named[0] == flipped and len(named) == 3
    assert FEATURE_NAMES[0] not in legacy.most_changed(correlations, n=len(FEATURE_NAMES))   # NaN change
    changes = [abs(correlations[name]["change"]) for name in named]
    assert changes == sorted(changes, reverse=True)
    # the pairing comparison's labels: legacy against correct
    pairing = legacy.feature_correlations(tables_with_a_flipped_feature(flipped, option="correct"))
    assert np.isclose(pairing[flipped]["r_correct"], 1.0) and np.isclose(pairing[flipped]["change"], 2.0)

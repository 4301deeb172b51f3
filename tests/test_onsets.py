"""The onset comparison's summaries (analysis/methods/onsets.py) on synthetic traces and feature tables."""
from __future__ import annotations

import numpy as np

from analysis.methods import onsets
from analysis.methods.features import FEATURE_NAMES, feature_table

RNG = np.random.default_rng(7)


def test_a_ramp_from_zero_stands_out_and_a_steady_trace_does_not():
    # a CDM of mean 50 and sd 1 (arbitrary units), 16 000 samples; the legacy onset ramps up from 0 over the
    # first 160 samples (100 ms at 1.6 kHz). Steady: the first 160 of 16 000 Gaussian samples stay within
    # |z| < 4.5 (probability of more ~ 1e-3); legacy: the first sample is ~ 50 / sd(trace) below the mean.
    steady = 50.0 + RNG.normal(size=16_000)
    legacy = steady.copy()
    legacy[:160] *= np.linspace(0.0, 1.0, 160)
    assert onsets.onset_peak_z(steady, 160) < 4.5
    assert onsets.onset_peak_z(legacy, 160) > 10.0
    assert np.isnan(onsets.onset_peak_z(np.full(100, 3.0), 10))


def tables_with_a_flipped_feature(flipped: str, n_runs: int = 30) -> dict:
    drives = np.linspace(20.0, 40.0, n_runs)
    keys = [f"j{i:02d}" for i in range(n_runs)]
    values = {onset: RNG.normal(size=(n_runs, len(FEATURE_NAMES))) for onset in ("legacy", "steady")}
    column = FEATURE_NAMES.index(flipped)
    values["legacy"][:, column] = -drives       # falls with the drive under the legacy onset ...
    values["steady"][:, column] = drives        # ... rises with it under the steady one
    values["legacy"][:, 0] = np.nan             # a feature catch22 could not compute
    return {onset: feature_table(keys, list(drives), v) for onset, v in values.items()}


def test_the_feature_whose_relation_flipped_is_named_first():
    flipped = FEATURE_NAMES[5]
    correlations = onsets.feature_correlations(tables_with_a_flipped_feature(flipped))
    assert np.isclose(correlations[flipped]["r_legacy"], -1.0)
    assert np.isclose(correlations[flipped]["r_steady"], 1.0) and np.isclose(correlations[flipped]["change"], 2.0)
    # noise features at n = 30: |r| mostly < 0.5, so their change is far below 2
    named = onsets.most_changed(correlations, n=3)
    assert named[0] == flipped and len(named) == 3
    assert FEATURE_NAMES[0] not in onsets.most_changed(correlations, n=len(FEATURE_NAMES))   # NaN change
    changes = [abs(correlations[name]["change"]) for name in named]
    assert changes == sorted(changes, reverse=True)

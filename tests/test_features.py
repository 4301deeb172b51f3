"""catch22 features (analysis/features.py, docs/model.md §5)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pycatch22
import pytest

from analysis import data
from analysis.methods import features

MODEL_ORDER = ["mode_5", "mode_10", "acf_timescale", "acf_first_min", "ami2", "trev", "high_fluctuation",
              "stretch_high", "transition_matrix", "periodicity", "embedding_dist", "ami_timescale",
              "whiten_timescale", "outlier_timing_pos", "outlier_timing_neg", "low_freq_power",
              "stretch_decreasing", "entropy_pairs", "rs_range", "dfa", "centroid_freq", "forecast_error"]


def signals():
    rng = np.random.default_rng(22)
    t = np.arange(3000) / 1600
    return {"noise": rng.normal(size=3000), "sine": np.sin(2 * np.pi * 10 * t) + 0.1 * rng.normal(size=3000),
            "walk": np.cumsum(rng.normal(size=3000)) * 1e-6 + 5.0}


def test_column_order_is_spec_section_5():
    assert list(features.FEATURE_NAMES) == MODEL_ORDER
    # the study's figure shows indices (docs/model.md §5) 4, 18, 19
    assert [features.FEATURE_NAMES[i] for i in (4, 18, 19)] == ["ami2", "rs_range", "dfa"]


@pytest.mark.parametrize("name", ["noise", "sine", "walk"])
def test_features_equal_pycatch22_on_the_zscored_trace(name):
    trace = signals()[name]
    ours = features.catch22_features(trace)
    z = (trace - trace.mean()) / trace.std()
    theirs = pycatch22.catch22_all(z.tolist(), catch24=False, short_names=True)
    by_short = dict(zip(theirs["short_names"], theirs["values"]))
    # pycatch22 1.x renamed two features; the legacy names pin which is which
    renamed = {"centroid_freq": "median_freq", "transition_matrix": "transition_variance"}
    expected = [by_short[renamed.get(short, short)] for short in MODEL_ORDER]
    np.testing.assert_array_equal(ours, expected)  # value for value


def test_scale_and_offset_do_not_change_features():
    trace = signals()["sine"]
    np.testing.assert_allclose(features.catch22_features(trace), features.catch22_features(3e-4 * trace - 7),
                               rtol=1e-9, atol=1e-12)
    # the EEG of one dipole at one electrode is gain x CDM (gain 1.77e-10 mV per nA·um, the four-sphere head's):
    # the same features as the CDM, whatever the head model (docs/model.md §4; the paper's differences list)
    np.testing.assert_allclose(features.catch22_features(trace), features.catch22_features(1.77e-10 * trace),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("trace", [np.zeros(500), np.full(500, 3.0), np.r_[np.ones(10), np.nan]])
def test_flat_or_non_finite_trace_gives_nans_and_a_warning(trace):
    with pytest.warns(RuntimeWarning, match="zero or non-finite standard deviation"):
        values = features.catch22_features(trace)
    assert values.shape == (22,) and np.all(np.isnan(values))


def test_parallel_equals_serial_and_table_layout(tmp_path):
    traces = list(signals().values()) * 3
    serial = features.features_of_traces(traces, n_jobs=1, progress=False)
    parallel = features.features_of_traces(traces, n_jobs=2, progress=False)
    np.testing.assert_array_equal(serial, parallel)
    table = features.feature_table([f"j{i:02d}" for i in range(9)], list(np.linspace(26, 32, 9)), serial)
    assert list(table.columns) == ["key", "J_ext_pA", *MODEL_ORDER]
    data.write_csv(table, tmp_path / "f.csv")
    data.write_csv(table, tmp_path / "g.csv")
    assert (tmp_path / "f.csv").read_bytes() == (tmp_path / "g.csv").read_bytes()
    back = pd.read_csv(tmp_path / "f.csv")
    np.testing.assert_array_equal(back[MODEL_ORDER].to_numpy(), serial)  # 17 digits round-trip exactly


def test_reference_catch22_of_a_fixed_synthetic_trace():
    """Pinned: the 22 features of an AR(1) trace (phi = 0.9, 4000 samples, seed 22): a pycatch22 upgrade that
    changes any feature, or the mapping of names to positions, fails here naming the feature."""
    from tests.reference_values import check_reference

    rng = np.random.default_rng(22)
    noise = rng.normal(size=4000)
    trace = np.empty_like(noise)
    trace[0] = noise[0]
    for i in range(1, trace.size):
        trace[i] = 0.9 * trace[i - 1] + noise[i]
    values = dict(zip(features.FEATURE_NAMES, features.catch22_features(trace)))
    check_reference("catch22_ar1", values, rtol=1e-9)

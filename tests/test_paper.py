"""The paper stage (analysis/paper.py): filling the template and the generated tables."""
from __future__ import annotations

import pytest

from analysis import paper
from analysis.common import profile_params


def test_fill_replaces_every_placeholder_and_refuses_gaps():
    assert paper.fill("MSE {{a}} pA², n = {{b}}", {"a": "0.25", "b": "5"}) == "MSE 0.25 pA², n = 5"
    with pytest.raises(KeyError, match=r"without a value: \['b'\]"):
        paper.fill("{{a}} {{b}}", {"a": "1"})
    with pytest.raises(KeyError, match=r"values without a place: \['c'\]"):
        paper.fill("{{a}}", {"a": "1", "c": "2"})


def test_template_placeholders_are_exactly_the_values():
    template = paper.TEMPLATE.read_text() if paper.TEMPLATE.exists() else (
        paper.REPO_ROOT / paper.TEMPLATE).read_text()
    params = profile_params("tiny")
    metrics = {"test_mse_pA2": 0.5, "test_r2": 0.9, "cv_mse_pA2_mean": 0.7, "cv_mse_pA2_sd": 0.1,
               "cv_r2_mean": 0.8, "cv_r2_sd": 0.05, "cv_folds": 3, "cv_repeats": 3, "n_test": 1}
    kernels_info = {"nu_X_Hz": {"E": 6.5, "I": 9.6}, "Vrest_mV": -65.0, "provenance": "test"}
    head = {"electrodes": ["O1", "O2"], "nearest_electrode": "O1", "gain_mV_per_nAum": [1.77e-10, 1e-10]}
    rates = {key: [1.0, 2.0] for key in params["sweep"]}
    values = paper.collect_values(params, metrics, kernels_info, head, rates)
    onset_metrics = {"test_mse_pA2": 0.5, "test_r2": 0.9, "cv_mse_pA2_mean": 0.7, "cv_mse_pA2_sd": 0.1,
                     "cv_r2_mean": 0.8, "cv_r2_sd": 0.05, "n_test": 1, "onset_peak_abs_z_max": 3.0}
    comparison = {"onsets": {"legacy": {**onset_metrics, "cv_mse_pA2_mean": 0.95, "onset_peak_abs_z_max": 13.0},
                             "steady": onset_metrics},
                  "feature_correlation_with_J_ext": {"mode_5": {"r_legacy": 0.69, "r_steady": -0.46}},
                  "most_changed_features": ["mode_5"], "onset_window_ms": 100.0, "history_ms": 200.0}
    values.update(paper.onset_values(comparison, "steady"))
    text = paper.fill(template, values)  # raises if any placeholder lacks a value or vice versa
    assert "0.5 pA²" in text and "1.77 µV" in text


def test_onset_verdict_is_computed_from_the_numbers():
    """The paper's sentence on the onset artefact follows the numbers: a change of the CV MSE larger than its
    spread is 'outside' the spread, and a feature whose correlation changes sign is named as flipped."""
    base = {"test_mse_pA2": 0.02, "cv_mse_pA2_mean": 0.03, "cv_mse_pA2_sd": 0.01, "cv_r2_mean": 0.99,
            "cv_r2_sd": 0.01, "n_test": 5, "onset_peak_abs_z_max": 2.0}
    correlations = {"mode_5": {"r_legacy": 0.69, "r_steady": -0.46}, "dfa": {"r_legacy": 0.8, "r_steady": 0.7}}
    comparison = {"onsets": {"legacy": {**base, "cv_mse_pA2_mean": 0.035}, "steady": base},
                  "feature_correlation_with_J_ext": correlations, "most_changed_features": ["mode_5", "dfa"],
                  "onset_window_ms": 100.0, "history_ms": 200.0}
    values = paper.onset_values(comparison, "steady")
    assert values["onset_cv_verdict"] == "inside" and values["onset_flipped_features"] == "`mode_5`"
    comparison["onsets"]["legacy"]["cv_mse_pA2_mean"] = 0.09
    assert paper.onset_values(comparison, "steady")["onset_cv_verdict"] == "outside"


def test_parameter_table_lists_every_model_parameter():
    params = profile_params("full")
    rows = dict(paper.parameter_rows(params))
    assert rows["`network.C_m_pF`"] == "[289.1, 110.7]"
    assert rows["`kernels.synapses.weight_uS`"] == "[[0.00015, 0.000125], [0.0045, 0.002]]"
    assert rows["`eeg.four_sphere.conductivities_S_m`"] == "[0.276, 1.65, 0.01, 0.465]"
    assert rows["`inverse.alpha`"] == "1.0"


def test_fmt_significant_digits():
    assert paper.fmt(0.123456) == "0.1235" and paper.fmt(29.89) == "29.89" and paper.fmt(12.0) == "12"


def test_mean_drive_threshold_is_near_31_pA_as_spec_section_1_says():
    params = profile_params("full")
    # (V_th - E_L) C_m / (tau_syn nu_ext n_ext tau_m) = 10 mV * 289.1 pF / (0.5 ms * 18.6 /ms * 10 ms)
    assert paper.mean_drive_threshold_pA(params, 0) == pytest.approx(10 * 289.1 / (0.5 * 18.6 * 10))
    assert 30.5 < paper.mean_drive_threshold_pA(params, 0) < 31.5

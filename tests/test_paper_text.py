"""The paper's text (analysis/methods/paper_text.py): filling the template, the generated tables, and sentences
whose verdicts follow the numbers."""
from __future__ import annotations

import pytest

from analysis import data
from analysis.methods import paper_text
from analysis.common import REPO_ROOT
from analysis.params import profile_params


def test_fill_replaces_every_placeholder_and_refuses_gaps():
    assert paper_text.fill("MSE {{a}} pA², n = {{b}}", {"a": "0.25", "b": "5"}) == "MSE 0.25 pA², n = 5"
    with pytest.raises(KeyError, match=r"without a value: \['b'\]"):
        paper_text.fill("{{a}} {{b}}", {"a": "1"})
    with pytest.raises(KeyError, match=r"values without a place: \['c'\]"):
        paper_text.fill("{{a}}", {"a": "1", "c": "2"})


def cv_numbers(mse_mean: float, mse_sd: float, r2_mean: float, r2_sd: float) -> dict:
    """metrics/ridge.json's cross-validated numbers, the same for pooled and per fold."""
    return {f"cv_{kind}_{name}": value for kind in ("pooled", "fold")
            for name, value in (("mse_pA2_mean", mse_mean), ("mse_pA2_sd", mse_sd), ("r2_mean", r2_mean),
                                ("r2_sd", r2_sd))}


def test_template_placeholders_are_exactly_the_values():
    template = (REPO_ROOT / data.PAPER_TEMPLATE).read_text()
    params = profile_params("tiny")
    metrics = {"test_mse_pA2": 0.5, "test_r2": 0.9, **cv_numbers(0.7, 0.1, 0.8, 0.05), "cv_folds": 3,
               "cv_repeats": 3, "n_test": 1}
    kernels_info = {"nu_X_Hz": {"E": 6.5, "I": 9.6}, "Vrest_mV": -65.0, "provenance": "test"}
    head = {"electrodes": ["O1", "O2"], "nearest_electrode": "O1", "gain_mV_per_nAum": [1.77e-10, 1e-10]}
    rates = {key: [1.0, 2.0] for key in params.sweep}
    values = paper_text.collect_values(params, metrics, kernels_info, head, rates)
    onset_metrics = {"test_mse_pA2": 0.5, "test_r2": 0.9, **cv_numbers(0.7, 0.1, 0.8, 0.05), "n_test": 1,
                     "onset_peak_abs_z_max": 3.0}
    comparison = {"onsets": {"legacy": {**onset_metrics, "cv_pooled_mse_pA2_mean": 0.95, "onset_peak_abs_z_max": 13.0},
                             "steady": onset_metrics},
                  "feature_correlation_with_J_ext": {"mode_5": {"r_legacy": 0.69, "r_steady": -0.46}},
                  "most_changed_features": ["mode_5"], "onset_window_ms": 100.0, "history_ms": 200.0}
    values.update(paper_text.onset_values(comparison, "steady", 50))
    values.update(paper_text.pairing_values(pairing_metrics(), 50))
    values.update(paper_text.seed_noise_values(seed_noise_metrics(0.15)))
    values.update(paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8, "J_EE_pA": 0.0}), params.study2))
    values.update(paper_text.profile_values(params, 12))
    text = paper_text.fill(template, values)  # raises if any placeholder lacks a value or vice versa
    assert "0.5 pA²" in text and "1.77 µV" in text


def test_onset_verdict_is_computed_from_the_numbers():
    """The paper's sentence on the onset artefact follows the numbers: a change of the CV MSE larger than its
    spread is 'outside' the spread, and a feature whose correlation changes sign is named as flipped."""
    base = {"test_mse_pA2": 0.02, **cv_numbers(0.03, 0.01, 0.99, 0.01), "n_test": 5, "onset_peak_abs_z_max": 2.0}
    correlations = {"mode_5": {"r_legacy": 0.69, "r_steady": -0.46}, "dfa": {"r_legacy": 0.8, "r_steady": 0.7}}
    comparison = {"onsets": {"legacy": {**base, "cv_pooled_mse_pA2_mean": 0.035}, "steady": base},
                  "feature_correlation_with_J_ext": correlations, "most_changed_features": ["mode_5", "dfa"],
                  "onset_window_ms": 100.0, "history_ms": 200.0}
    values = paper_text.onset_values(comparison, "steady", 50)
    assert values["onset_cv_verdict"] == "inside" and values["onset_flipped_features"] == "`mode_5`"
    comparison["onsets"]["legacy"]["cv_pooled_mse_pA2_mean"] = 0.09
    assert paper_text.onset_values(comparison, "steady", 50)["onset_cv_verdict"] == "outside"
    # both correlations noise at n = 50 (|r| < 0.279): a change of sign is no flip
    correlations["mode_5"] = {"r_legacy": 0.25, "r_steady": -0.2}
    assert paper_text.onset_values(comparison, "steady", 50)["onset_flipped_features"] == "none"
    # the same correlations over 200 items are significant (|r| >= 0.139): a flip
    assert paper_text.onset_values(comparison, "steady", 200)["onset_flipped_features"] == "`mode_5`"


def pairing_metrics(legacy_cv_mse: float = 0.034) -> dict:
    """metrics/pairing_comparison.json of a made-up comparison: the correct pairing's CV MSE 0.030 ± per fold 0.015."""
    correct = {"test_mse_pA2": 0.037, **cv_numbers(0.030, 0.015, 0.9904, 0.0007), "n_test": 5}
    return {"pairings": {"correct": correct, "legacy": {**correct, "cv_pooled_mse_pA2_mean": legacy_cv_mse,
                                                         "cv_pooled_r2_mean": 0.9891}},
            "cdm_legacy_vs_correct": {"sd_ratio": {"median": 4.83, "min": 1.04, "max": 5.21},
                                      "pearson_r": {"median": 0.526, "min": 0.104, "max": 0.593}, "n_items": 50},
            "feature_correlation_with_J_ext": {"embedding_dist": {"r_legacy": -0.36, "r_correct": 0.40},
                                               "ami2": {"r_legacy": -0.50, "r_correct": -0.80}},
            "most_changed_features": ["embedding_dist", "ami2"]}


def test_pairing_verdict_is_computed_from_the_numbers():
    said = paper_text.pairing_values(pairing_metrics(), 50)["pairing_verdict"]
    assert ("fluctuates a median 4.8 times as much as the correct one (ratio of the sds; 1–5.2 over the 50 runs) and "
            "follows its shape with r = 0.53 (0.1–0.59), so the legacy EEG is another signal") in said
    assert "R² 0.9891 ± 0.0007, MSE 0.034 ± 0.015 pA², against R² 0.9904 ± 0.0007" in said
    # 0.034 - 0.030 = 0.004 < 0.015, the per-fold spread: inside; -0.36 -> +0.40 at n = 50 (|r| >= 0.28): a flip
    assert "a change inside the cross-validation spread" in said and "for: `embedding_dist`." in said
    assert "outside" in paper_text.pairing_values(pairing_metrics(legacy_cv_mse=0.05), 50)["pairing_verdict"]
    # the same correlations over 20 items are noise (|r| < 0.44): no flip is called
    assert said.replace("`embedding_dist`", "no feature").replace("0.28", "0.44") == \
        paper_text.pairing_values(pairing_metrics(), 20)["pairing_verdict"]


def seed_noise_metrics(sd_pA: float, cv_rmse_pA: float = 0.17, n_seeds: int = 11) -> dict:
    """metrics/seed_noise.json of a made-up study 1: n_seeds predictions around 29 pA with this sd."""
    import numpy as np

    from analysis.methods import noise_floor

    z = np.random.default_rng(0).normal(size=n_seeds)
    predicted = 29.0 + sd_pA * (z - z.mean()) / z.std(ddof=1)
    return {"J_ext_pA": 29.0, "cv_pooled_rmse_pA": cv_rmse_pA,
            "predicted_J_ext_pA": noise_floor.prediction_spread(predicted, 29.0, cv_rmse_pA),
            "median_fraction": 0.04, "seed_variance_fraction": {"dfa": 0.01, "ami2": 0.04, "mode_5": 3.2}}


def test_seed_noise_verdict_follows_the_sd_interval():
    """11 seeds pin the sd down to about 0.69-1.75 x its estimate: an sd of 0.15 pA against an RMSE of 0.17 pA
    is 'consistent'; 0.05 pA (interval 0.035-0.088) is below the model's error; 0.5 pA is above it."""
    said = paper_text.seed_noise_values(seed_noise_metrics(0.15))["seed_noise"]
    assert said.startswith("At $J_{\\mathrm{ext}}$ = 29 pA, 11 runs that differ only in the seed give a predicted "
                           "drive of 29 ± 0.15 pA (sd over seeds; 95 % interval of the sd 0.1–0.26 pA), 0.88 × the "
                           "pooled cross-validated RMSE (0.17 pA; interval 0.62–1.5 ×): the interval holds 1, so the "
                           "model's error is consistent with the seed's alone.")
    assert "median 4 % of its variance over the sweep, from 1 % (`dfa`) to 320 % (`mode_5`)" in said
    assert "below the model's error" in paper_text.seed_noise_values(seed_noise_metrics(0.05))["seed_noise"]
    assert "above the model's error" in paper_text.seed_noise_values(seed_noise_metrics(0.5))["seed_noise"]
    # 3 seeds cannot tell 0.05 pA from the RMSE: the interval (0.026-0.31 pA) holds 0.17
    assert "consistent" in paper_text.seed_noise_values(seed_noise_metrics(0.05, n_seeds=3))["seed_noise"]
    assert "3 runs that differ" in paper_text.seed_noise_values(seed_noise_metrics(0.05, n_seeds=3))["seed_noise"]


def test_parameter_table_lists_every_model_parameter():
    params = profile_params("full")
    rows = dict(paper_text.parameter_rows(params))
    assert rows["`network.C_m_pF`"] == "[289.1, 110.7]"
    assert rows["`kernels.synapses.weight_uS`"] == "[[0.00015, 0.000125], [0.0045, 0.002]]"
    assert rows["`eeg.four_sphere.conductivities_S_m`"] == "[0.276, 1.65, 0.01, 0.465]"
    assert rows["`inverse.alpha`"] == "1.0"


def test_fmt_significant_digits():
    assert paper_text.fmt(0.123456) == "0.1235" and paper_text.fmt(29.89) == "29.89" and paper_text.fmt(12.0) == "12"


def study2_metrics(r2: dict[str, float], coverage_error: float = 0.0, n_runs: int = 300) -> dict:
    """metrics/study2.json of a made-up study: Ridge R2 per target, the same for every feature set, NPE coverage
    off its nominal level by coverage_error with the exact binomial interval of n_runs runs."""
    import scipy.stats as st

    levels = ("0.5", "0.8", "0.9", "0.95")

    def interval(q: float) -> list[float]:
        ci = st.binomtest(round(q * n_runs), n_runs).proportion_ci(0.95, method="exact")
        return [ci.low, ci.high]

    point = {t: {"r2_mean": v, "r2_sd": 0.05, "pearson_r_mean": 0.0, "pearson_r_sd": 0.0} for t, v in r2.items()}
    npe = {t: {"r2_posterior_mean": v, "shrinkage_mean": 0.5, "sbc_ks_p": 0.5, "pearson_r": 0.0,
               "posterior_sd_mean": 0.1, "zscore_median": 0.6,
               "coverage": {lv: min(1.0, float(lv) + coverage_error) for lv in levels},
               "coverage_ci": {lv: interval(min(1.0, float(lv) + coverage_error)) for lv in levels}}
           for t, v in r2.items()}
    feature_set = {"ridge": point, "mlp": point, "npe": npe, "n_runs": n_runs,
                   "npe_checks": {"calibration_folds": 5, "tarp_atc": 0.01, "tarp_ks_p": 0.7}}
    curve = {size: {t: {"r2_mean": v, "r2_sd": 0.1} for t, v in r2.items()} for size in ("50", "100")}
    return {"n_draws": 340, "n_accepted": 330, "acceptance_rate": 330 / 340, "n_runaway": 6, "n_silent": 4,
            "n_usable": n_runs, "feature_sets": {name: feature_set for name in ("catch22", "exponent", "both")},
            "calibration_power": {"n_runs": n_runs, "alpha": 0.05, "power": 0.8, "narrower": 0.23, "wider": 0.3,
                                  "grid_end": {"narrower": 0.9, "wider": 3.0}},
            "learning_curve_ridge_both_r2": {"n_test": 30, "n_pool": 270, "repeats": 20, "sizes": curve},
            "noise_floor": {"n_groups": 5, "n_runs": 25, "median_fraction": 0.2,
                            "seed_variance_fraction": {"dfa": 0.05, "ami2": 0.2, "mode_5": 0.9}},
            "spectral_fit_audit": {"n_runs": n_runs, "r2_median": 0.88, "r2_min": 0.71, "error_median": 0.19,
                                   "error_max": 0.31, "scatter_only_error": 0.18, "error_ratio": 0.19 / 0.18},
            "kernel_comparison": {"modes": ["per_draw", "fixed"], "n_runs": n_runs,
                                  "r2": {t: {"per_draw": {"mean": v, "sd": 0.05},
                                             "fixed": {"mean": v - 0.4, "sd": 0.05}} for t, v in r2.items()},
                                  # the per-draw kernels' R2 0.4 higher, resolved run by run only above R2 0.5
                                  "r2_difference": {t: {"difference": 0.4, "low": 0.1 if v > 0.5 else -0.1,
                                                        "high": 0.7} for t, v in r2.items()},
                                  "bootstrap": {"resamples": 2000, "confidence": 0.95}}}


def test_study2_verdicts_are_computed_from_the_numbers():
    study = profile_params("full").study2
    values = paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8, "J_EE_pA": 0.05, "J_II_pA": 0.3}), study)
    said = values["s2_verdicts"]
    assert "R² ≥ 0.5): `J_ext_pA`." in said and "at N = 300 runs (R² < 0.1): `J_EE_pA`." in said
    assert "For 3 of 3 posterior targets every level's 95 % interval" in said and "identifiable" not in said
    # the power sentence carries the metrics' numbers, not a fixed text
    assert ("at N = 300 the rank test (α = 0.05) detects with probability 0.8 a posterior 23 % too narrow and a "
            "posterior 30 % too wide") in said
    # 300 runs: the exact interval at the 50 % level is about +-0.057; coverage 0.2 too high fails every level
    off = paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8}, coverage_error=0.2), study)
    assert "For 0 of 1 posterior targets" in off["s2_verdicts"]
    # 0.02 off is inside the interval at every level (at 95 %: 0.97 in [0.944, 0.986]): consistent with calibration
    close = paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8}, coverage_error=0.02), study)
    assert "For 1 of 1 posterior targets" in close["s2_verdicts"]
    assert values["s2_noise_floor"].startswith("at fixed θ (5 draws simulated with other seeds, 25 runs in all) the "
                                               "seed variance of a feature is a median 20 % of its variance")
    assert "from 5 % (`dfa`) to 90 % (`mode_5`)" in values["s2_noise_floor"]
    kernels = values["s2_kernel_verdict"]
    assert ("each draw's own kernels give a higher R² for `J_ext_pA` and study 1's kernels for no target; for the "
            "other 2 targets the interval holds 0.") in kernels and "300 runs" in kernels and "95 % interval" in kernels
    # J_ext: 0.8 with per-draw kernels, 0.4 with study 1's: recovered through the kernel model only
    assert kernels.endswith("with each draw's own kernels only, so through the kernel model and not the spike "
                            "trains alone: `J_ext_pA`.")
    assert "0.4 [0.1, 0.7]" in values["s2_kernel_table"]
    # the SBC rank test's rejections are named, beside the chance of as many among independent calibrated tests:
    # 1 - 0.95**3 = 0.1426 for at least one of three
    assert "rejects uniform ranks (p < 0.05) for no target." in said
    rejecting = study2_metrics({"J_ext_pA": 0.8, "J_EE_pA": 0.05, "J_II_pA": 0.3})
    rejecting["feature_sets"]["both"] = {**rejecting["feature_sets"]["both"], "npe": {
        target: {**npe, "sbc_ks_p": 0.01 if target == "J_EE_pA" else 0.5}
        for target, npe in rejecting["feature_sets"]["both"]["npe"].items()}}
    assert ("for `J_EE_pA` (p 0.01); were all 3 posteriors calibrated, independent tests would reject at least 1 "
            "with probability 0.14.") in paper_text.study2_values(rejecting, study)["s2_verdicts"]
    demo = paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8}, n_runs=12), study,
                                    demonstration=True)["s2_verdicts"]
    assert "no parameter is called recovered" in demo and "`J_ext_pA`" not in demo and "12 usable runs" in demo
    demo_kernels = paper_text.study2_values(study2_metrics({"J_ext_pA": 0.8}, n_runs=12), study,
                                       demonstration=True)["s2_kernel_verdict"]
    assert "no difference between the kernel modes is called" in demo_kernels and "`J_ext_pA`" not in demo_kernels


def test_the_abstract_names_recovered_parameters_apart_from_rates():
    # a recovered rate or charge is not a recovered parameter: the abstract groups them (docs/model.md §8)
    study = profile_params("full").study2
    r2 = {"J_ext_pA": 0.8, "J_EE_pA": 0.05, "ln_Q_ext_fC": 0.7, "rate_I_Hz": 0.9}
    said = paper_text.study2_values(study2_metrics(r2), study)["s2_abstract"]
    assert ("Recovered (cross-validated R² ≥ 0.5): of the parameters `J_ext_pA`; of what the network sees of them "
            "`ln_Q_ext_fC`; of the run's state `rate_I_Hz`.") in said and "`J_EE_pA`" not in said
    assert "detects with probability 0.8 a posterior 23 % too narrow or 30 % too wide" in said
    nothing = paper_text.study2_values(study2_metrics({"J_EE_pA": 0.05}), study)["s2_abstract"]
    assert "Recovered (cross-validated R² ≥ 0.5): none." in nothing


def test_the_spectral_fit_sentence_judges_the_error_against_a_perfect_models():
    """Near the scatter-only error the fits are as good as the spectra allow; at twice it the model misses."""
    audit = study2_metrics({"J_ext_pA": 0.8})["spectral_fit_audit"]
    near = paper_text.spectral_fit_sentence(audit)
    assert "median R² of 0.88 (lowest 0.71)" in near and "median error of 0.19" in near and "leaves 0.18" in near
    assert "as good as spectra of this length allow" in near and "misfit" not in near
    far = paper_text.spectral_fit_sentence({**audit, "error_median": 0.36, "error_ratio": 2.0})
    assert "2 times that, so the fixed-mode model misses the spectra's shape" in far and "as good as" not in far


def test_a_paper_of_another_profile_says_it_is_a_demonstration_in_title_and_abstract():
    quick = profile_params("quick")
    values = paper_text.profile_values(quick, 12)
    runs = (f"{len(quick.sweep)} runs of {paper_text.fmt(quick.simulation.tstop_ms / 1000)} s in study 1, "
            "12 draws in study 2")
    assert values["title"].endswith(f"demonstration profile quick: {runs}, not the study's results")
    note = values["profile_note"]
    assert note.startswith("**Demonstration profile `quick`") and "not the study's" in note
    assert paper_text.profile_values(profile_params("full"), 150) == {"title": paper_text.TITLE, "profile_note": ""}
    assert paper_text.count(1, "held-out run") == "1 held-out run" and paper_text.count(0, "draw") == "0 draws"


def test_percentages_above_100_are_written_out():
    """The quick profile's power at N = 16 (a posterior 2.7 times too wide) read '2.7e+02 %' before."""
    power = {"n_runs": 16, "alpha": 0.05, "power": 0.8, "narrower": 0.72, "wider": 2.7,
             "grid_end": {"narrower": 0.9, "wider": 3.0}}
    said = paper_text.power_phrase(power)
    assert "a posterior 72 % too narrow and a posterior 270 % too wide" in said and "e+" not in said

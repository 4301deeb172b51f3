"""The paper's text from the pipeline's numbers (docs/model.md; the `paper` stage, analysis/paper.py, fills
paper/paper.template.md with it): every number formatted once, the tables, and the sentences whose verdicts are
computed from the metrics, so that a sentence can claim only what its numbers support at its N.
"""
from __future__ import annotations

import json
import re

from analysis.common import software_versions
from analysis.model import priors
from analysis.model.network import mean_drive_threshold_pA
from analysis.params import Params

PACKAGES = ("nest-simulator", "neuron", "LFPy", "lfpykernels", "lfpykit", "pycatch22", "fooof", "sbi", "zuko", "torch",
            "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "h5py", "dask", "dvc", "pypandoc_binary",
            "typst")


def fmt(value: float, digits: int = 4) -> str:
    """Numbers in the text: `digits` significant digits.

    Parameters
    ----------
    value : float
        The number.
    digits : int
        Significant digits.

    Returns
    -------
    str
    """
    return f"{value:.{digits}g}"


def percent(fraction: float) -> str:
    """A fraction as a percentage with 2 significant digits, never in exponent notation.

    Parameters
    ----------
    fraction : float
        0.031 for 3.1 %.

    Returns
    -------
    str
        The percentage, without the % sign.

    Examples
    --------
    >>> percent(0.0312), percent(0.9), percent(3.2), percent(0.0)
    ('3.1', '90', '320', '0')
    """
    value = 100 * fraction
    return fmt(value, 2) if abs(value) < 100 else f"{value:.0f}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 held-out run', '3 held-out runs'.

    Parameters
    ----------
    n : int
        How many.
    noun : str
        The singular.
    plural : str, optional
        The plural, when it is not noun + 's'.

    Returns
    -------
    str

    Examples
    --------
    >>> count(1, "held-out run"), count(3, "held-out run"), count(2, "draw")
    ('1 held-out run', '3 held-out runs', '2 draws')
    """
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


TITLE = "Inferring the external drive of a two-population LIF network from simulated EEG: a reproducible compendium"


def profile_values(params: Params, n_study2_draws: int) -> dict[str, str]:
    """The title and the abstract's first line: a paper built from another profile than `full` says in both that
    it is a demonstration, with its numbers of runs, not the study's results.

    Parameters
    ----------
    params : Params
        The build's parameters (params.profile).
    n_study2_draws : int
        Study 2's draws in this build.

    Returns
    -------
    dict
        title and profile_note.
    """
    if params.profile == "full":
        return {"title": TITLE, "profile_note": ""}
    runs = (f"{count(len(params.sweep), 'run')} of {fmt(params.simulation.tstop_ms / 1000)} s in study 1, "
            f"{count(n_study2_draws, 'draw')} in study 2")
    return {"title": f"{TITLE} — demonstration profile {params.profile}: {runs}, not the study's results",
            "profile_note": (f"**Demonstration profile `{params.profile}`: {runs}. These are not the study's "
                             "results; they show that the pipeline runs end to end. The study's numbers are those "
                             "of the `full` profile.**\n\n")}


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table.

    Parameters
    ----------
    header : list of str
        Column names.
    rows : list of list
        The cells, row by row (any value; written with str).

    Returns
    -------
    str
        A Markdown (pipe) table.
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def parameter_rows(params: Params) -> list[list[str]]:
    """One row per model parameter of params.yaml (network, simulation, kernels, cdm, eeg, inverse).

    Parameters
    ----------
    params : Params
        The study's parameters.

    Returns
    -------
    list of [str, str]
        Dotted key, value as JSON.
    """
    rows = []

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        else:
            rows.append([f"`{prefix}`", json.dumps(node, ensure_ascii=False)])

    for section in ("network", "simulation", "reference", "kernels", "cdm", "eeg", "features", "inverse", "seeds"):
        walk(section, getattr(params, section).model_dump())
    return rows


def collect_values(params: Params, metrics: dict, kernels_info: dict, head: dict, rates: dict) -> dict[str, str]:
    """Every placeholder's text.

    Parameters
    ----------
    params : Params
        The study's parameters.
    metrics : dict
        metrics/ridge.json.
    kernels_info : dict
        data/kernels/kernels.json.
    head : dict
        data/signals/head_model.json.
    rates : dict
        Sweep key -> [E, I] post-transient rates, spikes/s.

    Returns
    -------
    dict
        Placeholder name -> its text.
    """
    keys = list(params.sweep)
    drives = [params.sweep[key] for key in keys]
    sim, net = params.simulation, params.network
    nearest = head["electrodes"].index(head["nearest_electrode"])
    versions = software_versions(*PACKAGES)
    return {
        "profile": params.profile, "n_items": str(len(keys)), "j_min": fmt(min(drives)), "j_max": fmt(max(drives)),
        "head_model": params.eeg.head_model.replace("_", "-"),
        "test_mse": fmt(metrics["test_mse_pA2"]), "n_test": str(metrics["n_test"]),
        "n_test_runs": count(metrics["n_test"], "held-out run"),
        "test_r2": fmt(metrics["test_r2"]) if metrics["test_r2"] is not None else "n/a",
        "cv_folds": str(metrics["cv_folds"]), "cv_repeats": str(metrics["cv_repeats"]),
        "cv_mse_mean": fmt(metrics["cv_pooled_mse_pA2_mean"]), "cv_mse_sd": fmt(metrics["cv_pooled_mse_pA2_sd"], 2),
        "cv_r2_mean": fmt(metrics["cv_pooled_r2_mean"], 4), "cv_r2_sd": fmt(metrics["cv_pooled_r2_sd"], 2),
        "cv_fold_mse_mean": fmt(metrics["cv_fold_mse_pA2_mean"]),
        "cv_fold_mse_sd": fmt(metrics["cv_fold_mse_pA2_sd"], 2),
        "cv_fold_r2_mean": fmt(metrics["cv_fold_r2_mean"], 3), "cv_fold_r2_sd": fmt(metrics["cv_fold_r2_sd"], 2),
        "n_E": str(net.scaled_population_sizes["E"]),
        "n_I": str(net.scaled_population_sizes["I"]),
        "tstop_s": fmt(sim.tstop_ms / 1000), "dt_ms": fmt(sim.dt_ms), "transient_ms": fmt(sim.transient_ms),
        "seed_simulation": str(params.seeds.simulation), "threads": str(sim.threads),
        "kernel_rates": f"ν_E = {fmt(kernels_info['nu_X_Hz']['E'])}, ν_I = {fmt(kernels_info['nu_X_Hz']['I'])} "
                        "spikes/s",
        "vrest": fmt(kernels_info["Vrest_mV"]), "kernel_provenance": kernels_info["provenance"],
        "pairing": params.cdm.pairing, "decimation": str(params.cdm.decimation_factor),
        "sampling_rate": fmt(params.sampling_rate_Hz),
        "dipole_location": str(params.eeg.dipole_location_mni_mm),
        "nearest_electrode": head["nearest_electrode"], "gain_uv": fmt(abs(head["gain_mV_per_nAum"][nearest]) * 1e10),
        "j_threshold_e": fmt(mean_drive_threshold_pA(params.network, population=0)),
        "alpha": fmt(params.inverse.alpha),
        "train_percent": fmt(100 * (1 - params.inverse.test_fraction)),
        "test_percent": fmt(100 * params.inverse.test_fraction),
        "rate_e_min": fmt(rates[keys[0]][0]), "rate_i_min": fmt(rates[keys[0]][1]),
        "rate_e_max": fmt(rates[keys[-1]][0]), "rate_i_max": fmt(rates[keys[-1]][1]),
        "software_table": markdown_table(["package", "version"], [[k, v] for k, v in versions.items()]),
        "parameter_table": markdown_table(["parameter (params.yaml)", "value"], parameter_rows(params)),
        "rates_table": markdown_table(["item", "J_ext (pA)", "E (spikes/s)", "I (spikes/s)"],
                                      [[key, fmt(params.sweep[key]), fmt(rates[key][0]), fmt(rates[key][1])]
                                       for key in keys]),
    }


# a correlation over the items counts as one when its two-sided p < this (the onset comparison's sign flips)
CORRELATION_ALPHA = 0.05


def significant_r(n: int, alpha: float = CORRELATION_ALPHA) -> float:
    """The smallest |r| of n pairs with two-sided p < alpha (t test of Pearson's r, n - 2 degrees of freedom).

    Parameters
    ----------
    n : int
        Pairs.
    alpha : float
        Two-sided level.

    Returns
    -------
    float
        The critical |r|.

    Examples
    --------
    >>> round(significant_r(50), 3)
    0.279
    """
    import scipy.stats as st

    t = st.t.ppf(1 - alpha / 2, n - 2)
    return float(t / (n - 2 + t**2) ** 0.5)


def seed_noise_values(floor: dict) -> dict[str, str]:
    """Study 1's noise floor (docs/model.md §9) in words: the predicted J_ext over seeds at one point beside the
    cross-validated RMSE, judged by the sd's interval (it claims no more than its number of seeds supports), and
    the seed share of the features' variance.

    Parameters
    ----------
    floor : dict
        metrics/seed_noise.json.

    Returns
    -------
    dict
        seed_noise: the paragraph's sentences.
    """
    spread = floor["predicted_J_ext_pA"]
    low, high = spread["sd_over_cv_rmse_interval"]
    if low <= 1 <= high:
        verdict = "the interval holds 1, so the model's error is consistent with the seed's alone"
    elif high < 1:
        verdict = "below the model's error: part of that error is the model's, not the seed's"
    else:
        verdict = "above the model's error over the sweep: at this point the seed moves the prediction more"
    fractions = {name: value for name, value in floor["seed_variance_fraction"].items() if value == value}
    least, most = min(fractions, key=fractions.get), max(fractions, key=fractions.get)
    sentence = (
        rf"At $J_{{\mathrm{{ext}}}}$ = {fmt(floor['J_ext_pA'])} pA, {count(spread['n_seeds'], 'run')} that differ "
        f"only in the seed give a predicted drive of {fmt(spread['mean'])} ± {fmt(spread['sd'], 2)} pA (sd over seeds; "
        f"{fmt(100 * spread['confidence'], 2)} % interval of the sd {fmt(spread['sd_interval'][0], 2)}–"
        f"{fmt(spread['sd_interval'][1], 2)} pA), {fmt(spread['sd_over_cv_rmse'], 2)} × the pooled cross-validated "
        f"RMSE ({fmt(floor['cv_pooled_rmse_pA'], 2)} pA; interval {fmt(low, 2)}–{fmt(high, 2)} ×): {verdict}. "
        f"A feature's variance over these seeds is a median {percent(floor['median_fraction'])} % of its "
        f"variance over the sweep, from {percent(fractions[least])} % (`{least}`) to "
        f"{percent(fractions[most])} % (`{most}`).")
    return {"seed_noise": sentence}


def legacy_verdicts(legacy: dict, own: dict, comparison: dict, option: str, n_items: int
                    ) -> tuple[str, list[str], float]:
    """What a legacy option did, from the numbers of a comparison stage (docs/model.md §3).

    Parameters
    ----------
    legacy, own : dict
        The Ridge metrics under the legacy option and the study's own.
    comparison : dict
        The comparison's metrics (feature_correlation_with_J_ext, most_changed_features).
    option : str
        The study's own option's label in the correlations ("steady", "correct").
    n_items : int
        Sweep items behind the correlations.

    Returns
    -------
    cv_verdict : str
        "inside" when the pooled CV MSE moves by no more than the larger per-fold sd (the sampling spread of a
        fold's MSE), else "outside".
    flipped : list of str
        The most changed features whose relation to the drive changes sign with both correlations significant.
    r_crit : float
        The smallest significant |r| at n_items (two-sided p < 0.05).
    """
    cv_change = own["cv_pooled_mse_pA2_mean"] - legacy["cv_pooled_mse_pA2_mean"]
    spread = max(own["cv_fold_mse_pA2_sd"], legacy["cv_fold_mse_pA2_sd"])
    r_crit = significant_r(n_items)
    correlations = comparison["feature_correlation_with_J_ext"]
    flipped = [name for name in comparison["most_changed_features"]
               if correlations[name]["r_legacy"] * correlations[name][f"r_{option}"] < 0
               and min(abs(correlations[name]["r_legacy"]), abs(correlations[name][f"r_{option}"])) >= r_crit]
    return ("inside" if abs(cv_change) <= spread else "outside"), flipped, r_crit


def pairing_values(comparison: dict, n_items: int) -> dict[str, str]:
    """The kernel pairing comparison (docs/model.md §3) as one sentence computed from its numbers.

    Parameters
    ----------
    comparison : dict
        metrics/pairing_comparison.json.
    n_items : int
        Sweep items behind the correlations.

    Returns
    -------
    dict
        pairing_verdict: its text.
    """
    legacy, correct = comparison["pairings"]["legacy"], comparison["pairings"]["correct"]
    cdms = comparison["cdm_legacy_vs_correct"]
    size, shape = cdms["sd_ratio"], cdms["pearson_r"]
    cv_verdict, flipped, r_crit = legacy_verdicts(legacy, correct, comparison, "correct", n_items)

    def scores(m: dict) -> str:
        return (f"R² {fmt(m['cv_pooled_r2_mean'], 4)} ± {fmt(m['cv_pooled_r2_sd'], 2)}, MSE "
                f"{fmt(m['cv_pooled_mse_pA2_mean'])} ± {fmt(m['cv_pooled_mse_pA2_sd'], 2)} pA²")

    return {"pairing_verdict": (
        f"Through the same chain (stage `compare_pairings`), the legacy CDM of a run fluctuates a median "
        f"{fmt(size['median'], 2)} times as much as the correct one (ratio of the sds; {fmt(size['min'], 2)}–"
        f"{fmt(size['max'], 2)} over the {cdms['n_items']} runs) and follows its shape with r = "
        f"{fmt(shape['median'], 2)} ({fmt(shape['min'], 2)}–{fmt(shape['max'], 2)}), so the legacy EEG is another "
        f"signal than the network's, not a rescaled one. Refitted on the legacy features, the Ridge regression "
        f"scores pooled CV "
        f"{scores(legacy)}, against {scores(correct)} with the correct pairing, a change {cv_verdict} the "
        f"cross-validation spread; the relation to the drive changes sign, with both correlations significant "
        f"(|r| ≥ {fmt(r_crit, 2)}), for: {', '.join(f'`{name}`' for name in flipped) if flipped else 'no feature'}.")}


def onset_values(comparison: dict, main_onset: str, n_items: int) -> dict[str, str]:
    """The onset comparison (docs/model.md §3) as text: tables of both onsets and a verdict computed from the
    numbers; a feature's relation to the drive flips only when both correlations are significant.

    Parameters
    ----------
    comparison : dict
        metrics/onset_comparison.json.
    main_onset : str
        cdm.onset, the study's onset.
    n_items : int
        Sweep items behind the correlations.

    Returns
    -------
    dict
        Placeholder name -> its text.
    """
    onsets = comparison["onsets"]
    legacy, steady = onsets["legacy"], onsets["steady"]
    rows = [[name, fmt(m["test_mse_pA2"]), f"{fmt(m['cv_pooled_mse_pA2_mean'])} ± {fmt(m['cv_pooled_mse_pA2_sd'], 2)}",
             f"{fmt(m['cv_pooled_r2_mean'], 4)} ± {fmt(m['cv_pooled_r2_sd'], 2)}", fmt(m["onset_peak_abs_z_max"], 3)]
            for name, m in (("legacy (original tutorial)", legacy), ("steady state (this study)", steady))]
    correlations = comparison["feature_correlation_with_J_ext"]
    feature_rows = [[f"`{name}`", fmt(correlations[name]["r_legacy"], 2), fmt(correlations[name]["r_steady"], 2)]
                    for name in comparison["most_changed_features"]]
    cv_verdict, flipped, r_crit = legacy_verdicts(legacy, steady, comparison, "steady", n_items)
    return {
        "onset": main_onset, "onset_history_ms": fmt(comparison["history_ms"]),
        "onset_window_ms": fmt(comparison["onset_window_ms"]),
        "legacy_peak_z": fmt(legacy["onset_peak_abs_z_max"], 3),
        "steady_peak_z": fmt(steady["onset_peak_abs_z_max"], 3),
        "legacy_test_mse": fmt(legacy["test_mse_pA2"]), "steady_test_mse": fmt(steady["test_mse_pA2"]),
        "legacy_cv_mse": f"{fmt(legacy['cv_pooled_mse_pA2_mean'])} ± {fmt(legacy['cv_pooled_mse_pA2_sd'], 2)}",
        "steady_cv_mse": f"{fmt(steady['cv_pooled_mse_pA2_mean'])} ± {fmt(steady['cv_pooled_mse_pA2_sd'], 2)}",
        "onset_cv_verdict": cv_verdict,
        "onset_flipped_features": (", ".join(f"`{name}`" for name in flipped) if flipped else "none"),
        "onset_r_crit": fmt(r_crit, 2),
        "onset_table": markdown_table(["CDM onset", "test MSE (pA²)", "pooled CV MSE (pA²)", "pooled CV R²",
                                       f"max abs z, first {fmt(comparison['onset_window_ms'])} ms"], rows),
        "onset_features_table": markdown_table(["feature", "r with J_ext, legacy", "r with J_ext, steady"],
                                               feature_rows),
    }


# A parameter counts as recovered when the cross-validated R2 of the best point estimate reaches this, and as
# not recovered at this N below NOT_RECOVERED_R2 (docs/model.md §8); coverage is consistent with calibration when
# every level's 95 % Clopper-Pearson interval holds the nominal level.
RECOVERED_R2, NOT_RECOVERED_R2 = 0.5, 0.1


def study2_values(metrics: dict, study, demonstration: bool = False) -> dict[str, str]:
    """Study 2's section (docs/model.md §8) as text: per-target recovery and calibration, the power of the
    calibration test, and verdicts computed from the numbers.

    Parameters
    ----------
    metrics : dict
        metrics/study2.json.
    study : Study2
        params.study2.
    demonstration : bool
        A profile other than full: no verdicts.

    Returns
    -------
    dict
        Placeholder name -> its text.
    """
    sets = metrics["feature_sets"]
    both = sets["both"]
    levels = [str(level) for level in study.coverage_levels]
    n_runs = both["n_runs"]
    rows, recovered, not_recovered, calibrated, n_posterior = [], [], [], 0, 0
    for target in both["ridge"]:
        best = max(sets[name][kind][target]["r2_mean"] for name in sets for kind in ("ridge", "mlp"))
        (recovered if best >= RECOVERED_R2 else not_recovered if best < NOT_RECOVERED_R2 else []).append(target)
        rmse = both["ridge"][target].get("rmse_mean")
        row = ([f"`{target}`"] + [f"{fmt(sets[name]['ridge'][target]['r2_mean'], 2)} ± "
                                  f"{fmt(sets[name]['ridge'][target]['r2_sd'], 2)}" for name in sets]
               + [fmt(rmse, 3) if rmse is not None else "–", fmt(both["mlp"][target]["r2_mean"], 2)])
        npe = both["npe"].get(target)   # the targets that need a run's rates have no posterior
        if npe is None:
            rows.append(row + ["–"] * (4 + len(levels)))
            continue
        n_posterior += 1
        calibrated += all(npe["coverage_ci"][level][0] <= float(level) <= npe["coverage_ci"][level][1]
                          for level in levels)
        rows.append(row + [fmt(npe["r2_posterior_mean"], 2), fmt(npe["posterior_sd_mean"], 3),
                           fmt(npe["shrinkage_mean"], 2), fmt(npe["sbc_ks_p"], 2)]
                    + [fmt(npe["coverage"][level], 2) for level in levels])
    header = (["target"] + [f"Ridge R², {name}" for name in sets] + ["Ridge RMSE, both", "MLP R², both",
                                                                      "NPE R², both", "posterior sd", "shrinkage",
                                                                      "SBC KS p"]
              + [f"coverage {float(level):.0%}" for level in levels])
    curve = metrics["learning_curve_ridge_both_r2"]
    sizes = sorted(curve["sizes"], key=int)
    curve_rows = [[f"`{target}`"] + [f"{fmt(curve['sizes'][size][target]['r2_mean'], 2)} ± "
                                     f"{fmt(curve['sizes'][size][target]['r2_sd'], 2)}" for size in sizes]
                  for target in both["ridge"]]
    listed = {name: ", ".join(f"`{t}`" for t in targets) or "none"
              for name, targets in (("recovered", recovered), ("not", not_recovered))}
    power = metrics["calibration_power"]
    checks = both["npe_checks"]
    return {
        "s2_n_draws": str(metrics["n_draws"]), "s2_n_accepted": str(metrics["n_accepted"]),
        "s2_acceptance": fmt(100 * metrics["acceptance_rate"], 3),
        "s2_check_interval_ms": fmt(study.early_stop.check_interval_ms),
        "s2_n_runaway": str(metrics["n_runaway"]), "s2_n_silent": str(metrics["n_silent"]),
        "s2_n_usable": str(metrics["n_usable"]), "s2_n_runs": count(n_runs, "usable run"),
        "s2_calibration_folds": str(checks["calibration_folds"]), "s2_tstop_s": fmt(study.tstop_ms / 1000),
        "s2_npe_settings": (f"a {ESTIMATOR_WORDS[study.npe.density_estimator]} of {study.npe.num_transforms} "
                            f"transforms × {study.npe.hidden_features} hidden units"
                            + (", learnt in the logit space of the prior's box"
                               if study.npe.z_score_theta == "transform_to_unconstrained" else "")),
        "s2_feature_transform": study.feature_transform.replace("_", "-"),
        "s2_verdicts": study2_verdicts(listed, calibrated, n_posterior, n_runs, power, checks, demonstration,
                                       ks_p={target: npe["sbc_ks_p"] for target, npe in both["npe"].items()}),
        "s2_table": markdown_table(header, rows),
        "s2_curve_n_test": count(curve["n_test"], "fixed test run"), "s2_curve_repeats": str(curve["repeats"]),
        "s2_curve_table": markdown_table(["target"] + [f"{size} runs" for size in sizes], curve_rows),
        **kernel_values(metrics["kernel_comparison"], demonstration),
        "s2_abstract": study2_abstract(recovered, n_runs, metrics["n_draws"], power, demonstration),
        "s2_noise_floor": noise_floor_sentence(metrics["noise_floor"]),
        "s2_spectral_fit": spectral_fit_sentence(metrics["spectral_fit_audit"]),
    }


def noise_floor_sentence(floor: dict) -> str:
    """The noise floor (docs/model.md §8) in words: the features' seed variance at fixed theta.

    Parameters
    ----------
    floor : dict
        metrics/study2.json's noise_floor.

    Returns
    -------
    str
    """
    if not floor["n_groups"]:
        return "no replicate run was usable, so the seed noise of the features is not measured here."
    fractions = {name: value for name, value in floor["seed_variance_fraction"].items() if value == value}
    low, high = min(fractions, key=fractions.get), max(fractions, key=fractions.get)
    return (f"at fixed θ ({count(floor['n_groups'], 'draw')} simulated with other seeds, {floor['n_runs']} runs in "
            f"all) the seed variance of a feature is a median {percent(floor['median_fraction'])} % of its "
            f"variance over the study's runs, from {percent(fractions[low])} % (`{low}`) to "
            f"{percent(fractions[high])} % (`{high}`); a feature near 100 % says nothing of θ from one trace.")


# a median fit error within this factor of a perfect power law's on the same traces counts as "near" it
# (docs/model.md §8, the spectral fits' audit)
NEAR_SCATTER_RATIO = 1.25


def spectral_fit_sentence(audit: dict) -> str:
    """The spectral fits' audit (docs/model.md §8) in words: fooof's R^2 and error against the scatter-only error.

    Parameters
    ----------
    audit : dict
        metrics/study2.json's spectral_fit_audit (study2_inverse.spectral_fit_audit).

    Returns
    -------
    str
    """
    ratio = audit["error_ratio"]
    verdict = ("so the fits are about as good as spectra of this length allow" if ratio <= NEAR_SCATTER_RATIO else
               f"{fmt(ratio, 2)} times that, so the fixed-mode model misses the spectra's shape and the exponent "
               f"partly measures the misfit")
    return (f"The spectral fits explain a median R² of {fmt(audit['r2_median'], 2)} (lowest "
            f"{fmt(audit['r2_min'], 2)}) of the log power, with a median error of {fmt(audit['error_median'], 2)} in "
            f"log10 power; an exact power law leaves {fmt(audit['scatter_only_error'], 2)} on traces of the same "
            f"length, the Welch estimate's own scatter, {verdict}.")


def study2_abstract(recovered: list[str], n_runs: int, n_draws: int, power: dict, demonstration: bool) -> str:
    """Study 2 in the abstract: what was recovered at this N, grouped, and what the calibration test could detect.

    The targets are of three kinds (docs/model.md §8): the seven parameters themselves, what the network sees of
    them (charges per spike, E/I_net, tau_syn_E given the drive), and what needs the run's rates; the abstract
    names them apart, so that a recovered rate is not read as a recovered parameter.

    Parameters
    ----------
    recovered : list of str
        The targets with the best cross-validated R^2 >= RECOVERED_R2.
    n_runs : int
        Usable runs.
    n_draws : int
        Draws.
    power : dict
        metrics/study2.json's calibration_power.
    demonstration : bool
        A profile other than full.

    Returns
    -------
    str
    """
    head = (f"Study 2 draws seven network parameters from a prior in the network's working regime "
            f"({count(n_draws, 'draw')}, {count(n_runs, 'usable run')}) and asks which of them EEG features recover")
    if demonstration:
        return f"{head}; at this profile's N it demonstrates the machinery only."
    kinds = (("of the parameters", lambda t: t in priors.PARAMETERS),
             ("of what the network sees of them", lambda t: t not in priors.PARAMETERS + priors.RATE_TARGETS),
             ("of the run's state", lambda t: t in priors.RATE_TARGETS))
    groups = [f"{words} {', '.join(f'`{t}`' for t in recovered if belongs(t))}"
              for words, belongs in kinds if any(belongs(t) for t in recovered)]
    found = "; ".join(groups) if groups else "none"
    narrow, wide = power["narrower"], power["wider"]
    detect = (f"whose rank test at this N detects with probability {fmt(power['power'], 2)} a posterior "
              f"{percent(narrow)} % too narrow" + (f" or {percent(wide)} % too wide" if wide == wide else "")
              if narrow == narrow else "whose rank test at this N detects no width error on its grid")
    return (f"{head}. Recovered (cross-validated R² ≥ {fmt(RECOVERED_R2)}): {found}. The NPE "
            f"posteriors of every run, cross-fitted, are checked by simulation-based calibration, {detect}.")


# how the paper names each kernel mode (docs/model.md §8), and why the study would stand on it
KERNEL_WORDS = {"per_draw": "each draw's own kernels", "fixed": "study 1's kernels"}
KERNEL_WHY = {
    "per_draw": ("each draw's own kernels (the multicompartment synapses scaled to its weights and time constants, "
                 "g_eff at its own rates), because a draw's synapses shape the dipole each spike makes, not only the "
                 "spike trains"),
    "fixed": ("study 1's kernels for every draw, so that a draw's weights and time constants reach the EEG only "
              "through the spike trains"),
}

# how the paper names sbi's density estimators (study2.npe.density_estimator)
ESTIMATOR_WORDS = {"maf": "masked autoregressive flow", "zuko_maf": "masked autoregressive flow",
                   "nsf": "neural spline flow", "zuko_nsf": "neural spline flow", "mdn": "mixture density network"}

# what a target recovered with one kernel mode only tells (docs/model.md §8)
KERNEL_ONLY_MEANS = {
    "per_draw": "so through the kernel model and not the spike trains alone",
    "fixed": "so from the spike trains, masked when each draw's synapses also shape its dipoles",
}


def kernel_values(comparison: dict, demonstration: bool = False) -> dict[str, str]:
    """The kernel comparison's sentence and table (docs/model.md §8).

    Parameters
    ----------
    comparison : dict
        metrics/study2.json's kernel_comparison.
    demonstration : bool
        A demonstration profile: the table, and a sentence that calls no difference and nothing recovered.

    Returns
    -------
    dict
        s2_kernels_why, s2_kernel_n_runs, s2_kernel_table, s2_kernel_verdict (which targets the paired
        bootstrap's interval of the R² difference puts on either side of 0).
    """
    modes = comparison["modes"]
    differences = comparison["r2_difference"]
    rows = [[f"`{target}`"] + [f"{fmt(values[mode]['mean'], 2)} ± {fmt(values[mode]['sd'], 2)}" for mode in modes]
            + [f"{fmt(differences[target]['difference'], 2)} [{fmt(differences[target]['low'], 2)}, "
               f"{fmt(differences[target]['high'], 2)}]"]
            for target, values in comparison["r2"].items()]
    level = percent(comparison["bootstrap"]["confidence"])
    verdict = (f"With {count(comparison['n_runs'], 'usable run')} (a demonstration profile) the comparison shows "
               f"the machinery only: no difference between the kernel modes is called." if demonstration
               else kernel_verdict(comparison))
    header = ["target"] + [f"Ridge R², {KERNEL_WORDS[mode]}" for mode in modes] + [
        f"difference, run by run [{level} % interval]"]
    return {"s2_kernels_why": KERNEL_WHY[modes[0]], "s2_kernel_n_runs": count(comparison["n_runs"], "usable run"),
            "s2_kernel_table": markdown_table(header, rows), "s2_kernel_verdict": verdict}


def kernel_verdict(comparison: dict) -> str:
    """Which targets the paired bootstrap's interval of the R² difference puts on either side of 0, and which are
    recovered with one kernel mode only (docs/model.md §8).

    Parameters
    ----------
    comparison : dict
        metrics/study2.json's kernel_comparison.

    Returns
    -------
    str
    """
    modes, differences = comparison["modes"], comparison["r2_difference"]
    first, second = (KERNEL_WORDS[mode] for mode in modes)
    higher = {side: [f"`{t}`" for t, d in differences.items() if (d["low"] > 0 if side == "first" else d["high"] < 0)]
              for side in ("first", "second")}
    level = percent(comparison["bootstrap"]["confidence"])
    recovered = {mode: {t for t, values in comparison["r2"].items() if values[mode]["mean"] >= RECOVERED_R2}
                 for mode in modes}
    only = {mode: ", ".join(f"`{t}`" for t in sorted(recovered[mode] - recovered[other]))
            for mode, other in (modes, modes[::-1])}
    only_sentence = "".join(f" Recovered (R² ≥ {fmt(RECOVERED_R2)}) with {KERNEL_WORDS[mode]} only, "
                            f"{KERNEL_ONLY_MEANS[mode]}: {only[mode]}." for mode in modes if only[mode])
    unresolved = len(differences) - len(higher["first"]) - len(higher["second"])
    return (f"Run by run (the difference's {level} % interval from a paired bootstrap over the "
            f"{count(comparison['n_runs'], 'run')}, each resample scored with every CV repeat), "
            f"{first} give a higher R² for {', '.join(higher['first']) or 'no target'} and {second} for "
            f"{', '.join(higher['second']) or 'no target'}; for the other {count(unresolved, 'target')} the "
            f"interval holds 0.{only_sentence}")


def power_phrase(power: dict) -> str:
    """What the rank test can detect at this N, in words (NaN: nothing up to the grid's end).

    Parameters
    ----------
    power : dict
        metrics/study2.json's calibration_power.

    Returns
    -------
    str
    """
    def part(error: float, word: str, grid_end: float) -> str:
        if error == error:
            return f"a posterior {percent(error)} % too {word}"
        return f"no posterior up to {percent(grid_end)} % too {word}"
    return (f"at N = {power['n_runs']} the rank test (α = {fmt(power['alpha'])}) detects with probability "
            f"{fmt(power['power'])} {part(power['narrower'], 'narrow', power['grid_end']['narrower'])} and "
            f"{part(power['wider'], 'wide', power['grid_end']['wider'])}")


def rank_test_rejections(ks_p: dict[str, float], alpha: float) -> str:
    """Which targets' SBC rank test rejects uniform ranks, and how often that many rejections happen by chance.

    Were every posterior calibrated, each test would reject with probability alpha, so the number of rejections
    among n independent tests is Binomial(n, alpha); the targets' tests are not independent, so the sentence says
    "independent".

    Parameters
    ----------
    ks_p : dict
        Posterior target -> its SBC KS p-value.
    alpha : float
        The test's level.

    Returns
    -------
    str
    """
    import scipy.stats

    rejected = [f"`{target}` (p {fmt(p, 2)})" for target, p in ks_p.items() if p < alpha]
    if not rejected:
        return f"The rank test rejects uniform ranks (p < {fmt(alpha)}) for no target."
    chance = scipy.stats.binom.sf(len(rejected) - 1, len(ks_p), alpha)
    return (f"The rank test rejects uniform ranks (p < {fmt(alpha)}) for {', '.join(rejected)}; were all "
            f"{len(ks_p)} posteriors calibrated, independent tests would reject at least {len(rejected)} with "
            f"probability {fmt(chance, 2)}.")


def study2_verdicts(listed: dict[str, str], n_calibrated: int, n_targets: int, n_runs: int, power: dict,
                    checks: dict, demonstration: bool, ks_p: dict[str, float] | None = None) -> str:
    """Study 2's verdict sentences. Claims are about these runs ("not recovered at N"), never about the model in
    general, and say what the calibration test could detect; a demonstration profile makes none.

    Parameters
    ----------
    listed : dict
        recovered and not: the targets as text.
    n_calibrated : int
        Posterior targets whose coverage intervals hold every nominal level.
    n_targets : int
        Posterior targets.
    n_runs : int
        Usable runs.
    power : dict
        metrics/study2.json's calibration_power.
    checks : dict
        The feature set's npe_checks (TARP).
    demonstration : bool
        A profile other than full: no verdicts.
    ks_p : dict, optional
        Posterior target -> its SBC KS p-value (the rejections are named).

    Returns
    -------
    str
    """
    if demonstration:
        return (f"With {count(n_runs, 'usable run')} (a demonstration profile) these numbers show the machinery "
                f"only: no parameter is called recovered or not, and {power_phrase(power)}.")
    return (f"Recovered (best cross-validated R² ≥ {fmt(RECOVERED_R2)}): {listed['recovered']}. Not recovered "
            f"from these features at N = {n_runs} runs (R² < {fmt(NOT_RECOVERED_R2)}): {listed['not']}. "
            f"For {n_calibrated} of {n_targets} posterior targets every level's 95 % interval of the coverage holds "
            f"the nominal level; TARP's area to the diagonal is {fmt(checks['tarp_atc'], 2)} (KS p "
            f"{fmt(checks['tarp_ks_p'], 2)}); {power_phrase(power)}, so a calibration error smaller than that "
            "would pass unseen." + (" " + rank_test_rejections(ks_p, power["alpha"]) if ks_p else ""))


def fill(template: str, values: dict[str, str]) -> str:
    """Replace every {{name}}; an unknown or unused name is an error, not a silent blank.

    Parameters
    ----------
    template : str
        Text with {{name}} placeholders.
    values : dict
        name -> text.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        A placeholder without a value, or a value without a placeholder.
    """
    names = set(re.findall(r"\{\{(\w+)\}\}", template))
    missing, unused = sorted(names - set(values)), sorted(set(values) - names)
    if missing or unused:
        raise KeyError(f"paper template placeholders without a value: {missing}; values without a place: {unused}")
    return re.sub(r"\{\{(\w+)\}\}", lambda match: values[match.group(1)], template)

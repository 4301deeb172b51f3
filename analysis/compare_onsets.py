"""What the original tutorial's CDM onset artefact did to the study (docs/model.md §3): both onsets side by side.

Usage: python -m analysis.compare_onsets

For each onset, legacy (counts start at the transient: the CDM ramps up from 0) and steady (counts start
cdm.history_ms earlier; only steady-state samples are kept), the whole chain after the simulations is computed
with the pipeline's own functions and inputs: the same kernels, the head model's gain (data/signals), catch22
and the Ridge evaluation with the same seeds. Nothing is typed by hand; the steady column equals the main
pipeline's results when cdm.onset is steady, the legacy column when it is legacy.

Writes
  metrics/onset_comparison.json  per onset: test MSE, CV MSE mean ± sd, CV R², the largest |z| of the EEG's
                                 first kernels.tau_ms (onset_window_ms); per feature: Pearson r with J_ext
                                 under each onset and its change; the features that changed most (DVC metrics)
  data/onset_comparison/features_{legacy,steady}.csv   the catch22 table of each onset (as data/features)
  data/onset_comparison/onset_examples.npz   cdm_legacy, cdm_steady (item, sample) of figures.example_keys,
                                 their first figures.example_samples samples, for the figure of the artefact
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import format_eta, get_logger, load_npz, log_io, save_npz, write_json
from analysis.methods import legacy, onsets
from analysis.model import cdm, forward
from analysis.params import load_params


def main() -> int:
    logger = get_logger("compare_onsets")
    start = time.perf_counter()
    params = load_params()
    keys = list(params.sweep)
    drives = [float(params.sweep[key]) for key in keys]
    gain, nearest, head = data.read_head_gain(data.HEAD_MODEL_FILE)
    kernel_source = forward.KernelSource(params, data.KERNELS_FILE)
    sampling_rate_Hz = params.sampling_rate_Hz
    # the artefact lives where a legacy CDM lacks spikes: the kernels' causal support after its first sample
    onset_window_ms = params.kernels.tau_ms
    window = int(round(onset_window_ms * sampling_rate_Hz / 1000.0))
    example_keys, n_example = params.figures.example_keys, params.figures.example_samples

    eeg = {onset: [] for onset in cdm.ONSETS}
    examples = {onset: [] for onset in cdm.ONSETS}
    for i, key in enumerate(keys):
        simulation = load_npz(data.simulation_file(key))
        item_kernels = kernel_source.for_item(simulation)
        for onset in cdm.ONSETS:
            signals = forward.item_signals(simulation, item_kernels, params, gain, onset=onset)
            eeg[onset].append(signals["eeg_all"][nearest])
            if key in example_keys:
                examples[onset].append(signals["cdm"][:n_example])
        logger.info("signals of item %d/%d %s, both onsets; %s", i + 1, len(keys), key,
                    format_eta(i + 1, len(keys), time.perf_counter() - start))

    results, tables = {}, {}
    for onset in cdm.ONSETS:
        tables[onset], results[onset] = legacy.evaluate_traces(eeg[onset], keys, drives, params)
        peaks = [onsets.onset_peak_z(trace, window) for trace in eeg[onset]]
        results[onset].update(onset_peak_abs_z_median=float(np.nanmedian(peaks)),
                              onset_peak_abs_z_max=float(np.nanmax(peaks)))
        metrics = results[onset]
        logger.info("%s onset: test MSE %.4g pA², pooled CV MSE %.4g ± %.2g pA², R² %.3f; EEG's first %g ms: "
                    "max |z| %.1f", onset, metrics["test_mse_pA2"], metrics["cv_pooled_mse_pA2_mean"],
                    metrics["cv_pooled_mse_pA2_sd"], metrics["cv_pooled_r2_mean"], onset_window_ms,
                    results[onset]["onset_peak_abs_z_max"])

    correlations = legacy.feature_correlations(tables)
    changed = legacy.most_changed(correlations)
    logger.info("features whose relation to J_ext changed most: %s", ", ".join(
        f"{name} r {correlations[name]['r_legacy']:+.2f} -> {correlations[name]['r_steady']:+.2f}" for name in changed))
    with common.atomic_dir(data.ONSET_COMPARISON_DIR) as folder:      # the whole folder or nothing
        for onset in cdm.ONSETS:
            data.write_csv(tables[onset], folder / f"features_{onset}.csv")
        save_npz(folder / data.ONSET_EXAMPLES_FILE.name, keys=np.array(example_keys),
                 sampling_rate_Hz=np.float64(sampling_rate_Hz),
                 **{f"cdm_{onset}": np.array(examples[onset], dtype=np.float32) for onset in cdm.ONSETS})
    write_json(data.ONSET_METRICS, {"onsets": results, "feature_correlation_with_J_ext": correlations,
                                    "most_changed_features": changed, "onset_window_ms": onset_window_ms,
                                    "history_ms": params.cdm.history_ms, "head_model": head["head_model"],
                                    "electrode": head["nearest_electrode"]})
    log_io(logger, read=["params.yaml", data.KERNELS_FILE, data.HEAD_MODEL_FILE,
                         f"{data.SIMULATIONS_DIR}/*.npz ({len(keys)} items)"],
           wrote=[data.ONSET_METRICS, data.ONSET_EXAMPLES_FILE,
                  *(data.ONSET_COMPARISON_DIR / f"features_{onset}.csv" for onset in cdm.ONSETS)])
    logger.info("stage compare_onsets took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

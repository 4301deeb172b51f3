"""What the original tutorial's kernel pairing bug did to the study (docs/model.md §3): both pairings side by side.

Usage: python -m analysis.compare_pairings

For each pairing, correct (each pathway X -> Y convolves the spikes of its presynaptic population X with
H_{Y<-X}) and legacy (the tutorial's post:pre look-up: the two off-diagonal pathways convolve the other
population's spikes), the whole chain after the simulations is computed with the pipeline's own functions and
inputs: the same kernels, head model, catch22 and the Ridge evaluation with the same seeds, and the study's onset
(cdm.onset). The column of the study's own pairing equals the main pipeline's results.

Writes
  metrics/pairing_comparison.json  per pairing: test MSE, CV MSE and R² (pooled and per fold); how far each
                                   run's legacy CDM is from its correct one (the ratio of their sds, and Pearson
                                   r: the shape catch22 sees after z-scoring); per feature: Pearson r with J_ext
                                   under each pairing and its change; the features that changed most (DVC metrics)
  data/pairing_comparison/features_{correct,legacy}.csv   the catch22 table of each pairing (as data/features)
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import format_eta, get_logger, load_npz, log_io, write_json
from analysis.methods import cross_validation, legacy
from analysis.model import cdm, forward
from analysis.params import load_params


def main() -> int:
    logger = get_logger("compare_pairings")
    start = time.perf_counter()
    params = load_params()
    keys = list(params.sweep)
    drives = [float(params.sweep[key]) for key in keys]
    gain, nearest, head = data.read_head_gain(data.HEAD_MODEL_FILE)
    kernel_source = forward.KernelSource(params, data.KERNELS_FILE)
    # the same parameters but for the pairing: item_signals takes cdm.pairing from them
    with_pairing = {pairing: params.with_changes({"cdm": {"pairing": pairing}}, source=f"cdm.pairing {pairing}")
                    for pairing in cdm.PAIRINGS}

    # 1. Each run's CDM and EEG under both pairings; how far apart the two CDMs are
    eeg = {pairing: [] for pairing in cdm.PAIRINGS}
    size_ratio, shape_r = [], []
    for i, key in enumerate(keys):
        simulation = load_npz(data.simulation_file(key))
        item_kernels = kernel_source.for_item(simulation)
        signals = {pairing: forward.item_signals(simulation, item_kernels, with_pairing[pairing], gain)
                   for pairing in cdm.PAIRINGS}
        for pairing in cdm.PAIRINGS:
            eeg[pairing].append(signals[pairing]["eeg_all"][nearest])
        size_ratio.append(legacy.fluctuation_ratio(signals["legacy"]["cdm"], signals["correct"]["cdm"]))
        shape_r.append(cross_validation.pearson_r(signals["legacy"]["cdm"].astype(np.float64),
                                                  signals["correct"]["cdm"].astype(np.float64)))
        logger.info("signals of item %d/%d %s, both pairings: legacy CDM's sd %.2f × the correct one's, r %.3f; %s",
                    i + 1, len(keys), key, size_ratio[-1], shape_r[-1],
                    format_eta(i + 1, len(keys), time.perf_counter() - start))

    # 2. Features and the Ridge evaluation of each pairing, with the main pipeline's settings and seed
    results, tables = {}, {}
    for pairing in cdm.PAIRINGS:
        tables[pairing], results[pairing] = legacy.evaluate_traces(eeg[pairing], keys, drives, params)
        metrics = results[pairing]
        logger.info("%s pairing: test MSE %.4g pA², pooled CV MSE %.4g ± %.2g pA², R² %.4f", pairing,
                    metrics["test_mse_pA2"], metrics["cv_pooled_mse_pA2_mean"], metrics["cv_pooled_mse_pA2_sd"],
                    metrics["cv_pooled_r2_mean"])

    # 3. What changed: the features' relation to the drive
    correlations = legacy.feature_correlations(tables)
    changed = legacy.most_changed(correlations)
    logger.info("features whose relation to J_ext changed most: %s", ", ".join(
        f"{name} r {correlations[name]['r_legacy']:+.2f} -> {correlations[name]['r_correct']:+.2f}"
        for name in changed))
    with common.atomic_dir(data.PAIRING_COMPARISON_DIR) as folder:      # the whole folder or nothing
        for pairing in cdm.PAIRINGS:
            data.write_csv(tables[pairing], folder / f"features_{pairing}.csv")
    write_json(data.PAIRING_METRICS, {
        "pairings": results,
        "cdm_legacy_vs_correct": {
            "sd_ratio": {"median": float(np.nanmedian(size_ratio)), "min": float(np.nanmin(size_ratio)),
                         "max": float(np.nanmax(size_ratio))},
            "pearson_r": {"median": float(np.nanmedian(shape_r)), "min": float(np.nanmin(shape_r)),
                          "max": float(np.nanmax(shape_r))},
            "n_items": len(keys)},
        "feature_correlation_with_J_ext": correlations, "most_changed_features": changed,
        "onset": params.cdm.onset, "head_model": head["head_model"], "electrode": head["nearest_electrode"]})
    log_io(logger, read=["params.yaml", data.KERNELS_FILE, data.HEAD_MODEL_FILE,
                         f"{data.SIMULATIONS_DIR}/*.npz ({len(keys)} items)"],
           wrote=[data.PAIRING_METRICS,
                  *(data.PAIRING_COMPARISON_DIR / f"features_{pairing}.csv" for pairing in cdm.PAIRINGS)])
    logger.info("stage compare_pairings took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

"""Turn every simulation into the study's signals: CDM (docs/model.md §3) and EEG in a head model (docs/model.md §4).

Usage: python -m analysis.signals

For each sweep item (data/simulations/KEY.npz) with the kernels (data/kernels/kernels.npz) and the head model's gain
(data/head_model.json): the forward chain spikes -> CDM -> EEG of analysis/model/forward.py.

Writes data/signals/KEY.npz (deterministic bytes) with
  cdm                float32 (time,) nA·um, at 1/(dt * q) = 1.6 kHz
  cdm_pathways       float32 (pre, post, time) nA·um, the four decimated pathways (sum = cdm)
  eeg                float32 (time,) mV, the study's trace: the electrode nearest the dipole
  eeg_all            float32 (electrode, time) mV, every electrode of the head model
  eeg_gain_mV_per_nAum  float64 (electrode,), EEG = gain * CDM
  electrode_labels, nearest_electrode, sampling_rate_Hz, metadata (JSON)
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import format_eta, get_logger, json_array, log_io, params_hash, save_npz
from analysis.model import forward
from analysis.params import load_params


def main() -> int:
    logger = get_logger("signals")
    start = time.perf_counter()
    params = load_params()
    keys = list(params.sweep)
    missing = [key for key in keys if not (data.simulation_file(key)).is_file()]
    if missing:
        raise FileNotFoundError(f"missing simulations {missing[:5]}...; run the simulate stages (dvc repro)")
    for key in keys:    # every input whole before the first write (each is read in full below)
        common.check_npz_structure(data.simulation_file(key), data.SIMULATION_ARRAYS)

    # the head model's stage made the gain once (docs/model.md §4): EEG = gain * CDM at every electrode
    gain, nearest, head_info = data.read_head_gain(data.HEAD_MODEL_FILE)
    logger.info("head model %s: the trace is electrode %s, gain %.4g mV per nA·um", head_info["head_model"],
                head_info["nearest_electrode"], gain[nearest])

    kernel_source = forward.KernelSource(params, data.KERNELS_FILE)
    forward.check_history_covers_kernels(params, kernel_source.shared["cdm_kernel_z"])
    if kernel_source.per_run:
        logger.info("kernels.per_run_rates: recomputing the kernels for every item with its own rates")
    wrote = []
    # the whole folder or nothing: a damaged simulation half-way leaves the previous data/signals/ as it was
    with common.atomic_dir(data.SIGNALS_DIR) as folder:
        for i, key in enumerate(keys):
            t0 = time.perf_counter()
            simulation = common.load_checked_npz(data.simulation_file(key), data.SIMULATION_ARRAYS)
            signals = forward.item_signals(simulation, kernel_source.for_item(simulation), params, gain)
            metadata = {"key": key, "J_ext_pA": params.sweep[key], "pairing": params.cdm.pairing,
                        "onset": params.cdm.onset, "history_ms": params.cdm.history_ms,
                        "kernel_rates_Hz": kernel_source.rates_Hz(simulation),
                        "decimation_factor": params.cdm.decimation_factor, "head_model": head_info["head_model"],
                        "units": {"cdm": "nA·um", "eeg": "mV"},
                        "params_hash": params_hash(params.section_dump("cdm", "eeg"))}
            save_npz(folder / f"{key}.npz", **signals, eeg=signals["eeg_all"][nearest], eeg_gain_mV_per_nAum=gain,
                     electrode_labels=np.array(head_info["electrodes"]), nearest_electrode=np.int64(nearest),
                     sampling_rate_Hz=np.float64(params.sampling_rate_Hz), metadata=json_array(metadata))
            wrote.append(data.SIGNALS_DIR / f"{key}.npz")
            logger.info("item %d/%d %s: CDM sd %.4g nA·um, EEG sd %.4g uV, %.2f s, %s", i + 1, len(keys), key,
                        signals["cdm"].std(), signals["eeg_all"][nearest].std() * 1000, time.perf_counter() - t0,
                        format_eta(i + 1, len(keys), time.perf_counter() - start))
    log_io(logger, read=["params.yaml", data.HEAD_MODEL_FILE, data.KERNELS_FILE,
                         f"{data.SIMULATIONS_DIR}/*.npz ({len(keys)} items)"],
           wrote=[f"{data.SIGNALS_DIR}/*.npz ({len(wrote)} items)"])
    logger.info("stage signals took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

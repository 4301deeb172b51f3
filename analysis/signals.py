"""Turn every simulation into the study's signals: CDM (docs/model.md §3) and EEG in a head model (docs/model.md §4).

Usage: python -m analysis.signals

For each sweep item (data/simulations/KEY.npz) with the kernels (data/kernels/kernels.npz): the forward chain
spikes -> CDM -> EEG of analysis/model/forward.py.

Writes data/signals/KEY.npz (deterministic bytes) with
  cdm                float32 (time,) nA·um, at 1/(dt * q) = 1.6 kHz
  cdm_pathways       float32 (pre, post, time) nA·um, the four decimated pathways (sum = cdm)
  eeg                float32 (time,) mV, the study's trace: the electrode nearest the dipole
  eeg_all            float32 (electrode, time) mV, every electrode of the head model
  eeg_gain_mV_per_nAum  float64 (electrode,), EEG = gain * CDM
  electrode_labels, nearest_electrode, sampling_rate_Hz, metadata (JSON)
and data/signals/head_model.json describing the head model used.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import format_eta, get_logger, json_array, log_io, params_hash, save_npz, write_json
from analysis.model import forward, heads
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

    head = heads.make_head(params.eeg)  # a missing/wrong head file stops here, before any work
    gain = heads.eeg_gain(head)
    if not np.all(np.isfinite(gain)):
        raise common.InputError(f"head model {params.eeg.head_model}: non-finite EEG gain at "
                                f"{int(np.sum(~np.isfinite(gain)))} electrodes; check the eeg section of params.yaml")
    nearest = head.nearest_electrode()
    dt_ms, q = params.simulation.dt_ms, params.cdm.decimation_factor
    sampling_rate_Hz = 1000.0 / (dt_ms * q)
    head_info = {"head_model": params.eeg.head_model, "electrodes": list(head.electrode_labels),
                 "nearest_electrode": head.electrode_labels[nearest], "orientation": head.orientation.tolist(),
                 "gain_mV_per_nAum": gain.tolist(), "params_hash": params_hash(params.eeg.model_dump())}
    if hasattr(head, "vertex"):
        head_info.update(vertex=head.vertex, vertex_distance_mm=head.vertex_distance_mm)
    logger.info("head model %s: dipole -> nearest electrode %s, gain %.4g mV per nA·um (%.3g uV per 1e7 nA·um)",
                head_info["head_model"], head_info["nearest_electrode"], gain[nearest], gain[nearest] * 1e10)

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
                        "decimation_factor": q, "head_model": head_info["head_model"],
                        "units": {"cdm": "nA·um", "eeg": "mV"},
                        "params_hash": params_hash(params.section_dump("cdm", "eeg"))}
            save_npz(folder / f"{key}.npz", **signals, eeg=signals["eeg_all"][nearest], eeg_gain_mV_per_nAum=gain,
                     electrode_labels=np.array(head.electrode_labels), nearest_electrode=np.int64(nearest),
                     sampling_rate_Hz=np.float64(sampling_rate_Hz), metadata=json_array(metadata))
            wrote.append(data.SIGNALS_DIR / f"{key}.npz")
            logger.info("item %d/%d %s: CDM sd %.4g nA·um, EEG sd %.4g uV, %.2f s, %s", i + 1, len(keys), key,
                        signals["cdm"].std(), signals["eeg_all"][nearest].std() * 1000, time.perf_counter() - t0,
                        format_eta(i + 1, len(keys), time.perf_counter() - start))
        write_json(folder / "head_model.json", head_info)
    log_io(logger, read=["params.yaml", str(data.KERNELS_FILE), f"{data.SIMULATIONS_DIR}/*.npz ({len(keys)} items)"],
           wrote=[data.SIGNALS_DIR / "head_model.json", f"{data.SIGNALS_DIR}/*.npz ({len(wrote)} items)"])
    logger.info("stage signals took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

"""Turn every simulation into the study's signals: CDM (SPEC §3) and EEG in a head model (SPEC §4).

Usage: python -m analysis.signals

For each sweep item: post-transient spike counts per dt bin (data/simulations/KEY.npz) are convolved with the
matching kernels (data/kernels/kernels.npz), decimated by cdm.decimation_factor and summed into the CDM;
the CDM, as a dipole along the head model's orientation, gives the EEG at every electrode.

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

import json
import sys
import time
from pathlib import Path

import numpy as np

from analysis import cdm, heads, kernels as kernel_stage, mechanisms
from analysis.common import (get, get_logger, json_array, load_npz, load_params, log_io, params_hash, require,
                             save_npz, write_json)

SIMULATIONS = Path("data/simulations")
KERNELS = Path("data/kernels/kernels.npz")
OUTPUT_DIR = Path("data/signals")


def check_signal_params(params) -> None:
    pairing = get(params, "cdm.pairing")
    require(pairing in cdm.PAIRINGS, "cdm.pairing", pairing, " | ".join(cdm.PAIRINGS))
    q = get(params, "cdm.decimation_factor")
    require(isinstance(q, int) and 1 <= q <= 100, "cdm.decimation_factor", q, "an integer in [1, 100]")
    head = get(params, "eeg.head_model")
    require(head in ("four_sphere", "nyhead"), "eeg.head_model", head, "four_sphere | nyhead")
    location = get(params, "eeg.dipole_location_mni_mm")
    require(isinstance(location, list) and len(location) == 3, "eeg.dipole_location_mni_mm", location,
            "a list of 3 numbers (mm)")


def item_signals(simulation: dict, kernels: dict, params: dict, gain: np.ndarray) -> dict:
    """CDM, pathways and EEG of one simulation (pure: arrays in, arrays out)."""
    pathways, cdm_z = cdm.current_dipole_moment(simulation["spike_counts"], kernels["cdm_kernel_z"],
                                                params["cdm"]["decimation_factor"], params["cdm"]["pairing"])
    eeg_all = heads.eeg_from_cdm(cdm_z, gain).astype(np.float32)
    return {"cdm": cdm_z, "cdm_pathways": pathways, "eeg_all": eeg_all}


def main() -> int:
    logger = get_logger("signals")
    start = time.perf_counter()
    params = load_params()
    check_signal_params(params)
    keys = list(params["sweep"])
    missing = [key for key in keys if not (SIMULATIONS / f"{key}.npz").is_file()]
    if missing:
        raise FileNotFoundError(f"missing simulations {missing[:5]}...; run the simulate stages (dvc repro)")

    head = heads.make_head(params["eeg"])  # a missing/wrong head file stops here, before any work
    gain = heads.eeg_gain(head)
    nearest = head.nearest_electrode()
    dt_ms, q = params["simulation"]["dt_ms"], params["cdm"]["decimation_factor"]
    sampling_rate_Hz = 1000.0 / (dt_ms * q)
    head_info = {"head_model": params["eeg"]["head_model"], "electrodes": list(head.electrode_labels),
                 "nearest_electrode": head.electrode_labels[nearest], "orientation": head.orientation.tolist(),
                 "gain_mV_per_nAum": gain.tolist(), "params_hash": params_hash(params["eeg"])}
    if hasattr(head, "vertex"):
        head_info.update(vertex=head.vertex, vertex_distance_mm=head.vertex_distance_mm)
    logger.info("head model %s: dipole -> nearest electrode %s, gain %.4g mV per nA·um (%.3g uV per 1e7 nA·um)",
                head_info["head_model"], head_info["nearest_electrode"], gain[nearest], gain[nearest] * 1e10)

    kernels = load_npz(KERNELS)
    per_run = params["kernels"]["per_run_rates"]
    if per_run:  # SPEC §2.4 option: each item's kernels linearized at its own rates
        mechanisms.load()
        vrest_mV = json.loads(str(kernels["metadata"]))["Vrest_mV"]
        morphologies = {name: KERNELS.parent / f"morphology_{name}.hoc" for name in cdm.POPULATIONS}
        logger.info("kernels.per_run_rates: recomputing the kernels for every item with its own rates")
    wrote = []
    for i, key in enumerate(keys):
        t0 = time.perf_counter()
        simulation = load_npz(SIMULATIONS / f"{key}.npz")
        if per_run:
            kernels = {"cdm_kernel_z": kernel_stage.compute_kernel_set(params, simulation["rates_Hz"], vrest_mV,
                                                                       morphologies)}
        signals = item_signals(simulation, kernels, params, gain)
        metadata = {"key": key, "J_ext_pA": params["sweep"][key], "pairing": params["cdm"]["pairing"],
                    "kernel_rates_Hz": (simulation["rates_Hz"].tolist() if per_run
                                        else json.loads(str(kernels["metadata"]))["nu_X_Hz"]),
                    "decimation_factor": q, "head_model": head_info["head_model"],
                    "units": {"cdm": "nA·um", "eeg": "mV"},
                    "params_hash": params_hash({"cdm": params["cdm"], "eeg": params["eeg"]})}
        path = OUTPUT_DIR / f"{key}.npz"
        save_npz(path, **signals, eeg=signals["eeg_all"][nearest], eeg_gain_mV_per_nAum=gain,
                 electrode_labels=np.array(head.electrode_labels), nearest_electrode=np.int64(nearest),
                 sampling_rate_Hz=np.float64(sampling_rate_Hz), metadata=json_array(metadata))
        wrote.append(path)
        logger.info("item %d/%d %s: CDM sd %.4g nA·um, EEG sd %.4g uV, %.2f s", i + 1, len(keys), key,
                    signals["cdm"].std(), signals["eeg_all"][nearest].std() * 1000, time.perf_counter() - t0)
    write_json(OUTPUT_DIR / "head_model.json", head_info)
    log_io(logger, read=["params.yaml", str(KERNELS), f"{SIMULATIONS}/*.npz ({len(keys)} items)"],
           wrote=[OUTPUT_DIR / "head_model.json", f"{OUTPUT_DIR}/*.npz ({len(wrote)} items)"])
    logger.info("stage signals took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())

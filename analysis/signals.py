"""Turn every simulation into the study's signals: CDM (docs/model.md §3) and EEG in a head model (docs/model.md §4).

Usage: python -m analysis.signals

For each sweep item: spike counts per dt bin (data/simulations/KEY.npz) are convolved with the matching
kernels (data/kernels/kernels.npz), decimated by cdm.decimation_factor and summed into the CDM; the CDM, as a
dipole along the head model's orientation, gives the EEG at every electrode. With cdm.onset: steady (default)
the counts start cdm.history_ms before the transient and only the samples of [transient, tstop) are kept, so
the traces hold no convolution edge; cdm.onset: legacy reproduces the original tutorial's ramp (docs/model.md §3).

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

from analysis import common
from analysis import kernels as kernel_stage
from analysis.common import (ParamsError, format_eta, get_logger, json_array, load_npz, log_io, params_hash,
                             read_json, save_npz, write_json)
from analysis.model import cdm, heads, mechanisms
from analysis.params import POPULATIONS, Params, load_params

SIMULATIONS = Path("data/simulations")
SIMULATION_ARRAYS = ("spike_counts", "spike_steps_E", "spike_steps_I", "rates_Hz")
KERNELS = Path("data/kernels/kernels.npz")
OUTPUT_DIR = Path("data/signals")


def check_history_covers_kernels(params: Params, cdm_kernel_z: np.ndarray) -> None:
    """The steady onset's history must cover the kernels actually loaded (their causal half) plus the decimation
    filter's settling, whatever kernels.tau_ms says."""
    if params.cdm.onset != "steady":
        return
    dt_ms, q = params.simulation.dt_ms, params.cdm.decimation_factor
    support_ms = (cdm_kernel_z.shape[-1] - 1) / 2 * dt_ms
    needed_ms = cdm.required_history_ms(support_ms, q, dt_ms)
    if not params.cdm.history_ms >= needed_ms:
        raise ParamsError(f"params.yaml: cdm.history_ms = {params.cdm.history_ms!r} is invalid; accepted: >= "
                          f"{needed_ms:.4g} ms: the kernels in {KERNELS} span {support_ms:g} ms after the spike, plus "
                          "the decimation filter's settling")


def read_head_gain(path: Path = OUTPUT_DIR / "head_model.json") -> tuple[np.ndarray, int, dict]:
    """(gain in mV per nA·um at every electrode, index of the electrode nearest the dipole, the description) of
    the head model the signals stage used."""
    head = read_json(path)
    gain = np.asarray(head["gain_mV_per_nAum"], dtype=np.float64)
    return gain, head["electrodes"].index(head["nearest_electrode"]), head


class KernelSource:
    """The kernels of each item: the study's one set (data/kernels), or with kernels.per_run_rates each item's
    own set linearized at that run's rates (docs/model.md §2.4 option)."""

    def __init__(self, params: Params, kernels_file: Path = KERNELS):
        self.params = params
        self.shared = load_npz(kernels_file)
        self.per_run = bool(params.kernels.per_run_rates)
        self.metadata = json.loads(str(self.shared["metadata"]))
        if self.per_run:
            mechanisms.load()
            self.morphologies = {name: Path(kernels_file).parent / f"morphology_{name}.hoc"
                                 for name in POPULATIONS}

    def for_item(self, simulation: dict) -> dict:
        if not self.per_run:
            return self.shared
        return {"cdm_kernel_z": kernel_stage.compute_kernel_set(self.params, simulation["rates_Hz"],
                                                                self.metadata["Vrest_mV"], self.morphologies)}

    def rates_Hz(self, simulation: dict):
        return simulation["rates_Hz"].tolist() if self.per_run else self.metadata["nu_X_Hz"]


def item_counts(simulation: dict, params: Params, onset: str) -> tuple[np.ndarray, int]:
    """Spike counts per dt bin (pop, bins) and how many leading bins are history (docs/model.md §3 onset)."""
    if onset == "legacy":  # the original tutorial: only spikes of [transient, tstop)
        return simulation["spike_counts"], 0
    sim = params.simulation
    dt_ms = sim.dt_ms
    transient_steps = int(round(sim.transient_ms / dt_ms))
    n_bins = int(round((sim.tstop_ms - sim.transient_ms) / dt_ms))
    history_bins = int(round(params.cdm.history_ms / dt_ms))
    steps = {name: simulation[f"spike_steps_{name}"] for name in POPULATIONS}
    counts = cdm.counts_window(steps, transient_steps - history_bins, history_bins + n_bins)
    # the window after the history must be exactly the counts the simulation stage stored
    if not np.array_equal(counts[:, history_bins:], simulation["spike_counts"]):
        raise ValueError("spike counts rebuilt from spike_steps differ from the stored spike_counts: the simulation "
                         "file does not match simulation.dt_ms / transient_ms / tstop_ms of params.yaml")
    return counts, history_bins


def item_signals(simulation: dict, kernels: dict, params: Params, gain: np.ndarray, onset: str | None = None) -> dict:
    """CDM, pathways and EEG of one simulation (pure: arrays in, arrays out); onset defaults to cdm.onset."""
    counts, history_bins = item_counts(simulation, params, onset or params.cdm.onset)
    pathways, cdm_z = cdm.current_dipole_moment(counts, kernels["cdm_kernel_z"], params.cdm.decimation_factor,
                                                params.cdm.pairing, history_bins)
    eeg_all = heads.eeg_from_cdm(cdm_z, gain).astype(np.float32)
    return {"cdm": cdm_z, "cdm_pathways": pathways, "eeg_all": eeg_all}


def main() -> int:
    logger = get_logger("signals")
    start = time.perf_counter()
    params = load_params()
    keys = list(params.sweep)
    missing = [key for key in keys if not (SIMULATIONS / f"{key}.npz").is_file()]
    if missing:
        raise FileNotFoundError(f"missing simulations {missing[:5]}...; run the simulate stages (dvc repro)")
    for key in keys:    # every input whole before the first write (each is read in full below)
        common.check_npz_structure(SIMULATIONS / f"{key}.npz", SIMULATION_ARRAYS)

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

    kernel_source = KernelSource(params, KERNELS)
    check_history_covers_kernels(params, kernel_source.shared["cdm_kernel_z"])
    if kernel_source.per_run:
        logger.info("kernels.per_run_rates: recomputing the kernels for every item with its own rates")
    wrote = []
    # the whole folder or nothing: a damaged simulation half-way leaves the previous data/signals/ as it was
    with common.atomic_dir(OUTPUT_DIR) as folder:
        for i, key in enumerate(keys):
            t0 = time.perf_counter()
            simulation = common.load_checked_npz(SIMULATIONS / f"{key}.npz", SIMULATION_ARRAYS)
            signals = item_signals(simulation, kernel_source.for_item(simulation), params, gain)
            metadata = {"key": key, "J_ext_pA": params.sweep[key], "pairing": params.cdm.pairing,
                        "onset": params.cdm.onset, "history_ms": params.cdm.history_ms,
                        "kernel_rates_Hz": kernel_source.rates_Hz(simulation),
                        "decimation_factor": q, "head_model": head_info["head_model"],
                        "units": {"cdm": "nA·um", "eeg": "mV"},
                        "params_hash": params_hash(params.section_dump("cdm", "eeg"))}
            save_npz(folder / f"{key}.npz", **signals, eeg=signals["eeg_all"][nearest], eeg_gain_mV_per_nAum=gain,
                     electrode_labels=np.array(head.electrode_labels), nearest_electrode=np.int64(nearest),
                     sampling_rate_Hz=np.float64(sampling_rate_Hz), metadata=json_array(metadata))
            wrote.append(OUTPUT_DIR / f"{key}.npz")
            logger.info("item %d/%d %s: CDM sd %.4g nA·um, EEG sd %.4g uV, %.2f s, %s", i + 1, len(keys), key,
                        signals["cdm"].std(), signals["eeg_all"][nearest].std() * 1000, time.perf_counter() - t0,
                        format_eta(i + 1, len(keys), time.perf_counter() - start))
        write_json(folder / "head_model.json", head_info)
    log_io(logger, read=["params.yaml", str(KERNELS), f"{SIMULATIONS}/*.npz ({len(keys)} items)"],
           wrote=[OUTPUT_DIR / "head_model.json", f"{OUTPUT_DIR}/*.npz ({len(wrote)} items)"])
    logger.info("stage signals took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

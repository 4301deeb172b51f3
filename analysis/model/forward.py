"""The forward chain of one run, spikes -> CDM -> EEG (docs/model.md §3-§4), defined once for every stage and tool.

Spike counts per dt bin are convolved with the kernels (data/kernels), decimated by cdm.decimation_factor and
summed into the CDM; the CDM, as a dipole along the head model's orientation, gives the EEG at every electrode.
With cdm.onset: steady (default) the counts start cdm.history_ms before the transient and only the samples of
[transient, tstop) are kept, so the traces hold no convolution edge; cdm.onset: legacy reproduces the original
tutorial's ramp (docs/model.md §3).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from analysis.common import ParamsError, load_npz
from analysis.data import KERNELS_FILE
from analysis.model import cdm, heads, kernels, mechanisms
from analysis.params import POPULATIONS, Params


def check_history_covers_kernels(params: Params, cdm_kernel_z: np.ndarray) -> None:
    """The steady onset's history must cover the kernels actually loaded (their causal half) plus the decimation
    filter's settling, whatever kernels.tau_ms says (docs/model.md §3 onset).

    Parameters
    ----------
    params : Params
        The study's parameters (cdm.onset, cdm.history_ms, simulation.dt_ms, cdm.decimation_factor).
    cdm_kernel_z : ndarray (pre, post, lags)
        The loaded kernels, centred: (lags - 1) / 2 samples of dt_ms after the spike.

    Raises
    ------
    ParamsError
        When cdm.history_ms is shorter than the kernels' support plus the filter's settling.
    """
    if params.cdm.onset != "steady":
        return
    dt_ms, q = params.simulation.dt_ms, params.cdm.decimation_factor
    support_ms = (cdm_kernel_z.shape[-1] - 1) / 2 * dt_ms
    needed_ms = cdm.required_history_ms(support_ms, q, dt_ms)
    if not params.cdm.history_ms >= needed_ms:
        raise ParamsError(f"params.yaml: cdm.history_ms = {params.cdm.history_ms!r} is invalid; accepted: >= "
                          f"{needed_ms:.4g} ms: the kernels in {KERNELS_FILE} span {support_ms:g} ms after the spike, "
                          "plus the decimation filter's settling")


class KernelSource:
    """The kernels of each item: the study's one set (data/kernels), or with kernels.per_run_rates each item's
    own set linearized at that run's rates (docs/model.md §2.4 option).

    Parameters
    ----------
    params : Params
        The study's parameters (kernels.per_run_rates and, for per-run kernels, the kernels section).
    kernels_file : Path
        kernels.npz of the kernels stage; its folder holds the morphologies per-run kernels are computed with.
    """

    def __init__(self, params: Params, kernels_file: Path = KERNELS_FILE):
        self.params = params
        self.shared = load_npz(kernels_file)
        self.per_run = bool(params.kernels.per_run_rates)
        self.metadata = json.loads(str(self.shared["metadata"]))
        if self.per_run:
            mechanisms.load()
            self.morphologies = {name: Path(kernels_file).parent / f"morphology_{name}.hoc"
                                 for name in POPULATIONS}

    def for_item(self, simulation: dict) -> dict:
        """The kernels for one simulation.

        Parameters
        ----------
        simulation : dict
            A loaded simulation file (its rates_Hz for per-run kernels).

        Returns
        -------
        dict
            {"cdm_kernel_z": (pre, post, lags)} in nA·um per presynaptic spike.
        """
        if not self.per_run:
            return self.shared
        return {"cdm_kernel_z": kernels.compute_kernel_set(self.params, simulation["rates_Hz"],
                                                           self.metadata["Vrest_mV"], self.morphologies)}

    def rates_Hz(self, simulation: dict):
        """The rates the item's kernels were linearized at, for its metadata.

        Parameters
        ----------
        simulation : dict
            A loaded simulation file.

        Returns
        -------
        list or dict
            nu_X of E and I, spikes/s.
        """
        return simulation["rates_Hz"].tolist() if self.per_run else self.metadata["nu_X_Hz"]


def item_counts(simulation: dict, params: Params, onset: str) -> tuple[np.ndarray, int]:
    """Spike counts per dt bin and how many leading bins are history (docs/model.md §3 onset).

    Parameters
    ----------
    simulation : dict
        A loaded simulation file (spike_steps_E/I, spike_counts).
    params : Params
        The parameters the simulation was made with (simulation.dt_ms, transient_ms, tstop_ms, cdm.history_ms).
    onset : {"steady", "legacy"}
        steady: counts from cdm.history_ms before the transient; legacy: only the stored post-transient counts.

    Returns
    -------
    counts : ndarray (populations, bins)
        Spikes per dt bin of E and I.
    history_bins : int
        How many leading bins precede the transient.
    """
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


def item_signals(simulation: dict, kernel_set: dict, params: Params, gain: np.ndarray,
                 onset: str | None = None) -> dict:
    """CDM, pathways and EEG of one simulation (pure: arrays in, arrays out; docs/model.md §3-§4).

    Parameters
    ----------
    simulation : dict
        A loaded simulation file.
    kernel_set : dict
        {"cdm_kernel_z": (pre, post, lags)} in nA·um per spike (KernelSource.for_item).
    params : Params
        The parameters the simulation was made with (simulation, cdm).
    gain : ndarray (electrodes,)
        EEG per unit CDM at every electrode, mV per nA·um.
    onset : {"steady", "legacy"}, optional
        Defaults to cdm.onset.

    Returns
    -------
    dict
        cdm (time,) nA·um; cdm_pathways (pre, post, time) nA·um; eeg_all (electrodes, time) mV, float32.
    """
    counts, history_bins = item_counts(simulation, params, onset or params.cdm.onset)
    pathways, cdm_z = cdm.current_dipole_moment(counts, kernel_set["cdm_kernel_z"], params.cdm.decimation_factor,
                                                params.cdm.pairing, history_bins)
    eeg_all = heads.eeg_from_cdm(cdm_z, gain).astype(np.float32)
    return {"cdm": cdm_z, "cdm_pathways": pathways, "eeg_all": eeg_all}

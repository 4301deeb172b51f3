"""CDM kernels H_{Y<-X}(t) with LFPykernels (docs/model.md §2): nu_X and Vrest, the KernelApprox set-up and the
four kernels of one choice of rates.

For every pathway X -> Y (X presynaptic, Y postsynaptic) lfpykernels.KernelApprox linearizes the
ball-and-stick population Y (analysis/model/cells.py) around Vrest, with the effective leak of ongoing synaptic
input (g_eff), and returns the z-component of the current dipole moment in response to one spike of X.
Kernels depend on the cells, synapses, nu_X and Vrest, not on J_ext.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.stats as st

from analysis.common import InputError, json_array, load_npz, params_hash, save_npz, software_versions, write_json
from analysis.data import REFERENCE_SIMULATION
from analysis.model import cells
from analysis.params import POPULATIONS, Params


# ------------------------------------------------------------------ nu_X and Vrest (docs/model.md §2.4)
def rates_from_reference(path: Path) -> np.ndarray:
    """Post-transient mean rates of E and I in the `ref` LIF simulation.

    Parameters
    ----------
    path : Path
        The simulation file of item `ref`.

    Returns
    -------
    ndarray (2,)
        spikes/s, POPULATIONS order.
    """
    return np.asarray(load_npz(path)["rates_Hz"], dtype=np.float64)


def rates_and_vrest_from_ground_truth(folder: Path, population_sizes: Mapping[str, int], transient_ms: float,
                                      somav_dt_ms: float, somav_skip_ms: float) -> tuple[np.ndarray, float]:
    """nu_X = spikes with t >= transient / N_X / (the recording's duration - transient); Vrest = median somatic
    voltage after skip_ms.

    Expects spikes.h5 (groups E, I with one dataset of spike times per neuron) and somav.h5 (datasets E, I
    of somatic voltage sampled every somav_dt_ms over the whole recording, one row per recorded cell), as
    written by the study's multicompartment network. The recording's duration is the ground truth's own
    (samples x somav_dt_ms), never the LIF network's tstop: a regression of the original code.

    Parameters
    ----------
    folder : Path
        Holds spikes.h5 and somav.h5.
    population_sizes : mapping
        Population name -> N_X of the multicompartment network.
    transient_ms : float
        Spikes before it are dropped (ms).
    somav_dt_ms : float
        Sampling interval of somav.h5 (ms).
    somav_skip_ms : float
        Leading voltage samples dropped before the median (ms).

    Returns
    -------
    rates_Hz : ndarray (2,)
        spikes/s, POPULATIONS order.
    vrest_mV : float
        The median somatic voltage, mV.
    """
    import h5py

    folder = Path(folder)
    for name in ("spikes.h5", "somav.h5"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name}: not found; the ground-truth folder holds spikes.h5 "
                                    "(groups E/I of per-neuron spike times) and somav.h5 (datasets E/I)")
    with h5py.File(folder / "somav.h5", "r") as somav:
        recording_ms = min(somav[name].shape[-1] for name in POPULATIONS) * somav_dt_ms
        skip = int(round(somav_skip_ms / somav_dt_ms))
        voltages = np.concatenate([np.asarray(somav[name])[..., skip:].ravel() for name in POPULATIONS])
    if recording_ms <= transient_ms:
        raise ValueError(f"{folder / 'somav.h5'}: records {recording_ms:g} ms, not more than the transient "
                         f"transient_ms = {transient_ms:g} ms")
    rates = []
    duration_s = (recording_ms - transient_ms) / 1000
    with h5py.File(folder / "spikes.h5", "r") as spikes:
        for name in POPULATIONS:
            times = [np.asarray(spikes[name][neuron]) for neuron in spikes[name]]
            count = sum(int(np.count_nonzero(t >= transient_ms)) for t in times)
            rates.append(count / population_sizes[name] / duration_s)
    return np.array(rates), float(np.median(voltages))


def rates_and_vrest(params: Params) -> tuple[np.ndarray, float, str]:
    """nu_X and Vrest of the kernels, from kernels.rates_source (docs/model.md §2.4).

    Parameters
    ----------
    params : Params
        The study's parameters (kernels, reference).

    Returns
    -------
    rates_Hz : ndarray (2,)
        nu_X of E and I, spikes/s.
    vrest_mV : float
        mV.
    note : str
        A sentence saying where both come from (kept in kernels.json).
    """
    k = params.kernels
    source, vrest = k.rates_source, k.Vrest_mV
    if source == "reference":
        rates = rates_from_reference(REFERENCE_SIMULATION)
        note = (f"nu_X: post-transient mean rates of the LIF run 'ref' (J_ext = {params.reference.J_ext_pA} "
                f"pA, {REFERENCE_SIMULATION}); Vrest: kernels.Vrest_mV")
    elif source == "fixed":
        rates = np.asarray(k.fixed_rates_Hz, dtype=np.float64)
        note = "nu_X: kernels.fixed_rates_Hz; Vrest: kernels.Vrest_mV"
    else:
        folder = k.ground_truth_dir  # the schema requires it with this source
        sizes = dict(zip(POPULATIONS, k.multicompartment_network.population_sizes))
        rates, vrest = rates_and_vrest_from_ground_truth(Path(folder), sizes, k.ground_truth_transient_ms,
                                                         k.ground_truth_somav_dt_ms, k.ground_truth_somav_skip_ms)
        note = f"nu_X and Vrest from the ground-truth multicompartment network in {folder}"
    for i, rate in enumerate(rates):
        if not (np.isfinite(rate) and rate >= 0):
            raise InputError(f"nu_X[{i}] = {float(rate)!r} from kernels.rates_source = {source} is invalid; accepted: "
                             "a finite rate >= 0 (re-run the stage that wrote the rates)")
    return rates, vrest, note


# ------------------------------------------------------------------ KernelApprox set-up (docs/model.md §2.3)
def presynaptic_probabilities(connection_probability: list, post: int) -> np.ndarray:
    """C_YX over presynaptic X for one postsynaptic Y: the COLUMN `post` of the [pre][post] matrix.

    The original tooling passed a row (the probabilities from one presynaptic population), which is only
    right when the matrix is symmetric.

    Parameters
    ----------
    connection_probability : list of lists
        The [pre][post] matrix.
    post : int
        The postsynaptic population (POPULATIONS order).

    Returns
    -------
    ndarray (2,)
        The probabilities from E and from I onto `post`.
    """
    return np.array([connection_probability[pre][post] for pre in range(len(POPULATIONS))], dtype=np.float64)


def truncnorm_parameters(loc: float, sd: float, low: float, high: float = np.inf) -> dict:
    """scipy.stats.truncnorm's arguments for a normal (loc, sd) cut to [low, high].

    Parameters
    ----------
    loc, sd : float
        Mean and sd of the untruncated normal.
    low, high : float
        The bounds.

    Returns
    -------
    dict
        a, b (the bounds in sds from loc), loc, scale.
    """
    return {"a": (low - loc) / sd, "b": (high - loc) / sd, "loc": loc, "scale": sd}


def kernel_approx(params: Params, post: int, rates_Hz: np.ndarray, vrest_mV: float, morphology_file: Path,
                  dt_ms: float):
    """lfpykernels.KernelApprox for postsynaptic population `post`, all presynaptic populations.

    Parameters
    ----------
    params : Params
        The study's parameters (its kernels section describes the multicompartment network).
    post : int
        Index of the postsynaptic population Y in POPULATIONS.
    rates_Hz : ndarray (2,)
        nu_X of E and I, spikes/s.
    vrest_mV : float
        Resting potential of the linearization, mV (kernels.Vrest_mV, or the ground truth's).
    morphology_file : Path
        The hoc morphology of population Y.
    dt_ms : float
        Time step of the kernels, ms.

    Returns
    -------
    lfpykernels.KernelApprox
    """
    from lfpykernels import KernelApprox

    k = params.kernels
    syn, ext, mc = k.synapses, k.external, k.multicompartment_network
    post_name = POPULATIONS[post]
    pres = range(len(POPULATIONS))
    placement = [syn.placement[POPULATIONS[pre]][post_name] for pre in pres]
    return KernelApprox(
        X=list(POPULATIONS),
        Y=post_name,
        N_X=np.array(mc.population_sizes, dtype=np.float64),
        N_Y=mc.population_sizes[post],
        C_YX=presynaptic_probabilities(mc.connection_probability, post),
        cellParameters=cells.cell_parameters(post_name, k.cells, morphology_file, vrest_mV, dt_ms,
                                             k.t_X_ms + k.tau_ms),
        populationParameters={"radius": mc.population_radius_um, "loc": mc.population_depth_loc_um,
                              "scale": mc.population_depth_sd_um},
        rotationParameters={"x": 0.0, "y": 0.0},
        multapseFunction=st.truncnorm,
        multapseParameters=[truncnorm_parameters(syn.multapse_loc[pre][post], syn.multapse_sd[pre][post],
                                                 *syn.multapse_range) for pre in pres],
        delayFunction=st.truncnorm,
        delayParameters=[truncnorm_parameters(syn.delay_loc_ms[pre][post], syn.delay_sd_ms[pre][post],
                                              syn.delay_min_ms) for pre in pres],
        synapseParameters=[{"weight": syn.weight_uS[pre][post], "syntype": "Exp2Syn",
                            "tau1": syn.tau1_ms[pre][post], "tau2": syn.tau2_ms[pre][post],
                            "e": syn.E_syn_mV[pre][post]} for pre in pres],
        synapsePositionArguments=[{"section": list(p.sections), "fun": [st.norm] * len(p.loc_um),
                                   "funargs": [{"loc": loc, "scale": sd} for loc, sd in zip(p.loc_um, p.sd_um)],
                                   "funweights": list(p.weight)} for p in placement],
        extSynapseParameters={"syntype": "Exp2Syn", "weight": ext.weight_uS, "tau1": ext.tau1_ms,
                              "tau2": ext.tau2_ms, "e": ext.E_syn_mV},
        nu_ext=ext.rate_Hz,
        n_ext=ext.n_inputs[post],
        nu_X=dict(zip(POPULATIONS, (float(r) for r in rates_Hz))),
        conductance_based=True,
    )


def compute_kernel(params: Params, pre: int, post: int, rates_Hz: np.ndarray, vrest_mV: float,
                   morphology_file: Path) -> np.ndarray:
    """One kernel H^z_{post<-pre} (docs/model.md §2).

    Parameters
    ----------
    params : Params
        The study's parameters (kernels, simulation.dt_ms).
    pre, post : int
        The pathway's populations (POPULATIONS order).
    rates_Hz : ndarray (2,)
        nu_X of E and I, spikes/s.
    vrest_mV : float
        The linearization's resting potential, mV.
    morphology_file : Path
        The hoc morphology of population `post`.

    Returns
    -------
    ndarray (lags,)
        nA·um per presynaptic spike at lags -tau..+tau (`lag_axis_ms`), zero for negative lags.
    """
    from lfpykernels import KernelApproxCurrentDipoleMoment

    k, dt_ms = params.kernels, params.simulation.dt_ms
    approx = kernel_approx(params, post, rates_Hz, vrest_mV, morphology_file, dt_ms)  # the ground truth's Vrest
    probe = KernelApproxCurrentDipoleMoment(cell=None)
    kernels = approx.get_kernel(probes=[probe], Vrest=vrest_mV, dt=dt_ms, X=POPULATIONS[pre], t_X=k.t_X_ms,
                                tau=k.tau_ms, g_eff=k.g_eff)
    return np.asarray(kernels["KernelApproxCurrentDipoleMoment"][2], dtype=np.float64)  # row z


def compute_kernel_set(params: Params, rates_Hz: np.ndarray, vrest_mV: float, morphologies: Mapping[str, Path],
                       logger=None) -> np.ndarray:
    """All four kernels for one choice of nu_X and Vrest.

    Parameters
    ----------
    params : Params
        The study's parameters.
    rates_Hz : ndarray (2,)
        nu_X of E and I, spikes/s.
    vrest_mV : float
        mV.
    morphologies : mapping
        Population name -> its hoc morphology file.
    logger : logging.Logger, optional
        Gets one line per kernel.

    Returns
    -------
    ndarray (pre, post, lags)
        nA·um per presynaptic spike.
    """
    lags = lag_axis_ms(params.kernels.tau_ms, params.simulation.dt_ms)
    kernel_z = np.zeros((len(POPULATIONS), len(POPULATIONS), lags.size))
    pathways = [(pre, post) for post in range(len(POPULATIONS)) for pre in range(len(POPULATIONS))]
    for i, (pre, post) in enumerate(pathways):
        start = time.perf_counter()
        kernel_z[pre, post] = compute_kernel(params, pre, post, rates_Hz, vrest_mV, morphologies[POPULATIONS[post]])
        if logger is not None:
            peak = kernel_z[pre, post][np.argmax(np.abs(kernel_z[pre, post]))]
            logger.info("kernel %d/4 %s -> %s: peak %.4g nA·um, %.1f s", i + 1, POPULATIONS[pre],
                        POPULATIONS[post], peak, time.perf_counter() - start)
    return kernel_z


def lag_axis_ms(tau_ms: float, dt_ms: float) -> np.ndarray:
    """The kernels' lags.

    Parameters
    ----------
    tau_ms : float
        The kernels span -tau .. +tau (ms).
    dt_ms : float
        The step (ms).

    Returns
    -------
    ndarray (2 tau / dt + 1,)
        ms, centred on lag 0.
    """
    n = int(2 * tau_ms // dt_ms + 1)
    return np.linspace(-tau_ms, tau_ms, n)


def write_kernel_files(folder: Path, params, rates_Hz: np.ndarray, vrest_mV: float, provenance: str,
                       logger) -> None:
    """The morphologies, kernels.npz and kernels.json of the kernels stage, into `folder`.

    Parameters
    ----------
    folder : Path
        An empty folder (the stage renames it into place when everything is written).
    params : Params
        The study's parameters.
    rates_Hz : ndarray (2,)
        nu_X of E and I, spikes/s.
    vrest_mV : float
        mV.
    provenance : str
        Where nu_X and Vrest come from (`rates_and_vrest`).
    logger : logging.Logger
        Gets one line per kernel.
    """
    k, dt_ms = params.kernels, params.simulation.dt_ms
    morphologies = {name: cells.write_morphology(folder / f"morphology_{name}.hoc", name,
                                                 k.cells.morphology[name]) for name in POPULATIONS}
    kernel_z = compute_kernel_set(params, rates_Hz, vrest_mV, morphologies, logger)
    lags = lag_axis_ms(k.tau_ms, dt_ms)

    metadata = {
        "axes": ["pre", "post", "lag"], "units": "nA·um per presynaptic spike (z component of the CDM)",
        "nu_X_Hz": dict(zip(POPULATIONS, rates_Hz.tolist())), "Vrest_mV": vrest_mV, "provenance": provenance,
        "rates_source": k.rates_source, "dt_ms": dt_ms, "tau_ms": k.tau_ms, "t_X_ms": k.t_X_ms,
        "g_eff": k.g_eff, "params_hash": params_hash({"kernels": k.model_dump(), "dt_ms": dt_ms}),
        "software": software_versions("lfpykernels", "LFPy", "lfpykit", "neuron", "numpy", "scipy"),
    }
    save_npz(folder / "kernels.npz", cdm_kernel_z=kernel_z, lag_ms=lags,
             pre_populations=np.array(POPULATIONS), post_populations=np.array(POPULATIONS),
             metadata=json_array(metadata))
    write_json(folder / "kernels.json", {key: metadata[key] for key in
                                         ("nu_X_Hz", "Vrest_mV", "provenance", "rates_source", "axes", "units")})

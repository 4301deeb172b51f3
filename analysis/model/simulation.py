"""One simulation of the Hagen network, from an item's key to its file (docs/model.md §1): the drive and seed of
each key, progress and the rate ceiling, the post-transient summary and the deterministic .npz the simulate
stages write (study 2's draws use it through analysis/model/draws.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.common import (ParamsError, derive_seed, format_eta, get_logger, params_hash, save_npz,
                             software_versions)
from analysis import data
from analysis.data import SEED_SPREAD_DIR, SIMULATIONS_DIR
from analysis.model.cdm import spike_counts_per_bin
from analysis.model.network import (HagenNetwork, RateOutOfRange, check_rate_ceiling, mean_drive_threshold_pA,
                                    mean_rate_Hz)
from analysis.params import POPULATIONS, Params


def output_dir_for(params: Params, key: str) -> Path:
    """Where an item's file goes: the seed-spread items apart, so that they never enter the study's inputs.

    Parameters
    ----------
    params : Params
        The study's parameters.
    key : str
        A sweep key, ref or a key of reference.spread_keys.

    Returns
    -------
    Path
        data/seed_spread or data/simulations.
    """
    return SEED_SPREAD_DIR if key in params.reference.spread_keys else SIMULATIONS_DIR


def item_drive(params: Params, key: str) -> float:
    """J_ext of a sweep key, of 'ref' or of a spread key; errors name the key and the accepted keys.

    Parameters
    ----------
    params : Params
        The study's parameters.
    key : str
        The item.

    Returns
    -------
    float
        J_ext, pA.
    """
    if key == "ref" or key in params.reference.spread_keys:
        return params.reference.J_ext_pA
    if key not in params.sweep:
        raise ParamsError(f"unknown sweep item '{key}'; accepted: ref, a key of reference.spread_keys or of "
                          f"params.yaml sweep ({', '.join(list(params.sweep)[:3])}, ...)")
    return params.sweep[key]


def simulation_hash(params: Params, key: str, J_ext_pA: float) -> str:
    """Hash of everything that determines the spikes of one item.

    Parameters
    ----------
    params : Params
        The study's parameters.
    key : str
        The item (its seed derives from it).
    J_ext_pA : float
        Its drive, pA.

    Returns
    -------
    str
        sha256 hex digest of the network and simulation sections, the seed, key and drive.
    """
    return params_hash({**params.section_dump("network", "simulation"),
                        "seed": params.seeds.simulation, "key": key, "J_ext_pA": J_ext_pA})


def drive_relative_to_threshold(params: Params, J_ext_pA: float) -> str:
    """'J_ext / J_thr' of each population as text, for the log (docs/model.md §1).

    Parameters
    ----------
    params : Params
        The study's parameters.
    J_ext_pA : float
        The drive, pA.

    Returns
    -------
    str
    """
    return ", ".join(f"{name} {J_ext_pA / mean_drive_threshold_pA(params.network, i):.3f}"
                     for i, name in enumerate(POPULATIONS))


@dataclass(frozen=True)
class EarlyStop:
    """Study 2's working-regime checks (docs/model.md §8): the rates of every simulated chunk are checked from
    t = 0, so that a runaway or silent run costs a fraction of a second of simulated time.

    Parameters
    ----------
    silent_rate_Hz : float
        A chunk in which every population fires below this rate (spikes/s) is silent.
    silent_after_ms : float
        Silence counts from the first chunk that ends at or after this time (ms): the drive needs a few membrane
        time constants to bring the network to its steady state.
    """
    silent_rate_Hz: float
    silent_after_ms: float


def make_progress(logger, params: Params, sizes: dict[str, int], key: str, early_stop: EarlyStop | None = None):
    """A callback that logs one line per simulated chunk, aborting early above the rate ceiling.

    Parameters
    ----------
    logger : logging.Logger
        Where the lines go.
    params : Params
        The study's parameters.
    sizes : dict
        Neurons per population.
    key : str
        The item, for the lines.
    early_stop : EarlyStop, optional
        Check every chunk from t = 0, and stop silent runs too (study 2); by default (study 1) only the rate
        ceiling is checked, after the transient.

    Returns
    -------
    callable
        on_chunk(t_ms, wall_s, counts): raises RateOutOfRange when a chunk's rates leave the working regime.
    """
    tstop = params.simulation.tstop_ms
    transient = params.simulation.transient_ms
    ceiling = params.simulation.rate_ceiling_Hz
    previous = {"t_ms": 0.0, "counts": {name: 0 for name in POPULATIONS}}

    def on_chunk(t_ms: float, wall_s: float, counts: dict[str, int]) -> None:
        chunk_ms = t_ms - previous["t_ms"]
        rates = {name: mean_rate_Hz(counts[name] - previous["counts"][name], sizes[name], chunk_ms)
                 for name in POPULATIONS}
        logger.info("%s: %6.2f / %.2f s simulated, real-time factor %.1f, %s, chunk rates E %.2f I %.2f spikes/s",
                    key, t_ms / 1000, tstop / 1000, wall_s / (t_ms / 1000), format_eta(t_ms, tstop, wall_s),
                    rates["E"], rates["I"])
        # stop a pathological run early instead of simulating it to the end
        if early_stop is not None or previous["t_ms"] >= transient:
            check_rate_ceiling(rates, ceiling, f"item {key} at t = {t_ms:.0f} ms", t_ms)
        if (early_stop is not None and t_ms >= early_stop.silent_after_ms
                and all(rate < early_stop.silent_rate_Hz for rate in rates.values())):
            detail = ", ".join(f"{name} {rate:.2f}" for name, rate in rates.items())
            raise RateOutOfRange(f"item {key} at t = {t_ms:.0f} ms: silent, every population below "
                                 f"study2.early_stop.silent_rate_Hz = {early_stop.silent_rate_Hz} ({detail} spikes/s)",
                                 "silent", t_ms)
        previous["t_ms"], previous["counts"] = t_ms, dict(counts)

    return on_chunk


def summarize(result, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Post-transient spike counts per dt bin and mean rates of E and I.

    Parameters
    ----------
    result : SimulationResult
        HagenNetwork.run's spikes and population sizes.
    params : Params
        The study's parameters.

    Returns
    -------
    counts : ndarray (2, bins)
        int32 spikes per dt bin of [transient, tstop).
    rates_Hz : ndarray (2,)
        Mean rates, spikes/s.
    """
    sim = params.simulation
    dt, tstop, transient = sim.dt_ms, sim.tstop_ms, sim.transient_ms
    transient_steps, n_bins = int(round(transient / dt)), int(round((tstop - transient) / dt))
    counts = np.stack([spike_counts_per_bin(result.spike_steps[name], transient_steps, n_bins)
                       for name in POPULATIONS])
    rates = np.array([mean_rate_Hz(int(counts[i].sum()), result.population_sizes[name], tstop - transient)
                      for i, name in enumerate(POPULATIONS)])
    return counts, rates


def run_item(params: Params, key: str, output_dir: Path | None = None, logger=None,
             J_ext_pA: float | None = None, early_stop: EarlyStop | None = None) -> Path:
    """Simulate one item and write its .npz (docs/model.md §1); nothing is written if anything fails.

    Parameters
    ----------
    params : Params
        The study's parameters (network, simulation, seeds).
    key : str
        The item: its seed derives from it, and its drive unless J_ext_pA is given.
    output_dir : Path, optional
        The folder; default data/simulations (data/seed_spread for spread keys).
    logger : logging.Logger, optional
        Where progress goes.
    J_ext_pA : float, optional
        The drive, pA (study 2's draws); default the item's (item_drive).
    early_stop : EarlyStop, optional
        Study 2's checks of every chunk from t = 0 (make_progress).

    Returns
    -------
    Path
        The file written.
    """
    logger = logger or get_logger("simulate")
    J_ext_pA = item_drive(params, key) if J_ext_pA is None else float(J_ext_pA)  # params validated at load
    rng_seed = derive_seed(params.seeds.simulation, "simulate", key)
    threads = params.simulation.threads
    logger.info("item %s: J_ext = %.6g pA (J_ext / J_thr: %s), rng_seed = %d, threads = %d", key, J_ext_pA,
                drive_relative_to_threshold(params, J_ext_pA), rng_seed, threads)

    network = HagenNetwork(params, J_ext_pA, rng_seed)
    network.build()
    logger.info("item %s: network built in %.1f s (N_E = %d, N_I = %d)", key, network.build_s,
                network.sizes["E"], network.sizes["I"])
    result = network.run(make_progress(logger, params, network.sizes, key, early_stop))
    logger.info("item %s: NEST simulated in %.1f s", key, result.simulate_s)

    counts, rates = summarize(result, params)
    check_rate_ceiling(dict(zip(POPULATIONS, rates)), params.simulation.rate_ceiling_Hz, f"item {key}")
    logger.info("item %s: post-transient rates E %.3f, I %.3f spikes/s", key, rates[0], rates[1])

    import nest

    metadata = {
        "key": key, "J_ext_pA": J_ext_pA, "rng_seed": rng_seed, "threads": threads,
        "population_sizes": network.sizes, "dt_ms": params.simulation.dt_ms,
        "tstop_ms": params.simulation.tstop_ms, "transient_ms": params.simulation.transient_ms,
        "nest_version": nest.__version__, "params_hash": simulation_hash(params, key, J_ext_pA),
        "software": software_versions("nest-simulator", "numpy"),
    }
    path = Path(output_dir if output_dir is not None else output_dir_for(params, key)) / f"{key}.npz"
    save_npz(path, **data.simulation_arrays(result.spike_steps, result.spike_ids, counts, rates, metadata))
    return path



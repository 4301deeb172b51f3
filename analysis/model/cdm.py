"""From population spike counts and kernels to the current dipole moment (docs/model.md §3).

    P^{XY}(t) = nu_X(t) * H^z_{Y<-X}(t)      (one pathway: presynaptic X, postsynaptic Y)
    CDM(t)    = sum over the four pathways, each decimated by q = 10 (zero-phase Chebyshev I)

nu_X are spike counts per dt bin (not rates); the kernels are centred (index L//2 = lag 0) and causal.

Onset of the analysed window [transient, tstop):
  steady  counts start history_ms before the transient; the longer series is convolved and decimated and only
          the samples of [transient, tstop) are kept, so every kept sample has its full spike history and the
          decimation filter has settled (the default);
  legacy  the original tutorial: counts start at the transient, so the first samples are the convolution's
          edge (the CDM ramps up from 0 over the kernels' support), kept for comparison.
"""
from __future__ import annotations

import numpy as np
import scipy.signal as ss

# the decimation filter's settling is defined with the schema, which checks cdm.history_ms against it
from analysis.params import POPULATIONS, filter_settling_ms, required_history_ms  # noqa: F401

PAIRINGS = ("correct", "legacy")
ONSETS = ("steady", "legacy")


def convolve_same(counts: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """numpy.convolve(counts, kernel, 'same') by FFT: the same numbers, far faster for 160 000 bins.

    Parameters
    ----------
    counts : array (bins,)
        Spikes per dt bin of one presynaptic population.
    kernel : array (2 L + 1,)
        A centred kernel (index L = lag 0), nA·um per spike.

    Returns
    -------
    array (bins,)
        The pathway's CDM at every bin, nA·um (docs/model.md §3, step 3).

    Examples
    --------
    One spike in bin 2 through a causal kernel [0, 0, 1, 0.5, 0.25] (lags -2..2) reappears from bin 2 on:

    >>> convolve_same(np.array([0, 0, 1, 0, 0, 0]), np.array([0, 0, 1.0, 0.5, 0.25])).round(12) + 0.0
    array([0.  , 0.  , 1.  , 0.5 , 0.25, 0.  ])
    """
    return ss.fftconvolve(np.asarray(counts, dtype=np.float64), np.asarray(kernel, dtype=np.float64), mode="same")


def kernel_for_pathway(cdm_kernel_z: np.ndarray, pre: int, post: int, pairing: str = "correct") -> np.ndarray:
    """The kernel to convolve with the counts of `pre` in the pathway pre -> post (docs/model.md §3, pairing).

    correct: H_{post<-pre}. legacy: the original tutorial's bug, which looked kernels up as 'X:Y' (post:pre)
    with X the presynaptic population, i.e. used H_{pre<-post}; on the diagonal both are the same.

    Parameters
    ----------
    cdm_kernel_z : array (pre, post, lags)
        The z-kernels H_{post<-pre}, nA·um per spike.
    pre, post : int
        The pathway's populations (POPULATIONS order).
    pairing : {"correct", "legacy"}
        Which kernel the counts of `pre` meet.

    Returns
    -------
    array (lags,)
        The kernel, nA·um per spike.

    Examples
    --------
    Kernels indexed [pre, post]; the E -> I pathway (pre 0, post 1):

    >>> k = np.arange(4.0).reshape(2, 2, 1)
    >>> kernel_for_pathway(k, 0, 1, "correct"), kernel_for_pathway(k, 0, 1, "legacy")
    (array([1.]), array([2.]))
    """
    if pairing == "correct":
        return cdm_kernel_z[pre, post]
    if pairing == "legacy":
        return cdm_kernel_z[post, pre]
    raise ValueError(f"pairing = {pairing!r} is invalid; accepted: {' | '.join(PAIRINGS)}")


def pathway_signals(spike_counts: np.ndarray, cdm_kernel_z: np.ndarray, pairing: str = "correct") -> np.ndarray:
    """P^{XY}(t) of the four pathways at the simulation resolution (docs/model.md §3, step 3).

    Parameters
    ----------
    spike_counts : int array (populations, bins)
        Spikes per dt bin of E and I.
    cdm_kernel_z : array (pre, post, lags)
        The z-kernels H_{post<-pre}, nA·um per spike.
    pairing : {"correct", "legacy"}
        Which kernel each population's counts meet (`kernel_for_pathway`).

    Returns
    -------
    array (pre, post, bins)
        Each pathway's CDM, nA·um.
    """
    n_pop = len(POPULATIONS)
    out = np.empty((n_pop, n_pop, spike_counts.shape[1]))
    for pre in range(n_pop):
        for post in range(n_pop):
            out[pre, post] = convolve_same(spike_counts[pre], kernel_for_pathway(cdm_kernel_z, pre, post, pairing))
    return out


def decimate(signal: np.ndarray, factor: int) -> np.ndarray:
    """Zero-phase decimation along the last axis: scipy's order-8 Chebyshev I IIR, forward and backward.

    Parameters
    ----------
    signal : array (..., samples)
        Sampled every dt.
    factor : int
        q: every q-th sample is kept after the low-pass (1: unchanged).

    Returns
    -------
    array (..., ceil(samples / q))
        float64, the signal's units.
    """
    if factor == 1:
        return np.asarray(signal, dtype=np.float64)
    return ss.decimate(signal, factor, ftype="iir", zero_phase=True, axis=-1)


def spike_counts_per_bin(spike_steps: np.ndarray, transient_steps: int, n_bins: int) -> np.ndarray:
    """Spikes per dt bin in the window [transient, tstop): bin n holds steps transient_steps + n (docs/model.md §3).

    Parameters
    ----------
    spike_steps : int array (spikes,)
        Each spike's time step (t / dt) of one population.
    transient_steps : int
        The window's first step.
    n_bins : int
        The window's length in steps; spikes outside are ignored.

    Returns
    -------
    int32 array (n_bins,)

    Examples
    --------
    >>> spike_counts_per_bin(np.array([3, 4, 4, 9, 12]), transient_steps=4, n_bins=6)
    array([2, 0, 0, 0, 0, 1], dtype=int32)
    """
    index = spike_steps.astype(np.int64) - transient_steps
    index = index[(index >= 0) & (index < n_bins)]
    return np.bincount(index, minlength=n_bins).astype(np.int32)


def counts_window(spike_steps: dict[str, np.ndarray], first_step: int, n_bins: int) -> np.ndarray:
    """Spikes per dt bin of each population in steps first_step .. first_step + n_bins - 1.

    Parameters
    ----------
    spike_steps : dict
        Population name -> int array of spike time steps.
    first_step : int
        The window's first step.
    n_bins : int
        The window's length in steps.

    Returns
    -------
    int32 array (populations, n_bins)
        POPULATIONS order.
    """
    return np.stack([spike_counts_per_bin(np.asarray(spike_steps[name]), first_step, n_bins) for name in POPULATIONS])


def current_dipole_moment(spike_counts: np.ndarray, cdm_kernel_z: np.ndarray, decimation_factor: int,
                          pairing: str = "correct", history_bins: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The decimated pathways and their sum, the CDM (docs/model.md §3).

    Parameters
    ----------
    spike_counts : int array (populations, bins)
        Spikes per dt bin of E and I; the first `history_bins` bins are history (steady onset).
    cdm_kernel_z : array (pre, post, lags)
        The z-kernels H_{post<-pre}, nA·um per spike, centred and causal.
    decimation_factor : int
        q: every q-th sample after the zero-phase low-pass is kept.
    pairing : {"correct", "legacy"}
        Which kernel each population's counts meet (see kernel_for_pathway).
    history_bins : int
        Leading bins that shape the signal but whose own samples are dropped; a multiple of q.

    Returns
    -------
    pathways : float32 array (pre, post, samples)
        Each decimated pathway, nA·um.
    cdm : float32 array (samples,)
        Their sum, nA·um; samples = (bins - history_bins) / q.
    """
    if history_bins % decimation_factor:
        raise ValueError(f"history of {history_bins} bins is not a multiple of the decimation factor "
                         f"{decimation_factor}")
    pathways = decimate(pathway_signals(spike_counts, cdm_kernel_z, pairing), decimation_factor)
    pathways = pathways[..., history_bins // decimation_factor:]
    return pathways.astype(np.float32), pathways.sum(axis=(0, 1)).astype(np.float32)

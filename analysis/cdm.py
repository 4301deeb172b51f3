"""From population spike counts and kernels to the current dipole moment (SPEC §3).

    P^{XY}(t) = nu_X(t) * H^z_{Y<-X}(t)      (one pathway: presynaptic X, postsynaptic Y)
    CDM(t)    = sum over the four pathways, each decimated by q = 10 (zero-phase Chebyshev I)

nu_X are spike counts per dt bin (not rates); the kernels are centred (index L//2 = lag 0) and causal.
"""
from __future__ import annotations

import numpy as np
import scipy.signal as ss

POPULATIONS = ("E", "I")
PAIRINGS = ("correct", "legacy")


def convolve_same(counts: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """numpy.convolve(counts, kernel, 'same') by FFT: the same numbers, far faster for 160 000 bins."""
    return ss.fftconvolve(np.asarray(counts, dtype=np.float64), np.asarray(kernel, dtype=np.float64), mode="same")


def kernel_for_pathway(cdm_kernel_z: np.ndarray, pre: int, post: int, pairing: str = "correct") -> np.ndarray:
    """The kernel to convolve with the counts of `pre` in the pathway pre -> post.

    correct: H_{post<-pre}. legacy: the original tutorial's bug, which looked kernels up as 'X:Y' (post:pre)
    with X the presynaptic population, i.e. used H_{pre<-post}; on the diagonal both are the same.
    """
    if pairing == "correct":
        return cdm_kernel_z[pre, post]
    if pairing == "legacy":
        return cdm_kernel_z[post, pre]
    raise ValueError(f"params.yaml: cdm.pairing = {pairing!r} is invalid; accepted: {' | '.join(PAIRINGS)}")


def pathway_signals(spike_counts: np.ndarray, cdm_kernel_z: np.ndarray, pairing: str = "correct") -> np.ndarray:
    """P^{XY}(t) at the simulation resolution, shape (pre, post, time), nA·um."""
    n_pop = len(POPULATIONS)
    out = np.empty((n_pop, n_pop, spike_counts.shape[1]))
    for pre in range(n_pop):
        for post in range(n_pop):
            out[pre, post] = convolve_same(spike_counts[pre], kernel_for_pathway(cdm_kernel_z, pre, post, pairing))
    return out


def decimate(signal: np.ndarray, factor: int) -> np.ndarray:
    """Zero-phase decimation along the last axis: scipy's order-8 Chebyshev I IIR, forward and backward."""
    if factor == 1:
        return np.asarray(signal, dtype=np.float64)
    return ss.decimate(signal, factor, ftype="iir", zero_phase=True, axis=-1)


def current_dipole_moment(spike_counts: np.ndarray, cdm_kernel_z: np.ndarray, decimation_factor: int,
                          pairing: str = "correct") -> tuple[np.ndarray, np.ndarray]:
    """The decimated pathways (pre, post, time) and their sum, the CDM, both float32 in nA·um."""
    pathways = decimate(pathway_signals(spike_counts, cdm_kernel_z, pairing), decimation_factor)
    return pathways.astype(np.float32), pathways.sum(axis=(0, 1)).astype(np.float32)

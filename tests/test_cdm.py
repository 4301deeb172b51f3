"""From spike counts and kernels to the CDM (analysis/cdm.py, SPEC §3)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

from analysis import cdm


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(11)
    counts = rng.poisson([[0.5], [0.2]], size=(2, 4000)).astype(np.int32)
    lags = np.arange(-400, 401)
    kernels = np.zeros((2, 2, lags.size))
    for pre in range(2):
        for post in range(2):  # four different causal kernels
            kernels[pre, post, lags >= 0] = -(1 + pre + 2 * post) * np.exp(-lags[lags >= 0] / (20.0 + 10 * post))
    return counts, kernels


def test_fft_convolution_equals_direct_convolution(inputs):
    counts, kernels = inputs
    direct = np.convolve(counts[0].astype(float), kernels[1, 0], mode="same")
    fast = cdm.convolve_same(counts[0], kernels[1, 0])
    assert np.max(np.abs(fast - direct)) <= 1e-9 * np.max(np.abs(direct))


def test_single_spike_reproduces_the_kernel_shifted_to_its_bin(inputs):
    _, kernels = inputs
    counts = np.zeros((2, 3000), dtype=np.int32)
    counts[1, 1000] = 1  # one I spike in bin 1000
    pathways = cdm.pathway_signals(counts, kernels)
    centre = kernels.shape[-1] // 2
    np.testing.assert_allclose(pathways[1, 0, 1000:1000 + centre + 1], kernels[1, 0, centre:], atol=1e-12)
    np.testing.assert_allclose(pathways[1, 0, :1000], 0.0, atol=1e-12)  # causal: nothing before the spike
    np.testing.assert_allclose(pathways[0], 0.0, atol=1e-12)  # no E spikes, no E pathways


def test_legacy_pairing_swaps_exactly_the_off_diagonal_kernels(inputs):
    counts, kernels = inputs
    correct = cdm.pathway_signals(counts, kernels, "correct")
    legacy = cdm.pathway_signals(counts, kernels, "legacy")
    np.testing.assert_array_equal(legacy[0, 0], correct[0, 0])
    np.testing.assert_array_equal(legacy[1, 1], correct[1, 1])
    # legacy = nu_E*(H_{E<-E} + H_{E<-I}) + nu_I*(H_{I<-E} + H_{I<-I}): rate of E with the I->E kernel, ...
    np.testing.assert_allclose(legacy[0, 1], cdm.convolve_same(counts[0], kernels[1, 0]), rtol=1e-12)
    np.testing.assert_allclose(legacy[1, 0], cdm.convolve_same(counts[1], kernels[0, 1]), rtol=1e-12)
    difference = legacy.sum(axis=(0, 1)) - correct.sum(axis=(0, 1))
    expected = (cdm.convolve_same(counts[0], kernels[1, 0] - kernels[0, 1])
                + cdm.convolve_same(counts[1], kernels[0, 1] - kernels[1, 0]))
    np.testing.assert_allclose(difference, expected, atol=1e-9 * np.abs(expected).max())


def test_unknown_pairing_is_named(inputs):
    counts, kernels = inputs
    with pytest.raises(ValueError, match=r"cdm.pairing = 'swapped' is invalid; accepted: correct \| legacy"):
        cdm.pathway_signals(counts, kernels, "swapped")


def test_cdm_is_decimated_sum_of_pathways_in_float32(inputs):
    counts, kernels = inputs
    pathways, total = cdm.current_dipole_moment(counts, kernels, decimation_factor=10)
    assert pathways.shape == (2, 2, 400) and total.shape == (400,)
    assert pathways.dtype == total.dtype == np.float32
    full = cdm.pathway_signals(counts, kernels)
    expected = ss.decimate(full, 10, ftype="iir", zero_phase=True, axis=-1).sum(axis=(0, 1))
    np.testing.assert_allclose(total, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())
    np.testing.assert_allclose(pathways.sum(axis=(0, 1)), total, rtol=1e-5, atol=1e-5 * np.abs(total).max())

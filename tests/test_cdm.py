"""From spike counts and kernels to the CDM (analysis/model/cdm.py, docs/model.md §3)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

from analysis.model import cdm


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


def test_regression_pairing_legacy_swaps_exactly_the_off_diagonal_kernels(inputs):
    """Regression test for the original post:pre kernel lookup (docs/model.md §3)."""
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
    with pytest.raises(ValueError, match=r"^pairing = 'swapped' is invalid; accepted: correct \| legacy"):
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


# ---------------------------------------------------------------------------------------------------------------
# The onset of the analysed window (docs/model.md §3): steady-state signals vs the original tutorial's truncation.
# A stationary network: Poisson spikes at the study's order of magnitude (E 8192 x 6 spikes/s, I 1024 x 10 spikes/s
# at dt = 0.0625 ms) and causal kernels as long as the study's (tau = 100 ms) with an I->E-like 20 ms decay.
DT_MS, Q, TAU_MS = 0.0625, 10, 100.0
TRANSIENT_BINS, WINDOW_BINS = 16000, 32000          # spikes from t = 0; analysed window [1 s, 3 s)


@pytest.fixture(scope="module")
def stationary():
    rng = np.random.default_rng(2022)
    expected_per_bin = {"E": 8192 * 6.0 * DT_MS / 1000, "I": 1024 * 10.0 * DT_MS / 1000}
    n_bins = TRANSIENT_BINS + WINDOW_BINS
    steps = {name: np.repeat(np.arange(n_bins), rng.poisson(rate, n_bins)) for name, rate in expected_per_bin.items()}
    n_lags = int(TAU_MS / DT_MS)
    lag_ms = np.arange(-n_lags, n_lags + 1) * DT_MS
    kernels = np.zeros((2, 2, lag_ms.size))
    causal = lag_ms >= 0
    for pre, size, decay_ms in ((0, -1.0, 5.0), (1, -40.0, 20.0)):
        for post in range(2):
            kernels[pre, post, causal] = size * (1 + post) * np.exp(-lag_ms[causal] / decay_ms)
    return steps, kernels


def window_cdm(steps, kernels, history_ms):
    history_bins = int(round(history_ms / DT_MS))
    counts = cdm.counts_window(steps, TRANSIENT_BINS - history_bins, history_bins + WINDOW_BINS)
    return cdm.current_dipole_moment(counts, kernels, Q, history_bins=history_bins)[1].astype(np.float64)


def first_block_offset_in_block_sds(trace, block_ms=50.0):
    """How far the first 50-ms block's mean lies from the mean of the rest, in sds of the rest's block means."""
    block = int(round(block_ms / (DT_MS * Q)))
    means = trace[: trace.size // block * block].reshape(-1, block).mean(axis=1)
    return abs(means[0] - means[1:].mean()) / means[1:].std()


def test_regression_onset_artefact_steady_signal_starts_in_steady_state(stationary):
    """Regression test for the original onset artefact: the first 50 ms lie within the spread of 50-ms block means
    with steady-state signals, and far outside it with the legacy truncation (the CDM ramps up from 0)."""
    steps, kernels = stationary
    steady = window_cdm(steps, kernels, history_ms=200.0)
    legacy = window_cdm(steps, kernels, history_ms=0.0)
    assert first_block_offset_in_block_sds(steady) < 3.0
    assert first_block_offset_in_block_sds(legacy) > 10.0


def test_single_spike_before_the_transient_reaches_only_the_steady_cdm(stationary):
    _, kernels = stationary
    steps = {"E": np.array([TRANSIENT_BINS - 1]), "I": np.array([], dtype=np.int64)}  # one E spike, 1 bin early
    steady = window_cdm(steps, kernels, history_ms=200.0)
    legacy = window_cdm(steps, kernels, history_ms=0.0)
    assert np.all(legacy == 0.0)
    # its area: q x (sum of the decimated samples) = the kernels' area from lag 1 bin on (lag 0 fell before the
    # window) of both pathways E->E and E->I, times the filter's DC gain (its 0.05 dB ripple trough, passed twice);
    # to a few %, as every q-th sample of a signal with a jump (the kernels' onset) sums to its area only roughly
    centre = kernels.shape[-1] // 2
    area = (kernels[0, 0, centre + 1:] + kernels[0, 1, centre + 1:]).sum() * 10 ** (-2 * 0.05 / 20)
    assert steady.sum() * Q == pytest.approx(area, rel=0.03)
    assert steady[0] < 0.5 * kernels[0, 0, centre + 1] + 0.5 * kernels[0, 1, centre + 1]


def test_decimation_edge_lies_outside_the_kept_window(stationary):
    """Doubling the history changes no kept sample (to float32 rounding): neither the convolution's edge nor the
    filter's transient reach [transient, tstop). Without history they do."""
    steps, kernels = stationary
    steady = window_cdm(steps, kernels, history_ms=200.0)
    longer = window_cdm(steps, kernels, history_ms=400.0)
    legacy = window_cdm(steps, kernels, history_ms=0.0)
    scale = np.abs(steady).max()
    assert np.abs(steady - longer).max() <= 1e-6 * scale
    assert np.abs(steady - legacy)[:10].max() > 0.1 * scale


def test_required_history_is_kernel_support_plus_filter_settling():
    # the order-8 Chebyshev I at 0.8 x the new Nyquist, q = 10 at 16 kHz: its impulse response's tail holds < 1e-6
    # of its mass after 46.4 ms (742 samples); without decimation nothing settles
    assert cdm.filter_settling_ms(10, 0.0625) == pytest.approx(46.4375)
    assert cdm.filter_settling_ms(1, 0.0625) == 0.0
    assert cdm.required_history_ms(100.0, 10, 0.0625) == pytest.approx(146.4375)


def test_history_must_be_a_multiple_of_the_decimation_factor(inputs):
    counts, kernels = inputs
    with pytest.raises(ValueError, match="not a multiple of the decimation factor 10"):
        cdm.current_dipole_moment(counts, kernels, 10, history_bins=15)


def test_reference_cdm_segment(stationary):
    """Pinned: the steady-state CDM of the stationary test network (Poisson spikes of seed 2022, exponential
    kernels): mean, sd and ten samples; an upgrade of scipy's FFT convolution or decimation filter fails here."""
    from tests.reference_values import check_reference

    steps, kernels = stationary
    segment = window_cdm(steps, kernels, history_ms=200.0)
    values = {"mean_nAum": segment.mean(), "sd_nAum": segment.std()}
    values.update({f"sample_{i}_nAum": segment[i] for i in range(0, 3200, 320)})
    check_reference("cdm_segment", values, rtol=1e-5)


def test_spike_counts_per_bin_window_is_half_open():
    steps = np.array([9, 10, 10, 11, 19, 20, 25], dtype=np.int32)
    counts = cdm.spike_counts_per_bin(steps, transient_steps=10, n_bins=10)
    np.testing.assert_array_equal(counts, [2, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    assert counts.dtype == np.int32

"""The aperiodic fit (analysis/methods/spectra.py) of synthetic signals with a known 1/f^chi spectrum."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import spectra

RATE_HZ, N_SAMPLES = 1600.0, 4000   # study 2's traces: 2.5 s at 1.6 kHz
FIT_SETTINGS = {"freq_range_Hz": (5.0, 200.0), "max_n_peaks": 5, "peak_width_limits_Hz": (10.0, 50.0)}


def power_law_noise(chi: float, seed: int) -> np.ndarray:
    """A random-phase signal whose power spectrum is exactly 1 / f^chi (amplitude f^(-chi / 2))."""
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / RATE_HZ)
    amplitude = np.zeros_like(freqs)
    amplitude[1:] = freqs[1:] ** (-chi / 2)
    phases = np.exp(2j * np.pi * rng.uniform(size=freqs.size))
    return np.fft.irfft(amplitude * phases, n=N_SAMPLES)


@pytest.mark.parametrize("chi", [1.0, 2.0, 3.0])
def test_exponent_of_a_power_law_is_recovered(chi):
    estimates = [spectra.aperiodic_fit(power_law_noise(chi, seed), RATE_HZ).exponent for seed in range(3)]
    assert np.mean(estimates) == pytest.approx(chi, abs=0.1)


def test_a_flat_trace_has_no_fit():
    assert all(np.isnan(spectra.aperiodic_fit(np.zeros(N_SAMPLES), RATE_HZ)))


def test_gaussian_power_law_noise_has_the_asked_spectrum():
    """Averaged over many realizations the periodogram follows 1/f^chi: its log-log slope is -chi."""
    rng = np.random.default_rng(1)
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / RATE_HZ)
    power = np.mean([np.abs(np.fft.rfft(spectra.gaussian_power_law_noise(N_SAMPLES, RATE_HZ, 1.5, rng))) ** 2
                     for _ in range(200)], axis=0)
    band = (freqs >= 5) & (freqs <= 200)
    slope = np.polyfit(np.log10(freqs[band]), np.log10(power[band]), 1)[0]
    assert slope == pytest.approx(-1.5, abs=0.05)


def test_the_fit_error_of_a_perfect_model_is_the_welch_scatter():
    """On Gaussian 1/f^2 noise the aperiodic model is exact, so fooof's error is the Welch estimate's scatter:
    it falls with the number of periodograms averaged. 2.5 s in 1-s segments (50 % overlap) averages 4, in 0.25-s
    segments 19: the error falls to 0.32 of its value (sqrt(4/19) = 0.46 for the scatter alone; the coarser
    grid gives fooof's peaks less noise to absorb), while the exponent stays right."""
    rng = np.random.default_rng(7)
    traces = [spectra.gaussian_power_law_noise(N_SAMPLES, RATE_HZ, 2.0, rng) for _ in range(6)]
    long_segments = [spectra.aperiodic_fit(t, RATE_HZ, segment_s=1.0, **FIT_SETTINGS) for t in traces]
    short_segments = [spectra.aperiodic_fit(t, RATE_HZ, segment_s=0.25, **FIT_SETTINGS) for t in traces]
    ratio = np.median([f.error for f in short_segments]) / np.median([f.error for f in long_segments])
    assert 0.15 < ratio < 0.65
    assert np.mean([f.exponent for f in short_segments]) == pytest.approx(2.0, abs=0.15)
    # and the reference the audit compares a study's fits with is that same scatter
    reference = spectra.scatter_only_error(N_SAMPLES, RATE_HZ, 2.0, 3, {"segment_s": 1.0, **FIT_SETTINGS})
    assert reference == pytest.approx(np.median([f.error for f in long_segments]), rel=0.25)


def test_a_model_that_misses_the_shape_has_an_error_above_the_scatter():
    """A spectrum with a knee (flat below 30 Hz, 1/f^8 above, a steep low-pass) is no single power law: the
    fixed-mode fit leaves an error well above (3.1-3.5 x, seeds 11 and 12) what spectra of this length leave on a
    perfect model."""
    rng = np.random.default_rng(11)
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / RATE_HZ)
    amplitude = np.sqrt(1.0 / (1.0 + (freqs / 30.0) ** 8))
    errors = []
    for _ in range(6):
        coefficients = rng.normal(size=freqs.size) + 1j * rng.normal(size=freqs.size)
        trace = np.fft.irfft(amplitude * coefficients, n=N_SAMPLES)
        errors.append(spectra.aperiodic_fit(trace, RATE_HZ, segment_s=0.25, **FIT_SETTINGS).error)
    reference = spectra.scatter_only_error(N_SAMPLES, RATE_HZ, 2.0, 3, {"segment_s": 0.25, **FIT_SETTINGS})
    assert np.median(errors) > 2 * reference

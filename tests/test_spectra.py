"""The aperiodic exponent (analysis/methods/spectra.py) of synthetic signals with a known 1/f^chi spectrum."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.methods import spectra

RATE_HZ, N_SAMPLES = 1600.0, 4000   # study 2's traces: 2.5 s at 1.6 kHz


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
    estimates = [spectra.aperiodic_exponent(power_law_noise(chi, seed), RATE_HZ) for seed in range(3)]
    assert np.mean(estimates) == pytest.approx(chi, abs=0.1)


def test_a_flat_trace_has_no_exponent():
    assert np.isnan(spectra.aperiodic_exponent(np.zeros(N_SAMPLES), RATE_HZ))

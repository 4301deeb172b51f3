"""The onset comparison's summaries (analysis/methods/onsets.py) on synthetic traces and feature tables."""
from __future__ import annotations

import numpy as np

from analysis.methods import onsets

RNG = np.random.default_rng(7)


def test_a_ramp_from_zero_stands_out_and_a_steady_trace_does_not():
    # a CDM of mean 50 and sd 1 (arbitrary units), 16 000 samples; the legacy onset ramps up from 0 over the
    # first 160 samples (100 ms at 1.6 kHz). Steady: the first 160 of 16 000 Gaussian samples stay within
    # |z| < 4.5 (probability of more ~ 1e-3); legacy: the first sample is ~ 50 / sd(trace) below the mean.
    steady = 50.0 + RNG.normal(size=16_000)
    legacy = steady.copy()
    legacy[:160] *= np.linspace(0.0, 1.0, 160)
    assert onsets.onset_peak_z(steady, 160) < 4.5
    assert onsets.onset_peak_z(legacy, 160) > 10.0
    assert np.isnan(onsets.onset_peak_z(np.full(100, 3.0), 10))

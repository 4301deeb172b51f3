"""The aperiodic exponent of an EEG power spectrum (docs/model.md §8): Welch, then spectral parameterization.

The power spectrum is estimated with Welch's method on 1-s segments and fitted with the spectral
parameterization algorithm (Donoghue et al. 2020, the `fooof` package, 1.1.1: its stable release) in 'fixed'
aperiodic mode, P(f) = 10^b / f^chi plus up to max_n_peaks Gaussian peaks of widths peak_width_limits_Hz,
over freq_range_Hz, as the ncpi toolbox does. The exponent chi is the feature.

References: Donoghue T, et al. (2020). Parameterizing neural power spectra into periodic and aperiodic
components. Nat Neurosci 23:1655-1665.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.signal as ss


def welch_psd(trace: np.ndarray, sampling_rate_Hz: float, segment_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Power spectral density of a trace by Welch's method.

    Parameters
    ----------
    trace : ndarray (samples,)
        The trace.
    sampling_rate_Hz : float
        Its sampling rate, Hz.
    segment_s : float
        Segment length, s (the whole trace when it is shorter).

    Returns
    -------
    frequencies_Hz : ndarray
    power : ndarray
        Per Hz, in the trace's unit squared.
    """
    n_segment = int(round(segment_s * sampling_rate_Hz))
    return ss.welch(np.asarray(trace, dtype=np.float64), fs=sampling_rate_Hz, nperseg=min(n_segment, len(trace)))


def aperiodic_exponent(trace: np.ndarray, sampling_rate_Hz: float, freq_range_Hz=(5.0, 200.0),
                       max_n_peaks: int = 5, peak_width_limits_Hz=(10.0, 50.0), segment_s: float = 1.0) -> float:
    """chi of the fixed-mode aperiodic fit P(f) ~ 1 / f^chi (NaN when the fit fails or the trace is flat).

    Parameters
    ----------
    trace : array (samples,)
        The EEG (any unit: the exponent is scale-free).
    sampling_rate_Hz : float
    freq_range_Hz, max_n_peaks, peak_width_limits_Hz, segment_s
        The fit's settings (params.yaml study2.spectrum).

    Returns
    -------
    float
        The aperiodic exponent chi (dimensionless).
    """
    trace = np.asarray(trace, dtype=np.float64)
    if not np.all(np.isfinite(trace)) or np.std(trace) == 0:
        return float("nan")
    freqs, psd = welch_psd(trace, sampling_rate_Hz, segment_s)
    # fooof announces its successor on import (and resets the warning filters to 'always'): record, not print
    with warnings.catch_warnings(record=True):
        from fooof import FOOOF

        model = FOOOF(peak_width_limits=list(peak_width_limits_Hz), max_n_peaks=max_n_peaks,
                      aperiodic_mode="fixed", verbose=False)
        model.fit(freqs, psd, list(freq_range_Hz))
    if not model.has_model:
        return float("nan")
    return float(model.get_params("aperiodic_params", "exponent"))

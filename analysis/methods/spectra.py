"""The aperiodic exponent of an EEG power spectrum (docs/model.md §8): Welch, then spectral parameterization.

The power spectrum is estimated with Welch's method on 1-s segments and fitted with the spectral
parameterization algorithm (Donoghue et al. 2020, the `fooof` package, 1.1.1: its stable release) in 'fixed'
aperiodic mode, P(f) = 10^b / f^chi plus up to max_n_peaks Gaussian peaks of widths peak_width_limits_Hz,
over freq_range_Hz, as the ncpi toolbox does. The exponent chi is the feature; the fit's R^2 and error are
kept beside it for the feature audit (a poor fit makes a poor feature).

References: Donoghue T, et al. (2020). Parameterizing neural power spectra into periodic and aperiodic
components. Nat Neurosci 23:1655-1665.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

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


class AperiodicFit(NamedTuple):
    """The fixed-mode aperiodic fit of one spectrum and how well the whole model fits (NaN when there is none).

    Parameters
    ----------
    exponent : float
        chi of P(f) ~ 1 / f^chi (dimensionless): the feature.
    r_squared : float
        fooof's R^2 of the full model (aperiodic + peaks) against log10 power over freq_range_Hz.
    error : float
        fooof's mean absolute error of that fit, in log10 power (0.3 is a factor of 2).
    """
    exponent: float
    r_squared: float
    error: float


NO_FIT = AperiodicFit(float("nan"), float("nan"), float("nan"))
# the fit's quality in a study's feature table: beside the features, never among them
FIT_QUALITY_COLUMNS = ("aperiodic_fit_r2", "aperiodic_fit_error")


def aperiodic_fit(trace: np.ndarray, sampling_rate_Hz: float, freq_range_Hz=(5.0, 200.0),
                  max_n_peaks: int = 5, peak_width_limits_Hz=(10.0, 50.0), segment_s: float = 1.0) -> AperiodicFit:
    """The aperiodic exponent of a trace's Welch spectrum, with the fit's quality (docs/model.md §8).

    Parameters
    ----------
    trace : array (samples,)
        The EEG (any unit: the exponent is scale-free).
    sampling_rate_Hz : float
    freq_range_Hz, max_n_peaks, peak_width_limits_Hz, segment_s
        The fit's settings (params.yaml study2.spectrum).

    Returns
    -------
    AperiodicFit
        NO_FIT (all NaN) when the trace is flat or not finite, or the fit fails.

    Examples
    --------
    A pure power law 1/f^2 (random phases, 2.5 s at 1.6 kHz) is recovered, and fitted well:

    >>> rng = np.random.default_rng(0)
    >>> f = np.fft.rfftfreq(4000, 1 / 1600.0)
    >>> amplitude = np.r_[0.0, f[1:] ** -1.0]
    >>> trace = np.fft.irfft(amplitude * np.exp(2j * np.pi * rng.uniform(size=f.size)), n=4000)
    >>> fit = aperiodic_fit(trace, 1600.0, segment_s=0.25)
    >>> bool(abs(fit.exponent - 2.0) < 0.15 and fit.r_squared > 0.9)
    True
    """
    trace = np.asarray(trace, dtype=np.float64)
    if not np.all(np.isfinite(trace)) or np.std(trace) == 0:
        return NO_FIT
    freqs, psd = welch_psd(trace, sampling_rate_Hz, segment_s)
    # fooof announces its successor on import (and resets the warning filters to 'always'): record, not print
    with warnings.catch_warnings(record=True):
        from fooof import FOOOF

        model = FOOOF(peak_width_limits=list(peak_width_limits_Hz), max_n_peaks=max_n_peaks,
                      aperiodic_mode="fixed", verbose=False)
        model.fit(freqs, psd, list(freq_range_Hz))
    if not model.has_model:
        return NO_FIT
    return AperiodicFit(float(model.get_params("aperiodic_params", "exponent")), float(model.r_squared_),
                        float(model.error_))


# traces behind the scatter-only reference error: its median then varies by 1.9 % (sd) over seeds (2.5-s traces)
REFERENCE_TRACES = 20


def gaussian_power_law_noise(n_samples: int, sampling_rate_Hz: float, exponent: float,
                             rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose expected power spectrum is exactly 1 / f^exponent.

    Each Fourier coefficient is complex normal with variance f^(-exponent), so the periodogram scatters as a real
    signal's does (chi-squared with 2 degrees of freedom per frequency), unlike a random-phase signal.

    Parameters
    ----------
    n_samples : int
    sampling_rate_Hz : float
    exponent : float
        chi (dimensionless).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray (n_samples,)
    """
    freqs = np.fft.rfftfreq(n_samples, 1 / sampling_rate_Hz)
    amplitude = np.zeros_like(freqs)
    amplitude[1:] = freqs[1:] ** (-exponent / 2)
    coefficients = rng.normal(size=freqs.size) + 1j * rng.normal(size=freqs.size)
    return np.fft.irfft(amplitude * coefficients, n=n_samples)


def scatter_only_error(n_samples: int, sampling_rate_Hz: float, exponent: float, seed: int,
                       fit_settings: dict) -> float:
    """The fit error that a perfect aperiodic model leaves on traces of this length (docs/model.md §8).

    fooof's error on Gaussian noise with an exact 1/f^exponent spectrum is the Welch estimate's own scatter
    (it falls as 1/sqrt(segments)); a study's median error near it means that the fits are as good as the
    spectra allow, and one far above it that the model misses the spectra's shape.

    Parameters
    ----------
    n_samples, sampling_rate_Hz
        The study's traces.
    exponent : float
        chi of the reference noise (the study's median exponent).
    seed : int
        Of the reference traces.
    fit_settings : dict
        aperiodic_fit's keyword arguments (study2.spectrum).

    Returns
    -------
    float
        Median fooof error over REFERENCE_TRACES traces, log10 power.
    """
    rng = np.random.default_rng(seed)
    errors = [aperiodic_fit(gaussian_power_law_noise(n_samples, sampling_rate_Hz, exponent, rng), sampling_rate_Hz,
                            **fit_settings).error for _ in range(REFERENCE_TRACES)]
    return float(np.median(errors))

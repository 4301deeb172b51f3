"""The features of one study-2 run (docs/model.md §8): its EEG by study 1's forward chain, then the 22 catch22
features and the aperiodic exponent of that trace. Apart from analysis/methods/features.py so that study 1's
features stage does not depend on the forward chain.
"""
from __future__ import annotations

import numpy as np

from analysis.methods import spectra
from analysis.methods.features import FEATURE_NAMES, catch22_features
from analysis.model import forward
from analysis.params import Params


def run_features(run: dict, run_params: Params, kernels: dict, gain: np.ndarray, nearest: int) -> dict[str, float]:
    """catch22 and the aperiodic exponent of one accepted run's EEG at the electrode nearest the dipole.

    Parameters
    ----------
    run : dict
        A loaded study-2 run (its spikes).
    run_params : Params
        The draw's parameters (draws.study2_params).
    kernels : dict
        {"cdm_kernel_z": ...} for this run (forward.KernelSource.for_item).
    gain : ndarray (electrodes,)
        EEG per unit CDM, mV per nA·um.
    nearest : int
        Index of the electrode nearest the dipole.

    Returns
    -------
    dict
        The 22 features by name, aperiodic_exponent, and the spectral fit's R^2 and error (spectra.FIT_QUALITY_COLUMNS).
    """
    eeg = forward.item_signals(run, kernels, run_params, gain)["eeg_all"][nearest]
    rate_Hz = run_params.sampling_rate_Hz
    spectrum = run_params.study2.spectrum
    values = dict(zip(FEATURE_NAMES, catch22_features(eeg)))
    fit = spectra.aperiodic_fit(eeg, rate_Hz, spectrum.freq_range_Hz, spectrum.max_n_peaks,
                                spectrum.peak_width_limits_Hz, spectrum.segment_s)
    values["aperiodic_exponent"] = fit.exponent
    # not features: the spectral fit's quality, for the feature audit
    values.update(zip(spectra.FIT_QUALITY_COLUMNS, (fit.r_squared, fit.error)))
    return values

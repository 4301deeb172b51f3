"""What the original tutorial's CDM onset artefact does to a trace and to the features (docs/model.md §3).

The legacy onset counts spikes from the transient on, so the CDM ramps up from 0 over the kernels' causal
support (kernels.tau_ms) before it reaches its steady state; the steady onset counts them from cdm.history_ms
earlier and keeps only steady-state samples. The comparison stage (`analysis/compare_onsets.py`) computes both
chains; this function measures the artefact, `legacy.py` compares the features.
"""
from __future__ import annotations

import numpy as np

from analysis.methods import features


def onset_peak_z(trace: np.ndarray, n_samples: int) -> float:
    """The largest |z-score| among the first samples of a trace, z-scored over the whole trace.

    Parameters
    ----------
    trace : numpy.ndarray, shape (samples,)
        An EEG or CDM trace, any unit.
    n_samples : int
        The samples at the start that the artefact can reach.

    Returns
    -------
    float
        max |z| over trace[:n_samples]; NaN for a trace that cannot be z-scored (constant or non-finite).
    """
    z = features.zscore(trace)
    return float(np.abs(z[:n_samples]).max()) if z is not None else float("nan")

"""What the original tutorial's CDM onset artefact does to a trace and to the features (docs/model.md §3).

The legacy onset counts spikes from the transient on, so the CDM ramps up from 0 over the kernels' causal
support (kernels.tau_ms) before it reaches its steady state; the steady onset counts them from cdm.history_ms
earlier and keeps only steady-state samples. The comparison stage (`analysis/compare_onsets.py`) computes both
chains; these functions summarise them.
"""
from __future__ import annotations

import numpy as np

from analysis.methods import cross_validation, features

# the number of features the comparison names as the ones whose relation to J_ext the onset changed most
N_MOST_CHANGED = 5


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


def feature_correlations(tables: dict) -> dict:
    """Per catch22 feature: Pearson's r with J_ext under each onset, and its change steady − legacy.

    Parameters
    ----------
    tables : dict
        "legacy" and "steady": the features table of each onset (J_ext_pA and the catch22 columns).

    Returns
    -------
    dict
        feature -> {"r_legacy": r, "r_steady": r, "change": r_steady - r_legacy} (NaN where r is undefined).
    """
    out = {}
    for name in features.FEATURE_NAMES:
        r = {onset: cross_validation.pearson_r(table[name].to_numpy(float), table["J_ext_pA"].to_numpy(float))
             for onset, table in tables.items()}
        out[name] = {**{f"r_{onset}": value for onset, value in r.items()},
                     "change": r["steady"] - r["legacy"]}
    return out


def most_changed(correlations: dict, n: int = N_MOST_CHANGED) -> list[str]:
    """The n features with the largest finite |change| of their correlation with J_ext, largest first.

    Parameters
    ----------
    correlations : dict
        The output of `feature_correlations`.
    n : int
        How many to name.

    Returns
    -------
    list of str
        Feature names; ties keep catch22's order.
    """
    finite = [name for name, row in correlations.items() if np.isfinite(row["change"])]
    return sorted(finite, key=lambda name: -abs(correlations[name]["change"]))[:n]

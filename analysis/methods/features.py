"""catch22 features of a trace (docs/model.md §5).

Each trace is z-scored ((x - mean) / std, population std) and passed to pycatch22.catch22_all (22 features).
Columns follow docs/model.md §5's order and short names. pycatch22 >= 1.0 returns the features in another order and
renamed some (centroid_freq -> median_freq, transition_matrix -> transition_variance), so features are
matched by their catch22 v0.x ('legacy') names, never by position: the study's figure indices 4, 18, 19
(ami2, rs_range, dfa) would otherwise point at other features.

Lubba CH, Sethi SS, Knaute P, et al. (2019) catch22: CAnonical Time-series CHaracteristics. Data Min Knowl Disc
33:1821-1852.
"""
from __future__ import annotations

import functools
import multiprocessing
import sys
import warnings

import numpy as np
import pandas as pd


# docs/model.md §5: (short name, catch22 v0.x name), in the study's order
CATCH22_ORDER = (
    ("mode_5", "DN_HistogramMode_5"),
    ("mode_10", "DN_HistogramMode_10"),
    ("acf_timescale", "CO_f1ecac"),
    ("acf_first_min", "CO_FirstMin_ac"),
    ("ami2", "CO_HistogramAMI_even_2_5"),
    ("trev", "CO_trev_1_num"),
    ("high_fluctuation", "MD_hrv_classic_pnn40"),
    ("stretch_high", "SB_BinaryStats_mean_longstretch1"),
    ("transition_matrix", "SB_TransitionMatrix_3ac_sumdiagcov"),
    ("periodicity", "PD_PeriodicityWang_th0_01"),
    ("embedding_dist", "CO_Embed2_Dist_tau_d_expfit_meandiff"),
    ("ami_timescale", "IN_AutoMutualInfoStats_40_gaussian_fmmi"),
    ("whiten_timescale", "FC_LocalSimple_mean1_tauresrat"),
    ("outlier_timing_pos", "DN_OutlierInclude_p_001_mdrmd"),
    ("outlier_timing_neg", "DN_OutlierInclude_n_001_mdrmd"),
    ("low_freq_power", "SP_Summaries_welch_rect_area_5_1"),
    ("stretch_decreasing", "SB_BinaryStats_diff_longstretch0"),
    ("entropy_pairs", "SB_MotifThree_quantile_hh"),
    ("rs_range", "SC_FluctAnal_2_rsrangefit_50_1_logi_prop_r1"),
    ("dfa", "SC_FluctAnal_2_dfa_50_1_2_logi_prop_r1"),
    ("centroid_freq", "SP_Summaries_welch_rect_centroid"),
    ("forecast_error", "FC_LocalSimple_mean3_stderr"),
)


FEATURE_NAMES = tuple(short for short, _ in CATCH22_ORDER)


START_METHOD = "fork" if sys.platform == "linux" else "spawn"


@functools.cache
def pycatch22_positions() -> tuple[int, ...]:
    """For each feature of docs/model.md §5, its position in pycatch22.catch22_all's output (matched by legacy name)."""
    import pycatch22

    table = pycatch22.feature_table(catch24=False)
    by_legacy = {row.get("legacy_name", row["name"]): i for i, row in enumerate(table)}
    by_legacy.update({row["name"]: i for i, row in enumerate(table)})  # older pycatch22: names are legacy
    missing = [legacy for _, legacy in CATCH22_ORDER if legacy not in by_legacy]
    if missing:
        raise RuntimeError(f"pycatch22 {pycatch22.__version__ if hasattr(pycatch22, '__version__') else ''} "
                           f"lacks catch22 features {missing}; pin the version of requirements.lock")
    return tuple(by_legacy[legacy] for _, legacy in CATCH22_ORDER)


def zscore(trace: np.ndarray) -> np.ndarray | None:
    """(x - mean) / std with the population std (docs/model.md §5).

    Parameters
    ----------
    trace : ndarray (samples,)
        A CDM or EEG trace, any unit.

    Returns
    -------
    ndarray or None
        The z-scored trace; None when the std is zero or not finite, or the trace holds a non-finite value.

    Examples
    --------
    >>> zscore(np.array([1.0, 3.0]))
    array([-1.,  1.])
    >>> zscore(np.zeros(5)) is None
    True
    """
    trace = np.asarray(trace, dtype=np.float64)
    sd = trace.std()
    if not np.isfinite(sd) or sd == 0 or not np.all(np.isfinite(trace)):
        return None
    return (trace - trace.mean()) / sd


def catch22_features(trace: np.ndarray) -> np.ndarray:
    """The 22 catch22 features of one trace (docs/model.md §5).

    Parameters
    ----------
    trace : ndarray (samples,)
        A CDM or EEG trace; it is z-scored first.

    Returns
    -------
    ndarray (22,)
        In the order of FEATURE_NAMES; 22 NaNs (and a warning) for a flat or non-finite trace.
    """
    import pycatch22

    z = zscore(trace)
    if z is None:
        warnings.warn("trace with zero or non-finite standard deviation: its 22 features are NaN", RuntimeWarning,
                      stacklevel=2)
        return np.full(len(CATCH22_ORDER), np.nan)
    values = pycatch22.catch22_all(z.tolist(), catch24=False)["values"]
    return np.array([values[i] for i in pycatch22_positions()], dtype=np.float64)


def features_of_traces(traces: list[np.ndarray], n_jobs: int, progress: bool = True) -> np.ndarray:
    """The features of many traces, computed by n_jobs worker processes with a progress bar.

    Start method, chosen deliberately: 'fork' on Linux, where workers inherit the imported modules and start
    in milliseconds (spawn re-imports numpy and pycatch22 in each worker, ~0.5 s); safe here because this
    stage loads no NEST or NEURON and starts no threads of its own. 'spawn' elsewhere (macOS, Windows).

    Parameters
    ----------
    traces : list of ndarray
        The traces.
    n_jobs : int
        Worker processes (features.n_jobs); 1 computes in this process.
    progress : bool
        Show a progress bar.

    Returns
    -------
    ndarray (traces, 22)
    """
    from tqdm import tqdm

    if n_jobs <= 1 or len(traces) < 2:
        rows = [catch22_features(t) for t in tqdm(traces, desc="catch22", unit="trace", disable=not progress)]
    else:
        context = multiprocessing.get_context(START_METHOD)
        chunksize = max(1, len(traces) // (8 * n_jobs))
        with context.Pool(processes=n_jobs) as pool:
            rows = list(tqdm(pool.imap(catch22_features, traces, chunksize=chunksize), total=len(traces),
                             desc="catch22", unit="trace", disable=not progress))
    return np.array(rows).reshape(len(traces), len(CATCH22_ORDER))


def feature_table(keys: list[str], drives: list[float], features: np.ndarray) -> pd.DataFrame:
    """The features stage's table: key, J_ext_pA, then the 22 features.

    Parameters
    ----------
    keys : list of str
        Sweep keys.
    drives : list of float
        Their J_ext, pA.
    features : ndarray (items, 22)
        Their features.

    Returns
    -------
    pandas.DataFrame
    """
    table = pd.DataFrame(features, columns=list(FEATURE_NAMES))
    table.insert(0, "J_ext_pA", drives)
    table.insert(0, "key", keys)
    return table



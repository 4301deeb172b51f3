"""The study's files: every data path, written once, and the readers and writers of each file format.

Paths are relative to the work tree (DVC runs every stage from it). A stage names its inputs and outputs from
here; dvc.yaml spells the same paths for DVC. The formats:

  data/simulations/KEY.npz   spike_steps_E/I, spike_ids_E/I, spike_counts, rates_Hz, metadata   (simulate)
  data/kernels/kernels.npz   cdm_kernel_z (pre, post, lag), lag_ms, pre/post_populations, metadata (kernels)
  data/head_model.json       the EEG gain of every electrode per unit CDM, the nearest electrode   (head_model)
  data/signals/KEY.npz       cdm, cdm_pathways, eeg, eeg_all, eeg_gain_mV_per_nAum, ...          (signals)
  *.csv                      tables of features and predictions: 17 significant digits, "\\n" line ends
  figures/NAME.pdf|png       with the figure's provenance in its metadata (`provenance`, `save_figure`)
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import common
from analysis.common import atomic_path, json_array, params_hash, read_json, sha256_file, software_versions

# ------------------------------------------------------------------ study 1 (docs/model.md §1-§6)
SIMULATIONS_DIR = Path("data/simulations")
SEED_SPREAD_DIR = Path("data/seed_spread")
REFERENCE_SIMULATION = SIMULATIONS_DIR / "ref.npz"
KERNELS_DIR = Path("data/kernels")
KERNELS_FILE = KERNELS_DIR / "kernels.npz"
KERNELS_JSON = KERNELS_DIR / "kernels.json"
SIGNALS_DIR = Path("data/signals")
HEAD_MODEL_FILE = Path("data/head_model.json")
FEATURES_DIR = Path("data/features")
FEATURES_FILE = FEATURES_DIR / "features.csv"
ONSET_COMPARISON_DIR = Path("data/onset_comparison")
ONSET_EXAMPLES_FILE = ONSET_COMPARISON_DIR / "onset_examples.npz"
RIDGE_METRICS = Path("metrics/ridge.json")
PREDICTIONS_FILE = Path("metrics/predictions.csv")
ONSET_METRICS = Path("metrics/onset_comparison.json")
PAIRING_COMPARISON_DIR = Path("data/pairing_comparison")
PAIRING_METRICS = Path("metrics/pairing_comparison.json")
RIDGE_MODEL_FILE = Path("models/ridge_J_ext.json")
# the noise floor of study 1 (docs/model.md §9): ref and its seed-spread runs through the forward chain and the model
SEED_NOISE_FEATURES_FILE = Path("data/seed_noise/features.csv")
SEED_NOISE_METRICS = Path("metrics/seed_noise.json")
FIGURES_DIR = Path("figures")

# ------------------------------------------------------------------ study 2 (docs/model.md §8)
STUDY2_RUNS_DIR = Path("data/study2/runs")
STUDY2_REPLICATES_DIR = Path("data/study2/replicates")     # the noise floor's runs: a draw's theta, other seeds
STUDY2_REPLICATE_FEATURES_FILE = Path("data/study2/replicate_features.csv")
STUDY2_FEATURES_FILE = Path("data/study2/features.csv")
# the same runs' features with the other kernel mode (study2.kernels), for the side-by-side comparison
STUDY2_OTHER_KERNELS_FEATURES_FILE = Path("data/study2/features_other_kernels.csv")
STUDY2_POSTERIORS_FILE = Path("data/study2/posteriors.npz")
STUDY2_METRICS = Path("metrics/study2.json")

# ------------------------------------------------------------------ the paper
PAPER_TEMPLATE = Path("paper/paper.template.md")
PAPER_MARKDOWN = Path("paper/paper.md")
PAPER_NUMBERS = Path("paper/numbers.json")
PAPER_PDF = Path("paper/paper.pdf")

# the arrays of a simulation file that the signals stage reads
SIMULATION_ARRAYS = ("spike_counts", "spike_steps_E", "spike_steps_I", "rates_Hz")


def simulation_arrays(spike_steps: Mapping[str, np.ndarray], spike_ids: Mapping[str, np.ndarray],
                      spike_counts: np.ndarray, rates_Hz: np.ndarray, metadata: dict) -> dict[str, np.ndarray]:
    """The arrays of a simulation file, in the file's order: the one definition of the format.

    Parameters
    ----------
    spike_steps, spike_ids : mapping
        Population name -> int32 spike time steps (t / dt) and 0-based neuron ids, sorted by (step, neuron); the
        populations in the order of params.POPULATIONS (the file keeps the mapping's order).
    spike_counts : int32 ndarray (2, bins)
        Spikes per dt bin of [transient, tstop), the same order.
    rates_Hz : ndarray (2,)
        Post-transient mean rates, spikes/s.
    metadata : dict
        key, J_ext_pA, rng_seed, threads, population_sizes, dt_ms, tstop_ms, transient_ms, versions, params_hash.

    Returns
    -------
    dict
        spike_counts, rates_Hz, metadata (JSON), spike_steps_X and spike_ids_X for each population X.
    """
    arrays = {"spike_counts": spike_counts, "rates_Hz": rates_Hz, "metadata": json_array(metadata)}
    for name in spike_steps:
        arrays[f"spike_steps_{name}"] = spike_steps[name]
        arrays[f"spike_ids_{name}"] = spike_ids[name]
    return arrays


def simulation_file(key: str) -> Path:
    """data/simulations/KEY.npz.

    Parameters
    ----------
    key : str
        A key of params.yaml sweep, or ref.

    Returns
    -------
    Path
    """
    return SIMULATIONS_DIR / f"{key}.npz"


def seed_run_file(key: str) -> Path:
    """The reference point's runs: data/simulations/ref.npz, or data/seed_spread/KEY.npz for its other seeds.

    Parameters
    ----------
    key : str
        ref or a key of params.yaml reference.spread_keys.

    Returns
    -------
    Path
    """
    return REFERENCE_SIMULATION if key == "ref" else SEED_SPREAD_DIR / f"{key}.npz"


def signals_file(key: str) -> Path:
    """data/signals/KEY.npz.

    Parameters
    ----------
    key : str
        A key of params.yaml sweep.

    Returns
    -------
    Path
    """
    return SIGNALS_DIR / f"{key}.npz"


def study2_run_file(key: str) -> Path:
    """data/study2/runs/tNNNN.npz, or data/study2/replicates/tNNNN_sK.npz for a replicate.

    Parameters
    ----------
    key : str
        A key of study2.draws or of study2.replicate_draws.

    Returns
    -------
    Path
    """
    return (STUDY2_REPLICATES_DIR if "_s" in key else STUDY2_RUNS_DIR) / f"{key}.npz"


# ------------------------------------------------------------------ readers and writers
def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV with 17 significant digits (round-trips exactly; deterministic bytes), atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        The table; its index is not written.
    path : Path
        Where; the parent folder is created.
    """
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.17g", lineterminator="\n")


def read_features(path: Path) -> pd.DataFrame:
    """Read a features table written by the features stage (or study 2's), checked as a CSV.

    Parameters
    ----------
    path : Path
        data/features/features.csv or data/study2/features.csv.

    Returns
    -------
    pandas.DataFrame
        One row per item: key, its drive or theta, and the feature columns.
    """
    return common.read_csv(path, "the features stage")


def read_head_gain(path: Path = HEAD_MODEL_FILE) -> tuple[np.ndarray, int, dict]:
    """The head model: the EEG gain of every electrode (docs/model.md §4).

    Parameters
    ----------
    path : Path
        data/head_model.json, written by the head_model stage.

    Returns
    -------
    gain_mV_per_nAum : ndarray (electrodes,)
        EEG at every electrode per unit CDM, mV per nA·um.
    nearest : int
        Index of the electrode nearest the dipole (the study's trace).
    head : dict
        The whole description.
    """
    head = read_json(path)
    try:
        gain = np.asarray(head["gain_mV_per_nAum"], dtype=np.float64)
        nearest = list(head["electrodes"]).index(head["nearest_electrode"])
    except (KeyError, TypeError, ValueError) as err:
        raise common.InputError(f"{path}: not a head model description ({type(err).__name__}: {err}); re-run the "
                                "head_model stage") from None
    if gain.shape != (len(head["electrodes"]),) or not np.all(np.isfinite(gain)):
        raise common.InputError(f"{path}: gain_mV_per_nAum must be {len(head['electrodes'])} finite numbers, one per "
                                "electrode; re-run the head_model stage")
    return gain, nearest, head


def read_signals(path: Path, signal: str, samples: int, rate_Hz: float) -> dict:
    """Read a signals file whose trace has the expected length and sampling rate.

    Parameters
    ----------
    path : Path
        data/signals/KEY.npz.
    signal : {"eeg", "cdm"}
        The trace to check.
    samples : int
        Its expected length (Params.trace_samples).
    rate_Hz : float
        Its expected sampling rate, Hz (Params.sampling_rate_Hz).

    Returns
    -------
    dict
        The file's arrays.

    Raises
    ------
    InputError
        Naming the file, when the trace is of another length or rate.
    """
    data = common.load_checked_npz(path, (signal, "sampling_rate_Hz"))
    if not np.isclose(float(data["sampling_rate_Hz"]), rate_Hz):
        raise common.InputError(f"{path}: sampled at {float(data['sampling_rate_Hz']):g} Hz; expected {rate_Hz:g} Hz "
                                "(1 / (simulation.dt_ms x cdm.decimation_factor)); re-run the signals stage")
    if data[signal].ndim != 1 or data[signal].size != samples:
        raise common.InputError(f"{path}: {signal} has shape {data[signal].shape}; expected {samples} samples "
                                f"({samples / rate_Hz:g} s at {rate_Hz:g} Hz); re-run the signals stage")
    return data


def kernel(kernels_data: Mapping[str, np.ndarray], pre: str, post: str) -> np.ndarray:
    """H^z_{post<-pre} from a loaded kernels.npz, by population names (no index to misread).

    Parameters
    ----------
    kernels_data : mapping
        The arrays of kernels.npz (cdm_kernel_z, pre_populations, post_populations).
    pre, post : str
        Presynaptic and postsynaptic population, "E" or "I".

    Returns
    -------
    ndarray (lags,)
        The kernel, nA·um per presynaptic spike.
    """
    pres = [str(p) for p in kernels_data["pre_populations"]]
    posts = [str(p) for p in kernels_data["post_populations"]]
    return kernels_data["cdm_kernel_z"][pres.index(pre), posts.index(post)]


# ------------------------------------------------------------------ figures
def provenance(params, inputs: list[Path]) -> dict:
    """What a figure was made from.

    Parameters
    ----------
    params : Params
        The parameters of the run.
    inputs : list of Path
        The files the figure draws.

    Returns
    -------
    dict
        params_hash, profile, the first 16 hex digits of each input's sha256, software versions.
    """
    return {"params_hash": params_hash(params.model_dump()), "profile": params.profile,
            "inputs": {str(path): sha256_file(path)[:16] for path in inputs},
            "software": software_versions("matplotlib", "numpy", "nest-simulator", "lfpykernels", "pycatch22",
                                          "scikit-learn")}


def save_figure(fig, name: str, prov: dict, dpi: int, output_dir: Path = FIGURES_DIR) -> list[Path]:
    """Save a figure as PDF and PNG with deterministic bytes and the provenance in their metadata; close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    name : str
        File name without extension.
    prov : dict
        Its provenance (`provenance`).
    dpi : int
        Resolution of the PNG, dots per inch.
    output_dir : Path
        The folder.

    Returns
    -------
    list of Path
        The PDF and the PNG.
    """
    import matplotlib.pyplot as plt

    text = json.dumps(prov, sort_keys=True)
    paths = []
    for extension, metadata in (
            ("pdf", {"Title": name, "Subject": text, "Keywords": f"params_hash={prov['params_hash']}",
                     "Creator": "analysis/figures.py", "Producer": None, "CreationDate": None, "ModDate": None}),
            ("png", {"Title": name, "Description": text, "Software": "analysis/figures.py"})):
        path = output_dir / f"{name}.{extension}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=extension, dpi=dpi, metadata=metadata)
        paths.append(path)
    plt.close(fig)
    return paths

"""Study 1's figures (docs/model.md §7 and the checks beyond it), each drawn from its data into a matplotlib figure.

The stage script `analysis/figures.py` reads the study's files and saves what these functions return (PDF and
PNG with provenance, `analysis.data.save_figure`); the functions read no file, so they can be drawn from small
synthetic inputs in tests. Units are in the axis labels: time in ms, J_ext in pA, rates in spikes/s, CDM in
µA·µm (nA·µm per spike for the kernels), EEG in µV.
"""
from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np

from analysis.data import kernel
from analysis.methods.features import FEATURE_NAMES
from analysis.params import POPULATIONS, Params

COLORS = {"E": "tab:red", "I": "tab:blue"}


def time_axis_ms(n_samples: int, sampling_rate_Hz: float) -> np.ndarray:
    """Time of each decimated sample: 0.625 ms apart at 1.6 kHz (the original figure forgot this factor).

    Parameters
    ----------
    n_samples : int
        Number of samples.
    sampling_rate_Hz : float
        Sampling rate of the signals (Hz).

    Returns
    -------
    numpy.ndarray
        Sample times (ms), starting at 0.
    """
    return np.arange(n_samples) * 1000.0 / sampling_rate_Hz


# ------------------------------------------------------------------ docs/model.md §7a
def fig_study_examples(params: Params, signals: dict, features_table, onset_examples: dict) -> plt.Figure:
    """docs/model.md §7a, plus a fourth column: the first onset_inset_ms of the CDM with the original tutorial's onset
    (legacy, ramping up from 0) and with steady-state signals (docs/model.md §3), so a reader sees the artefact.

    Parameters
    ----------
    params : Params
        The study's parameters (figures.example_keys, example_features, example_samples, onset_inset_ms; sweep).
    signals : dict
        Per example key, the signals file's arrays: cdm (nA·µm), eeg (mV), sampling_rate_Hz, electrode_labels,
        nearest_electrode.
    features_table : pandas.DataFrame
        The features table (one row per key).
    onset_examples : dict
        keys, cdm_legacy and cdm_steady (nA·µm) of the onset comparison.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    keys = params.figures.example_keys
    names = params.figures.example_features
    n_samples = params.figures.example_samples
    fig, axes = plt.subplots(len(keys), 4, figsize=(12.5, 2.2 * len(keys)), squeeze=False,
                             gridspec_kw={"width_ratios": [2, 2, 1, 1.3]})
    for row, key in enumerate(keys):
        data = signals[key]
        t_ms = time_axis_ms(n_samples, float(data["sampling_rate_Hz"]))
        label = f"J_ext = {params.sweep[key]:.2f} pA"
        axes[row, 0].plot(t_ms, data["cdm"][:n_samples] / 1e3, color="k", lw=0.7)
        axes[row, 0].set_ylabel(f"{label}\nCDM (µA·µm)")
        electrode = str(data["electrode_labels"][int(data["nearest_electrode"])])
        axes[row, 1].plot(t_ms, data["eeg"][:n_samples] * 1e3, color="tab:purple", lw=0.7)
        axes[row, 1].set_ylabel(f"EEG {electrode} (µV)")
        values = features_table.set_index("key").loc[key, names].to_numpy(dtype=float)
        axes[row, 2].bar(range(len(names)), values, color="tab:gray")
        axes[row, 2].set_xticks(range(len(names)), names if row == len(keys) - 1 else [""] * len(names))
        for ax in axes[row, :2]:
            ax.set_xlim(t_ms[0], t_ms[-1])
        example = list(onset_examples["keys"]).index(key)
        inset = t_ms <= params.figures.onset_inset_ms
        axes[row, 3].plot(t_ms[inset], onset_examples["cdm_legacy"][example, :n_samples][inset] / 1e3,
                          color="tab:orange", lw=0.8, label="legacy onset")
        axes[row, 3].plot(t_ms[inset], onset_examples["cdm_steady"][example, :n_samples][inset] / 1e3, color="k",
                          lw=0.8, label="steady state")
        axes[row, 3].axhline(0, color="0.7", lw=0.5)
    for ax in axes[-1, [0, 1, 3]]:
        ax.set_xlabel("time (ms)")
    axes[0, 0].set_title("current dipole moment")
    axes[0, 1].set_title("EEG (nearest electrode)")
    axes[0, 2].set_title("catch22 features")
    axes[0, 3].set_title("CDM onset (µA·µm)")
    axes[0, 3].legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ docs/model.md §7b
def fig_true_vs_predicted(predictions, metrics: dict) -> plt.Figure:
    """docs/model.md §7b: predicted against true J_ext (pA), train and test runs, with the test MSE and the pooled CV.

    Parameters
    ----------
    predictions : pandas.DataFrame
        split ("train" or "test"), J_ext_true_pA, J_ext_predicted_pA.
    metrics : dict
        The Ridge metrics (test_mse_pA2, cv_folds, cv_repeats, cv_pooled_mse_pA2_mean/_sd, cv_pooled_r2_mean).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    train = predictions[predictions["split"] == "train"]
    test = predictions[predictions["split"] == "test"]
    low = min(predictions["J_ext_true_pA"].min(), predictions["J_ext_predicted_pA"].min()) - 0.2
    high = max(predictions["J_ext_true_pA"].max(), predictions["J_ext_predicted_pA"].max()) + 0.2
    ax.plot([low, high], [low, high], color="k", lw=0.8, ls="--", label="identity")
    ax.scatter(train["J_ext_true_pA"], train["J_ext_predicted_pA"], s=12, color="0.75", label="train")
    ax.scatter(test["J_ext_true_pA"], test["J_ext_predicted_pA"], s=30, color="tab:orange",
               label=f"test: MSE = {metrics['test_mse_pA2']:.3g} pA²")
    ax.plot([], [], " ", label=f"{metrics['cv_folds']}-fold CV x {metrics['cv_repeats']}, pooled: MSE "
                               f"{metrics['cv_pooled_mse_pA2_mean']:.3g} ± {metrics['cv_pooled_mse_pA2_sd']:.2g} "
                               f"pA², R² {metrics['cv_pooled_r2_mean']:.3f}")
    ax.set(xlim=(low, high), ylim=(low, high), xlabel="true J_ext (pA)", ylabel="predicted J_ext (pA)",
           aspect="equal")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ beyond the study
def fig_raster_rates(params: Params, simulations: dict) -> plt.Figure:
    """Rasters of the first figures.raster_neurons neurons of E and I (a readable subset), rates of all.

    Parameters
    ----------
    params : Params
        figures.raster_keys, raster_neurons, raster_window_ms; simulation.dt_ms.
    simulations : dict
        Per key, the simulation file's arrays: spike_steps_E/I (steps of dt_ms), spike_ids_E/I, metadata (JSON).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    keys = params.figures.raster_keys
    shown = dict(zip(POPULATIONS, params.figures.raster_neurons))
    start_ms, stop_ms = params.figures.raster_window_ms
    dt = params.simulation.dt_ms
    fig, axes = plt.subplots(2, len(keys), figsize=(3.6 * len(keys), 5), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]})
    bin_ms = 1.0
    edges = np.arange(start_ms, stop_ms + bin_ms, bin_ms)
    for col, key in enumerate(keys):
        simulation = simulations[key]
        meta = json.loads(str(simulation["metadata"]))
        offset = 0
        for name in ("E", "I"):
            t_ms = simulation[f"spike_steps_{name}"] * dt
            ids = simulation[f"spike_ids_{name}"]
            window = (t_ms >= start_ms) & (t_ms < stop_ms)
            n_shown = min(shown[name], meta["population_sizes"][name])
            dots = window & (ids < n_shown)
            axes[0, col].plot(t_ms[dots], ids[dots] + offset, "o", ms=1.6, mew=0, color=COLORS[name])
            rate = np.histogram(t_ms[window], edges)[0] / meta["population_sizes"][name] / (bin_ms / 1000)
            axes[1, col].plot(edges[:-1], rate, color=COLORS[name], lw=0.7, label=name)
            offset += n_shown
        axes[0, col].set_ylim(-0.5, offset - 0.5)
        axes[0, col].set_title(f"J_ext = {meta['J_ext_pA']:.2f} pA")
        axes[1, col].set_xlabel("time (ms)")
    axes[0, 0].set_ylabel(f"neuron: first {shown['E']} E (below), {shown['I']} I (above)")
    axes[1, 0].set_ylabel("rate (spikes/s)")
    axes[1, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_rates_vs_drive(params: Params, rates: dict, reference_rates) -> plt.Figure:
    """Post-transient mean rates of E and I (spikes/s, log axis) against J_ext (pA) over the sweep.

    Parameters
    ----------
    params : Params
        sweep (J_ext per key) and reference.J_ext_pA.
    rates : dict
        Per key, the (E, I) rates (spikes/s).
    reference_rates : array of 2 floats or None
        The reference run's (E, I) rates, the ones the kernels use; None: not drawn.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    keys = list(params.sweep)
    drive = np.array([params.sweep[key] for key in keys])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for i, name in enumerate(("E", "I")):
        ax.plot(drive, [rates[key][i] for key in keys], "o-", ms=3, color=COLORS[name], label=name)
        if reference_rates is not None:
            ax.plot(params.reference.J_ext_pA, reference_rates[i], "*", ms=10, color=COLORS[name],
                    markeredgecolor="k", label=f"{name}, ref (kernel rates)")
    ax.set(xlabel="J_ext (pA)", ylabel="post-transient mean rate (spikes/s)", yscale="log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fig_kernels(kernels_data) -> plt.Figure:
    """The four CDM kernels H_{Y<-X} (z component, nA·µm per spike) from -5 to 60 ms of lag (docs/model.md §2).

    Parameters
    ----------
    kernels_data : dict
        The kernels file's arrays: lag_ms, the kernels (read with `analysis.data.kernel`), metadata (JSON with
        nu_X_Hz and Vrest_mV, shown in the title).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    lags = kernels_data["lag_ms"]
    show = (lags >= -5) & (lags <= 60)
    fig, axes = plt.subplots(2, 2, figsize=(7, 5), sharex=True)
    for i, pre in enumerate(("E", "I")):
        for j, post in enumerate(("E", "I")):
            axes[j, i].plot(lags[show], kernel(kernels_data, pre, post)[show], color=COLORS[pre])
            axes[j, i].set_title(f"H {post}←{pre}", fontsize=9)
            axes[j, i].axhline(0, color="0.7", lw=0.5)
    for ax in axes[-1]:
        ax.set_xlabel("lag (ms)")
    for ax in axes[:, 0]:
        ax.set_ylabel("CDM z (nA·µm / spike)")
    meta = json.loads(str(kernels_data["metadata"]))
    fig.suptitle(f"ν_E = {meta['nu_X_Hz']['E']:.2f}, ν_I = {meta['nu_X_Hz']['I']:.2f} spikes/s, "
                 f"Vrest = {meta['Vrest_mV']:.1f} mV", fontsize=9)
    fig.tight_layout()
    return fig


def fig_features_vs_drive(features_table) -> plt.Figure:
    """All 22 catch22 features, each z-scored over the sweep, against J_ext (pA) as a heat map clipped at ±2.5.

    Parameters
    ----------
    features_table : pandas.DataFrame
        One row per run in the sweep's order: J_ext_pA and the catch22 features.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, open (the stage saves it with `analysis.data.save_figure`, which closes it).
    """
    values = features_table[list(FEATURE_NAMES)].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (values - np.nanmean(values, axis=0)) / np.nanstd(values, axis=0)
    fig, ax = plt.subplots(figsize=(8, 5))
    image = ax.imshow(z.T, aspect="auto", cmap="RdBu_r", vmin=-2.5, vmax=2.5, interpolation="nearest",
                      extent=(-0.5, len(features_table) - 0.5, len(FEATURE_NAMES) - 0.5, -0.5))
    ticks = np.linspace(0, len(features_table) - 1, min(len(features_table), 6)).round().astype(int)
    ax.set_xticks(ticks, [f"{features_table['J_ext_pA'].iloc[t]:.1f}" for t in ticks])
    ax.set_yticks(range(len(FEATURE_NAMES)), [f"{i} {name}" for i, name in enumerate(FEATURE_NAMES)], fontsize=7)
    ax.set_xlabel("J_ext (pA)")
    fig.colorbar(image, ax=ax, label="feature (z-scored over the sweep)")
    fig.tight_layout()
    return fig

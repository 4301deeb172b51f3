"""Draw the study's figures (docs/model.md §7) and the checks beyond it, into figures/ as PDF and 300-dpi PNG.

Usage: python -m analysis.figures

  study_examples        (docs/model.md §7a) CDM, EEG and the ami2 / rs_range / dfa features for four J_ext values
  true_vs_predicted     (docs/model.md §7b) Ridge predictions on the test set, identity line, test MSE, CV spread
  raster_rates          spike rasters and population rates for a few J_ext values
  rates_vs_drive        post-transient mean rates of E and I over the sweep (and the ref point)
  kernels               the four CDM kernels H_{Y<-X}
  features_vs_drive     all 22 catch22 features (z-scored) against J_ext, as a heat map

Files carry no timestamps (identical bytes on rerun) and their metadata hold the provenance: parameter
hash, sha256 of every input and software versions (PDF: Subject/Keywords; PNG: text chunks).
"""
from __future__ import annotations

import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis import common, data  # noqa: E402
from analysis.common import get_logger, load_npz, log_io, read_csv, read_json  # noqa: E402
from analysis.data import kernel, provenance, read_features, save_figure  # noqa: E402
from analysis.methods.features import FEATURE_NAMES  # noqa: E402
from analysis.params import POPULATIONS, Params, load_params  # noqa: E402

COLORS = {"E": "tab:red", "I": "tab:blue"}


def time_axis_ms(n_samples: int, sampling_rate_Hz: float) -> np.ndarray:
    """Time of each decimated sample: 0.625 ms apart at 1.6 kHz (the original figure forgot this factor)."""
    return np.arange(n_samples) * 1000.0 / sampling_rate_Hz


# ------------------------------------------------------------------ docs/model.md §7a
def fig_study_examples(params: Params, signals: dict, features_table, onset_examples: dict) -> plt.Figure:
    """docs/model.md §7a, plus a fourth column: the first onset_inset_ms of the CDM with the original tutorial's onset
    (legacy, ramping up from 0) and with steady-state signals (docs/model.md §3), so a reader sees the artefact."""
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
    """Rasters of the first figures.raster_neurons neurons of E and I (a readable subset), rates of all."""
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


def main() -> int:
    logger = get_logger("figures")
    start = time.perf_counter()
    params = load_params()
    fig_params = params.figures
    plt.rcParams.update({"font.size": 8, "svg.hashsalt": "compendium", "pdf.fonttype": 42})
    keys = list(params.sweep)
    signals = {key: load_npz(data.signals_file(key)) for key in fig_params.example_keys}
    simulations = {key: load_npz(data.simulation_file(key)) for key in keys}
    rates = {key: simulations[key]["rates_Hz"] for key in keys}
    reference = data.REFERENCE_SIMULATION
    reference_rates = load_npz(reference)["rates_Hz"] if reference.is_file() else None
    features_table = read_features(data.FEATURES_FILE)
    metrics = read_json(data.RIDGE_METRICS)

    predictions = read_csv(data.PREDICTIONS_FILE, "the evaluate stage")
    kernels_data = load_npz(data.KERNELS_FILE)
    onset_examples = load_npz(data.ONSET_EXAMPLES_FILE)
    sim_files = [data.simulation_file(key) for key in keys]
    figures = {
        "study_examples": (lambda: fig_study_examples(params, signals, features_table, onset_examples),
                           [data.signals_file(k) for k in fig_params.example_keys]
                           + [data.FEATURES_FILE, data.ONSET_EXAMPLES_FILE]),
        "true_vs_predicted": (lambda: fig_true_vs_predicted(predictions, metrics),
                              [data.PREDICTIONS_FILE, data.RIDGE_METRICS]),
        "raster_rates": (lambda: fig_raster_rates(params, simulations),
                         [data.simulation_file(k) for k in fig_params.raster_keys]),
        "rates_vs_drive": (lambda: fig_rates_vs_drive(params, rates, reference_rates),
                           sim_files + ([reference] if reference.is_file() else [])),
        "kernels": (lambda: fig_kernels(kernels_data), [data.KERNELS_FILE]),
        "features_vs_drive": (lambda: fig_features_vs_drive(features_table), [data.FEATURES_FILE]),
    }
    wrote = []
    for name, (draw, inputs) in figures.items():
        wrote += save_figure(draw(), name, provenance(params, inputs), fig_params.dpi)
        logger.info("figure %s drawn", name)
    log_io(logger, read=["params.yaml", data.SIMULATIONS_DIR, data.SIGNALS_DIR, data.KERNELS_FILE, data.FEATURES_FILE,
                         data.ONSET_EXAMPLES_FILE, data.RIDGE_METRICS, data.PREDICTIONS_FILE],
           wrote=wrote)
    logger.info("stage figures took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

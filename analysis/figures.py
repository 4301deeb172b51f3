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

import sys
import time

import matplotlib

matplotlib.use("Agg")  # files only, before pyplot is imported (by the plots too)
import matplotlib.pyplot as plt  # noqa: E402

from analysis import common, data  # noqa: E402
from analysis.common import get_logger, load_npz, log_io, read_csv, read_json  # noqa: E402
from analysis.data import provenance, read_features, save_figure  # noqa: E402
from analysis.methods import plots  # noqa: E402
from analysis.params import load_params  # noqa: E402


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
        "study_examples": (lambda: plots.fig_study_examples(params, signals, features_table, onset_examples),
                           [data.signals_file(k) for k in fig_params.example_keys]
                           + [data.FEATURES_FILE, data.ONSET_EXAMPLES_FILE]),
        "true_vs_predicted": (lambda: plots.fig_true_vs_predicted(predictions, metrics),
                              [data.PREDICTIONS_FILE, data.RIDGE_METRICS]),
        "raster_rates": (lambda: plots.fig_raster_rates(params, simulations),
                         [data.simulation_file(k) for k in fig_params.raster_keys]),
        "rates_vs_drive": (lambda: plots.fig_rates_vs_drive(params, rates, reference_rates),
                           sim_files + ([reference] if reference.is_file() else [])),
        "kernels": (lambda: plots.fig_kernels(kernels_data), [data.KERNELS_FILE]),
        "features_vs_drive": (lambda: plots.fig_features_vs_drive(features_table), [data.FEATURES_FILE]),
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

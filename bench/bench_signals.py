"""Signals: per-item CDM (FFT vs direct convolution) and EEG time; NY-head slice read vs full lead field.

One full-size item's worth of counts (2 x 160 000 bins, Poisson at the ref rates) and 3201-sample kernels.
The New York head comparison uses a synthetic file with the real array shapes (3 x 74382 x 231 lead field).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from analysis.model import cdm, heads
from analysis.params import profile_params


def synthetic_counts(n_bins=160_000, rates_Hz=(6.5, 9.6), sizes=(8192, 1024), dt_ms=0.0625, seed=1):
    rng = np.random.default_rng(seed)
    return np.stack([rng.poisson(r * n * dt_ms / 1000, size=n_bins) for r, n in zip(rates_Hz, sizes)])


def synthetic_kernels(n_lags=3201, seed=2):
    rng = np.random.default_rng(seed)
    lags = np.arange(n_lags) - n_lags // 2
    shape = np.where(lags >= 0, np.exp(-np.maximum(lags, 0) / 80.0), 0.0)
    return np.array([[shape * -rng.uniform(10, 5000) for _ in range(2)] for _ in range(2)])


def write_full_shape_head(path: Path, n_vertices=74_382, n_electrodes=231):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as handle:
        cortex = handle.create_group("sa/cortex75K")
        cortex["vc"] = rng.uniform(-80, 80, size=(3, n_vertices))
        cortex["normals"] = rng.normal(size=(3, n_vertices))
        lead = cortex.create_dataset("V_fem", shape=(3, n_vertices, n_electrodes), dtype="f8")
        for k in range(3):
            lead[k] = rng.normal(size=(n_vertices, n_electrodes))
        handle["sa/locs_3D"] = rng.normal(size=(3, n_electrodes))


def run() -> dict:
    counts, kernels_z = synthetic_counts(), synthetic_kernels()
    start = time.perf_counter()
    cdm.current_dipole_moment(counts, kernels_z, 10)
    fft_s = time.perf_counter() - start
    start = time.perf_counter()
    direct = np.convolve(counts[1].astype(float), kernels_z[1, 0], mode="same")
    direct_one_s = time.perf_counter() - start
    fast_one = cdm.convolve_same(counts[1], kernels_z[1, 0])
    rel_error = float(np.max(np.abs(fast_one - direct)) / np.max(np.abs(direct)))
    params = profile_params("full")
    head = heads.make_head(params.eeg)
    start = time.perf_counter()
    gain = heads.eeg_gain(head)
    heads.eeg_from_cdm(np.zeros(16_000), gain)
    eeg_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "head.h5"
        write_full_shape_head(path)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        with h5py.File(path, "r") as handle:
            vertices = np.asarray(handle["sa/cortex75K/vc"])
            vertex = int(np.argmin(np.sum((vertices - np.array([[-24.7], [-103.3], [-1.46]])) ** 2, axis=0)))
            handle["sa/cortex75K/V_fem"][:, vertex, :]
        slice_s = time.perf_counter() - start
        start = time.perf_counter()
        with h5py.File(path, "r") as handle:
            full = np.asarray(handle["sa/cortex75K/V_fem"])
        full_s, full_mb = time.perf_counter() - start, full.nbytes / 1e6
        del full
    report = [
        f"CDM of one full item (4 pathways, FFT + decimation): {fft_s:.2f} s; one pathway by direct "
        f"convolution {direct_one_s:.2f} s (x4 = {4 * direct_one_s:.1f} s): FFT path {4 * direct_one_s / fft_s:.0f} x "
        f"faster, max relative difference {rel_error:.1e}",
        f"EEG of one item (four-sphere, 21 electrodes incl. the lead-field series): {eeg_s:.2f} s",
        f"NY-head lead field ({size_mb:.0f} MB file, real shape): slice read {slice_s:.3f} s vs full load "
        f"{full_s:.2f} s ({full_mb:.0f} MB in memory): {full_s / slice_s:.0f} x",
    ]
    return {"cdm_fft_s": fft_s, "direct_one_pathway_s": direct_one_s, "fft_rel_error": rel_error, "eeg_s": eeg_s,
            "nyhead_slice_s": slice_s, "nyhead_full_s": full_s, "nyhead_full_MB": full_mb, "report": report}

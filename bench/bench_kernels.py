"""Kernel stage: the four kernels computed once, vs recomputing them per J_ext as the original tooling did.

Both are measured in this run: our stage's work (4 kernels) and the original's loop (the same 4 kernels for
each of the sweep's items).
"""
from __future__ import annotations

import time

import numpy as np

from analysis.model import kernels
from analysis.model import cells, mechanisms
from analysis.params import profile_params

RATES_HZ = np.array([6.5, 9.6])


def compute_all(params, morphologies) -> dict:
    seconds = {}
    for post in range(2):
        for pre in range(2):
            start = time.perf_counter()
            kernels.compute_kernel(params, pre, post, RATES_HZ, -65.0, morphologies["EI"[post]])
            seconds[f"{'EI'[pre]}->{'EI'[post]}"] = time.perf_counter() - start
    return seconds


def run(n_sweep: int | None = None) -> dict:
    import tempfile
    from pathlib import Path

    params = profile_params("full")
    n_sweep = n_sweep or len(params.sweep)
    mechanisms.load()
    with tempfile.TemporaryDirectory() as folder:
        morphologies = {name: cells.write_morphology(Path(folder) / f"{name}.hoc", name,
                                                     params.kernels.cells.morphology[name])
                        for name in "EI"}
        start = time.perf_counter()
        per_kernel = compute_all(params, morphologies)
        once_s = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(n_sweep):
            compute_all(params, morphologies)
        per_item_s = time.perf_counter() - start
    report = [f"once (this stage): {once_s:.2f} s for 4 kernels; per kernel: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in per_kernel.items()),
              f"per J_ext as the original ({n_sweep} x 4 kernels): {per_item_s:.1f} s",
              f"ratio original / once: {per_item_s / once_s:.1f} x"]
    return {"once_s": once_s, "per_kernel_s": per_kernel, "per_item_total_s": per_item_s, "n_sweep": n_sweep,
            "report": report}

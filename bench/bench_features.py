"""Features: our parallel catch22 vs a plain single-process pycatch22 loop, 50 and 1 000 traces of 16 000.

Both run back to back in this run on the same traces (white noise filtered to look like EEG).
"""
from __future__ import annotations

import time

import numpy as np
import pycatch22
import scipy.signal as ss

from analysis.methods.features import features_of_traces


def make_traces(n: int, length: int = 16_000, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    b, a = ss.butter(2, 0.05)
    return [ss.lfilter(b, a, rng.normal(size=length)) for _ in range(n)]


def plain_loop(traces) -> np.ndarray:
    rows = []
    for trace in traces:
        z = (trace - trace.mean()) / trace.std()
        rows.append(pycatch22.catch22_all(z.tolist(), catch24=False)["values"])
    return np.array(rows)


def run() -> dict:
    result, report = {}, []
    for n in (50, 1000):
        traces = make_traces(n)
        start = time.perf_counter()
        plain_loop(traces)
        plain_s = time.perf_counter() - start
        start = time.perf_counter()
        features_of_traces(traces, n_jobs=2, progress=False)
        ours_s = time.perf_counter() - start
        result[n] = {"plain_s": plain_s, "parallel_s": ours_s, "speedup": plain_s / ours_s}
        report.append(f"{n} traces: plain loop {plain_s:.2f} s, ours (2 processes) {ours_s:.2f} s, "
                      f"speed-up {plain_s / ours_s:.2f} x")
    return {"results": result, "report": report}

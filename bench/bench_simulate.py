"""Simulation stage: NEST Simulate time vs the stage's wall time, build time, peak memory, 1 vs 2 threads.

One full-size item (J_ext = 29.89 pA, the `ref` item) with the quick profile's duration, run through the real
stage command `python -m analysis.simulate ref` in a scratch quick workspace, once with 1 and once with 2
threads, back to back.
"""
from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tools.workspace import prepare


def run_stage(workspace: Path, threads: int) -> dict:
    params_file = workspace / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["simulation"]["threads"] = threads
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "analysis.simulate", "ref"], cwd=workspace,
                          capture_output=True, text=True, check=True)
    wall_s = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    log = done.stderr
    build_s = float(re.search(r"network built in ([\d.]+) s", log).group(1))
    simulate_s = float(re.search(r"NEST simulated in ([\d.]+) s", log).group(1))
    rates = re.search(r"post-transient rates E ([\d.]+), I ([\d.]+)", log).groups()
    return {"threads": threads, "wall_s": wall_s, "build_s": build_s, "simulate_s": simulate_s,
            "peak_rss_MB": max(peak_kb, before) / 1024, "rates_Hz": [float(r) for r in rates],
            "tstop_ms": params["simulation"]["tstop_ms"]}


def run() -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        workspace = prepare("quick", Path(scratch) / "quick")
        two = run_stage(workspace, 2)
        one = run_stage(workspace, 1)
    report = []
    for r in (two, one):
        rtf = r["simulate_s"] / (r["tstop_ms"] / 1000)
        report.append(f"{r['threads']} thread(s): stage wall {r['wall_s']:.1f} s = "
                      f"{r['wall_s'] / r['simulate_s']:.3f} x NEST Simulate ({r['simulate_s']:.1f} s); "
                      f"build {r['build_s']:.1f} s; real-time factor {rtf:.1f}; "
                      f"rates E {r['rates_Hz'][0]:.2f} I {r['rates_Hz'][1]:.2f} spikes/s")
    report.append(f"peak memory of a stage process: {max(two['peak_rss_MB'], one['peak_rss_MB']):.0f} MB")
    report.append(f"speed-up 2 vs 1 thread (Simulate): {one['simulate_s'] / two['simulate_s']:.2f} x")
    return {"two_threads": two, "one_thread": one, "report": report}

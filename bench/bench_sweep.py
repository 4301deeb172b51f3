"""The sweep on Dask: 2 workers x 1 NEST thread vs 1 worker x 2 threads vs the old sequential driver.

The quick profile's items (full-size network, 3 s each; BENCH_SWEEP_ITEMS=N runs the first N only) in three
scratch quick workspaces, back to back in one run:
  dask 2x1        python -m tools.sweep --workers 2 with simulation.threads = 1
  dask 1x2        python -m tools.sweep --workers 1 with simulation.threads = 2 (the study's setting)
  sequential 1x2  the driver before Dask: `dvc status` per item, then `dvc repro --single-item` item by item
The driver's own overhead per item is (sweep wall - the sum of the items' own run times) / items, for the
one-worker run, where items do not overlap.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tools.workspace import prepare


def workspace(target: Path, threads: int, n_items: int | None) -> tuple[Path, list[str]]:
    root = prepare("quick", target)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["simulation"]["threads"] = threads
    keys = list(params["sweep"])[:n_items] if n_items else list(params["sweep"])
    params["sweep"] = {key: params["sweep"][key] for key in keys}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return root, keys


def env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", DVC_NO_ANALYTICS="1")


def dask_sweep(root: Path, keys: list[str], workers: int) -> dict:
    report = root / "report.json"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tools.sweep", "--workers", str(workers), "--report", str(report), *keys],
                   cwd=root, env=env(), check=True, capture_output=True)
    wall = time.perf_counter() - start
    items = json.loads(report.read_text())["results"]
    item_s = sum(row["seconds"] for row in items)
    return {"wall_s": wall, "items": len(items), "sum_item_s": item_s,
            "overhead_per_item_s": (wall - item_s / workers) / len(items)}


def sequential_sweep(root: Path, keys: list[str]) -> dict:
    """What tools/sweep.py did before Dask (commit 67d7953): a dvc status per item, then dvc repro each."""
    start = time.perf_counter()
    for key in keys:
        subprocess.run(["dvc", "status", f"simulate@{key}"], cwd=root, env=env(), capture_output=True)
    for key in keys:
        subprocess.run(["dvc", "repro", "--single-item", f"simulate@{key}"], cwd=root, env=env(), check=True,
                       capture_output=True)
    return {"wall_s": time.perf_counter() - start, "items": len(keys)}


def run() -> dict:
    n_items = int(os.environ["BENCH_SWEEP_ITEMS"]) if os.environ.get("BENCH_SWEEP_ITEMS") else None
    with tempfile.TemporaryDirectory() as scratch:
        root21, keys = workspace(Path(scratch) / "dask21", 1, n_items)
        root12, _ = workspace(Path(scratch) / "dask12", 2, n_items)
        root_seq, _ = workspace(Path(scratch) / "seq12", 2, n_items)
        two_by_one = dask_sweep(root21, keys, workers=2)
        one_by_two = dask_sweep(root12, keys, workers=1)
        sequential = sequential_sweep(root_seq, keys)
    report = [
        f"{len(keys)} quick-profile items (full network, 3 s each)",
        f"dask 2 workers x 1 thread: {two_by_one['wall_s']:.0f} s",
        f"dask 1 worker x 2 threads: {one_by_two['wall_s']:.0f} s "
        f"(driver overhead {one_by_two['overhead_per_item_s']:.2f} s per item)",
        f"old sequential driver, 2 threads: {sequential['wall_s']:.0f} s",
        f"ratios: sequential / dask 2x1 = {sequential['wall_s'] / two_by_one['wall_s']:.2f}, "
        f"sequential / dask 1x2 = {sequential['wall_s'] / one_by_two['wall_s']:.2f}, "
        f"dask 1x2 / dask 2x1 = {one_by_two['wall_s'] / two_by_one['wall_s']:.2f}",
    ]
    return {"dask_2x1": two_by_one, "dask_1x2": one_by_two, "sequential_1x2": sequential, "items": keys,
            "report": report}

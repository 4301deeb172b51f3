"""Recording finished sweep items in dvc.lock: `dvc commit` item by item vs tools.sweep.record's one batch.

A scratch tiny workspace sweeps BENCH_RECORD_ITEMS (default 6) items for real, then re-records the same items,
alternating, twice each way: `dvc commit --force NAME` once per item (what the sweep did before 2026-12-01) and
`record(root, names)`, one read and one write of dvc.lock for all of them. Both leave the same dvc.lock
(tests/test_sweep.py). The cost of one read and write grows with dvc.lock, so the seconds here (a tiny lock)
are a floor; the ratio is what carries over: a study's recorder takes at most one batch per read and write.

Then that read and write at the study's size, on a copy of the repository's dvc.lock, alternating, best of 3:
DVC's round-trip loader (what sweep.write_lock_entries used before 2026-12-06, as DVC's own dump_stages does)
against the plain loader with libyaml (ruamel.yaml.clib) that it uses now; both give the same bytes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.common import REPO_ROOT
from tools.sweep import record, write_lock_entries
from tools.workspace import prepare


def env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", DVC_NO_ANALYTICS="1")


def item_by_item(root: Path, names: list[str]) -> float:
    start = time.perf_counter()
    for name in names:
        subprocess.run([sys.executable, "-m", "dvc", "commit", "--force", "--quiet", name], cwd=root, env=env(),
                       check=True, capture_output=True)
    return time.perf_counter() - start


def batched(root: Path, names: list[str]) -> float:
    start = time.perf_counter()
    record(root, names)
    return time.perf_counter() - start


def lock_round_trip(lock: Path) -> float:
    """The read and write of dvc.lock as DVC's dump_stages does it: the round-trip loader, then DVC's dump."""
    from dvc.utils.serialize import dump_yaml, parse_yaml_for_update

    start = time.perf_counter()
    dump_yaml(lock, parse_yaml_for_update(lock.read_text(encoding="utf-8"), str(lock)))
    return time.perf_counter() - start


def lock_plain(lock: Path) -> float:
    start = time.perf_counter()
    write_lock_entries(lock, [])
    return time.perf_counter() - start


def study_lock() -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        lock = Path(scratch) / "dvc.lock"
        lock.write_bytes((REPO_ROOT / "dvc.lock").read_bytes())
        round_trip, plain = [], []
        for _ in range(3):
            round_trip.append(lock_round_trip(lock))
            plain.append(lock_plain(lock))
        same = lock.read_bytes() == (REPO_ROOT / "dvc.lock").read_bytes()
    return {"lock_kB": (REPO_ROOT / "dvc.lock").stat().st_size / 1000, "round_trip_s": round_trip, "plain_s": plain,
            "same_bytes": same}


def run() -> dict:
    n_items = int(os.environ.get("BENCH_RECORD_ITEMS", "6"))
    with tempfile.TemporaryDirectory() as scratch:
        root = prepare("tiny", Path(scratch) / "tiny")
        keys = [f"j{i:02d}" for i in range(0, 5 * n_items, 5)]
        subprocess.run([sys.executable, "-m", "tools.sweep", "--workers", "1", *keys], cwd=root, env=env(),
                       check=True, capture_output=True)
        names = [f"simulate@{key}" for key in keys]
        lock_kB = (root / "dvc.lock").stat().st_size / 1000
        one_by_one, batch = [], []
        for _ in range(2):
            one_by_one.append(item_by_item(root, names))
            batch.append(batched(root, names))
    per_item, per_batch = min(one_by_one), min(batch)
    report = [f"{len(names)} tiny-profile items, dvc.lock {lock_kB:.0f} kB (best of 2, alternating)",
              f"dvc commit item by item: {per_item:.1f} s ({per_item / len(names):.2f} s per item)",
              f"one batch (tools.sweep.record): {per_batch:.1f} s",
              f"ratio item by item / batch = {per_item / per_batch:.2f}"]
    study = study_lock()
    report += [f"the study's dvc.lock ({study['lock_kB']:.0f} kB), one read and write (best of 3, alternating): "
               f"round-trip loader {min(study['round_trip_s']):.2f} s, plain loader with libyaml "
               f"{min(study['plain_s']):.2f} s: ratio {min(study['round_trip_s']) / min(study['plain_s']):.2f}; "
               f"same bytes: {study['same_bytes']}"]
    return {"items": len(names), "lock_kB": lock_kB, "item_by_item_s": one_by_one, "batch_s": batch,
            "study_lock": study, "report": report}

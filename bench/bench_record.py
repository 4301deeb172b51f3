"""Recording finished sweep items in dvc.lock: `dvc commit` item by item vs tools.sweep.record's one batch.

A scratch tiny workspace sweeps BENCH_RECORD_ITEMS (default 6) items for real, then re-records the same items,
alternating, twice each way: `dvc commit --force NAME` once per item (what the sweep did before 2026-12-01) and
`record(root, names)`, one read and one write of dvc.lock for all of them. Both leave the same dvc.lock
(tests/test_sweep.py). The cost of one read and write grows with dvc.lock, so the seconds here (a tiny lock)
are a floor; the ratio is what carries over: a study's recorder takes at most one batch per read and write.

Then the update of one entry at the study's size, on a copy of the repository's dvc.lock, alternating, best of 3:
DVC's round-trip loader and whole dump (as DVC's own dump_stages does; sweep.write_lock_entries before
2026-12-06), the plain loader with libyaml (ruamel.yaml.clib) and the whole dump (until 2026-12-07), and the
entry alone dumped by DVC's writer and spliced into the text (sweep.splice_lock_entries, now); all three must
give the same bytes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.common import REPO_ROOT, atomic_path
from tools.sweep import record, splice_lock_entries
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


def changed_entry(text: str) -> dict:
    """The middle entry of the lock with another output md5: what recording a re-run item writes."""
    import copy

    from dvc.utils.serialize import parse_yaml

    stages = parse_yaml(text, "dvc.lock")["stages"]
    name = list(stages)[len(stages) // 2]
    entry = copy.deepcopy(stages[name])
    entry["outs"][0]["md5"] = "0123456789abcdef" * 2
    return {name: entry}


def lock_whole_dump(lock: Path, entries: dict, round_trip: bool) -> float:
    """Parse the whole lock (DVC's round-trip loader as its dump_stages, or the plain one with libyaml), update
    the entry, and dump the whole lock with DVC's writer."""
    from dvc.utils.serialize import dump_yaml, parse_yaml, parse_yaml_for_update

    start = time.perf_counter()
    data = (parse_yaml_for_update if round_trip else parse_yaml)(lock.read_text(encoding="utf-8"), str(lock))
    data["stages"].update(entries)
    dump_yaml(lock, data)
    return time.perf_counter() - start


def lock_spliced(lock: Path, entries: dict) -> float:
    """The entry alone dumped and spliced into the text, through a temporary file and a rename."""
    start = time.perf_counter()
    text = splice_lock_entries(lock.read_text(encoding="utf-8"), entries)
    with atomic_path(lock) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return time.perf_counter() - start


def study_lock() -> dict:
    original = (REPO_ROOT / "dvc.lock").read_text(encoding="utf-8")
    entries = changed_entry(original)
    seconds, results = {"round_trip_s": [], "plain_s": [], "spliced_s": []}, {}
    with tempfile.TemporaryDirectory() as scratch:
        lock = Path(scratch) / "dvc.lock"
        for _ in range(3):
            for name, way in (("round_trip_s", lambda *a: lock_whole_dump(*a, round_trip=True)),
                              ("plain_s", lambda *a: lock_whole_dump(*a, round_trip=False)),
                              ("spliced_s", lock_spliced)):
                lock.write_text(original, encoding="utf-8")
                seconds[name].append(way(lock, entries))
                results[name] = lock.read_bytes()
    return {"lock_kB": len(original.encode()) / 1000, **seconds,
            "same_bytes": len(set(results.values())) == 1 and results["spliced_s"] != original.encode()}


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
    fastest = {name: min(study[name]) for name in ("round_trip_s", "plain_s", "spliced_s")}
    report += [f"the study's dvc.lock ({study['lock_kB']:.0f} kB), one entry updated (best of 3, alternating): "
               f"round-trip loader + whole dump {fastest['round_trip_s']:.2f} s, plain loader + whole dump "
               f"{fastest['plain_s']:.2f} s, entry spliced {fastest['spliced_s']:.3f} s: ratios "
               f"{fastest['round_trip_s'] / fastest['spliced_s']:.0f} and "
               f"{fastest['plain_s'] / fastest['spliced_s']:.0f}; same bytes: {study['same_bytes']}"]
    return {"items": len(names), "lock_kB": lock_kB, "item_by_item_s": one_by_one, "batch_s": batch,
            "study_lock": study, "report": report}

"""Re-run chosen stages from scratch and compare their outputs with the hashes that dvc.lock records.

Usage: python -m tools.check_hashes [ITEM ...]      (make check-hashes ITEMS="j03 ref kernels")
       ITEM: a sweep key (j03), ref, or any stage of dvc.lock (simulate@j03, simulate_ref, kernels, signals ...);
       default: j00 j25 kernels

Needs no data: each stage runs its dvc.lock command in a scratch copy of the repository (never touching the
workspace). A data input is copied from the workspace when it is there with the hash dvc.lock records, and
otherwise made first in the scratch copy by re-running the stage that produces it (e.g. `ref` before
`kernels`). Every output's DVC hash (a file's md5; a directory's listing md5, computed as DVC does) is compared
with dvc.lock, and a table prints item, output, expected, got, match and seconds. Exit 1 if any output differs.
Bit-identical results need the same NEST/NEURON build, the same simulation.threads and the same seeds; across
platforms expect statistically comparable results instead (README "Reproducibility").
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.common import REPO_ROOT, get_logger
from tools.lockfile import LockError, output_md5, producer, read_lock, stage_name
from tools.workspace import prepare

DEFAULT_ITEMS = ("j00", "j25", "kernels")


class StageFailed(RuntimeError):
    pass


def run_stage(lock: dict, stage: str, scratch: Path, done: set[str], logger) -> float:
    """Make the stage's data inputs available in the scratch copy, then run its command; seconds taken."""
    for dep in lock["stages"][stage].get("deps", []):
        source = producer(lock, dep["path"])
        if source is None or (scratch / dep["path"]).exists():
            continue
        if output_md5(REPO_ROOT / dep["path"]) == dep["md5"]:
            target = scratch / dep["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(REPO_ROOT / dep["path"], target)  # read-only use; the stage writes its own outputs
        elif source not in done:
            logger.info("%s: input %s is not in the workspace; re-running %s first", stage, dep["path"], source)
            run_stage(lock, source, scratch, done, logger)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    result = subprocess.run(lock["stages"][stage]["cmd"], shell=True, cwd=scratch, env=env, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise StageFailed(f"{stage}: `{lock['stages'][stage]['cmd']}` failed:\n{result.stderr[-3000:]}")
    done.add(stage)
    return time.perf_counter() - start


def check(items: list[str], logger) -> list[dict]:
    lock = read_lock(REPO_ROOT)
    stages = [stage_name(lock, item) for item in items]  # unknown items fail here, before any work
    rows = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = prepare("full", Path(scratch_dir) / "compendium")
        done: set[str] = set()
        for item, stage in zip(items, stages):
            logger.info("re-running %s", stage)
            seconds = run_stage(lock, stage, scratch, done, logger)
            for out in lock["stages"][stage]["outs"]:
                got = output_md5(scratch / out["path"])
                rows.append({"item": item, "output": out["path"], "expected": out["md5"], "got": got,
                             "match": got == out["md5"], "seconds": seconds})
    return rows


def table(rows: list[dict]) -> str:
    header = f"{'item':<14} {'output':<40} {'expected':<36} {'got':<36} {'match':<5} {'seconds':>7}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['item']:<14} {row['output']:<40} {row['expected']:<36} {str(row['got']):<36} "
                     f"{'yes' if row['match'] else 'NO':<5} {row['seconds']:7.1f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    logger = get_logger("check_hashes")
    items = argv or list(DEFAULT_ITEMS)
    try:
        rows = check(items, logger)
    except LockError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except StageFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(table(rows))
    failures = sum(not row["match"] for row in rows)
    logger.info("%s", "all outputs identical to dvc.lock" if not failures else f"{failures} output(s) differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

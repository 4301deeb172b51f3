"""Run the simulation sweep item by item through DVC, with items done / remaining and an ETA.

Usage: python -m tools.sweep [KEY ...]      (default: ref, then every key of params.yaml sweep)

Each item is `dvc repro --single-item simulate@KEY` (or simulate_ref), so a finished item is recorded in
dvc.lock and the DVC cache the moment it ends: killing this command loses at most the running item, and
running it again continues where it stopped (items already up to date are skipped in a second). Long runs:
    nohup python -m tools.sweep > sweep.log 2>&1 &
"""
from __future__ import annotations

import subprocess
import sys
import time

from analysis.common import format_eta, get_logger, load_params


def stage_name(key: str) -> str:
    return "simulate_ref" if key == "ref" else f"simulate@{key}"


def is_up_to_date(stage: str) -> bool:
    done = subprocess.run(["dvc", "status", stage], capture_output=True, text=True)
    return done.returncode == 0 and "up to date" in done.stdout


def main(argv: list[str]) -> int:
    logger = get_logger("sweep")
    keys = argv or ["ref", *load_params()["sweep"]]
    todo = [key for key in keys if not is_up_to_date(stage_name(key))]
    logger.info("%d items, %d already up to date, %d to run", len(keys), len(keys) - len(todo), len(todo))
    start = time.perf_counter()
    for i, key in enumerate(todo):
        done = subprocess.run(["dvc", "repro", "--single-item", stage_name(key)])
        if done.returncode != 0:
            logger.error("item %s failed (exit %d); stopping. Fix it, then run this command again to resume.",
                         key, done.returncode)
            return done.returncode
        elapsed = time.perf_counter() - start
        logger.info("items done %d/%d this run (%d/%d overall), remaining %d, %s", i + 1, len(todo),
                    len(keys) - len(todo) + i + 1, len(keys), len(todo) - i - 1,
                    format_eta(i + 1, len(todo), elapsed))
    logger.info("sweep complete in %.1f min", (time.perf_counter() - start) / 60)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Re-run chosen stages from scratch and compare their outputs with those recorded in dvc.lock.

Usage: python -m tools.check_hashes [ITEM ...]      ITEM: a sweep key (j07), ref, or kernels
       (default: j00 j25 kernels)          make check-hashes ITEMS="j03 j41 kernels"

Each item runs its stage command (python -m analysis.simulate KEY, python -m analysis.kernels) in a scratch
copy of the repository with the same params.yaml, never touching the workspace, and the md5 of every output
file is compared with dvc.lock (file outputs) or with the workspace's files after `dvc status` has confirmed
they are the ones dvc.lock records (directory outputs). Bit-identical results need the same NEST/NEURON
build, the same simulation.threads and the same seeds; on another platform expect statistically comparable,
not identical, outputs (see README "Reproducibility").
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from analysis.common import REPO_ROOT, get_logger
from tools.workspace import prepare

DEFAULT_ITEMS = ("j00", "j25", "kernels")


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def stage_of(item: str) -> tuple[str, list[str], list[str]]:
    """(dvc stage name, command, data inputs to copy into the scratch copy)."""
    if item == "kernels":
        return "kernels", [sys.executable, "-m", "analysis.kernels"], ["data/simulations/ref.npz"]
    if item == "ref":
        return "simulate_ref", [sys.executable, "-m", "analysis.simulate", "ref"], []
    return f"simulate@{item}", [sys.executable, "-m", "analysis.simulate", item], []


def recorded_files(lock: dict, stage: str, root: Path) -> dict[str, str]:
    """Relative path -> md5 that dvc.lock records for every output file of the stage."""
    if stage not in lock["stages"]:
        raise SystemExit(f"stage {stage} is not in dvc.lock: run it first (dvc repro {stage})")
    files = {}
    for out in lock["stages"][stage]["outs"]:
        path = root / out["path"]
        if out["md5"].endswith(".dir"):  # a directory: its files, verified against the lock by `dvc status`
            files.update({str(p.relative_to(root)): md5(p) for p in sorted(path.rglob("*")) if p.is_file()})
        else:
            files[out["path"]] = out["md5"]
    return files


def up_to_date(stage: str, root: Path) -> bool:
    done = subprocess.run(["dvc", "status", stage], cwd=root, capture_output=True, text=True)
    return done.returncode == 0 and "up to date" in done.stdout


def main(argv: list[str]) -> int:
    logger = get_logger("check_hashes")
    items = argv or list(DEFAULT_ITEMS)
    lock = yaml.safe_load((REPO_ROOT / "dvc.lock").read_text())
    failures = 0
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = prepare("full", Path(scratch_dir) / "compendium")
        for item in items:
            stage, command, inputs = stage_of(item)
            if not up_to_date(stage, REPO_ROOT):
                logger.error("%s: the workspace differs from dvc.lock (dvc status); run `dvc checkout` or "
                             "`dvc repro %s` first", stage, stage)
                failures += 1
                continue
            expected = recorded_files(lock, stage, REPO_ROOT)
            for name in inputs:
                (scratch / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO_ROOT / name, scratch / name)
            start = time.perf_counter()
            done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
            if done.returncode != 0:
                logger.error("%s failed:\n%s", " ".join(command[1:]), done.stderr[-3000:])
                failures += 1
                continue
            for path, recorded in expected.items():
                actual = md5(scratch / path)
                same = actual == recorded
                failures += not same
                logger.info("%-10s %-40s %s  dvc.lock %s  rerun %s", stage, path, "IDENTICAL" if same else "DIFFERS",
                            recorded, actual)
            logger.info("%s re-ran in %.0f s", stage, time.perf_counter() - start)
    logger.info("%s", "all outputs identical to dvc.lock" if not failures else f"{failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Re-run chosen stages from scratch and compare their outputs with the hashes that dvc.lock records.

Usage: python -m tools.check_hashes [ITEM ...] [--workers N]    (make check-hashes ITEMS="j03 ref kernels" [WORKERS=N])
       ITEM: a sweep key (j03), ref, or any stage of dvc.lock (simulate@j03, simulate_ref, kernels, signals ...);
       default: j00 j25 kernels

Needs no data: each stage runs its dvc.lock command in a scratch copy of the repository (never touching the
workspace). A data input is copied from the workspace when it is there with the hash dvc.lock records, and
otherwise made first in the scratch copy by re-running the stage that produces it (e.g. `ref` before
`kernels`). Every output's DVC hash (a file's md5; a directory's listing md5, computed as DVC does) is compared
with dvc.lock, and a table prints item, output, expected, got, match, seconds and a verdict: identical bytes;
identical content (same arrays, bytes differ only in compression or in recorded software versions: which is
said; needs the archived output in the workspace, e.g. after `make restore`); statistically equivalent (a
simulation with other spikes whose rates, ISI CVs, correlations and rate distribution lie within the seed-to-seed
spread of the reference point, data/seed_spread/; the Ridge metrics within their cross-validation spread;
docs/model.md §9); or different. Exit 1 only if an output is different.
Items are independent (each has its own scratch copy): with --workers N, --scheduler ADDRESS or --cluster FILE
they run side by side through the Dask set-up of tools/sweep.py (each stage in its own OS process).
Bit-identical results need the same NEST/NEURON build, the same simulation.threads and the same seeds; across
platforms expect statistically comparable results instead (README "Reproducibility").
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.common import REPO_ROOT, CommandParser, get_logger, integer_in, load_npz, print_error
from analysis.params import load_params
from analysis import data
from analysis.methods import statistics
from tools import cache_check, compare
from tools.lockfile import LockError, output_md5, producer, read_lock, stage_name
from tools.sweep import SweepError
from tools.workspace import prepare

DEFAULT_ITEMS = ("j00", "j25", "kernels")
# the seed-to-seed spread (docs/model.md §9): the reference run and its spread items
SEED_REFERENCE, SEED_SPREAD_DIR = data.REFERENCE_SIMULATION, data.SEED_SPREAD_DIR


class StageFailed(RuntimeError):
    pass


def run_stage(lock: dict, stage: str, scratch: Path, done: set[str], logger, root: Path = REPO_ROOT) -> float:
    """Make the stage's data inputs available in the scratch copy, then run its command; seconds taken."""
    for dep in lock["stages"][stage].get("deps", []):
        source = producer(lock, dep["path"])
        if source is None or (scratch / dep["path"]).exists():
            continue
        if output_md5(root / dep["path"]) == dep["md5"]:
            target = scratch / dep["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(root / dep["path"], target)  # read-only use; the stage writes its own outputs
        elif from_cache(root, dep["path"], dep["md5"], scratch / dep["path"]):
            logger.info("%s: input %s taken from DVC's cache (the archived bytes of dvc.lock)", stage, dep["path"])
        elif source not in done:
            logger.info("%s: input %s is not in the workspace; re-running %s first", stage, dep["path"], source)
            run_stage(lock, source, scratch, done, logger, root)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    result = subprocess.run(lock["stages"][stage]["cmd"], shell=True, cwd=scratch, env=env, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise StageFailed(f"{stage}: `{lock['stages'][stage]['cmd']}` failed:\n{result.stderr[-3000:]}")
    done.add(stage)
    return time.perf_counter() - start


def check_item(root: str, item: str, stage: str) -> list[dict]:
    """Re-run one item in its own scratch copy; one row per output (runs on a Dask worker or in-process)."""
    logger = get_logger("check_hashes")
    lock = read_lock(Path(root))
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = prepare("full", Path(scratch_dir) / "compendium", root=Path(root))
        logger.info("re-running %s", stage)
        seconds = run_stage(lock, stage, scratch, set(), logger, Path(root))
        rows = []
        for out in lock["stages"][stage]["outs"]:
            got = output_md5(scratch / out["path"])
            rows.append({"item": item, "output": out["path"], "expected": out["md5"], "got": got,
                         "match": got == out["md5"], "seconds": seconds,
                         "verdict": content_verdict(scratch, Path(root), out, got)})
    return rows


def content_verdict(scratch: Path, root: Path, out: dict, got: str | None) -> str:
    """identical bytes | identical content (reason) | statistically equivalent (how) | different (reason), against
    the archived output."""
    if got == out["md5"]:
        return "identical bytes"
    archived = archived_copy(root, out, scratch / ".archived")
    if archived is None:
        return "different (bytes; no archived copy here to compare content: make restore)"
    found = compare.verdict(scratch / out["path"], archived)
    if found.kind == "different":
        return statistical_verdict(scratch / out["path"], archived, root) or f"different ({found.reason})"
    return f"{found.kind} ({found.reason})" if found.reason else found.kind


def archived_copy(root: Path, out: dict, scratch: Path) -> Path | None:
    """The archived output that dvc.lock records: in the workspace (after `make restore` or `dvc checkout`), else
    read from DVC's cache into `scratch`; None if neither holds it."""
    if output_md5(root / out["path"]) == out["md5"]:
        return root / out["path"]
    target = scratch / out["path"]
    return target if from_cache(root, out["path"], out["md5"], target) else None


def from_cache(root: Path, path: str, md5: str, target: Path) -> bool:
    """Copy the output `path` with DVC hash `md5` from DVC's cache to `target` (a folder is assembled from its file
    list); False if the cache does not hold all of it. Copies, never links: the cache may be read-only."""
    try:
        cache = cache_check.cache_dir(root)
    except LockError:
        return False
    if cache_check.missing_objects(cache, md5):
        return False
    head = cache_check.object_path(cache, md5)
    if not md5.endswith(".dir"):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(head, target)      # under its own name: readers look at the suffix and the folder name
        return True
    for entry in json.loads(head.read_text()):
        (target / entry["relpath"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache_check.object_path(cache, entry["md5"]), target / entry["relpath"])
    return True


def statistical_verdict(candidate: Path, archived: Path, root: Path) -> str | None:
    """Simulations against the seed-to-seed spread of the reference point, the Ridge metrics against their
    cross-validation spread (docs/model.md §9); None for outputs without a statistical comparison."""
    if candidate.suffix == ".npz" and archived.parent.name in ("simulations", "seed_spread"):
        seed_runs = seed_run_files(root)
        if len(seed_runs) < 3:
            return (f"different (other spikes; the seed spread {SEED_SPREAD_DIR}/ is not here to compare statistics: "
                    "make restore)")
        spread = statistics.seed_spread([load_npz(path) for path in seed_runs])
        kind, reasons = statistics.verdict(load_npz(candidate), load_npz(archived), spread)
        detail = "; ".join(reasons) if reasons else f"rates, ISI CV, correlations and rate distributions within the " \
                                                   f"spread of {len(seed_runs)} seeds of ref"
        return f"{kind} ({detail})"
    if archived.name in ("signals", "features") and archived.is_dir():
        seed_runs = seed_run_files(root)
        if len(seed_runs) < 3:
            return f"different (bytes; the seed spread {SEED_SPREAD_DIR}/ is not here to compare statistics)"
        traces = seed_signals(root, tuple(seed_runs))
        if archived.name == "signals":
            rate_Hz = sampling_rate_Hz(root)
            kind, reasons = statistics.signals_verdict(_signal_traces(candidate), _signal_traces(archived),
                                                       statistics.signal_spread(traces, rate_Hz), rate_Hz)
            what = "CDM and EEG band powers of every item"
        else:
            import pandas as pd

            from analysis.methods.features import FEATURE_NAMES, catch22_features

            values = np.array([catch22_features(run["eeg"]) for run in traces])
            seed_sd = dict(zip(FEATURE_NAMES, values.std(axis=0, ddof=1)))
            kind, reasons = statistics.features_verdict(pd.read_csv(candidate / "features.csv"),
                                                        pd.read_csv(archived / "features.csv"), seed_sd,
                                                        len(seed_runs))
            what = "every feature over the items"
        detail = "; ".join(reasons[:3]) if reasons else f"{what} within the spread of {len(seed_runs)} seeds of ref"
        return f"{kind} ({detail})"
    if archived.name == "ridge.json":
        kind, reasons = statistics.metrics_verdict(json.loads(candidate.read_text()), json.loads(archived.read_text()))
        return f"{kind} ({'; '.join(reasons) or 'CV MSE and R2 within 2 cross-validation sd'})"
    return None


def check(items: list[str], logger, where: argparse.Namespace | None = None) -> list[dict]:
    """Rows of every item's outputs; with --workers N > 1, --scheduler or --cluster the items run side by side
    through the sweep's Dask set-up (tools.sweep.dask_client: the same memory checks and cluster files)."""
    lock = read_lock(REPO_ROOT)
    stages = [stage_name(lock, item) for item in items]  # unknown items fail here, before any work
    where = where or argparse.Namespace(workers=1, scheduler=None, cluster=None)
    if (where.workers or 1) <= 1 and not where.scheduler and not where.cluster:
        return [row for item, stage in zip(items, stages) for row in check_item(str(REPO_ROOT), item, stage)]
    from tools import sweep

    params = load_params(REPO_ROOT / "params.yaml")
    with sweep.dask_client(where, params, logger) as (client, n_workers):
        logger.info("checking %d items on %d Dask workers", len(items), n_workers)
        futures = [client.submit(check_item, str(REPO_ROOT), item, stage, pure=False)
                   for item, stage in zip(items, stages)]
        return [row for future in futures for row in future.result()]


def seed_run_files(root: Path) -> list[Path]:
    return [path for path in [root / SEED_REFERENCE, *sorted((root / SEED_SPREAD_DIR).glob("*.npz"))]
            if path.is_file()]


def sampling_rate_Hz(root: Path) -> float:
    return load_params(root / "params.yaml").sampling_rate_Hz


@functools.lru_cache(maxsize=2)
def seed_signals(root: Path, seed_runs: tuple[Path, ...]) -> list[dict[str, np.ndarray]]:
    """CDM and EEG of the seed runs, made as the signals stage makes them (the workspace's kernels and head)."""
    from analysis.common import load_npz
    from analysis.model import forward

    params = load_params(root / "params.yaml")
    kernels = forward.KernelSource(params, root / data.KERNELS_FILE)  # kernels.per_run_rates as the stage has it
    gain, nearest, _ = data.read_head_gain(root / data.HEAD_MODEL_FILE)
    out = []
    for path in seed_runs:
        simulation = load_npz(path)
        signals = forward.item_signals(simulation, kernels.for_item(simulation), params, gain)
        out.append({"cdm": signals["cdm"], "eeg": signals["eeg_all"][nearest]})
    return out


def _signal_traces(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    from analysis.common import load_npz

    return {path.stem: {name: load_npz(path)[name] for name in ("cdm", "eeg")} for path in sorted(folder.glob("*.npz"))}


def table(rows: list[dict]) -> str:
    header = f"{'item':<14} {'output':<40} {'expected':<36} {'got':<36} {'match':<5} {'seconds':>7}  verdict"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(f"{row['item']:<14} {row['output']:<40} {row['expected']:<36} {str(row['got']):<36} "
                     f"{'yes' if row['match'] else 'NO':<5} {row['seconds']:7.1f}  {row['verdict']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    logger = get_logger("check_hashes")
    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("items", nargs="*", default=list(DEFAULT_ITEMS), help="sweep keys, ref or stage names")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=integer_in(1), default=1,
                       help="items side by side on local Dask workers (default 1)")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    where.add_argument("--cluster", type=Path, default=None, help="a dask-jobqueue cluster file (tools/clusters/)")
    args = parser.parse_args(argv)
    try:
        rows = check(args.items, logger, args)
    except (LockError, SweepError) as err:
        print_error(err)
        return 2
    except StageFailed as err:
        print_error(err)
        return 1
    print(table(rows))
    different = sum(row["verdict"].startswith("different") for row in rows)
    content_only = sum(not row["match"] for row in rows) - different
    if not different and not content_only:
        logger.info("all outputs identical to dvc.lock")
    elif not different:
        logger.info("%d output(s) with identical content but other bytes; none different", content_only)
    else:
        logger.info("%d output(s) different", different)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

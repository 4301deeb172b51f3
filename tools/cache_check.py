"""Check that every cached output recorded in dvc.lock is in DVC's cache (`make repro` and `make archive` end with it).

Usage: python -m tools.cache_check          (in the repository or a profile's workspace)

dvc.lock can record an output whose files never reached the cache (a full disk during `dvc commit`, a cache
moved or pruned by hand); DVC then blames the next stage, or `dvc checkout` fails on another machine. This reads
DVC's cache layout (3.x: `files/md5/XX/REST` per file, and `REST.dir` with the file list of a folder) and names
every output whose object, or any file of a folder, is missing, with what to do. Exit status 0 when all are
there, 1 otherwise.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from analysis.common import REPO_ROOT, get_logger, print_error
from tools.lockfile import LockError, outputs, read_lock, run_dvc


def cache_dir(root: Path) -> Path:
    """DVC's own answer (`dvc cache dir`): the configured cache, or .dvc/cache."""
    done = run_dvc(root, "cache", "dir")
    if done.returncode != 0:
        raise LockError(f"dvc cache dir failed: {done.stderr.strip()[-300:]}")
    return Path(done.stdout.strip())


def object_path(cache: Path, md5: str) -> Path:
    return cache / "files" / "md5" / md5[:2] / md5[2:]


def missing_objects(cache: Path, md5: str) -> list[str]:
    """The hashes of an output (a file, or a folder and its files) that the cache lacks."""
    head = object_path(cache, md5)
    if not head.is_file():
        return [md5]
    if not md5.endswith(".dir"):
        return []
    listing = json.loads(head.read_text())
    return [entry["md5"] for entry in listing if not object_path(cache, entry["md5"]).is_file()]


def check(root: Path) -> list[str]:
    """One line per cached output of dvc.lock that is not whole in the cache."""
    cache, lock = cache_dir(root), read_lock(root)
    problems = []
    for out in outputs(lock, root):
        if not out.cached:
            continue
        missing = missing_objects(cache, out.md5)
        if missing:
            problems.append(f"{out.path} (stage {out.stage}): {len(missing)} object(s) missing from {cache}, e.g. "
                            f"{missing[0]}; if the output is on disk and right: dvc commit {out.stage}; "
                            f"otherwise: dvc repro {out.stage}")
    return problems


def items_in_cache(root: Path, cache: Path, items: list[str]) -> list[str]:
    """Which of the check-hashes items (sweep keys, ref or stage names) lack an output or a data input in `cache`
    (the container check compares with the archive only where the archive is there)."""
    from tools.lockfile import producer, stage_name

    lock = read_lock(root)
    lacking = []
    for item in items:
        stage = lock["stages"][stage_name(lock, item)]
        hashes = [out["md5"] for out in stage.get("outs", [])]
        hashes += [dep["md5"] for dep in stage.get("deps", []) if producer(lock, dep["path"])]
        if any(missing_objects(cache, md5) for md5 in hashes):
            lacking.append(item)
    return lacking


def main() -> int:
    logger = get_logger("cache_check")
    try:
        problems = check(REPO_ROOT)     # a profile's workspace has its own copy of tools/: its own root
    except LockError as err:
        print_error(err)
        return 2
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if problems:
        print(f"error: {len(problems)} output(s) of dvc.lock are not in DVC's cache (is the disk full? `df -h`); "
              "the lines above say what to do", file=sys.stderr)
        return 1
    logger.info("every cached output of dvc.lock is in DVC's cache")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--items-lacking"]:       # tools/container_check.sh: CACHE ITEM ...
        print(" ".join(items_in_cache(REPO_ROOT, Path(sys.argv[2]), sys.argv[3:])))
        sys.exit(0)
    sys.exit(main())

"""What dvc.lock records, read without DVC: outputs with their md5, the stage graph, and DVC's own hashes.

Shared by tools/archive.py, tools/restore.py and tools/check_hashes.py; `run_dvc` is the one way the tools call
DVC's command line when they must. DVC (3.x) hashes a file by the md5 of
its bytes and a directory by the md5 of a JSON listing of its files, `[{"md5": ..., "relpath": ...}, ...]`
sorted by relpath and dumped with sorted keys, plus the suffix `.dir`; `dir_md5` computes the same, so a
directory output can be checked against dvc.lock with no DVC cache at all.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

CHUNK_BYTES = 1 << 20


def run_dvc(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`dvc ARGS` in root, by the DVC of this Python (whatever PATH holds), output captured as text."""
    return subprocess.run([sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True)


class LockError(ValueError):
    """dvc.lock is missing, or does not know a requested item."""


@dataclass(frozen=True)
class Output:
    stage: str
    path: str          # relative to the repository
    md5: str           # DVC's hash: a file's md5, or a directory's listing md5 + '.dir'
    size: int          # bytes (all files of a directory)
    nfiles: int | None
    cached: bool       # False for outputs kept in git (metrics, figures, paper)

    @property
    def is_dir(self) -> bool:
        return self.md5.endswith(".dir")


def read_lock(root: Path) -> dict:
    path = Path(root) / "dvc.lock"
    if not path.is_file():
        raise LockError(f"{path}: missing; run the pipeline (make repro) or check out a commit that has it")
    return yaml.safe_load(path.read_text())


def cache_settings(root: Path) -> dict[str, bool]:
    """Output path -> whether DVC caches it (dvc.yaml `cache: false` outputs live in git)."""
    stages = yaml.safe_load((Path(root) / "dvc.yaml").read_text())["stages"]
    settings = {}
    for stage in stages.values():
        for section in ("outs", "metrics", "plots"):
            for entry in (stage.get("do", stage)).get(section, []) or []:
                if isinstance(entry, dict):
                    for path, options in entry.items():
                        settings[path] = bool((options or {}).get("cache", True))
                else:
                    settings[entry] = True
    return settings


def outputs(lock: dict, root: Path) -> list[Output]:
    settings = cache_settings(root)
    found = []
    for stage, entry in lock["stages"].items():
        for out in entry.get("outs", []):
            cached = settings.get(out["path"], not out["path"].startswith(("metrics/", "figures/", "paper/")))
            found.append(Output(stage, out["path"], out["md5"], int(out.get("size", 0)), out.get("nfiles"), cached))
    return found


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dir_listing(path: Path) -> list[dict[str, str]]:
    """DVC's listing of a directory: every file's md5 and relative path, sorted by path."""
    path = Path(path)
    files = [p for p in path.rglob("*") if p.is_file()]
    return sorted(({"md5": file_md5(p), "relpath": p.relative_to(path).as_posix()} for p in files),
                  key=lambda row: row["relpath"])


def listing_md5(listing: list[dict[str, str]]) -> str:
    return hashlib.md5(json.dumps(listing, sort_keys=True).encode("utf-8")).hexdigest() + ".dir"


def dir_md5(path: Path) -> str:
    """The hash DVC records for a directory output."""
    return listing_md5(dir_listing(path))


def output_md5(path: Path) -> str | None:
    """DVC's hash of a file or directory output as it is on disk; None if it does not exist."""
    path = Path(path)
    if path.is_dir():
        return dir_md5(path)
    return file_md5(path) if path.is_file() else None


def stage_name(lock: dict, item: str) -> str:
    """A stage of dvc.lock from an item: a sweep key (j03), ref, or a stage name (simulate@j03, kernels)."""
    stages = lock["stages"]
    for candidate in (item, f"simulate@{item}", "simulate_ref" if item == "ref" else None):
        if candidate in stages:
            return candidate
    known = sorted(stages)
    raise LockError(f"unknown item '{item}'; accepted: a sweep key (j03), ref, or a stage of dvc.lock "
                    f"({', '.join(known[:4])}, ... {len(known)} in all)")


def producer(lock: dict, path: str) -> str | None:
    """The stage whose output is `path` (or contains it)."""
    for stage, entry in lock["stages"].items():
        for out in entry.get("outs", []):
            if path == out["path"] or path.startswith(out["path"].rstrip("/") + "/"):
                return stage
    return None


def consumers(lock: dict, path: str) -> list[str]:
    """Stages that read `path` (a dependency equal to it, inside it, or containing it)."""
    found = []
    for stage, entry in lock["stages"].items():
        for dep in entry.get("deps", []):
            dep_path = dep["path"].rstrip("/")
            if dep_path == path or dep_path.startswith(path + "/") or path.startswith(dep_path + "/"):
                found.append(stage)
                break
    return found


def downstream_artefacts(lock: dict, root: Path, path: str) -> list[str]:
    """The committed results (figures, metrics, paper: outputs kept in git) that depend on `path`."""
    in_git = {out.path for out in outputs(lock, root) if not out.cached}
    seen, todo, found = set(), [path], set()
    while todo:
        current = todo.pop()
        for stage in consumers(lock, current):
            if stage in seen:
                continue
            seen.add(stage)
            for out in lock["stages"][stage].get("outs", []):
                if out["path"] in in_git:
                    found.add(out["path"])
                todo.append(out["path"])
    return sorted(found)

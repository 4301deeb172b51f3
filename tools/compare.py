"""Compare a re-computed output with the archived one: identical bytes, identical content, or different.

Bytes can differ where the science does not: an .npz written through another zlib compresses differently,
and metadata records the software versions that made it. `verdict` says which:
  identical bytes     the files are the same
  identical content   every array is equal (same names, dtypes, shapes, values) and so is the metadata, except
                      for environment records (software versions): the reason says "compression" or
                      "metadata: software versions"
  different           the reason names the first array or file that differs
Directories (DVC directory outputs) are compared file by file; .json by parsed value (environment records
ignored), .csv by parsed table, anything else by bytes. A statistical comparison (another thread count or
build: other spikes, the same statistics) is the next step of verification and is not made here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.lockfile import file_md5

# metadata keys that record the environment, not the science
ENVIRONMENT_KEYS = ("software", "nest_version")


@dataclass(frozen=True)
class Verdict:
    kind: str     # "identical bytes" | "identical content" | "different"
    reason: str = ""

    @property
    def agrees(self) -> bool:
        return self.kind != "different"


def _without_environment(value):
    if isinstance(value, dict):
        return {k: _without_environment(v) for k, v in value.items() if k not in ENVIRONMENT_KEYS}
    if isinstance(value, list):
        return [_without_environment(v) for v in value]
    return value


def _json_of(array: np.ndarray):
    try:
        return json.loads(str(array))
    except (json.JSONDecodeError, TypeError):
        return None


def npz_verdict(candidate: Path, archived: Path) -> Verdict:
    with np.load(candidate, allow_pickle=False) as a, np.load(archived, allow_pickle=False) as b:
        if sorted(a.files) != sorted(b.files):
            return Verdict("different", f"arrays {sorted(set(a.files) ^ set(b.files))} in only one file")
        metadata_differs = False
        for name in sorted(a.files):
            x, y = a[name], b[name]
            if x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                continue
            meta_x, meta_y = _json_of(x), _json_of(y)
            if meta_x is not None and meta_y is not None and _without_environment(meta_x) == _without_environment(
                    meta_y):
                metadata_differs = True
                continue
            return Verdict("different", f"array {name} differs")
    return Verdict("identical content", "metadata: software versions" if metadata_differs else "compression")


def file_verdict(candidate: Path, archived: Path) -> Verdict:
    if file_md5(candidate) == file_md5(archived):
        return Verdict("identical bytes")
    suffix = candidate.suffix
    if suffix == ".npz":
        return npz_verdict(candidate, archived)
    if suffix == ".json":
        same = _without_environment(json.loads(candidate.read_text())) == _without_environment(
            json.loads(archived.read_text()))
        return Verdict("identical content", "metadata: software versions") if same else Verdict(
            "different", f"{candidate.name} differs")
    if suffix == ".csv":
        import pandas as pd

        same = pd.read_csv(candidate).equals(pd.read_csv(archived))
        return Verdict("identical content", "formatting") if same else Verdict("different", f"{candidate.name} differs")
    return Verdict("different", f"{candidate.name}: bytes differ")


def verdict(candidate: Path, archived: Path) -> Verdict:
    """The verdict for a file or a directory output."""
    candidate, archived = Path(candidate), Path(archived)
    if candidate.is_dir() and archived.is_dir():
        names = sorted({p.relative_to(candidate).as_posix() for p in candidate.rglob("*") if p.is_file()}
                       | {p.relative_to(archived).as_posix() for p in archived.rglob("*") if p.is_file()})
        verdicts = []
        for name in names:
            if not (candidate / name).is_file() or not (archived / name).is_file():
                return Verdict("different", f"{name} exists on one side only")
            one = file_verdict(candidate / name, archived / name)
            if not one.agrees:
                return Verdict("different", f"{name}: {one.reason}")
            verdicts.append(one)
        reasons = sorted({v.reason for v in verdicts if v.kind == "identical content"})
        return Verdict("identical content", "; ".join(reasons)) if reasons else Verdict("identical bytes")
    if candidate.is_file() and archived.is_file():
        return file_verdict(candidate, archived)
    return Verdict("different", "missing on one side")

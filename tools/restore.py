"""Restore archived results into this checkout: check the deposit file, unpack it outside the git tree, pull.

Usage: python -m tools.restore ARCHIVE [--only derived] [--sha256 HEX]      (make restore ARCHIVE=... [ONLY=derived])

1. The file's sha256 must equal the expected one: --sha256, else the record of that file name in archives.json
   (the deposits of this compendium, committed), else ARCHIVE.sha256 beside it. A corrupt, truncated or other
   file is refused before anything is unpacked or configured.
2. Its manifest must record exactly the outputs of this checkout's dvc.lock (same DVC hashes): an archive of
   another commit or study is refused with the commit it was made for.
3. It is unpacked (to a temporary name, then renamed) into ~/.cache/hagen-eeg-compendium/archives/ (or
   --dir, or $COMPENDIUM_ARCHIVE_DIR), a local DVC remote named `archive` is pointed at it (in
   .dvc/config.local, never committed), and `dvc pull -r archive` fetches the data.
4. It ends with `dvc status`, which must be clean; with --only derived (kernels, signals, features, model,
   the onset comparison: no simulations) every restored output is checked against dvc.lock instead.
Nothing is downloaded. Without ARCHIVE it says which deposit of archives.json holds this checkout's results
and where it is published (its DOI), or that it is not published yet.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import yaml

from analysis.common import REPO_ROOT, CommandParser, get_logger, print_error, sha256_file
from tools.lockfile import LockError, output_md5, outputs, read_lock, run_dvc

RECORDS = REPO_ROOT / "archives.json"
DEFAULT_DIR = Path(os.environ.get("COMPENDIUM_ARCHIVE_DIR",
                                  Path.home() / ".cache" / "hagen-eeg-compendium" / "archives"))
REMOTE = "archive"
SIMULATION_STAGES = ("simulate@", "simulate_ref")
SHA256 = re.compile(r"[0-9a-f]{64}")


class RestoreError(RuntimeError):
    """A user-facing refusal: the message says what is wrong and what to do."""


def expected_sha256(archive: Path, given: str | None, records: Path = RECORDS) -> tuple[str, str]:
    """(sha256, where it came from)."""
    if given:
        if not SHA256.fullmatch(given.lower()):
            raise RestoreError(f"--sha256 {given!r} is invalid; accepted: 64 hexadecimal digits")
        return given.lower(), "--sha256"
    if records.is_file():
        known = json.loads(records.read_text()).get("deposits", {})
        if archive.name in known:
            return known[archive.name]["sha256"], f"{records.name}"
    sidecar = archive.with_name(archive.name + ".sha256")
    if sidecar.is_file():
        words = sidecar.read_text(errors="replace").split()
        if not words or not SHA256.fullmatch(words[0].lower()):
            raise RestoreError(f"{sidecar}: not a checksum file (accepted: 64 hexadecimal digits, then the file name, "
                               "as sha256sum writes); pass --sha256 HEX instead")
        return words[0].lower(), sidecar.name
    raise RestoreError(f"{archive}: no checksum to verify it against: it is not recorded in {records.name}, and "
                       f"there is no {sidecar.name} beside it; pass --sha256 HEX (the deposit's published sha256)")


def where_to_get(root: Path, records: Path = RECORDS) -> str:
    """Which deposit holds this checkout's results and where it is published, or that it is not yet."""
    data = json.loads(records.read_text())["deposits"]
    lock = read_lock(root)
    current = {out.path: out.md5 for out in outputs(lock, root)}
    matching = []
    for name, record in sorted(data.items()):
        done = subprocess.run(["git", "show", f"{record['commit']}:dvc.lock"], cwd=root, capture_output=True,
                              text=True)
        if done.returncode == 0:
            then = {out.path: out.md5 for out in outputs(yaml.safe_load(done.stdout), root)}
            if then == current:
                matching.append(name)
    if not matching:
        commits = ", ".join(f"{name}: {record['commit']}" for name, record in sorted(data.items()))
        return (f"no deposit in {records.name} holds the results of this checkout's dvc.lock; check out the commit "
                f"of one ({commits}), or make the results with make repro")
    name = matching[-1]
    record = data[name]
    size = f"{record['size_bytes'] / 1e6:.1f} MB, sha256 {record['sha256']}"
    if record.get("doi") or record.get("url"):
        return (f"the results of this checkout are the deposit {name} ({size}), published at "
                f"https://doi.org/{record['doi']} ({record['url']}); download it, then make restore "
                f"ARCHIVE=/path/to/{name}")
    return (f"the results of this checkout are the deposit {name} ({size}); it is not published yet (no DOI in "
            f"{records.name}): ask the authors for the file, or make the results yourself with make repro")


def check_file(archive: Path, given: str | None) -> None:
    if not archive.is_file():
        raise RestoreError(f"{archive}: file not found; {where_to_get(REPO_ROOT)}")
    expected, source = expected_sha256(archive, given)
    actual = sha256_file(archive)
    if actual != expected:
        raise RestoreError(f"{archive}: sha256 {actual} differs from the expected {expected} ({source}): the file "
                           "is corrupt, truncated or another file; get it again from the deposit")


def read_manifest(archive: Path) -> tuple[str, dict]:
    """(top-level folder name, manifest) of a deposit file; refuses unsafe or foreign layouts."""
    try:
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            tops = {name.split("/", 1)[0] for name in names}
            if len(tops) != 1 or any(name.startswith("/") or ".." in name.split("/") for name in names):
                raise RestoreError(f"{archive}: not a deposit of this compendium (one top folder expected)")
            top = tops.pop()
            member = tar.extractfile(f"{top}/manifest.json")
            return top, json.loads(member.read())
    except (tarfile.TarError, KeyError, json.JSONDecodeError) as err:
        raise RestoreError(f"{archive}: not a readable deposit of this compendium ({err})") from None


def check_manifest(manifest: dict, lock: dict, root: Path) -> None:
    recorded = {row["path"]: row["md5"] for row in manifest["outputs"]}
    differ = [out.path for out in outputs(lock, root) if recorded.get(out.path) != out.md5]
    if differ:
        raise RestoreError(f"the archive was made for commit {manifest.get('commit')} (profile "
                           f"{manifest.get('profile')}), whose results differ from this checkout's dvc.lock in "
                           f"{len(differ)} output(s) (e.g. {differ[0]}); check out that commit, or use the archive "
                           "of this one")


# tarfile's "data" filter arrived in Python 3.11.4 (Debian 12 ships 3.11.2); plain_members enforces the same
# rules on every 3.11.x, and the filter is added where it exists
DATA_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def plain_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    """The members of a deposit if every one is a plain file or folder at a relative path inside it.

    A deposit made by `make archive` holds nothing else; a link, a device, an absolute path or a `..` is refused
    before anything is written.
    """
    members = tar.getmembers()
    for member in members:
        parts = Path(member.name).parts
        if not (member.isfile() or member.isdir()) or Path(member.name).is_absolute() or ".." in parts:
            raise RestoreError(f"{archive}: member '{member.name}' is not a plain file or folder inside the "
                               "deposit; refusing to unpack it (not a deposit made by make archive)")
    return members


def unpack(archive: Path, top: str, target_dir: Path) -> Path:
    """Extract to a temporary folder and rename it into place: never a half-unpacked deposit."""
    final = target_dir / top
    if (final / "manifest.json").is_file():
        return final  # unpacked before from a file with the same (checked) contents
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = target_dir / f".{top}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, members=plain_members(tar, archive), **DATA_FILTER)
        (staging / top).replace(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def derived_stages(lock: dict) -> list[str]:
    return [stage for stage, entry in lock["stages"].items()
            if not stage.startswith(SIMULATION_STAGES) and entry.get("outs")]


def restore(root: Path, archive: Path, only: str, sha256: str | None, target_dir: Path, logger) -> str:
    lock = read_lock(root)
    check_file(archive, sha256)
    top, manifest = read_manifest(archive)
    check_manifest(manifest, lock, root)
    folder = unpack(archive, top, target_dir)
    logger.info("unpacked %s into %s (commit %s)", archive.name, folder, manifest["commit"])
    done = run_dvc(root, "remote", "add", "--local", "-f", REMOTE, str(folder / "dvc-remote"))
    if done.returncode != 0:
        raise RestoreError(f"dvc remote add failed: {done.stderr.strip()}")
    targets = derived_stages(lock) if only == "derived" else []
    done = run_dvc(root, "pull", "-r", REMOTE, *targets)
    if done.returncode != 0:
        raise RestoreError(f"dvc pull failed:\n{done.stderr[-2000:]}")
    if only == "derived":
        wanted = [out for out in outputs(lock, root) if out.cached and out.stage in targets]
        bad = [out.path for out in wanted if output_md5(root / out.path) != out.md5]
        if bad:
            raise RestoreError(f"restored outputs differ from dvc.lock: {bad}")
        return f"{len(wanted)} derived outputs restored, each identical to dvc.lock"
    status = run_dvc(root, "status")
    if status.returncode != 0 or "up to date" not in status.stdout:
        raise RestoreError(f"dvc status is not clean after the pull:\n{status.stdout[-2000:]}")
    return "dvc status: " + status.stdout.strip().splitlines()[-1]


def main(argv: list[str]) -> int:
    logger = get_logger("restore")
    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path, nargs="?", help="the deposit file (.tar); without it, say which "
                        "deposit holds this checkout's results and where it is published")
    parser.add_argument("--only", choices=("all", "derived"), default="all",
                        help="derived: kernels, signals, features, model and onset comparison, no simulations")
    parser.add_argument("--sha256", default=None, help="the expected sha256 (default: archives.json or ARCHIVE.sha256)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"where to unpack (default {DEFAULT_DIR})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.archive is None:
        try:
            print(f"error: make restore needs ARCHIVE=/path/to/deposit.tar; {where_to_get(REPO_ROOT)}",
                  file=sys.stderr)
        except LockError as err:
            print_error(err)
        return 2
    try:
        verdict = restore(REPO_ROOT, args.archive.resolve(), args.only, args.sha256, args.dir, logger)
    except (RestoreError, LockError) as err:
        print_error(err)
        return 2
    logger.info("%s (%.1f s)", verdict, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Pack every result recorded in the committed dvc.lock into one deposit file that a reader can pull and check.

Usage: python -m tools.archive [--out dist] [--record]          (make archive)

1. Refuses unless the workspace holds exactly what dvc.lock records (every output's DVC hash) and dvc.lock is
   committed: the deposit is named after the commit, so the commit must describe it.
2. Pushes every cached output to a DVC remote that is a plain folder (DVC's own layout, files/md5/..).
3. Writes beside it manifest.json (stage, path, md5, size, files, and the committed figures, metrics and paper
   that use each output), deposit.json (metadata for a data repository such as Zenodo, from CITATION.cff),
   a copy of the committed results (figures/, metrics/, paper/) and a README.
4. Packs it all into dist/NAME-COMMIT.tar (deterministic: sorted members, no timestamps or owners) and writes
   dist/NAME-COMMIT.tar.sha256. Restore it with `make restore ARCHIVE=dist/NAME-COMMIT.tar`.
5. With --record, adds the file's name, sha256, size and commit to archives.json (commit that file: readers'
   `make restore` checks their copy against it).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import yaml

from analysis.common import (REPO_ROOT, CommandParser, get_logger, interpreter, print_error, sha256_file,
                             software_versions, write_json, write_text)
from tools.lockfile import LockError, downstream_artefacts, output_md5, outputs, read_lock, run_dvc

ARCHIVE_NAME = "hagen-eeg-compendium"
PUSH_REMOTE = "archive-push"


class ArchiveError(RuntimeError):
    """A user-facing refusal: the message says what is wrong and what to do."""


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def commit_of(root: Path) -> str:
    done = git(root, "rev-parse", "--short=10", "HEAD")
    if done.returncode != 0:
        raise ArchiveError(f"{root} is not a git checkout with a commit: the archive is named after the commit of "
                           "its dvc.lock; commit first")
    if git(root, "diff", "--quiet", "HEAD", "--", "dvc.lock").returncode != 0:
        raise ArchiveError("dvc.lock has uncommitted changes: commit it first (the archive is named after the "
                           "commit that records its results)")
    return done.stdout.strip()


def differing_outputs(lock: dict, root: Path) -> list[str]:
    """Outputs whose DVC hash on disk is not the one dvc.lock records."""
    return [out.path for out in outputs(lock, root) if output_md5(root / out.path) != out.md5]


def manifest(lock: dict, root: Path, commit: str, profile: str) -> dict:
    rows = [{"stage": out.stage, "path": out.path, "md5": out.md5, "size_bytes": out.size, "nfiles": out.nfiles,
             "in_git": not out.cached, "used_by": downstream_artefacts(lock, root, out.path)}
            for out in outputs(lock, root)]
    return {"name": ARCHIVE_NAME, "commit": commit, "profile": profile, "outputs": rows,
            "total_size_bytes": sum(row["size_bytes"] for row in rows),
            "note": "md5 is DVC's hash (a directory's is the md5 of its file listing + '.dir'); used_by lists the "
                    "committed figures, metrics and paper files downstream of the output (stage granularity)"}


def deposit_metadata(root: Path, commit: str, profile: str) -> dict:
    """Zenodo-style deposit metadata from CITATION.cff."""
    citation = yaml.safe_load((root / "CITATION.cff").read_text())
    return {
        "title": f"{citation['title']} (archived results, profile {profile})",
        "upload_type": "dataset",
        "description": ("Every output of the compendium's DVC pipeline at commit " + commit + ": simulations, kernels, "
                        "signals, features, the fitted model, metrics, figures and the paper, as a DVC remote. "
                        "Restore with `make restore ARCHIVE=<this file>` in a clone of the compendium."),
        "creators": [{"name": author.get("name") or f"{author['family-names']}, {author['given-names']}"}
                     for author in citation["authors"]],
        "license": citation["license"], "version": f"{citation['version']}+{commit}",
        "keywords": citation.get("keywords", []),
        "related_identifiers": [{"relation": "isSupplementTo", "identifier": f"git commit {commit}"}],
        "software": software_versions("dvc", "nest-simulator", "neuron", "lfpykernels", "pycatch22"),
        "made_with": interpreter(),
    }


def push_outputs(root: Path, remote_dir: Path) -> None:
    """dvc push of every cached output to a plain-folder remote (configured locally, removed afterwards)."""
    add = run_dvc(root, "remote", "add", "--local", "-f", PUSH_REMOTE, str(remote_dir))
    if add.returncode != 0:
        raise ArchiveError(f"dvc remote add failed: {add.stderr.strip()}")
    try:
        push = run_dvc(root, "push", "-r", PUSH_REMOTE)
        if push.returncode != 0:
            # DVC's last line says why (a lock another DVC command holds, a missing cache file): one line
            said = [line.strip() for line in push.stderr.splitlines() if line.strip()]
            raise ArchiveError(f"dvc push failed: {said[-1] if said else 'no message'} (another DVC command running? "
                               "the DVC cache incomplete? `dvc status -c`)")
    finally:
        run_dvc(root, "remote", "remove", "--local", PUSH_REMOTE)


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def pack(folder: Path, tar_path: Path) -> None:
    """A tar of `folder` (as its top-level member) with identical bytes for identical contents."""
    members = [folder, *sorted(folder.rglob("*"))]
    tmp = tar_path.with_name(f".{tar_path.name}.tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in members:
            tar.add(path, arcname=path.relative_to(folder.parent).as_posix(), recursive=False, filter=_normalized)
    tmp.replace(tar_path)


def build(root: Path, out_dir: Path, logger) -> Path:
    lock = read_lock(root)
    commit = commit_of(root)
    differ = differing_outputs(lock, root)
    if differ:
        raise ArchiveError(f"the workspace differs from dvc.lock in {len(differ)} output(s) ({', '.join(differ[:3])}"
                           f"{', ...' if len(differ) > 3 else ''}); run `dvc checkout` or `dvc repro` first")
    profile = yaml.safe_load((root / "params.yaml").read_text()).get("profile", "full")
    name = f"{ARCHIVE_NAME}-{profile}-{commit}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".staging-") as staging:
        folder = Path(staging) / name
        logger.info("pushing the cached outputs of dvc.lock (commit %s) to a folder remote", commit)
        push_outputs(root, folder / "dvc-remote")
        for out in outputs(lock, root):
            if not out.cached:  # figures, metrics, paper: in git, copied for readers of the deposit alone
                (folder / "results" / out.path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / out.path, folder / "results" / out.path)
        write_json(folder / "manifest.json", manifest(lock, root, commit, profile))
        write_json(folder / "deposit.json", deposit_metadata(root, commit, profile))
        shutil.copy2(root / "dvc.lock", folder / "dvc.lock")
        write_text(folder / "README.txt", f"Archived results of the compendium at commit {commit} (profile "
                   f"{profile}).\nIn a clone of the compendium at that commit: make restore ARCHIVE=/path/to/"
                   f"{name}.tar\nmanifest.json lists every output with its DVC hash; results/ holds the committed "
                   "figures, metrics and paper; dvc-remote/ is a DVC remote (a plain folder).\n")
        tar_path = out_dir / f"{name}.tar"
        pack(folder, tar_path)
    digest = sha256_file(tar_path)
    write_text(tar_path.with_name(tar_path.name + ".sha256"), f"{digest}  {tar_path.name}\n")
    logger.info("wrote %s (%.1f MB), sha256 %s", tar_path, tar_path.stat().st_size / 1e6, digest)
    return tar_path


def record(records: Path, tar_path: Path, commit: str, profile: str) -> None:
    data = json.loads(records.read_text()) if records.is_file() else {"deposits": {}}
    data["deposits"][tar_path.name] = {"sha256": sha256_file(tar_path), "size_bytes": tar_path.stat().st_size,
                                       "commit": commit, "profile": profile, "doi": "", "url": ""}
    write_json(records, data)


DOI_PATTERN = re.compile(r"10\.\d{4,9}/\S+")


def record_publication(records: Path, name: str, doi: str, url: str) -> None:
    """Record where a deposit file was published (README "Publishing a deposit"): its DOI and file address."""
    data = json.loads(records.read_text())
    if name not in data["deposits"]:
        raise ArchiveError(f"{name}: not a deposit of {records.name}; accepted: {', '.join(sorted(data['deposits']))}")
    if not DOI_PATTERN.fullmatch(doi):
        raise ArchiveError(f"--doi {doi!r} is not a DOI; accepted: 10.NNNN/suffix, e.g. 10.5281/zenodo.1234567")
    if not url.startswith("https://"):
        raise ArchiveError(f"--url {url!r} is not an https:// address of the deposit file")
    data["deposits"][name].update(doi=doi, url=url)
    write_json(records, data)


def main(argv: list[str]) -> int:
    logger = get_logger("archive")
    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist", help="folder for the deposit file")
    parser.add_argument("--record", action="store_true", help="add the deposit to archives.json")
    parser.add_argument("--published", metavar="FILE", help="record where deposit FILE was published (with --doi, "
                        "--url); builds nothing")
    parser.add_argument("--doi", default="")
    parser.add_argument("--url", default="")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.published:
        try:
            record_publication(REPO_ROOT / "archives.json", args.published, args.doi, args.url)
        except ArchiveError as err:
            print_error(err)
            return 2
        logger.info("recorded doi %s and url %s for %s in archives.json: commit it", args.doi, args.url, args.published)
        return 0
    try:
        tar_path = build(REPO_ROOT, args.out, logger)
        if args.record:
            with tarfile.open(tar_path) as tar:
                manifest = json.loads(tar.extractfile(f"{tar_path.name[:-4]}/manifest.json").read())
            record(REPO_ROOT / "archives.json", tar_path, manifest["commit"], manifest["profile"])
            logger.info("recorded %s in archives.json: commit it", tar_path.name)
    except (ArchiveError, LockError) as err:
        print_error(err)
        return 2
    logger.info("archive took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

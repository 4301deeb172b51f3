"""Archive and restore (tools/archive.py, tools/restore.py, tools/lockfile.py, tools/check_hashes.py) on the
tiny profile: repro -> archive -> fresh clone -> restore -> dvc status clean -> check-hashes; bad files refused."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import run
from tools import lockfile
from tools.restore import DATA_FILTER

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "test",
                "GIT_COMMITTER_EMAIL": "test@example.org"}


def test_dir_md5_is_dvcs_own_hash_of_every_directory_output(tiny_workspace):
    """Independent check of tools/lockfile.dir_md5: DVC itself wrote these hashes into dvc.lock."""
    lock = lockfile.read_lock(tiny_workspace)
    directories = [out for out in lockfile.outputs(lock, tiny_workspace) if out.is_dir]
    assert len(directories) >= 4  # kernels, signals, features, model, onset comparison
    for out in directories:
        assert lockfile.dir_md5(tiny_workspace / out.path) == out.md5, out.path


@pytest.fixture(scope="module")
def repository(tiny_workspace, tmp_path_factory) -> Path:
    """The tiny workspace as a git repository with its dvc.lock committed, as a study's repository is."""
    root = tmp_path_factory.mktemp("archived") / "compendium"
    shutil.copytree(tiny_workspace, root, symlinks=True)
    (root / ".dvc" / "config.local").unlink()  # the workspace ran DVC without git
    run(["git", "init", "-q"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "tiny study"], root, **GIT_IDENTITY)
    return root


@pytest.fixture(scope="module")
def deposit(repository, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "tools.archive", "--out", str(out)], repository)
    (tar,) = out.glob("*.tar")
    return tar


def fresh_clone(repository: Path, target: Path) -> Path:
    run(["git", "clone", "-q", str(repository), str(target)], target.parent)
    return target


def test_deposit_holds_manifest_metadata_and_every_output(deposit, repository):
    assert deposit.name.startswith("hagen-eeg-compendium-tiny-")
    sidecar = deposit.with_name(deposit.name + ".sha256").read_text().split()
    assert sidecar[1] == deposit.name and len(sidecar[0]) == 64
    with tarfile.open(deposit) as tar:
        top = deposit.name[:-4]
        manifest = json.loads(tar.extractfile(f"{top}/manifest.json").read())
        deposit_json = json.loads(tar.extractfile(f"{top}/deposit.json").read())
        names = set(tar.getnames())
        assert all(info.mtime == 0 and info.uid == 0 for info in tar.getmembers())
    lock = lockfile.read_lock(repository)
    assert {row["path"]: row["md5"] for row in manifest["outputs"]} == {
        out.path: out.md5 for out in lockfile.outputs(lock, repository)}
    kernels = next(row for row in manifest["outputs"] if row["path"] == "data/kernels")
    assert "figures/kernels.png" in kernels["used_by"] and "paper/paper.pdf" in kernels["used_by"]
    assert deposit_json["upload_type"] == "dataset" and deposit_json["license"] == "MIT"
    assert f"{top}/results/metrics/ridge.json" in names
    # DVC's remote layout: one object per cached file, named by its md5
    j30 = next(row for row in manifest["outputs"] if row["path"] == "data/simulations/j30.npz")
    assert f"{top}/dvc-remote/files/md5/{j30['md5'][:2]}/{j30['md5'][2:]}" in names


def test_archive_has_identical_bytes_when_made_twice(deposit, repository, tmp_path):
    run([sys.executable, "-m", "tools.archive", "--out", str(tmp_path)], repository)
    assert (tmp_path / deposit.name).read_bytes() == deposit.read_bytes()


def test_archive_refuses_a_workspace_that_differs_from_dvc_lock(repository, tmp_path):
    features = repository / "data" / "features" / "features.csv"
    original = features.read_bytes()
    try:
        features.write_bytes(original + b"\n")
        done = run([sys.executable, "-m", "tools.archive", "--out", str(tmp_path)], repository, expect=2)
        assert done.stderr.startswith("error: the workspace differs from dvc.lock in 1 output(s) (data/features)")
        assert not list(tmp_path.glob("*.tar"))
    finally:
        features.write_bytes(original)


def test_archive_beside_another_dvc_command_is_one_line_naming_the_lock(repository, tmp_path):
    # seen 2026-12-07: `make archive` beside `make test-full` printed DVC's whole stderr, newlines escaped
    from dvc.repo import Repo, lock_repo

    with Repo(str(repository)) as repo, lock_repo(repo):
        done = run([sys.executable, "-m", "tools.archive", "--out", str(tmp_path)], repository, expect=2)
    *progress, line = done.stderr.strip().splitlines()
    assert not any(said.startswith("error") for said in progress)
    assert line.startswith("error: dvc push failed: ") and "lock" in line and "another DVC command" in line
    assert not list(tmp_path.glob("*.tar"))


def test_restore_on_a_fresh_clone_gives_a_clean_dvc_status_and_hashes_that_reproduce(deposit, repository, tmp_path):
    clone = fresh_clone(repository, tmp_path / "clone")
    assert not (clone / "data").exists()
    done = run([sys.executable, "-m", "tools.restore", str(deposit), "--dir", str(tmp_path / "unpacked")], clone)
    assert "dvc status: Data and pipelines are up to date." in done.stderr
    assert (clone / "data" / "simulations" / "j30.npz").is_file()
    assert "archive" in (clone / ".dvc" / "config.local").read_text()  # the remote stays local, never committed
    assert not run(["git", "status", "--porcelain"], clone).stdout.strip()
    done = run([sys.executable, "-m", "tools.check_hashes", "j05", "simulate_ref", "--workers", "2"], clone)
    assert "checking 2 items on 2 Dask workers" in done.stderr
    assert "all outputs identical to dvc.lock" in done.stderr and done.stdout.count(" yes ") == 2


def test_restore_of_the_derived_results_only(deposit, repository, tmp_path):
    clone = fresh_clone(repository, tmp_path / "clone")
    done = run([sys.executable, "-m", "tools.restore", str(deposit), "--only", "derived", "--dir",
                str(tmp_path / "unpacked")], clone)
    assert "derived outputs restored, each identical to dvc.lock" in done.stderr
    assert (clone / "data" / "features" / "features.csv").is_file()
    assert not (clone / "data" / "simulations").exists()


def test_check_hashes_needs_no_data_at_all(repository, tmp_path):
    """On a fresh clone: kernels need ref.npz, which is not there, so ref is simulated first in the scratch copy."""
    clone = fresh_clone(repository, tmp_path / "clone")
    mechanisms = repository / "build"
    if mechanisms.is_dir():  # compiled NEURON mechanisms (make setup builds them in a real clone)
        shutil.copytree(mechanisms, clone / "build", symlinks=True)
    done = run([sys.executable, "-m", "tools.check_hashes", "j05", "kernels"], clone)
    assert "re-running simulate_ref first" in done.stderr
    assert "all outputs identical to dvc.lock" in done.stderr and done.stdout.count(" yes ") == 2


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_damaged_deposit_is_refused_and_nothing_is_restored(deposit, repository, tmp_path, damage):
    clone = fresh_clone(repository, tmp_path / "clone")
    bad = tmp_path / deposit.name
    data = bytearray(deposit.read_bytes())
    if damage == "corrupt":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    bad.write_bytes(bytes(data))
    shutil.copy2(deposit.with_name(deposit.name + ".sha256"), tmp_path)
    done = run([sys.executable, "-m", "tools.restore", str(bad), "--dir", str(tmp_path / "unpacked")], clone,
               expect=2)
    assert done.stderr.startswith("error: ") and "is corrupt, truncated or another file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "unpacked").exists() and not (clone / "data").exists()
    assert not (clone / ".dvc" / "config.local").exists()


def test_an_archive_of_other_results_is_refused(deposit, repository, tmp_path):
    """A deposit whose manifest records other hashes (another commit or study) is refused before unpacking."""
    clone = fresh_clone(repository, tmp_path / "clone")
    top = deposit.name[:-4]
    with tarfile.open(deposit) as tar:
        tar.extractall(tmp_path / "x", **DATA_FILTER)
    manifest_path = tmp_path / "x" / top / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["commit"], manifest["outputs"][0]["md5"] = "0123456789", "0" * 32
    manifest_path.write_text(json.dumps(manifest))
    foreign = tmp_path / deposit.name
    with tarfile.open(foreign, "w") as tar:
        tar.add(tmp_path / "x" / top, arcname=top)
    from analysis.common import sha256_file

    done = run([sys.executable, "-m", "tools.restore", str(foreign), "--sha256", sha256_file(foreign), "--dir",
                str(tmp_path / "unpacked")], clone, expect=2)
    assert "error: the archive was made for commit 0123456789" in done.stderr
    assert not (tmp_path / "unpacked").exists()


def test_a_recorded_deposit_is_checked_against_archives_json(repository, tmp_path):
    """make archive --record writes the deposit's sha256 into archives.json; once committed, restore checks a
    reader's copy against it with no .sha256 file beside the copy."""
    own = tmp_path / "compendium"
    shutil.copytree(repository, own, symlinks=True)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "tools.archive", "--out", str(dist), "--record"], own)
    (tar,) = dist.glob("*.tar")
    from analysis.common import sha256_file

    entry = json.loads((own / "archives.json").read_text())["deposits"][tar.name]
    assert entry["sha256"] == sha256_file(tar) and entry["size_bytes"] == tar.stat().st_size
    run(["git", "commit", "-qam", "record the deposit"], own, **GIT_IDENTITY)
    clone = fresh_clone(own, tmp_path / "clone")
    downloaded = tmp_path / "downloads" / tar.name
    downloaded.parent.mkdir()
    data = bytearray(tar.read_bytes())
    data[-100] ^= 0x01  # one flipped bit near the end, no sidecar beside it
    downloaded.write_bytes(bytes(data))
    done = run([sys.executable, "-m", "tools.restore", str(downloaded), "--dir", str(tmp_path / "u")], clone, expect=2)
    assert "(archives.json)" in done.stderr and "corrupt, truncated or another file" in done.stderr
    shutil.copy2(tar, downloaded)
    done = run([sys.executable, "-m", "tools.restore", str(downloaded), "--dir", str(tmp_path / "u")], clone)
    assert "dvc status: Data and pipelines are up to date." in done.stderr


def test_a_deposit_with_a_link_is_refused_on_every_python_3_11(deposit, repository, tmp_path):
    """A member that is not a plain file or folder (here a link out of the deposit) is refused before anything is
    unpacked, by our own check: tarfile's 'data' filter does not exist before Python 3.11.4 (Debian 12: 3.11.2)."""
    clone = fresh_clone(repository, tmp_path / "clone")
    linked = tmp_path / deposit.name
    shutil.copy2(deposit, linked)
    with tarfile.open(linked, "a") as tar:
        link = tarfile.TarInfo(deposit.name[:-4] + "/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    from analysis.common import sha256_file

    done = run([sys.executable, "-m", "tools.restore", str(linked), "--sha256", sha256_file(linked), "--dir",
                str(tmp_path / "unpacked")], clone, expect=2)
    assert "member 'hagen-eeg-compendium" in done.stderr and "/escape' is not a plain file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not any((tmp_path / "unpacked").glob("*/escape")) and not (clone / "data").exists()


def test_restore_without_a_file_says_which_deposit_and_whether_it_is_published(tmp_path):
    """`make restore` alone names the deposit that holds this checkout's dvc.lock and its DOI, or says that it is
    not published yet; `tools.archive --published` records the DOI and refuses what is not one."""
    from tools import archive, restore

    # a record of a deposit made at this checkout's commit (its committed dvc.lock), and one of another commit
    head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=restore.REPO_ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "dvc.lock"], cwd=restore.REPO_ROOT).returncode:
        pytest.skip("dvc.lock has uncommitted changes: no deposit can hold them")
    name = f"hagen-eeg-compendium-full-{head}.tar"
    deposits = {name: {"commit": head, "sha256": "0" * 64, "size_bytes": 1e6, "doi": "", "url": ""},
                "hagen-eeg-compendium-full-0000000000.tar": {"commit": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                                                             "sha256": "1" * 64, "size_bytes": 1e6, "doi": "",
                                                             "url": ""}}
    records = tmp_path / "archives.json"
    records.write_text(json.dumps({"deposits": deposits}))
    said = restore.where_to_get(restore.REPO_ROOT, records)
    assert said.split("the deposit ")[1].split(" ")[0] == name and "not published yet" in said
    records.write_text(json.dumps({"deposits": {"other.tar": deposits["hagen-eeg-compendium-full-0000000000.tar"]}}))
    assert restore.where_to_get(restore.REPO_ROOT, records).startswith("no deposit in archives.json holds")
    records.write_text(json.dumps({"deposits": deposits}))
    with pytest.raises(archive.ArchiveError, match="is not a DOI"):
        archive.record_publication(records, name, "zenodo 123", "https://zenodo.org/records/123/files/x.tar")
    with pytest.raises(archive.ArchiveError, match="not a deposit"):
        archive.record_publication(records, "other.tar", "10.5281/zenodo.123", "https://zenodo.org/x.tar")
    archive.record_publication(records, name, "10.5281/zenodo.1234567", "https://zenodo.org/records/1234567/x.tar")
    said = restore.where_to_get(restore.REPO_ROOT, records)
    assert "published at https://doi.org/10.5281/zenodo.1234567" in said and f"ARCHIVE=/path/to/{name}" in said


@pytest.mark.parametrize("sidecar", ["", "not-a-hash  file.tar\n", "\x00\xff"])
def test_a_damaged_checksum_file_is_one_line(tmp_path, sidecar):
    """The .sha256 beside a deposit is a file a user hands us too: empty or garbage is refused by name."""
    from tools import restore

    archive = tmp_path / "unknown-deposit.tar"
    archive.write_bytes(b"x")
    (tmp_path / "unknown-deposit.tar.sha256").write_text(sidecar, errors="surrogateescape")
    with pytest.raises(restore.RestoreError, match=r"unknown-deposit.tar.sha256: not a checksum file"):
        restore.expected_sha256(archive, None)
    with pytest.raises(restore.RestoreError, match=r"--sha256 'abc' is invalid; accepted: 64 hexadecimal digits"):
        restore.expected_sha256(archive, "abc")


def test_check_hashes_takes_inputs_and_archived_outputs_from_dvcs_cache(repository, tmp_path):
    """A clone without data whose DVC cache holds the archive (the container check mounts this machine's cache so):
    the kernels' input ref.npz is copied from the cache instead of simulated again, and the verdict needs no data
    in the work tree."""
    clone = fresh_clone(repository, tmp_path / "clone")
    if (repository / "build").is_dir():
        shutil.copytree(repository / "build", clone / "build", symlinks=True)
    run([sys.executable, "-m", "dvc", "config", "--local", "cache.dir", str(repository / ".dvc" / "cache")], clone)
    done = run([sys.executable, "-m", "tools.check_hashes", "kernels"], clone)
    assert "input data/simulations/ref.npz taken from DVC's cache" in done.stderr
    assert "re-running simulate_ref" not in done.stderr
    assert "all outputs identical to dvc.lock" in done.stderr and not (clone / "data").exists()
    from tools import check_hashes

    lock = lockfile.read_lock(clone)
    kernels_out = lock["stages"]["kernels"]["outs"][0]
    copy = check_hashes.archived_copy(clone, kernels_out, tmp_path / "archived")
    assert copy is not None and lockfile.dir_md5(copy) == kernels_out["md5"]

"""Faults while a stage writes a folder (analysis/common.py atomic_dir, atomic_path): whole folders or nothing.

On a copy of the tiny profile's finished workspace: the signals stage meets a damaged simulation half-way, or is
killed while writing; the folder it replaces stays complete and unmixed, and a rerun leaves nothing behind.
"""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import run
from tools.lockfile import dir_listing


@pytest.fixture
def workspace(tiny_workspace, tmp_path) -> Path:
    copy = tmp_path / "compendium"
    shutil.copytree(tiny_workspace, copy, symlinks=True)
    return copy


def other_head(root: Path) -> None:
    """A valid change of the head model: the scalp's conductivity 10 % higher (other EEG, same CDM)."""
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["eeg"]["four_sphere"]["conductivities_S_m"][2] *= 1.1
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def test_a_damaged_input_half_way_leaves_the_previous_folder_whole(workspace):
    """One damaged simulation (the 6th of 10) and a changed head parameter: the stage stops with one line naming
    the file, and data/signals/ is the previous run's, file for file (it used to hold five items of the new head
    and five of the old)."""
    before = dir_listing(workspace / "data" / "signals")
    damaged = workspace / "data" / "simulations" / "j25.npz"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    other_head(workspace)
    done = run([sys.executable, "-m", "analysis.signals"], workspace, expect=2)
    assert done.stderr.strip().splitlines()[-1].startswith("error: data/simulations/j25.npz: not a readable .npz")
    assert dir_listing(workspace / "data" / "signals") == before
    assert not list((workspace / "data").glob(".signals.*"))


def test_a_stage_killed_while_writing_leaves_no_mix_and_the_rerun_no_leftovers(workspace):
    """SIGKILL while the signals stage writes: the previous folder is intact, its half-written replacement is a
    hidden .partial folder (ignored by git), which the rerun removes; the rerun's bytes equal an undisturbed run's."""
    folder = workspace / "data" / "signals"
    before = dir_listing(folder)
    partial = workspace / "data" / ".signals.partial"
    process = subprocess.Popen([sys.executable, "-m", "analysis.signals"], cwd=workspace,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(partial.glob("*.npz")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.returncode != -signal.SIGKILL:
        pytest.skip("the stage finished before it could be killed")
    assert dir_listing(folder) == before                      # untouched by the killed run
    assert list(partial.glob("*.npz"))                         # what it had written, aside
    for leftover in ("data/.signals.partial/x.npz", "figures/.a.pdf.1234abcd.tmp"):    # git ignores leftovers
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", leftover],
                                 cwd=Path(__file__).parent.parent)
        assert ignored.returncode == 0, leftover
    run([sys.executable, "-m", "analysis.signals"], workspace)
    assert dir_listing(folder) == before and not list((workspace / "data").glob(".signals.*"))


def test_an_output_missing_from_the_cache_is_named_with_what_to_do(workspace):
    """dvc.lock can record outputs whose files never reached the cache (a full disk during dvc commit); the check
    that ends make repro and make archive names the output, its stage and the command that mends it."""
    run([sys.executable, "-m", "tools.cache_check"], workspace)
    from tools import cache_check, lockfile

    lock = lockfile.read_lock(workspace)
    signals = next(out for out in lockfile.outputs(lock, workspace) if out.path == "data/signals")
    listing = json.loads(cache_check.object_path(cache_check.cache_dir(workspace), signals.md5).read_text())
    cache_check.object_path(cache_check.cache_dir(workspace), listing[3]["md5"]).unlink()
    done = run([sys.executable, "-m", "tools.cache_check"], workspace, expect=1)
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: data/signals (stage signals): 1 object(s) missing from ")
    assert lines[0].endswith("if the output is on disk and right: dvc commit signals; otherwise: dvc repro signals")
    assert lines[-1].startswith("error: 1 output(s) of dvc.lock are not in DVC's cache")


def test_a_profile_workspace_uses_the_cache_it_is_given(tmp_path):
    """make repro PROFILE=... DVC_CACHE_DIR=... : the workspace's DVC uses that cache (it used to keep its own and
    write the setting only into the repository's config)."""
    from tools import cache_check
    from tools.workspace import prepare

    root = prepare("tiny", tmp_path / "ws", cache_dir=tmp_path / "shared-cache")
    assert cache_check.cache_dir(root) == (tmp_path / "shared-cache").resolve()

"""Shared fixtures: the tiny profile's parameters and a scratch output folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.common import profile_raw
from analysis.params import Params, profile_params
from tools.workspace import prepare


@pytest.fixture(scope="session")
def tiny_params() -> Params:
    """The tiny profile's validated parameters (read-only; change them with tiny_params.with_changes({...}))."""
    return profile_params("tiny")


@pytest.fixture
def tiny_raw() -> dict:
    """The tiny profile's plain parameters, to break on purpose before validation."""
    return profile_raw("tiny")


def run(command: list[str], cwd: Path, expect: int = 0, **env_extra: str) -> subprocess.CompletedProcess:
    """Run a command with the environment's Python first on PATH; assert its exit status."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", DVC_NO_ANALYTICS="1",
               MPLBACKEND="Agg", **env_extra)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == expect, (f"{' '.join(command)} exited {done.returncode}, expected {expect}:\n"
                                       f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


@pytest.fixture(scope="session")
def tiny_workspace(tmp_path_factory) -> Path:
    """The tiny profile run end to end by `dvc repro` in a scratch copy of the repository (a few minutes)."""
    root = prepare("tiny", tmp_path_factory.mktemp("tiny") / "compendium")
    run([sys.executable, "-m", "dvc", "repro"], root)
    return root

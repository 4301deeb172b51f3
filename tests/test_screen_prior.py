"""tools/screen_prior.py: the prior's pilot screen refuses bad arguments in one line, before any simulation."""
from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.common import REPO_ROOT


@pytest.mark.parametrize("argv, message", [
    (["0"], "error: N = 0 is invalid; accepted: 1 .. 340 (the keys of study2.draws)"),
    (["5", "--tstop-ms", "100"], "error: --tstop-ms = 100 is invalid; accepted: 300 .. 3000 ms (study2.tstop_ms)"),
])
def test_bad_arguments_are_refused_before_any_work(argv, message):
    done = subprocess.run([sys.executable, "-m", "tools.screen_prior", *argv], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1] == message
    assert "draw t0000" not in done.stderr      # no simulation was started

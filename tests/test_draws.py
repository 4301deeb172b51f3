"""tools/draws.py: study 2's number of draws changes by rewriting study2.draws; existing draws keep key and theta."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from analysis.common import REPO_ROOT, read_yaml
from analysis.model import priors
from analysis.params import load_params
from tools.draws import draws_block


def test_the_committed_block_is_the_generated_one():
    assert draws_block(340) in (REPO_ROOT / "params.yaml").read_text()


def test_more_draws_keep_every_existing_draw(tmp_path):
    params_file = tmp_path / "params.yaml"
    shutil.copy(REPO_ROOT / "params.yaml", params_file)
    done = subprocess.run([sys.executable, "-m", "tools.draws", "10000", "--params", str(params_file)], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=True)
    assert "t0000 .. t9999 (10000 draws)" in done.stdout
    before, after = load_params(REPO_ROOT / "params.yaml"), load_params(params_file)
    assert after.study2.n_draws == 10000 and list(after.study2.draws)[:340] == list(before.study2.draws)
    assert priors.Prior.from_params(after).draw(after.study2.seed, after.study2.draws["t0339"]) == \
        priors.Prior.from_params(before).draw(before.study2.seed, before.study2.draws["t0339"])
    # everything else of the file is untouched, comments included
    untouched = lambda text: text.split("  draws: {")[0]  # noqa: E731
    assert untouched(params_file.read_text()) == untouched((REPO_ROOT / "params.yaml").read_text())
    assert read_yaml(params_file)["sweep"] == read_yaml(REPO_ROOT / "params.yaml")["sweep"]


def test_too_few_draws_for_the_learning_curve_is_refused_and_nothing_written(tmp_path):
    params_file = tmp_path / "params.yaml"
    shutil.copy(REPO_ROOT / "params.yaml", params_file)
    original = params_file.read_text()
    done = subprocess.run([sys.executable, "-m", "tools.draws", "100", "--params", str(params_file)], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {params_file}: study2.learning_curve_runs = [25, 50, 100, 150, 200, "
                                   "250] is invalid; accepted: at most the number of draws, 100")
    assert params_file.read_text() == original and sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_draws_is_refused(tmp_path, n):
    done = subprocess.run([sys.executable, "-m", "tools.draws", str(n), "--params", str(tmp_path / "p.yaml")],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == (
        f"error: argument n_draws: {n} is invalid; accepted: an integer in [2, 10000] (draw keys have four digits, "
        "t0000 .. t9999) (see --help)")

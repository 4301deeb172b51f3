"""Slow and full-scale checks (not in the default run): `make test-slow`, `make test-full`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.common import REPO_ROOT
from analysis.params import profile_params
from analysis.methods.paper_text import fmt


@pytest.mark.slow
def test_full_size_network_fires_at_the_reference_rates(tmp_path):
    """The full network at the best-fit drive: rates near those of the 12-s ref run (E 6.5, I 9.6 spikes/s)."""
    from analysis.common import load_npz
    from analysis.model.simulation import run_item

    params = profile_params("full").with_changes(
        {"simulation": {"tstop_ms": 1500.0, "transient_ms": 500.0, "progress_interval_ms": 500.0},
         "figures": {"raster_window_ms": [500.0, 1000.0]}})
    rates = load_npz(run_item(params, "ref", output_dir=tmp_path))["rates_Hz"]
    assert 4.0 < rates[0] < 9.0 and 7.0 < rates[1] < 13.0


def full_lock() -> dict:
    path = REPO_ROOT / "dvc.lock"
    if not path.is_file():
        pytest.skip("no dvc.lock: the full study has not been run in this checkout")
    return yaml.safe_load(path.read_text())


@pytest.mark.full
def test_archived_results_are_the_full_study():
    lock = full_lock()
    params = profile_params("full")
    stages = lock["stages"]
    for key in params.sweep:
        assert f"simulate@{key}" in stages
    for stage in ("simulate_ref", "kernels", "signals", "compare_onsets", "compare_pairings", "features", "evaluate",
                  "figures", "paper"):
        assert stage in stages, stage
    metrics = json.loads((REPO_ROOT / "metrics" / "ridge.json").read_text())
    assert metrics["n_rows"] == 50 and metrics["n_test"] == 5
    numbers = json.loads((REPO_ROOT / "paper" / "numbers.json").read_text())
    assert numbers["profile"] == "full" and numbers["test_mse"] == fmt(metrics["test_mse_pA2"])
    from PIL import Image

    for png in sorted((REPO_ROOT / "figures").glob("*.png")):
        assert json.loads(Image.open(png).text["Description"])["profile"] == "full", png


@pytest.mark.full
def test_study_2_is_the_340_draws_of_the_prior_with_their_own_theta():
    """Every draw of study2.draws is a recorded item whose run holds the theta its index defines; the metrics, the
    paper and the acceptance rate agree with the runs; the reference's seed spread is archived beside it."""
    from analysis.common import load_npz
    from analysis.model import priors

    stages = full_lock()["stages"]
    params = profile_params("full")
    study = params.study2
    assert [key for key in study.draws if f"simulate_study2@{key}" not in stages] == []
    accepted = 0
    for key, index in study.draws.items():
        run = load_npz(REPO_ROOT / "data" / "study2" / "runs" / f"{key}.npz")
        theta = priors.Prior.from_params(params).draw(study.seed, index)
        assert run["theta"].tolist() == [theta[name] for name in priors.PARAMETERS], key
        accepted += str(run["status"]) == "accepted"
    metrics = json.loads((REPO_ROOT / "metrics" / "study2.json").read_text())
    assert metrics["n_draws"] == 340 and metrics["n_accepted"] == accepted
    numbers = json.loads((REPO_ROOT / "paper" / "numbers.json").read_text())
    assert numbers["s2_n_draws"] == "340" and numbers["s2_n_accepted"] == str(accepted)
    for key in params.reference.spread_keys:
        assert f"simulate_spread@{key}" in stages and (REPO_ROOT / "data" / "seed_spread" / f"{key}.npz").is_file()


@pytest.mark.full
def test_dvc_status_is_clean_and_hashes_reproduce():
    full_lock()
    status = subprocess.run([sys.executable, "-m", "dvc", "status"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert "up to date" in status.stdout, status.stdout
    done = subprocess.run([sys.executable, "-m", "tools.check_hashes", "j00", "j25", "kernels"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "all outputs identical to dvc.lock" in done.stderr, done.stderr[-3000:]


def test_markers_are_registered():
    ini = (Path(REPO_ROOT) / "pytest.ini").read_text()
    assert "slow:" in ini and "full:" in ini


@pytest.mark.full
def test_regression_onset_legacy_reproduces_the_original_full_study_metrics():
    """With cdm.onset: legacy the full study's Ridge metrics are those published before the onset option existed
    (metrics/ridge.json of commit 67d7953, kept in tests/reference)."""
    full_lock()
    comparison = json.loads((REPO_ROOT / "metrics" / "onset_comparison.json").read_text())["onsets"]["legacy"]
    original = json.loads((Path(__file__).parent / "reference" / "full_legacy_onset_ridge.json").read_text())
    # published before the pooled CV numbers: its cv_* are the per-fold ones, on the same folds
    from tests.test_pipeline import PER_FOLD_NAMES

    for name, old_name in PER_FOLD_NAMES.items():
        assert comparison[name] == original[old_name], name

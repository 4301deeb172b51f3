"""End to end: `dvc repro` of the tiny profile in a scratch copy of the repository, simulation to paper."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from analysis.methods.paper_text import fmt
from tests.conftest import run

FIGURES = ["study_examples", "true_vs_predicted", "raster_rates", "rates_vs_drive", "kernels", "features_vs_drive"]

# metrics/ridge.json's per-fold numbers under the names they had before the pooled ones existed
PER_FOLD_NAMES = {"test_mse_pA2": "test_mse_pA2", "cv_fold_mse_pA2_mean": "cv_mse_pA2_mean",
                  "cv_fold_mse_pA2_sd": "cv_mse_pA2_sd", "cv_fold_r2_mean": "cv_r2_mean", "cv_fold_r2_sd": "cv_r2_sd"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workspace(tiny_workspace) -> Path:
    return tiny_workspace


def declared_outputs(root: Path) -> list[Path]:
    lock = yaml.safe_load((root / "dvc.lock").read_text())
    return [root / out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])]


def test_every_declared_output_exists_and_is_not_empty(workspace):
    outputs = declared_outputs(workspace)
    assert len(outputs) >= 10 + 1 + 1 + 1 + 1 + 1 + 1 + 12 + 3
    for path in outputs:
        assert path.exists(), path
        if path.is_file():
            assert path.stat().st_size > 0, path
        else:
            assert any(path.iterdir()), path
    status = run([sys.executable, "-m", "dvc", "status"], workspace).stdout
    assert "up to date" in status


def test_figures_exist_with_provenance(workspace):
    params_hash = None
    for name in FIGURES:
        pdf, png = workspace / "figures" / f"{name}.pdf", workspace / "figures" / f"{name}.png"
        assert pdf.stat().st_size > 1000 and png.stat().st_size > 1000
        from PIL import Image

        description = json.loads(Image.open(png).text["Description"])
        assert description["profile"] == "tiny" and description["inputs"]
        assert description["software"]["nest-simulator"] == "3.10.0"
        params_hash = params_hash or description["params_hash"]
        assert description["params_hash"] == params_hash
        assert f"params_hash={params_hash}".encode() in pdf.read_bytes()
        assert b"CreationDate" not in pdf.read_bytes()


def test_figures_and_paper_are_byte_identical_on_rerun(workspace):
    files = [workspace / "figures" / f"{n}.{e}" for n in FIGURES for e in ("pdf", "png")]
    files += [workspace / "paper" / name for name in ("paper.pdf", "paper.md", "numbers.json")]
    before = {path: digest(path) for path in files}
    run([sys.executable, "-m", "dvc", "repro", "--force", "--single-item", "figures"], workspace)
    run([sys.executable, "-m", "dvc", "repro", "--force", "--single-item", "paper"], workspace)
    assert {path: digest(path) for path in files} == before


def test_paper_numbers_equal_the_metrics(workspace):
    metrics = json.loads((workspace / "metrics" / "ridge.json").read_text())
    numbers = json.loads((workspace / "paper" / "numbers.json").read_text())
    text = (workspace / "paper" / "paper.md").read_text()
    assert numbers["test_mse"] == fmt(metrics["test_mse_pA2"])
    assert numbers["cv_mse_mean"] == fmt(metrics["cv_pooled_mse_pA2_mean"])
    assert numbers["cv_mse_sd"] == fmt(metrics["cv_pooled_mse_pA2_sd"], 2)
    assert numbers["cv_r2_mean"] == fmt(metrics["cv_pooled_r2_mean"], 4)
    assert numbers["cv_fold_r2_mean"] == fmt(metrics["cv_fold_r2_mean"], 3)
    flat = " ".join(text.split())
    assert (f"gives R² {numbers['cv_r2_mean']} ± {numbers['cv_r2_sd']} and MSE {numbers['cv_mse_mean']} ± "
            f"{numbers['cv_mse_sd']} pA² (mean ± sd over repeats); the test MSE on {numbers['n_test_runs']} is "
            f"{numbers['test_mse']} pA²") in flat
    # study 1's noise floor: the tiny profile's ref and its seeds, through the fitted model, as the paper says
    floor = json.loads((workspace / "metrics" / "seed_noise.json").read_text())
    spread = floor["predicted_J_ext_pA"]
    assert spread["n_seeds"] == 3 and floor["keys"] == ["ref", "ref_s1", "ref_s2"]
    assert spread["sd"] > 0 and spread["sd_interval"][0] < spread["sd"] < spread["sd_interval"][1]
    assert all(0 <= value for value in floor["seed_variance_fraction"].values() if value == value)
    assert (f"give a predicted drive of {fmt(spread['mean'])} ± {fmt(spread['sd'], 2)} pA (sd over seeds"
            in numbers["seed_noise"] and numbers["seed_noise"] in flat)
    # a tiny-profile paper says in its title and abstract that it is a demonstration
    assert "demonstration profile tiny:" in text.splitlines()[1] and "**Demonstration profile `tiny`" in text
    assert "{{" not in text
    assert (workspace / "paper" / "paper.pdf").read_bytes()[:5] == b"%PDF-"


def test_simulations_reproduce_bytes_in_the_pipeline(workspace, tmp_path):
    """The stage output equals a fresh run of the same item (same seed, same threads)."""
    lock = yaml.safe_load((workspace / "dvc.lock").read_text())
    recorded = lock["stages"]["simulate@j30"]["outs"][0]["md5"]
    run([sys.executable, "-m", "dvc", "repro", "--force", "--single-item", "simulate@j30"], workspace)
    assert hashlib.md5((workspace / "data" / "simulations" / "j30.npz").read_bytes()).hexdigest() == recorded


def test_check_hashes_command_reruns_items_and_kernels(workspace):
    done = run([sys.executable, "-m", "tools.check_hashes", "j05", "kernels"], workspace)
    assert "all outputs identical to dvc.lock" in done.stderr
    # one row each: the item's .npz, and the kernel stage's directory (its DVC hash, computed as DVC does)
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith(("j05 ", "kernels "))]
    assert [(row[1], row[4]) for row in rows] == [("data/simulations/j05.npz", "yes"), ("data/kernels", "yes")]


REFERENCE = Path(__file__).parent / "reference" / "tiny_legacy_onset"


def test_regression_onset_legacy_reproduces_the_original_signals_features_and_metrics(workspace):
    """cdm.onset: legacy gives, bit for bit, the tiny profile's signal arrays, features and Ridge metrics that the
    code wrote before the onset option existed (tests/reference/tiny_legacy_onset, written by commit 67d7953)."""
    from analysis.model import forward as signals
    from analysis.common import load_npz
    from analysis.params import profile_params

    params = profile_params("tiny")
    head = json.loads((workspace / "data" / "head_model.json").read_text())
    gain = np.asarray(head["gain_mV_per_nAum"])
    nearest = head["electrodes"].index(head["nearest_electrode"])
    kernels = load_npz(workspace / "data" / "kernels" / "kernels.npz")
    expected = json.loads((REFERENCE / "signal_array_sha256.json").read_text())["arrays"]
    for key in params.sweep:
        simulation = load_npz(workspace / "data" / "simulations" / f"{key}.npz")
        legacy = signals.item_signals(simulation, kernels, params, gain, onset="legacy")
        legacy["eeg"] = legacy["eeg_all"][nearest]
        for name, sha256 in expected[key].items():
            assert hashlib.sha256(np.ascontiguousarray(legacy[name]).tobytes()).hexdigest() == sha256, (key, name)
    comparison = workspace / "data" / "onset_comparison"
    assert (comparison / "features_legacy.csv").read_bytes() == (REFERENCE / "features.csv").read_bytes()
    legacy_metrics = json.loads((workspace / "metrics" / "onset_comparison.json").read_text())["onsets"]["legacy"]
    reference = json.loads((REFERENCE / "ridge.json").read_text())
    # the reference predates the pooled CV numbers: its cv_* are the per-fold ones, on the same folds
    for name, old_name in PER_FOLD_NAMES.items():
        assert legacy_metrics[name] == reference[old_name], name


def test_steady_onset_of_the_comparison_is_the_pipelines_result(workspace):
    comparison = workspace / "data" / "onset_comparison"
    assert (comparison / "features_steady.csv").read_bytes() == (workspace / "data/features/features.csv").read_bytes()
    steady = json.loads((workspace / "metrics" / "onset_comparison.json").read_text())["onsets"]["steady"]
    ridge = json.loads((workspace / "metrics" / "ridge.json").read_text())
    assert steady["test_mse_pA2"] == ridge["test_mse_pA2"]
    assert steady["cv_pooled_mse_pA2_mean"] == ridge["cv_pooled_mse_pA2_mean"]
    # steady-state signals start at their steady level: every item's first sample lies inside the trace's range of
    # ordinary values, while the legacy CDM starts at exactly the convolution's edge (0 at the first bin's kernel)
    examples = np.load(comparison / "onset_examples.npz")
    assert np.all(np.abs(examples["cdm_legacy"][:, 0]) < np.abs(examples["cdm_steady"][:, 0]) + 1e-3)


def test_pairing_comparison_equals_the_pipeline_for_the_correct_pairing(workspace):
    comparison = workspace / "data" / "pairing_comparison"
    assert (comparison / "features_correct.csv").read_bytes() == \
        (workspace / "data/features/features.csv").read_bytes()
    metrics = json.loads((workspace / "metrics" / "pairing_comparison.json").read_text())
    ridge = json.loads((workspace / "metrics" / "ridge.json").read_text())
    assert metrics["pairings"]["correct"]["cv_pooled_mse_pA2_mean"] == ridge["cv_pooled_mse_pA2_mean"]
    # the legacy pairing convolves E's spikes with the I->E kernel: a different signal, not a rescaled one
    cdms = metrics["cdm_legacy_vs_correct"]
    assert cdms["sd_ratio"]["min"] > 1.0 and cdms["pearson_r"]["max"] < 0.99
    numbers = json.loads((workspace / "paper" / "numbers.json").read_text())
    assert numbers["pairing_verdict"] in (workspace / "paper" / "paper.md").read_text()


def test_paper_reports_both_onsets_from_the_metrics(workspace):
    comparison = json.loads((workspace / "metrics" / "onset_comparison.json").read_text())
    numbers = json.loads((workspace / "paper" / "numbers.json").read_text())
    text = (workspace / "paper" / "paper.md").read_text()
    assert numbers["legacy_test_mse"] == fmt(comparison["onsets"]["legacy"]["test_mse_pA2"])
    assert numbers["steady_test_mse"] == fmt(comparison["onsets"]["steady"]["test_mse_pA2"])
    assert "# What the original onset artefact did" in text and numbers["legacy_cv_mse"] in text
    for name in comparison["most_changed_features"]:
        assert f"`{name}`" in text

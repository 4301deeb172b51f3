"""tools/predict.py: the stored model applied to new traces, and the traces it refuses."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.methods.features import FEATURE_NAMES
from tests.conftest import run

REPO = Path(__file__).resolve().parent.parent
N_SAMPLES, RATE_HZ = 2000, 1600.0


@pytest.fixture
def model_file(tmp_path):
    """A model whose only non-zero coefficient is on dfa: J = 29 + 10 x (dfa - 0.5) / 0.25."""
    coefficients = [10.0 if name == "dfa" else 0.0 for name in FEATURE_NAMES]
    model = {"feature_names": list(FEATURE_NAMES), "scaler_mean": [0.5] * 22, "scaler_scale": [0.25] * 22,
             "coefficients": coefficients, "intercept": 29.0, "training_J_ext_pA": [26.0, 32.0],
             "trace_samples": N_SAMPLES, "sampling_rate_Hz": RATE_HZ}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    return path


def predict(tmp_path, model_file, *args, expect=0):
    return run([sys.executable, "-m", "tools.predict", *map(str, args), "--model", str(model_file)], REPO,
               expect=expect)


def test_prediction_is_the_stored_linear_model_of_the_trace_features(tmp_path, model_file):
    from analysis.methods.features import catch22_features

    trace = np.random.default_rng(3).normal(size=N_SAMPLES)
    np.save(tmp_path / "trace.npy", trace)
    done = predict(tmp_path, model_file, tmp_path / "trace.npy")
    dfa = catch22_features(trace)[list(FEATURE_NAMES).index("dfa")]
    assert f"J_ext = {29.0 + 10.0 * (dfa - 0.5) / 0.25:.4f} pA" in done.stdout


@pytest.mark.parametrize("samples, message", [
    (50, f"50 samples at 1600 Hz; the model was trained on {N_SAMPLES} samples"),
    (160000, f"160000 samples at 1600 Hz; the model was trained on {N_SAMPLES} samples"),
])
def test_a_trace_of_another_length_is_refused(tmp_path, model_file, samples, message):
    np.save(tmp_path / "trace.npy", np.random.default_rng(1).normal(size=samples))
    done = predict(tmp_path, model_file, tmp_path / "trace.npy", expect=2)
    assert done.stderr.strip() == f"error: {tmp_path / 'trace.npy'}: {message} ({N_SAMPLES / RATE_HZ:g} s)"
    assert done.stdout == ""


def test_another_sampling_rate_is_refused_unless_resampling_is_asked_for(tmp_path, model_file):
    trace = np.random.default_rng(2).normal(size=2 * N_SAMPLES)  # the same 1.25 s at 3.2 kHz
    np.savez(tmp_path / "signals.npz", eeg=trace, sampling_rate_Hz=np.float64(3200.0))
    done = predict(tmp_path, model_file, tmp_path / "signals.npz", expect=2)
    assert "sampled at 3200 Hz; the model was trained at 1600 Hz" in done.stderr and "--resample" in done.stderr
    assert "J_ext = " in predict(tmp_path, model_file, tmp_path / "signals.npz", "--resample").stdout


def test_a_flat_trace_says_why_it_gives_no_features(tmp_path, model_file):
    np.save(tmp_path / "flat.npy", np.zeros(N_SAMPLES))
    done = predict(tmp_path, model_file, tmp_path / "flat.npy", expect=2)
    assert "gives no features: the trace is flat or holds non-finite values (std = 0" in done.stderr


def test_a_prediction_outside_the_training_range_is_flagged(tmp_path, model_file):
    model = json.loads(model_file.read_text())
    model["intercept"] = 40.0
    model_file.write_text(json.dumps(model))
    np.save(tmp_path / "trace.npy", np.random.default_rng(3).normal(size=N_SAMPLES))
    done = predict(tmp_path, model_file, tmp_path / "trace.npy")
    assert "lies outside the training range 26–32 pA: an extrapolation" in done.stderr


def test_a_model_file_that_is_not_json_is_refused_without_running_it(tmp_path):
    import pickle

    bad = tmp_path / "model.pkl"
    bad.write_bytes(pickle.dumps({"anything": 1}))
    np.save(tmp_path / "trace.npy", np.zeros(10))
    done = run([sys.executable, "-m", "tools.predict", str(tmp_path / "trace.npy"), "--model", str(bad)], REPO,
               expect=2)
    assert done.stderr.startswith(f"error: {bad}: not a model file")

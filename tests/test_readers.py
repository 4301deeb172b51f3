"""Every reader of a file a user can hand us, tried with many malformed inputs (hypothesis): truncations, random
bytes, wrong types and shapes, NaN, empty values, wrong keys. The property is always the same: the input is
accepted, or refused with one line that names the file (or key) — never a traceback, never a non-finite result.
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis import common
from analysis.common import InputError, ParamsError
from analysis.methods.features import FEATURE_NAMES
from analysis.params import parse
from tools import predict

N_SAMPLES, RATE_HZ = 2000, 1600.0
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# JSON values of every kind, nested a little: what a damaged or foreign file may hold in place of a number
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=25) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=30)


def valid_model() -> dict:
    """A model file as evaluate.model_as_data writes it: J = 29 + 10 (dfa - 0.5) / 0.25."""
    return {"feature_names": list(FEATURE_NAMES), "scaler_mean": [0.5] * 22, "scaler_scale": [0.25] * 22,
            "coefficients": [10.0 if name == "dfa" else 0.0 for name in FEATURE_NAMES], "intercept": 29.0,
            "training_J_ext_pA": [26.0, 32.0], "trace_samples": N_SAMPLES, "sampling_rate_Hz": RATE_HZ}


@pytest.fixture
def trace_file(tmp_path) -> Path:
    path = tmp_path / "trace.npy"
    np.save(path, np.random.default_rng(5).normal(size=N_SAMPLES))
    return path


def run_predict(capsys, *argv: str) -> tuple[int, str, str]:
    status = predict.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_refusal(status: int, out: str, err: str, names: str) -> None:
    assert status == 2 and out == "", (status, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and names in lines[0], err


def assert_accepted_finite(status: int, out: str) -> None:
    assert status == 0
    value = float(out.split("J_ext = ")[1].split()[0])
    assert math.isfinite(value)


@SETTINGS
@given(key=st.sampled_from(sorted(valid_model())), value=json_values)
@example(key="feature_names", value="\r")      # found by CI: a raw carriage return split the error in two lines
def test_a_model_file_with_any_value_in_place_of_one_entry(tmp_path, trace_file, capsys, key, value):
    model = valid_model()
    model[key] = value
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    status, out, err = run_predict(capsys, str(trace_file), "--model", str(path))
    if status == 0:      # a value that happens to be valid (e.g. another finite intercept)
        assert_accepted_finite(status, out)
    elif key in ("trace_samples", "sampling_rate_Hz") and str(trace_file) in err:
        assert_one_line_refusal(status, out, err, "the model was trained")   # a valid model, another trace
    else:
        assert_one_line_refusal(status, out, err, str(path))


@SETTINGS
@given(drop=st.sets(st.sampled_from(sorted(valid_model())), min_size=1), top=json_values)
def test_a_model_file_missing_entries_or_of_another_shape(tmp_path, trace_file, capsys, drop, top):
    for document in ({k: v for k, v in valid_model().items() if k not in drop}, top):
        path = tmp_path / "model.json"
        path.write_text(json.dumps(document))
        assert_one_line_refusal(*run_predict(capsys, str(trace_file), "--model", str(path)), str(path))


@SETTINGS
@given(cut=st.integers(0, 600), noise=st.binary(max_size=64))
def test_a_truncated_or_garbled_model_file(tmp_path, trace_file, capsys, cut, noise):
    text = json.dumps(valid_model()).encode()
    path = tmp_path / "model.json"
    path.write_bytes(text[:cut] + noise)
    status, out, err = run_predict(capsys, str(trace_file), "--model", str(path))
    if status == 0:
        assert_accepted_finite(status, out)
    else:
        assert_one_line_refusal(status, out, err, str(path))


TRACE_KINDS = {
    "strings": lambda n: np.array(["a"] * n),
    "booleans": lambda n: np.ones(n, dtype=bool),
    "complex": lambda n: np.ones(n, dtype=complex),
    "two-d": lambda n: np.ones((n, 2)),
    "empty": lambda n: np.array([]),
    "nan": lambda n: np.full(n, np.nan),
    "flat": lambda n: np.ones(n),
    "short": lambda n: np.random.default_rng(1).normal(size=n // 2),
}


@pytest.mark.parametrize("kind", sorted(TRACE_KINDS))
def test_a_trace_that_is_not_one_real_series_of_the_model_length(tmp_path, capsys, kind):
    model = tmp_path / "model.json"
    model.write_text(json.dumps(valid_model()))
    trace = tmp_path / f"{kind}.npy"
    np.save(trace, TRACE_KINDS[kind](N_SAMPLES))
    assert_one_line_refusal(*run_predict(capsys, str(trace), "--model", str(model)), str(trace))


@SETTINGS
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".npy", ".npz", ".csv", ".txt"]))
def test_random_bytes_as_a_trace(tmp_path, capsys, data, suffix):
    model = tmp_path / "model.json"
    model.write_text(json.dumps(valid_model()))
    trace = tmp_path / f"trace{suffix}"
    trace.write_bytes(data)
    assert_one_line_refusal(*run_predict(capsys, str(trace), "--model", str(model)), str(trace))


@SETTINGS
@given(cut=st.integers(0, 4000), noise=st.binary(max_size=32))
def test_a_damaged_npz_is_an_input_error_naming_the_file(tmp_path, cut, noise):
    """load_checked_npz, the reader of every simulation and signals file."""
    path = tmp_path / "j00.npz"
    common.save_npz(path, eeg=np.arange(500, dtype=np.float32), sampling_rate_Hz=np.float64(1600))
    whole = path.read_bytes()
    path.write_bytes(whole[:cut] + noise)
    try:       # the cheap check of the zip directory that stages run before their first write
        common.check_npz_structure(path, ("eeg", "sampling_rate_Hz"))
    except InputError as err:
        assert str(err).startswith(f"{path}: ") and len(str(err).splitlines()) == 1
    try:
        data = common.load_checked_npz(path, ("eeg", "sampling_rate_Hz"))
    except InputError as err:
        assert str(err).startswith(f"{path}: ") and len(str(err).splitlines()) == 1
    else:
        np.testing.assert_array_equal(data["eeg"], np.arange(500, dtype=np.float32))


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_text_as_params_yaml_is_read_or_refused_in_one_line(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    try:
        data = common.read_yaml(path)
    except ParamsError as err:
        assert str(err).startswith(f"{path}: ") and len(str(err).splitlines()) == 1
    else:
        assert isinstance(data, dict)


def dotted_keys(tree, prefix: str = "") -> list[str]:
    if isinstance(tree, dict):
        return [k for key, value in tree.items() for k in dotted_keys(value, f"{prefix}{key}.")] or [prefix[:-1]]
    return [prefix[:-1]]


FULL = common.read_yaml(common.PARAMS_FILE)
LEAVES = sorted(key for key in dotted_keys(FULL) if not key.startswith(("sweep.", "study2.draws.")))


@SETTINGS
@given(key=st.sampled_from(LEAVES), value=json_values)
def test_any_value_at_any_parameter_is_valid_or_names_that_key(key, value):
    """The schema (analysis/params.py) on params.yaml with one value replaced by anything: a Params, or a
    ParamsError of one line; when the value itself is refused the line names its key."""
    raw = copy.deepcopy(FULL)
    *path, leaf = key.split(".")
    node = raw
    for part in path:
        node = node[part]
    node[leaf] = value
    try:
        parse(raw)
    except ParamsError as err:
        assert len(str(err).splitlines()) == 1 and str(err).startswith("params.yaml: ")

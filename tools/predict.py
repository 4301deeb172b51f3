"""Predict J_ext for a new EEG trace with the study's fitted Ridge model (models/ridge_J_ext.json).

Usage: python -m tools.predict TRACE [TRACE ...] [--model models/ridge_J_ext.json]
                               [--sampling-rate-Hz F] [--resample]

TRACE: a .npy file holding one 1-D trace, a text/.csv file with one value per line, or a signals file
(data/signals/KEY.npz: its 'eeg' trace and its sampling rate). The trace is z-scored and its 22 catch22
features go through the stored scaler and Ridge coefficients (plain numbers: nothing in the model file runs).

catch22 features depend on the sampling rate and the length of a trace, so a trace must match the training
traces (the model file records both: 16 000 samples at 1.6 kHz for the study). Another sampling rate is
refused unless --resample is given (polyphase resampling to the model's rate); another length is refused.
A prediction outside the training range of J_ext is printed with a warning: it is an extrapolation.
A user error prints one line `error: ...` and exits with status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from analysis.common import CommandParser, print_error
from analysis.data import RIDGE_MODEL_FILE as MODEL
from analysis.methods.features import FEATURE_NAMES, catch22_features, zscore
from analysis.methods.inverse import predict_from_data


class PredictError(ValueError):
    """A user error: the message names the file and what is accepted."""


def read_trace(path: Path) -> tuple[np.ndarray, float | None]:
    """The trace and, for a signals file, its sampling rate (None: not recorded in the file)."""
    if not path.is_file():
        raise PredictError(f"{path}: no such trace file")
    rate = None
    try:
        if path.suffix == ".npy":
            trace = np.load(path, allow_pickle=False)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                if "eeg" not in data.files:
                    raise PredictError(f"{path}: an .npz trace must hold an array named 'eeg' "
                                       f"(found {', '.join(data.files)})")
                trace = data["eeg"]
                rate = float(data["sampling_rate_Hz"]) if "sampling_rate_Hz" in data.files else None
        else:
            with warnings.catch_warnings():     # an empty file is refused below, in one line, not warned about
                warnings.simplefilter("ignore", UserWarning)
                trace = np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None)
    except PredictError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PredictError(f"{path}: not a readable trace ({reason})") from None
    trace = np.asarray(trace)
    if not (np.issubdtype(trace.dtype, np.integer) or np.issubdtype(trace.dtype, np.floating)):
        raise PredictError(f"{path}: holds {trace.dtype} values; accepted: real numbers (integers or floats)")
    trace = trace.astype(np.float64).squeeze()
    if trace.ndim != 1:
        raise PredictError(f"{path}: expected one 1-D trace, got shape {trace.shape}")
    return trace, rate


def load_model(path: Path) -> dict:
    if not path.is_file():
        raise PredictError(f"{path}: no fitted model; run the pipeline (make repro) or check out a commit that has it")
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise PredictError(f"{path}: not a model file: a model is JSON ({type(err).__name__})") from None
    check_model(model, path)
    return model


def _numbers(model: dict, key: str, path: Path, length: int | None = None, positive: bool = False) -> np.ndarray:
    """model[key] as finite float64 numbers (a list of `length`, or one number), else a PredictError."""
    value = model[key]
    shape = "a number" if length is None else f"a list of {length} numbers"
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    is_list = isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if (length is None and not is_number) or (length is not None and not (is_list and len(value) == length)):
        raise PredictError(f"{path}: '{key}' is {json.dumps(value)[:60]}; accepted: {shape}")
    numbers = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(numbers)) or (positive and not np.all(numbers > 0)):
        raise PredictError(f"{path}: '{key}' holds {'non-positive or ' if positive else ''}non-finite values; "
                           f"accepted: {shape}, finite{' and > 0' if positive else ''}")
    return numbers


def check_model(model, path: Path) -> None:
    """A model file (analysis.methods.inverse.model_as_data) whose every number a prediction uses is there, of its
    shape, finite; a scale of 0 would divide by zero and print J_ext = nan as if it were a result."""
    if not isinstance(model, dict):
        raise PredictError(f"{path}: not a model file: its top level is a JSON {type(model).__name__}, not an object")
    needed = ("feature_names", "scaler_mean", "scaler_scale", "coefficients", "intercept", "training_J_ext_pA",
              "trace_samples", "sampling_rate_Hz")
    missing = [key for key in needed if key not in model]
    if missing:
        raise PredictError(f"{path}: not a model file: lacks {missing}")
    if model["feature_names"] != list(FEATURE_NAMES):
        named = json.dumps(model["feature_names"])[:80]
        raise PredictError(f"{path} was trained on other features: {named}; accepted: "
                           f"the {len(FEATURE_NAMES)} catch22 features of analysis/methods/features.py")
    n = len(FEATURE_NAMES)
    _numbers(model, "scaler_mean", path, n)
    _numbers(model, "scaler_scale", path, n, positive=True)
    _numbers(model, "coefficients", path, n)
    _numbers(model, "intercept", path)
    low, high = _numbers(model, "training_J_ext_pA", path, 2)
    if not low < high:
        raise PredictError(f"{path}: 'training_J_ext_pA' = [{low:g}, {high:g}]; accepted: [low, high] with low < high")
    _numbers(model, "sampling_rate_Hz", path, positive=True)
    samples = model["trace_samples"]
    if not (isinstance(samples, int) and not isinstance(samples, bool) and samples >= 2):
        raise PredictError(f"{path}: 'trace_samples' = {json.dumps(samples)[:40]}; accepted: an integer >= 2")


def conform(trace: np.ndarray, rate_Hz: float, model: dict, resample: bool, name: str) -> np.ndarray:
    """The trace at the model's sampling rate and length, or a PredictError saying what differs."""
    wanted_rate, wanted_samples = model["sampling_rate_Hz"], model["trace_samples"]
    if not np.isclose(rate_Hz, wanted_rate):
        if not resample:
            raise PredictError(f"{name}: sampled at {rate_Hz:g} Hz; the model was trained at {wanted_rate:g} Hz "
                               "(catch22 features depend on the rate); pass --resample to resample it")
        from scipy.signal import resample_poly

        ratio = Fraction(wanted_rate / rate_Hz).limit_denominator(1000)
        trace = resample_poly(trace, ratio.numerator, ratio.denominator)
    if trace.size != wanted_samples:
        raise PredictError(f"{name}: {trace.size} samples at {wanted_rate:g} Hz; the model was trained on "
                           f"{wanted_samples} samples ({wanted_samples / wanted_rate:g} s)")
    return trace


def predict_trace(trace: np.ndarray, model: dict, name: str) -> float:
    if zscore(trace) is None:
        raise PredictError(f"{name}: gives no features: the trace is flat or holds non-finite values "
                           f"(std = {np.std(trace):.3g}, {int(np.sum(~np.isfinite(trace)))} non-finite samples)")
    features = catch22_features(trace)
    if not np.all(np.isfinite(features)):
        bad = [n for n, v in zip(FEATURE_NAMES, features) if not np.isfinite(v)]
        raise PredictError(f"{name}: catch22 gave non-finite features {bad}")
    value = float(predict_from_data(model, features)[0])
    if not np.isfinite(value):   # never printed as a result
        raise PredictError(f"{name}: the prediction is not finite ({value}); the model file is damaged")
    return value


def positive_rate(text: str) -> float:
    """--sampling-rate-Hz: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is invalid; accepted: a sampling rate in Hz, a finite number > 0")
    return value


def main(argv: list[str]) -> int:
    parser = CommandParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--sampling-rate-Hz", type=positive_rate, default=None,
                        help="rate of .npy/.csv traces (default: the model's); signals files record their own")
    parser.add_argument("--resample", action="store_true", help="resample traces to the model's rate")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
        low, high = model["training_J_ext_pA"]
        results = []
        for path in args.traces:
            trace, rate = read_trace(path)
            trace = conform(trace, rate or args.sampling_rate_Hz or model["sampling_rate_Hz"], model,
                            args.resample, str(path))
            results.append((path, predict_trace(trace, model, str(path))))
    except PredictError as err:
        print_error(err)
        return 2
    for path, value in results:
        print(f"{path}\tJ_ext = {value:.4f} pA")
        if not low <= value <= high:
            print(f"warning: {path}: J_ext = {value:.4f} pA lies outside the training range {low:g}–{high:g} pA: "
                  "an extrapolation, not a measurement", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

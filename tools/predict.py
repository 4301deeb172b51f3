"""Predict J_ext for a new EEG trace with the fitted Ridge model.

Usage: python -m tools.predict TRACE [TRACE ...] [--model data/model/ridge.pkl]

TRACE: a .npy file holding one 1-D trace, a text/.csv file with one value per line, or a signals file
(data/signals/KEY.npz, its 'eeg' trace). The trace is z-scored and its 22 catch22 features go through the
same scaler and Ridge as in training. The model was trained on EEG sampled at 1.6 kHz, 16 000 samples
(10 s); features of traces sampled otherwise are not comparable.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

from analysis.evaluate import MODEL
from analysis.features import FEATURE_NAMES, catch22_features


def read_trace(path: Path) -> np.ndarray:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such trace file")
    if path.suffix == ".npy":
        trace = np.load(path, allow_pickle=False)
    elif path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "eeg" not in data.files:
                raise ValueError(f"{path}: an .npz trace must hold an array named 'eeg'")
            trace = data["eeg"]
    else:
        trace = np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None)
    trace = np.asarray(trace, dtype=np.float64).squeeze()
    if trace.ndim != 1:
        raise ValueError(f"{path}: expected one 1-D trace, got shape {trace.shape}")
    return trace


def predict(traces: list[np.ndarray], model_path: Path = MODEL) -> np.ndarray:
    if not model_path.is_file():
        raise FileNotFoundError(f"{model_path}: no fitted model; run the pipeline (dvc repro) first")
    bundle = pickle.loads(model_path.read_bytes())
    if bundle["feature_names"] != list(FEATURE_NAMES):
        raise ValueError(f"{model_path} was trained on other features: {bundle['feature_names']}")
    features = np.array([catch22_features(trace) for trace in traces])
    return bundle["model"].predict(features)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    predictions = predict([read_trace(path) for path in args.traces], args.model)
    for path, value in zip(args.traces, predictions):
        print(f"{path}\tJ_ext = {value:.4f} pA")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

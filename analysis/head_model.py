"""Set up the head model once: the EEG gain of every electrode per unit current dipole moment (docs/model.md §4).

Usage: python -m analysis.head_model

The forward model depends on params.yaml's eeg section only, never on a simulation, so it is its own stage: the
signals of study 1 and the draws of study 2 both read its gain, and study 2 does not wait on study 1's sweep.

Writes data/head_model.json: the head model's name, electrode labels, the electrode nearest the dipole (the study's
trace), the dipole's orientation, gain_mV_per_nAum (EEG = gain * CDM at every electrode) and the eeg section's hash.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from analysis import common, data
from analysis.common import get_logger, log_io, params_hash, write_json
from analysis.model import heads
from analysis.params import load_params


def main() -> int:
    logger = get_logger("head_model")
    start = time.perf_counter()
    params = load_params()

    # a missing or wrong head file (eeg.head_model: nyhead) stops here, with the file named (docs/model.md §4)
    head = heads.make_head(params.eeg)
    gain_mV_per_nAum = heads.eeg_gain(head)
    if not np.all(np.isfinite(gain_mV_per_nAum)):
        raise common.InputError(f"head model {params.eeg.head_model}: non-finite EEG gain at "
                                f"{int(np.sum(~np.isfinite(gain_mV_per_nAum)))} electrodes; check the eeg section "
                                f"of params.yaml")
    nearest = head.nearest_electrode()
    head_info = {"head_model": params.eeg.head_model, "electrodes": list(head.electrode_labels),
                 "nearest_electrode": head.electrode_labels[nearest], "orientation": head.orientation.tolist(),
                 "gain_mV_per_nAum": gain_mV_per_nAum.tolist(), "params_hash": params_hash(params.eeg.model_dump())}
    if hasattr(head, "vertex"):
        head_info.update(vertex=head.vertex, vertex_distance_mm=head.vertex_distance_mm)
    logger.info("head model %s: dipole -> nearest electrode %s, gain %.4g mV per nA·um (%.3g uV per 1e7 nA·um)",
                head_info["head_model"], head_info["nearest_electrode"], gain_mV_per_nAum[nearest],
                gain_mV_per_nAum[nearest] * 1e10)

    write_json(data.HEAD_MODEL_FILE, head_info)
    log_io(logger, read=["params.yaml (eeg)"], wrote=[data.HEAD_MODEL_FILE])
    logger.info("stage head_model took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

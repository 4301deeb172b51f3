"""Simulate one draw of study 2 (docs/model.md §8): study 1's network with the draw's theta.

Usage: python -m analysis.simulate_study2 KEY          (KEY: a key of study2.draws, e.g. t0007)

theta is draw study2.draws[KEY] of study2.prior_box (analysis/model/priors.py); the run lasts study2.tstop_ms with a
study2.transient_ms transient and has its own seed (derived from seeds.simulation and the key tNNNN).
Writes data/study2/runs/tNNNN.npz, always one file per draw:
  accepted  study 1's simulation arrays (spikes, counts, rates, metadata) plus theta and status 'accepted'
  rejected  theta, status 'rejected' and the reason, when the run exceeded simulation.rate_ceiling_Hz and was
            stopped early; never silently dropped (the acceptance rate is reported)
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.model import priors
from analysis.common import ParamsError, get_logger, json_array, load_npz, log_io, run, save_npz
from analysis.params import Params, load_params
from analysis.simulate import run_item

OUTPUT_DIR = Path("data/study2/runs")


def study2_params(params: Params, key: str) -> tuple[Params, dict]:
    """(study 1's parameters with draw `key`'s theta and study 2's duration, theta)."""
    study = params.study2
    if key not in study.draws:
        raise ParamsError(f"draw '{key}' is invalid; accepted: a key of study2.draws "
                          f"({', '.join(list(study.draws)[:2])}, ..., {list(study.draws)[-1]})")
    theta = priors.draw(study.prior_box, study.seed, study.draws[key])
    run_params = priors.network_params(params, theta, key).with_changes(
        {"simulation": {"tstop_ms": study.tstop_ms, "transient_ms": study.transient_ms}})
    return run_params, theta


def simulate_draw(params: Params, key: str, output_dir: Path = OUTPUT_DIR, logger=None) -> tuple[Path, str]:
    """Run draw `key` and write its file; (path, status)."""
    logger = logger or get_logger("simulate_study2")
    run_params, theta = study2_params(params, key)
    logger.info("draw %s: theta = %s, E/I_net = %.3f", key, json.dumps({k: round(v, 4) for k, v in theta.items()}),
                priors.ei_ratio(theta))
    path = Path(output_dir) / f"{key}.npz"
    theta_array = np.array([theta[name] for name in priors.PARAMETERS])
    with tempfile.TemporaryDirectory() as scratch:
        try:
            arrays = load_npz(run_item(run_params, key, output_dir=Path(scratch), logger=logger,
                                       J_ext_pA=theta["J_ext_pA"]))
            status, reason = "accepted", ""
        except RuntimeError as err:  # the rate ceiling stopped a runaway network
            arrays, status, reason = {}, "rejected", str(err)
            logger.warning("draw %s rejected: %s", key, reason)
    arrays.update(theta=theta_array, theta_names=np.array(priors.PARAMETERS), status=np.array(status),
                  reason=np.array(reason), theta_json=json_array(theta))
    save_npz(path, **arrays)
    return path, status


def main(argv: list[str]) -> int:
    logger = get_logger("simulate_study2")
    if len(argv) != 1:
        raise ParamsError("usage: python -m analysis.simulate_study2 KEY (a key of study2.draws, e.g. t0007)")
    start = time.perf_counter()
    params = load_params()
    path, status = simulate_draw(params, argv[0], logger=logger)
    log_io(logger, read=["params.yaml"], wrote=[path])
    logger.info("draw %s %s; stage took %.1f s", argv[0], status, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:])))

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

import sys
import time

from analysis.common import ParamsError, get_logger, log_io, run
from analysis.model import draws
from analysis.params import load_params


def main(argv: list[str]) -> int:
    logger = get_logger("simulate_study2")
    if len(argv) != 1:
        raise ParamsError("usage: python -m analysis.simulate_study2 KEY (a key of study2.draws, e.g. t0007)")
    start = time.perf_counter()
    params = load_params()
    path, status = draws.simulate_draw(params, argv[0], logger=logger)
    log_io(logger, read=["params.yaml"], wrote=[path])
    logger.info("draw %s %s; stage took %.1f s", argv[0], status, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:])))

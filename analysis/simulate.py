"""Simulate the Hagen LIF network in NEST for one sweep item (docs/model.md §1).

Usage: python -m analysis.simulate KEY      (KEY is a key of `sweep` in params.yaml, `ref`, or a spread key)

`ref` is the best-fit point J_ext = reference.J_ext_pA, whose rates feed the kernels (docs/model.md §2.4); it is not
one of the training items. The keys of reference.spread_keys (ref_s1, ...) are the same point with other seeds
(each key derives its own), written to data/seed_spread/: the seed-to-seed spread that calibrates the
statistical verdict of tools/check_hashes.py.

Writes data/simulations/KEY.npz (deterministic bytes, written atomically) holding
  spike_steps_E, spike_ids_E, spike_steps_I, spike_ids_I   every spike: t = step * dt_ms, 0-based neuron id
  spike_counts     int32 (2, n_bins): post-transient spikes per dt bin, rows E, I (what the CDM stage needs)
  rates_Hz         float64 (2,): post-transient mean rates of E and I
  metadata         JSON: key, J_ext_pA, rng_seed, threads, population sizes, NEST version, parameter hash
Timings go to the log only, so identical inputs give identical bytes.
"""
from __future__ import annotations

import sys
import time

from analysis.common import ParamsError, get_logger, log_io, run
from analysis.model import simulation
from analysis.params import load_params


def main(argv: list[str]) -> int:
    logger = get_logger("simulate")
    if len(argv) != 1:
        raise ParamsError("usage: python -m analysis.simulate KEY (a key of params.yaml sweep, ref, or a spread key)")
    start = time.perf_counter()
    params = load_params()
    simulation.item_drive(params, argv[0])  # an unknown key fails before NEST is imported
    path = simulation.run_item(params, argv[0], logger=logger)
    log_io(logger, read=["params.yaml"], wrote=[path])
    logger.info("stage simulate %s took %.1f s", argv[0], time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:])))

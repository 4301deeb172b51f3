"""Compute the CDM kernels H_{Y<-X}(t) with LFPykernels, once for the whole sweep (docs/model.md §2).

Usage: python -m analysis.kernels

The kernels (analysis/model/kernels.py) depend on the cells, synapses, nu_X and Vrest, not on J_ext:
computing them once replaces the original tooling's 50 identical recomputations.

nu_X and Vrest come from `kernels.rates_source` (docs/model.md §2.4): the `ref` simulation (default), a user-supplied
ground-truth folder, or fixed values.

Writes data/kernels/ with
  kernels.npz        cdm_kernel_z float64 (pre, post, lag) in nA·um per presynaptic spike, lag_ms,
                     pre_populations, post_populations, metadata (JSON)
  kernels.json       nu_X, Vrest and their provenance, human readable
  morphology_E.hoc, morphology_I.hoc   the morphologies the kernels were computed with
"""
from __future__ import annotations

import sys
import time

from analysis import common, data
from analysis.common import get_logger, log_io
from analysis.model import kernels, mechanisms
from analysis.params import POPULATIONS, load_params


def main() -> int:
    logger = get_logger("kernels")
    start = time.perf_counter()
    params = load_params()

    # nu_X and Vrest of the linearization (docs/model.md §2.4)
    rates_Hz, vrest_mV, provenance = kernels.rates_and_vrest(params)
    logger.info("nu_X = E %.4f, I %.4f spikes/s; Vrest = %.2f mV (%s)", *rates_Hz, vrest_mV, provenance)

    # the four kernels, written as one folder or not at all
    mechanisms.load()
    with common.atomic_dir(data.KERNELS_DIR) as folder:
        kernels.write_kernel_files(folder, params, rates_Hz, vrest_mV, provenance, logger)

    read = ["params.yaml"] + ([str(data.REFERENCE_SIMULATION)] if params.kernels.rates_source == "reference" else [])
    log_io(logger, read=read, wrote=[data.KERNELS_DIR / name for name in (
        "kernels.npz", "kernels.json", *(f"morphology_{p}.hoc" for p in POPULATIONS))])
    logger.info("stage kernels took %.1f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(common.run(main))

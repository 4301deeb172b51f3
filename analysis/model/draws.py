"""Study 2's runs (docs/model.md §8): the parameters of draw tNNNN (study 1's network with the draw's theta and
study 2's duration) and its simulation, accepted or rejected but always one file per draw.

Kept apart from analysis/model/simulation.py so that study 1's simulations do not depend on study 2's prior.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from analysis.common import ParamsError, get_logger, json_array, load_npz, save_npz
from analysis import data
from analysis.model import priors
from analysis.model.network import RateOutOfRange
from analysis.model.simulation import EarlyStop, run_item
from analysis.params import Params


def study2_params(params: Params, key: str) -> tuple[Params, dict]:
    """The parameters of one draw (docs/model.md §8).

    Parameters
    ----------
    params : Params
        The study's parameters (study2.prior_ln_half_width, study2.seed, study2.draws).
    key : str
        A key of study2.draws or of study2.replicate_draws.

    Returns
    -------
    run_params : Params
        Study 1's parameters with the draw's theta and study 2's duration.
    theta : dict
        The draw's parameters by name, in the units of their names.
    """
    study = params.study2
    index = study.draws.get(key, study.replicate_draws.get(key))
    if index is None:
        raise ParamsError(f"draw '{key}' is invalid; accepted: a key of study2.draws "
                          f"({', '.join(list(study.draws)[:2])}, ..., {list(study.draws)[-1]}) or of "
                          "study2.replicate_draws")
    # a replicate has its draw's theta; its seed comes from its own key (run_item)
    theta = priors.Prior.from_params(params).draw(study.seed, index)
    run_params = priors.network_params(params, theta, key).with_changes(
        {"simulation": {"tstop_ms": study.tstop_ms, "transient_ms": study.transient_ms,
                        "progress_interval_ms": study.early_stop.check_interval_ms}})
    return run_params, theta


def simulate_draw(params: Params, key: str, output_dir: Path | None = None,
                  logger=None) -> tuple[Path, str]:
    """Run one draw and write its file, accepted or rejected (docs/model.md §8).

    Parameters
    ----------
    params : Params
        The study's parameters.
    key : str
        A key of study2.draws, or of study2.replicate_draws (the draw's theta with the replicate's own seed).
    output_dir : Path, optional
        The folder; default data/study2/runs (data/study2/replicates for a replicate).
    logger : logging.Logger, optional
        Where progress goes.

    Returns
    -------
    path : Path
        The file written.
    status : {"accepted", "rejected"}
        rejected: the run left the working regime and was stopped early (study2.early_stop); the file keeps
        theta, the kind of rejection (runaway or silent), the simulated time it stopped at and the reason.
    """
    logger = logger or get_logger("simulate_study2")
    run_params, theta = study2_params(params, key)
    logger.info("draw %s: theta = %s, E/I_net = %.3f", key, json.dumps({k: round(v, 4) for k, v in theta.items()}),
                priors.ei_ratio(theta))
    path = data.study2_run_file(key) if output_dir is None else Path(output_dir) / f"{key}.npz"
    theta_array = np.array([theta[name] for name in priors.PARAMETERS])
    early_stop = EarlyStop(params.study2.early_stop.silent_rate_Hz, params.study2.early_stop.silent_after_ms)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            arrays = load_npz(run_item(run_params, key, output_dir=Path(scratch), logger=logger,
                                       J_ext_pA=theta["J_ext_pA"], early_stop=early_stop))
            status, rejection, reason, stopped_ms = "accepted", "", "", float(run_params.simulation.tstop_ms)
        except RateOutOfRange as err:  # a runaway or silent network, stopped early
            arrays, status, rejection, reason, stopped_ms = {}, "rejected", err.kind, str(err), err.t_ms
            logger.warning("draw %s rejected (%s at %.0f ms): %s", key, rejection, stopped_ms, reason)
    arrays.update(theta=theta_array, theta_names=np.array(priors.PARAMETERS), status=np.array(status),
                  rejection=np.array(rejection), reason=np.array(reason), stopped_at_ms=np.float64(stopped_ms),
                  theta_json=json_array(theta))
    save_npz(path, **arrays)
    return path, status

"""Study 2's simulation of one draw (analysis/simulate_study2.py) with the tiny network and real NEST."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import priors, simulate_study2
from analysis.common import ParamsError, load_npz, profile_params


@pytest.fixture
def params():
    p = profile_params("tiny")
    p["study2"].update(n_draws=4, tstop_ms=600.0, transient_ms=200.0)
    return p


def test_an_accepted_draw_holds_its_spikes_and_theta(params, tmp_path):
    path, status = simulate_study2.simulate_draw(params, 1, output_dir=tmp_path)
    data = load_npz(path)
    theta = priors.draw(params["study2"]["prior_box"], params["study2"]["seed"], 1)
    assert status == "accepted" and str(data["status"]) == "accepted" and path.name == "t0001.npz"
    np.testing.assert_array_equal(data["theta"], [theta[name] for name in priors.PARAMETERS])
    # the network ran with this theta's drive for study 2's duration: 400 ms of post-transient counts
    assert data["spike_counts"].shape == (2, int(400 / params["simulation"]["dt_ms"]))
    assert json.loads(str(data["metadata"]))["J_ext_pA"] == theta["J_ext_pA"]


def test_a_runaway_draw_is_recorded_as_rejected_with_its_theta(params, tmp_path):
    params["simulation"]["rate_ceiling_Hz"] = 0.5  # every draw of this tiny network fires faster
    path, status = simulate_study2.simulate_draw(params, 2, output_dir=tmp_path)
    data = load_npz(path)
    assert status == "rejected" and "rate_ceiling_Hz" in str(data["reason"])
    assert data["theta"].shape == (7,) and "spike_counts" not in data


def test_a_draw_outside_n_draws_is_refused(params, tmp_path):
    with pytest.raises(ParamsError, match=r"draw index 4 is invalid; accepted: 0 .. study2.n_draws - 1 = 3"):
        simulate_study2.simulate_draw(params, 4, output_dir=tmp_path)

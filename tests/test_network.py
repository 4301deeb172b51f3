"""Tests of analysis/model/network.py with the real NEST, on the tiny (5 %) network."""
from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats as st
import yaml

from analysis.common import ParamsError
from analysis.model.network import HagenNetwork, check_rate_ceiling, mean_drive_threshold_pA, mean_rate_Hz
from analysis.params import parse
from tools.workspace import prepare


# ------------------------------------------------------------------ parameter guards (no NEST needed)
@pytest.mark.parametrize("section, key, value, message", [
    ("simulation", "tstop_ms", -100.0, r"simulation.tstop_ms = -100.0 is invalid"),
    ("simulation", "tstop_ms", 0.0, r"simulation.tstop_ms = 0.0 is invalid"),
    ("simulation", "transient_ms", 1000.0, r"simulation.transient_ms = 1000.0 is invalid; accepted: 0 <= "),
    ("simulation", "dt_ms", 0.1 / 3, r"simulation.dt_ms = 0.0333.* multiple of 1/tics_per_ms"),
    ("simulation", "tstop_ms", 1000.03, r"simulation.tstop_ms = 1000.03 is invalid; accepted: a multiple of dt"),
    ("simulation", "threads", 0, r"simulation.threads = 0 is invalid"),
    ("network", "delay_min_ms", 0.01, r"network.delay_min_ms = 0.01 is invalid; accepted: a delay >= simulation.dt"),
    ("network", "scale", 1.5, r"network.scale = 1.5 is invalid"),
    ("network", "weight_mean_pA", [[1.589, 2.020], [23.84, -8.441]], r"weight_mean_pA\[1\]\[0\] = 23.84.*Dale"),
    ("network", "connection_probability", [[0.2, 1.2], [0.2, 0.2]], r"connection_probability\[0\]\[1\] = 1.2"),
    ("network", "tau_mem_ms", [10.0, 10.0], r"unknown key 'network.tau_mem_ms'"),
    ("sweep", "j05", math.nan, r"sweep.j05 = nan is invalid; accepted: a mapping key: J_ext \(pA, a number >= 0\)"),
    ("sweep", "j05", "29", r"sweep.j05 = '29' is invalid"),
])
def test_bad_network_parameters_name_the_key(tiny_raw, section, key, value, message):
    tiny_raw[section][key] = value
    with pytest.raises(ParamsError, match=message):
        parse(tiny_raw)


def test_parameter_errors_come_before_nest_is_imported(tmp_path):
    """A bad parameter costs milliseconds: the simulate stage, run as DVC runs it, stops before NEST is even
    imported and writes nothing."""
    root = prepare("tiny", tmp_path / "compendium")
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["simulation"]["transient_ms"] = 5000.0
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    # `python -m analysis.simulate j00`, with a look at the modules it had imported when it stopped
    code = ("import runpy, sys\n"
            "sys.argv = ['analysis.simulate', 'j00']\n"
            "try:\n"
            "    runpy.run_module('analysis.simulate', run_name='__main__', alter_sys=True)\n"
            "except SystemExit as stop:\n"
            "    print('status', stop.code, 'nest imported:', 'nest' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.stderr.strip() == ("error: params.yaml + profiles/tiny.yaml: simulation.transient_ms = 5000.0 is "
                                   "invalid; accepted: 0 <= transient_ms < tstop_ms = 1000.0")
    assert "status 2 nest imported: False" in done.stdout
    assert not (root / "data").exists() or not any((root / "data").rglob("*.npz"))


def test_mean_drive_threshold_is_where_the_free_membrane_reaches_threshold(tiny_params):
    """At J_ext = J_thr the stationary mean of V (E_L + tau_m / C_m x J tau_syn nu_ext n_ext) equals V_th."""
    net = tiny_params.network
    for i in range(2):
        J = mean_drive_threshold_pA(net, i)
        mean_current_pA = J * net.tau_syn_ex_ms[i] * net.external_rate_per_input_Hz / 1000 * net.external_inputs[i]
        assert net.E_L_mV[i] + net.tau_m_ms[i] / net.C_m_pF[i] * mean_current_pA == pytest.approx(net.V_th_mV[i])
    assert mean_drive_threshold_pA(net, 0) == pytest.approx(31.09, abs=0.005)   # the E population of the study
    assert mean_drive_threshold_pA(net, 1) == pytest.approx(34.59, abs=0.005)   # I: 10 mV x 110.7 pF / 32 pC


# ------------------------------------------------------------------ pure helpers


def test_mean_rate_and_ceiling():
    assert mean_rate_Hz(500, 100, 1000.0) == 5.0
    check_rate_ceiling({"E": 49.9, "I": 10.0}, 50.0, "x")
    with pytest.raises(RuntimeError, match=r"item j07: mean rate above simulation.rate_ceiling_Hz = 50.0 \(I 60.0"):
        check_rate_ceiling({"E": 5.0, "I": 60.0}, 50.0, "item j07")


# ------------------------------------------------------------------ the built network (real NEST)
@pytest.fixture(scope="module")
def built_network(tiny_params):
    network = HagenNetwork(tiny_params, J_ext_pA=29.89, rng_seed=12345)
    network.build()
    return network


def _connections(network, pre: str, post: str):
    import nest

    conns = nest.GetConnections(network.populations[pre], network.populations[post])
    data = conns.get(["source", "target", "weight", "delay"], output="pandas")
    return data


@pytest.mark.parametrize("pre, post", [("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")])
def test_in_degrees_match_p_times_n_pre(built_network, pre, post):
    data = _connections(built_network, pre, post)
    n_pre, n_post = built_network.sizes[pre], built_network.sizes[post]
    p = 0.2
    in_degree = np.bincount(data["target"] - built_network.populations[post][0].global_id, minlength=n_post)
    expected = p * n_pre
    standard_error = math.sqrt(n_pre * p * (1 - p) / n_post)
    assert abs(in_degree.mean() - expected) < 5 * standard_error
    assert in_degree.var() == pytest.approx(n_pre * p * (1 - p), rel=0.35)  # binomial in-degrees


@pytest.mark.parametrize("pre, post", [("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")])
def test_weights_keep_their_sign_and_moments(built_network, pre, post):
    pre_i, post_i = "EI".index(pre), "EI".index(post)
    weights = _connections(built_network, pre, post)["weight"].to_numpy()
    mean = built_network.recurrent_weight_pA(pre_i, post_i)
    assert np.all(weights >= 0) if pre == "E" else np.all(weights <= 0)
    standard_error = 0.1 * abs(mean) / math.sqrt(weights.size)
    assert abs(weights.mean() - mean) < 5 * standard_error
    assert weights.std() == pytest.approx(0.1 * abs(mean), rel=0.05)


@pytest.mark.parametrize("pre, post", [("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")])
def test_delays_are_redrawn_above_minimum_and_on_grid(built_network, pre, post, tiny_params):
    net = tiny_params.network
    dt = tiny_params.simulation.dt_ms
    delays = _connections(built_network, pre, post)["delay"].to_numpy()
    assert delays.min() >= 0.3
    np.testing.assert_allclose(delays / dt, np.rint(delays / dt), atol=1e-9)
    d = net.delay_mean_ms["EI".index(pre)]["EI".index(post)]
    sd = 0.5 * d
    expected = st.truncnorm((0.3 - d) / sd, np.inf, loc=d, scale=sd).mean()
    # grid rounding shifts single delays by < dt/2; the mean by much less
    assert abs(delays.mean() - expected) < 5 * sd / math.sqrt(delays.size) + dt / 4


def test_spike_encoding_round_trips_to_nest_events(tiny_params):
    network = HagenNetwork(tiny_params, J_ext_pA=31.5, rng_seed=7)
    network.build()
    result = network.run()
    dt = tiny_params.simulation.dt_ms
    for name in ("E", "I"):
        events = network.recorders[name].events
        first = network.populations[name][0].global_id
        decoded = sorted(zip(result.spike_steps[name] * dt, result.spike_ids[name] + first))
        reported = sorted(zip(events["times"], events["senders"]))
        assert len(decoded) == len(reported) > 100
        assert decoded == reported  # exact: times on the grid are step * dt
        assert result.spike_ids[name].max() < network.sizes[name]

"""Study 2's prior draws and the network they define (analysis/model/priors.py)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.model import priors
from analysis.params import PriorBox, profile_params

BOX = PriorBox.model_validate({"J_EE_pA": [1.0, 2.2], "J_IE_pA": [1.3, 2.7], "J_EI_pA": [-32.0, -15.5],
                               "J_II_pA": [-11.4, -5.5], "tau_syn_E_ms": [0.3, 1.0], "tau_syn_I_ms": [0.3, 3.0],
                               "J_ext_pA": [27.0, 32.0]})


def test_draws_are_inside_the_box_and_fill_it():
    thetas = priors.draws(BOX, base_seed=2026, n_draws=400)
    for name, (low, high) in BOX.bounds().items():
        values = np.array([theta[name] for theta in thetas])
        assert values.min() >= low and values.max() <= high
        # uniform: the mean within 4 standard errors of the box's centre, sd (high - low) / sqrt(12)
        assert values.mean() == pytest.approx((low + high) / 2, abs=4 * (high - low) / np.sqrt(12 * 400))


def test_more_draws_never_change_the_existing_ones():
    assert priors.draws(BOX, 2026, 150)[:10] == priors.draws(BOX, 2026, 10)
    assert priors.draws(BOX, 2027, 10) != priors.draws(BOX, 2026, 10)


def test_best_fit_theta_reproduces_study_1s_network_exactly():
    params = profile_params("full")
    theta = priors.best_fit(params)
    assert priors.ei_ratio(theta) == pytest.approx(0.279, abs=5e-4)  # (1.589 / 2.020) / (23.84 / 8.441)
    same = priors.network_params(params, theta, "ref")
    assert same == params  # the same network code sees the same parameters
    assert theta["J_ext_pA"] == params.reference.J_ext_pA


def test_theta_reaches_the_entries_it_names():
    params = profile_params("full")
    theta = dict(priors.best_fit(params), J_IE_pA=2.5, tau_syn_I_ms=2.0, J_ext_pA=31.0)
    net = priors.network_params(params, theta, "t0001").network
    assert net.weight_mean_pA[0][1] == 2.5           # E -> I, onto the I population
    assert net.weight_mean_pA[0][0] == 1.589 and net.weight_mean_pA[1][0] == -23.84
    assert net.tau_syn_in_ms == [2.0, 2.0] and net.tau_syn_ex_ms == [0.5, 0.5]
    assert params.network.weight_mean_pA[0][1] == 2.020  # the study's parameters are untouched


def test_best_fit_theta_builds_the_same_connections_and_weights_in_nest(tiny_params):
    """The tiny network built from study 1's parameters and from the best-fit theta with the same seed: the same
    synapses, weights and delays, connection by connection (real NEST)."""
    import nest

    from analysis.model.network import HagenNetwork

    def connections(params):
        network = HagenNetwork(params, J_ext_pA=params.reference.J_ext_pA, rng_seed=99)
        network.build()
        conns = nest.GetConnections(network.populations["E"] + network.populations["I"])
        table = conns.get(["source", "target", "weight", "delay"], output="pandas")
        return table.sort_values(["source", "target", "weight", "delay"]).reset_index(drop=True)

    study1 = connections(tiny_params)
    theta = priors.best_fit(tiny_params)
    study2 = connections(priors.network_params(tiny_params, theta, "t0000"))
    assert len(study1) > 1000
    assert study1.equals(study2)


def test_the_charges_and_the_input_ratio_are_what_the_network_sees():
    params = profile_params("tiny")
    theta = priors.best_fit(params)
    q = priors.charges(theta)
    # J_ext and tau_syn_E enter only as their product: doubling one and halving the other changes nothing
    other = dict(theta, J_ext_pA=2 * theta["J_ext_pA"], tau_syn_E_ms=theta["tau_syn_E_ms"] / 2)
    assert priors.charges(other)["ln_Q_ext_fC"] == pytest.approx(q["ln_Q_ext_fC"], abs=1e-12)
    assert q["Q_EI_fC"] < 0 < q["Q_EE_fC"]
    net = params.network
    sizes = net.scaled_population_sizes
    targets = priors.rate_targets(theta, [4.0, 8.0], net)
    excitatory = (net.connection_probability[0][0] * sizes["E"] * 4.0 * q["Q_EE_fC"]
                  + net.external_inputs[0] * net.external_rate_per_input_Hz * theta["J_ext_pA"] * theta["tau_syn_E_ms"])
    inhibitory = net.connection_probability[1][0] * sizes["I"] * 8.0 * -q["Q_EI_fC"]
    assert targets["input_EI_onto_E"] == pytest.approx(excitatory / inhibitory, rel=1e-12)
    # twice the inhibitory rate doubles the inhibitory input: E:I halves
    assert priors.rate_targets(theta, [4.0, 16.0], net)["input_EI_onto_E"] == pytest.approx(excitatory / inhibitory / 2)
    assert priors.rate_targets(theta, [4.0, 0.0], net)["input_EI_onto_E"] == float("inf")

"""Study 2's prior draws and the network they define (analysis/model/priors.py)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.model import priors
from analysis.params import PRIOR_NAMES, profile_params

PRIOR = priors.Prior.from_params(profile_params("full"))


def test_draws_are_log_uniform_around_the_best_fit_in_charge_terms():
    params = profile_params("full")
    thetas = PRIOR.draws(base_seed=2026, n_draws=400)
    phi = np.array([priors.phi_from_theta(theta) for theta in thetas])
    half_width = params.study2.prior_ln_half_width.as_array()
    best = params.network
    # the centre is study 1's best fit in the network's units: ln(1.589 pA x 0.5 ms), ln(29.89 pA x 0.5 ms), ...
    centre = np.log([1.589 * 0.5, 2.020 * 0.5, 23.84 * 0.5, 8.441 * 0.5, 29.89 * 0.5, 0.5, 0.5])
    assert best.weight_mean_pA[0][0] == 1.589 and best.tau_syn_in_ms == [0.5, 0.5]
    assert np.all(phi >= centre - half_width - 1e-12) and np.all(phi <= centre + half_width + 1e-12)
    # uniform in phi: the mean within 4 standard errors of the centre, the sd = 2 w / sqrt(12)
    np.testing.assert_array_less(np.abs(phi.mean(axis=0) - centre), 4 * 2 * half_width / np.sqrt(12 * 400))
    np.testing.assert_allclose(phi.std(axis=0), 2 * half_width / np.sqrt(12), rtol=0.12)
    # Dale's law holds for every draw: inhibitory weights negative, the rest positive
    assert all(t["J_EI_pA"] < 0 and t["J_II_pA"] < 0 and min(t["J_EE_pA"], t["J_IE_pA"], t["J_ext_pA"]) > 0
               for t in thetas)


def test_phi_and_theta_are_inverse_and_j_ext_enters_only_through_the_charge():
    theta = PRIOR.draw(2026, 7)
    back = priors.theta_from_phi(priors.phi_from_theta(theta))
    assert {name: pytest.approx(float(value), rel=1e-12) for name, value in back.items()} == theta
    phi = dict(zip(PRIOR_NAMES, priors.phi_from_theta(theta)))
    assert np.exp(phi["Q_ext_fC"]) == pytest.approx(theta["J_ext_pA"] * theta["tau_syn_E_ms"], rel=1e-12)
    assert np.exp(phi["Q_EI_fC"]) == pytest.approx(-theta["J_EI_pA"] * theta["tau_syn_I_ms"], rel=1e-12)


def test_more_draws_never_change_the_existing_ones():
    assert PRIOR.draws(2026, 150)[:10] == PRIOR.draws(2026, 10)
    assert PRIOR.draws(2027, 10) != PRIOR.draws(2026, 10)


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

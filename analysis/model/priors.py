"""Study 2's parameters theta (docs/model.md §8): seeded draws from the prior box, and the network they define.

Draw i is made from its own seed, derive_seed(study2.seed, "theta", i), so a larger study2.n_draws adds draws
and never changes the existing ones. theta is turned into study 1's parameters (weights, synaptic time
constants, J_ext), and study 1's network code simulates it: there is no second network implementation.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analysis.common import derive_seed
from analysis.params import N_POP, Params, PriorBox
from analysis.params import THETA_NAMES as PARAMETERS  # theta, in a fixed order

# the [pre][post] entry of network.weight_mean_pA of each weight: J_EE is E->E, J_IE is E->I (onto I),
# J_EI is I->E, J_II is I->I (docs/model.md §8 keeps the historical names)
WEIGHT_ENTRIES = {"J_EE_pA": (0, 0), "J_IE_pA": (0, 1), "J_EI_pA": (1, 0), "J_II_pA": (1, 1)}


def draw(box: PriorBox, base_seed: int, index: int) -> dict[str, float]:
    """Draw number `index`: each parameter uniform on its [low, high], from the draw's own seed.

    Examples
    --------
    >>> box = PriorBox(J_EE_pA=[1.0, 2.2], J_IE_pA=[1.3, 2.7], J_EI_pA=[-32.0, -15.5], J_II_pA=[-11.4, -5.5],
    ...                tau_syn_E_ms=[0.3, 1.0], tau_syn_I_ms=[0.3, 3.0], J_ext_pA=[27.0, 32.0])
    >>> theta = draw(box, base_seed=2026, index=0)
    >>> list(theta) == list(PARAMETERS) and 27.0 <= theta["J_ext_pA"] <= 32.0
    True
    >>> draw(box, base_seed=2026, index=0) == theta      # the draw's own seed: the same theta every time
    True
    """
    rng = np.random.default_rng(derive_seed(base_seed, "theta", str(index)))
    bounds = box.bounds()
    return {name: float(rng.uniform(*bounds[name])) for name in PARAMETERS}


def draws(box: PriorBox, base_seed: int, n_draws: int) -> list[dict[str, float]]:
    return [draw(box, base_seed, i) for i in range(n_draws)]


def best_fit(params: Params) -> dict[str, float]:
    """theta of study 1's network at the best-fit drive."""
    net = params.network
    theta = {name: float(net.weight_mean_pA[i][j]) for name, (i, j) in WEIGHT_ENTRIES.items()}
    theta.update(tau_syn_E_ms=float(net.tau_syn_ex_ms[0]), tau_syn_I_ms=float(net.tau_syn_in_ms[0]),
                 J_ext_pA=float(params.reference.J_ext_pA))
    return theta


def network_params(params: Params, theta: Mapping[str, float], key: str) -> Params:
    """Study 1's parameters with theta's weights and synaptic time constants in place (its J_ext is the run's
    drive, theta["J_ext_pA"]); validated like params.yaml itself (Dale's law, positive time constants, ...)."""
    weights = [list(row) for row in params.network.weight_mean_pA]
    for name, (i, j) in WEIGHT_ENTRIES.items():
        weights[i][j] = float(theta[name])
    network = {"weight_mean_pA": weights,
               "tau_syn_ex_ms": [float(theta["tau_syn_E_ms"])] * N_POP,   # both populations (docs/model.md §8)
               "tau_syn_in_ms": [float(theta["tau_syn_I_ms"])] * N_POP}
    return params.with_changes({"network": network}, source=f"study 2 draw {key}")


def ei_ratio(theta: Mapping[str, float]) -> float:
    """E/I_net = (J_EE / J_IE) / (J_EI / J_II), ncpi's definition (blind to scaling all inhibition together)."""
    return (theta["J_EE_pA"] / theta["J_IE_pA"]) / (theta["J_EI_pA"] / theta["J_II_pA"])


# what the network sees of theta (docs/model.md §8 targets): the charge of one spike of each pathway, J x tau_syn
# (pA x ms = fC), with the presynaptic population's synaptic time constant (E -> Y: tau_syn_E, I -> Y: tau_syn_I)
CHARGE_TARGETS = ("Q_EE_fC", "Q_IE_fC", "Q_EI_fC", "Q_II_fC", "ln_Q_ext_fC")
# ... and what needs the run's rates: the excitatory:inhibitory charge per unit time onto an E cell, the rates
RATE_TARGETS = ("input_EI_onto_E", "rate_E_Hz", "rate_I_Hz")


def charges(theta: Mapping[str, np.ndarray | float]) -> dict[str, np.ndarray | float]:
    """The charge of one presynaptic spike of each pathway and the log charge of one external spike.

    J_ext and tau_syn_E reach the network only through their product (docs/model.md §1), so ln_Q_ext_fC is the
    drive the network sees.

    Parameters
    ----------
    theta : mapping
        The parameters of PARAMETERS (pA, ms), scalars or arrays of samples.

    Returns
    -------
    dict
        Q_EE_fC, Q_IE_fC, Q_EI_fC, Q_II_fC in fC (pA x ms; the inhibitory ones negative), ln_Q_ext_fC = ln(J_ext x
        tau_syn_E / fC).

    Examples
    --------
    >>> q = charges({"J_EE_pA": 1.6, "J_IE_pA": 2.0, "J_EI_pA": -24.0, "J_II_pA": -8.0, "tau_syn_E_ms": 0.5,
    ...              "tau_syn_I_ms": 0.5, "J_ext_pA": 30.0})
    >>> q["Q_EE_fC"], q["Q_EI_fC"], round(float(np.exp(q["ln_Q_ext_fC"])), 6)
    (0.8, -12.0, 15.0)
    """
    tau_E, tau_I = theta["tau_syn_E_ms"], theta["tau_syn_I_ms"]
    return {"Q_EE_fC": theta["J_EE_pA"] * tau_E, "Q_IE_fC": theta["J_IE_pA"] * tau_E,
            "Q_EI_fC": theta["J_EI_pA"] * tau_I, "Q_II_fC": theta["J_II_pA"] * tau_I,
            "ln_Q_ext_fC": np.log(theta["J_ext_pA"] * tau_E)}


def rate_targets(theta: Mapping[str, float], rates_Hz, network) -> dict[str, float]:
    """The targets that need a run's rates: the E:I input onto an E cell and the rates themselves.

    The excitatory input to one E cell per unit time is p_EE N_E nu_E Q_EE (recurrent) + n_ext nu_ext Q_ext
    (external), the inhibitory p_IE N_I nu_I |Q_EI| ([pre][post] connection probabilities, scaled population
    sizes, docs/model.md §1).

    Parameters
    ----------
    theta : mapping
        The run's parameters (pA, ms).
    rates_Hz : sequence of 2 floats
        The run's post-transient rates of E and I, spikes/s.
    network : Network
        The network section the run was made with.

    Returns
    -------
    dict
        input_EI_onto_E (a ratio; inf when I is silent), rate_E_Hz, rate_I_Hz.
    """
    q = charges(theta)
    sizes = network.scaled_population_sizes
    p = network.connection_probability
    nu_E, nu_I = float(rates_Hz[0]), float(rates_Hz[1])
    excitatory = (p[0][0] * sizes["E"] * nu_E * q["Q_EE_fC"]
                  + network.external_inputs[0] * network.external_rate_per_input_Hz
                  * theta["J_ext_pA"] * theta["tau_syn_E_ms"])
    inhibitory = p[1][0] * sizes["I"] * nu_I * abs(q["Q_EI_fC"])
    return {"input_EI_onto_E": excitatory / inhibitory if inhibitory > 0 else float("inf"),
            "rate_E_Hz": nu_E, "rate_I_Hz": nu_I}

"""Study 2's parameters theta (docs/model.md §8): seeded draws from its prior, and the network they define.

The prior is uniform in phi = ln |what the network sees| (PRIOR_NAMES: the charge of one spike of each pathway
and of one external spike, and the two synaptic time constants), centred on study 1's best fit, so that a draw
stays in the network's working regime; theta (the weights, time constants and J_ext the network code takes)
follows from phi as J = Q / tau. Draw i is made from its own seed, derive_seed(study2.seed, "theta", i), so a
larger study2.n_draws adds draws and never changes the existing ones. theta is turned into study 1's parameters,
and study 1's network code simulates it: there is no second network implementation.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.common import derive_seed
from analysis.params import N_POP, PRIOR_NAMES, Params
from analysis.params import THETA_NAMES as PARAMETERS  # theta, in a fixed order

# the [pre][post] entry of network.weight_mean_pA of each weight: J_EE is E->E, J_IE is E->I (onto I),
# J_EI is I->E, J_II is I->I (docs/model.md §8 keeps the historical names)
WEIGHT_ENTRIES = {"J_EE_pA": (0, 0), "J_IE_pA": (0, 1), "J_EI_pA": (1, 0), "J_II_pA": (1, 1)}
# each weight's charge (PRIOR_NAMES), the time constant of its presynaptic population and its sign (Dale's law)
WEIGHT_CHARGES = {"J_EE_pA": ("Q_EE_fC", "tau_syn_E_ms", 1.0), "J_IE_pA": ("Q_IE_fC", "tau_syn_E_ms", 1.0),
                  "J_EI_pA": ("Q_EI_fC", "tau_syn_I_ms", -1.0), "J_II_pA": ("Q_II_fC", "tau_syn_I_ms", -1.0)}


def phi_from_theta(theta: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """The prior's variables of theta: ln |Q| of each pathway and of the drive, ln tau_syn (PRIOR_NAMES order).

    Parameters
    ----------
    theta : mapping
        The parameters of PARAMETERS (pA, ms), scalars or arrays of one shape.

    Returns
    -------
    ndarray (..., 7)
        ln(|J| tau / fC) for Q_EE, Q_IE, Q_EI, Q_II, ln(J_ext tau_syn_E / fC), ln(tau_syn_E / ms), ln(tau_syn_I / ms).

    Examples
    --------
    >>> theta = {"J_EE_pA": 1.6, "J_IE_pA": 2.0, "J_EI_pA": -24.0, "J_II_pA": -8.0, "tau_syn_E_ms": 0.5,
    ...          "tau_syn_I_ms": 0.25, "J_ext_pA": 30.0}
    >>> np.round(np.exp(phi_from_theta(theta)), 6).tolist()   # fC, fC, fC, fC, fC, ms, ms
    [0.8, 1.0, 6.0, 2.0, 15.0, 0.5, 0.25]
    """
    values = {name: np.log(np.abs(np.asarray(theta[weight], dtype=float)) * np.asarray(theta[tau], dtype=float))
              for weight, (name, tau, _) in WEIGHT_CHARGES.items()}
    values["Q_ext_fC"] = np.log(np.asarray(theta["J_ext_pA"], dtype=float) * np.asarray(theta["tau_syn_E_ms"]))
    values["tau_syn_E_ms"] = np.log(np.asarray(theta["tau_syn_E_ms"], dtype=float))
    values["tau_syn_I_ms"] = np.log(np.asarray(theta["tau_syn_I_ms"], dtype=float))
    return np.stack([values[name] for name in PRIOR_NAMES], axis=-1)


def theta_from_phi(phi: np.ndarray) -> dict[str, np.ndarray]:
    """theta of the prior's variables (the inverse of phi_from_theta): J = sign x exp(ln |Q|) / tau.

    Parameters
    ----------
    phi : ndarray (..., 7)
        ln |Q| (fC) and ln tau (ms) in PRIOR_NAMES order.

    Returns
    -------
    dict
        The parameters of PARAMETERS (pA, ms), arrays of phi's leading shape.
    """
    named = {name: np.asarray(phi)[..., i] for i, name in enumerate(PRIOR_NAMES)}
    tau = {"tau_syn_E_ms": np.exp(named["tau_syn_E_ms"]), "tau_syn_I_ms": np.exp(named["tau_syn_I_ms"])}
    theta = {weight: sign * np.exp(named[charge]) / tau[tau_name]
             for weight, (charge, tau_name, sign) in WEIGHT_CHARGES.items()}
    theta.update(tau, J_ext_pA=np.exp(named["Q_ext_fC"]) / tau["tau_syn_E_ms"])
    return {name: theta[name] for name in PARAMETERS}


@dataclass(frozen=True)
class Prior:
    """Study 2's prior (docs/model.md §8): phi independent uniform on [low, high] = ln(best fit) +- half-width.

    Parameters
    ----------
    low, high : ndarray (7,)
        The bounds of phi in PRIOR_NAMES order (ln fC, ln ms).
    """
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def from_params(cls, params: Params) -> Prior:
        """The study's prior: centred on study 1's best fit (`best_fit`), half-widths study2.prior_ln_half_width.

        Parameters
        ----------
        params : Params
            The study's parameters (network, reference.J_ext_pA, study2.prior_ln_half_width).

        Returns
        -------
        Prior
        """
        centre = phi_from_theta(best_fit(params))
        half_width = params.study2.prior_ln_half_width.as_array()
        return cls(low=centre - half_width, high=centre + half_width)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draws of phi from the generator.

        Parameters
        ----------
        rng : numpy.random.Generator
            Seeded by the caller.
        n : int
            How many.

        Returns
        -------
        ndarray (n, 7)
            phi in PRIOR_NAMES order (ln fC, ln ms).
        """
        return rng.uniform(self.low, self.high, (n, len(PRIOR_NAMES)))

    def draw(self, base_seed: int, index: int) -> dict[str, float]:
        """Draw number `index`, from the draw's own seed: the same theta every time.

        Parameters
        ----------
        base_seed : int
            study2.seed.
        index : int
            The draw's index (study2.draws[key]).

        Returns
        -------
        dict
            theta by name (pA, ms), PARAMETERS order.
        """
        phi = self.sample(np.random.default_rng(derive_seed(base_seed, "theta", str(index))), 1)[0]
        return {name: float(value) for name, value in theta_from_phi(phi).items()}

    def draws(self, base_seed: int, n_draws: int) -> list[dict[str, float]]:
        """Draws 0 .. n_draws - 1 (`draw`).

        Parameters
        ----------
        base_seed : int
            study2.seed.
        n_draws : int
            How many.

        Returns
        -------
        list of dict
        """
        return [self.draw(base_seed, i) for i in range(n_draws)]


def best_fit(params: Params) -> dict[str, float]:
    """theta of study 1's network at the best-fit drive.

    Parameters
    ----------
    params : Params
        The study's parameters (network, reference.J_ext_pA).

    Returns
    -------
    dict
        theta by name (pA, ms).
    """
    net = params.network
    theta = {name: float(net.weight_mean_pA[i][j]) for name, (i, j) in WEIGHT_ENTRIES.items()}
    theta.update(tau_syn_E_ms=float(net.tau_syn_ex_ms[0]), tau_syn_I_ms=float(net.tau_syn_in_ms[0]),
                 J_ext_pA=float(params.reference.J_ext_pA))
    return theta


def network_params(params: Params, theta: Mapping[str, float], key: str) -> Params:
    """Study 1's parameters with theta's weights and synaptic time constants in place.

    Parameters
    ----------
    params : Params
        The study's parameters.
    theta : mapping
        The draw (pA, ms); its J_ext is the run's drive, passed to the simulation apart.
    key : str
        The draw's key, named in validation errors.

    Returns
    -------
    Params
        Validated like params.yaml itself (Dale's law, positive time constants, ...).
    """
    weights = [list(row) for row in params.network.weight_mean_pA]
    for name, (i, j) in WEIGHT_ENTRIES.items():
        weights[i][j] = float(theta[name])
    network = {"weight_mean_pA": weights,
               "tau_syn_ex_ms": [float(theta["tau_syn_E_ms"])] * N_POP,   # both populations (docs/model.md §8)
               "tau_syn_in_ms": [float(theta["tau_syn_I_ms"])] * N_POP}
    return params.with_changes({"network": network}, source=f"study 2 draw {key}")


def ei_ratio(theta: Mapping[str, np.ndarray | float]) -> np.ndarray | float:
    """E/I_net = (J_EE / J_IE) / (J_EI / J_II), ncpi's definition (blind to scaling all inhibition together).

    Parameters
    ----------
    theta : mapping
        The four weights (pA), scalars or arrays.

    Returns
    -------
    float or ndarray
        Dimensionless; 0.279 at the best fit.
    """
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

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
    >>> from analysis.params import load_params
    >>> theta = draw(load_params().study2.prior_box, base_seed=2026, index=0)
    >>> list(theta) == list(PARAMETERS) and 27.0 <= theta["J_ext_pA"] <= 32.0
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

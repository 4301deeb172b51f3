"""Study 2's parameters theta (docs/model.md §8): seeded draws from the prior box, and the network they define.

Draw i is made from its own seed, derive_seed(study2.seed, "theta", i), so a larger study2.n_draws adds draws
and never changes the existing ones. theta is turned into study 1's parameters (weights, synaptic time
constants, J_ext), and study 1's network code simulates it: there is no second network implementation.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np

from analysis.common import derive_seed

# theta, in a fixed order: (name, where it goes in params.yaml's network section)
PARAMETERS = ("J_EE_pA", "J_IE_pA", "J_EI_pA", "J_II_pA", "tau_syn_E_ms", "tau_syn_I_ms", "J_ext_pA")
# the [pre][post] entry of network.weight_mean_pA of each weight: J_EE is E->E, J_IE is E->I (onto I),
# J_EI is I->E, J_II is I->I (docs/model.md §8 keeps the historical names)
WEIGHT_ENTRIES = {"J_EE_pA": (0, 0), "J_IE_pA": (0, 1), "J_EI_pA": (1, 0), "J_II_pA": (1, 1)}


def draw(box: Mapping[str, list], base_seed: int, index: int) -> dict[str, float]:
    """Draw number `index`: each parameter uniform on its [low, high], from the draw's own seed."""
    rng = np.random.default_rng(derive_seed(base_seed, "theta", str(index)))
    return {name: float(rng.uniform(*box[name])) for name in PARAMETERS}


def draws(box: Mapping[str, list], base_seed: int, n_draws: int) -> list[dict[str, float]]:
    return [draw(box, base_seed, i) for i in range(n_draws)]


def best_fit(params: Mapping) -> dict[str, float]:
    """theta of study 1's network at the best-fit drive."""
    net = params["network"]
    theta = {name: float(net["weight_mean_pA"][i][j]) for name, (i, j) in WEIGHT_ENTRIES.items()}
    theta.update(tau_syn_E_ms=float(net["tau_syn_ex_ms"][0]), tau_syn_I_ms=float(net["tau_syn_in_ms"][0]),
                 J_ext_pA=float(params["reference"]["J_ext_pA"]))
    return theta


def network_params(params: Mapping, theta: Mapping[str, float], key: str) -> dict:
    """Study 1's parameters with theta in place; the item `key` runs at theta's J_ext (sweep = {key: J_ext})."""
    out = copy.deepcopy(dict(params))
    net = out["network"]
    for name, (i, j) in WEIGHT_ENTRIES.items():
        net["weight_mean_pA"][i][j] = float(theta[name])
    n_populations = len(net["population_sizes"])
    net["tau_syn_ex_ms"] = [float(theta["tau_syn_E_ms"])] * n_populations   # both populations (§8)
    net["tau_syn_in_ms"] = [float(theta["tau_syn_I_ms"])] * n_populations
    out["sweep"] = {key: float(theta["J_ext_pA"])}
    return out


def ei_ratio(theta: Mapping[str, float]) -> float:
    """E/I_net = (J_EE / J_IE) / (J_EI / J_II), ncpi's definition (blind to scaling all inhibition together)."""
    return (theta["J_EE_pA"] / theta["J_IE_pA"]) / (theta["J_EI_pA"] / theta["J_II_pA"])

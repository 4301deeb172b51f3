"""Kernels for a study-2 draw (docs/model.md §8, "Kernels per draw"): study 1's kernels, or each draw's own.

fixed     every draw uses study 1's kernels (data/kernels: best-fit rates, weights and synapses), so θ reaches the
          EEG only through the spike trains.
per_draw  each accepted draw gets its own four kernels: the multicompartment synapse of pathway X -> Y has its
          conductance weight scaled by |J_XY(draw)| / |J_XY(best fit)| and its decay time tau2 by
          tau_syn,X(draw) / tau_syn,X(best fit) (X's synapses: tau_syn,E for E -> Y, tau_syn,I for I -> Y), and
          the linearization's g_eff uses the draw's own post-transient rates nu_X. The assumption: a relative
          change of the LIF network's weight or synaptic time constant is the same relative change of the
          multicompartment synapse's conductance or decay, so the charge one spike moves (weight x decay, §1)
          scales with the LIF's J x tau_syn, the quantity the prior is uniform in.
Kept apart from analysis/model/draws.py so that study 2's simulations do not depend on the kernel code.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path


from analysis.common import load_npz
from analysis.data import KERNELS_FILE
from analysis.model import kernels, mechanisms, priors
from analysis.params import KERNEL_MODES, N_POP, POPULATIONS, Params


def kernel_params(params: Params, theta: Mapping[str, float]) -> Params:
    """Study 1's parameters with the kernels' synapses scaled to the draw (the module's rule).

    Parameters
    ----------
    params : Params
        The study's parameters (kernels.synapses, network: the best fit).
    theta : mapping
        The draw (pA, ms).

    Returns
    -------
    Params
        kernels.synapses.weight_uS[pre][post] x |J(draw) / J(best)|, tau2_ms[pre][post] x tau_syn,pre(draw) /
        tau_syn,pre(best); validated (tau2 stays above tau1).

    Examples
    --------
    >>> from analysis.params import profile_params
    >>> params = profile_params("full")
    >>> theta = dict(priors.best_fit(params), J_EI_pA=-2 * 23.84, tau_syn_I_ms=0.25)
    >>> syn = kernel_params(params, theta).kernels.synapses
    >>> syn.weight_uS[1][0] / params.kernels.synapses.weight_uS[1][0], syn.tau2_ms[1][0], syn.tau2_ms[0][0]
    (2.0, 4.5, 1.8)
    """
    best = priors.best_fit(params)
    syn = params.kernels.synapses
    tau_ratio = [theta["tau_syn_E_ms"] / best["tau_syn_E_ms"], theta["tau_syn_I_ms"] / best["tau_syn_I_ms"]]
    weights = [list(row) for row in syn.weight_uS]
    tau2 = [list(row) for row in syn.tau2_ms]
    for name, (pre, post) in priors.WEIGHT_ENTRIES.items():
        weights[pre][post] = float(weights[pre][post] * abs(theta[name] / best[name]))
    for pre in range(N_POP):
        for post in range(N_POP):
            tau2[pre][post] = float(tau2[pre][post] * tau_ratio[pre])
    return params.with_changes({"kernels": {"synapses": {"weight_uS": weights, "tau2_ms": tau2}}},
                               source="study 2 per-draw kernels")


class DrawKernels:
    """The kernels of each study-2 run under one mode (KERNEL_MODES).

    Parameters
    ----------
    params : Params
        The study's parameters.
    mode : {"fixed", "per_draw"}
        study2.kernels or the comparison's other mode.
    kernels_file : Path
        Study 1's kernels.npz; its folder holds the morphologies per-draw kernels are computed with.
    """

    def __init__(self, params: Params, mode: str, kernels_file: Path = KERNELS_FILE):
        if mode not in KERNEL_MODES:
            raise ValueError(f"mode = {mode!r} is invalid; accepted: {' | '.join(KERNEL_MODES)}")
        self.params, self.mode = params, mode
        self.shared = load_npz(kernels_file)
        # the linearization's Vrest of study 1's kernels (kernels.rates_source)
        self.vrest_mV = float(json.loads(str(self.shared["metadata"]))["Vrest_mV"])
        if mode == "per_draw":
            mechanisms.load()
            self.morphologies = {name: Path(kernels_file).parent / f"morphology_{name}.hoc" for name in POPULATIONS}

    def for_run(self, run: dict, theta: Mapping[str, float]) -> dict:
        """The kernels for one accepted run.

        Parameters
        ----------
        run : dict
            A loaded study-2 run (its rates_Hz for per-draw kernels).
        theta : mapping
            The draw (pA, ms).

        Returns
        -------
        dict
            {"cdm_kernel_z": (pre, post, lags)} in nA·um per presynaptic spike.
        """
        if self.mode == "fixed":
            return self.shared
        return {"cdm_kernel_z": kernels.compute_kernel_set(kernel_params(self.params, theta), run["rates_Hz"],
                                                           self.vrest_mV, self.morphologies)}

"""The Hagen LIF network (docs/model.md §1) in NEST 3: two populations of iaf_psc_exp neurons.

Network code only; every number comes from the `network` and `simulation` sections of params.yaml, validated by
analysis/params.py before NEST is imported (in the style of the NEST microcircuit example, where parameters live
apart from the code that builds the network).

References
----------
Hagen E, Magnusson SH, Ness TV, et al. (2022) Brain signal predictions from multi-scale networks using a
linearized framework. PLOS Comput Biol 18(8): e1010353.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.params import POPULATIONS, Network, Params


def mean_drive_threshold_pA(network: Network, population: int) -> float:
    """The external weight J_ext at which the mean external input alone holds V at threshold (docs/model.md §1).

    Each of n_ext inputs fires at nu_ext; an exponential current of amplitude J and time constant tau_syn
    carries a charge J tau_syn per spike, so the mean current is J tau_syn nu_ext n_ext and the stationary
    free membrane potential E_L + tau_m / C_m x that current. Setting it equal to V_th gives

        J_thr = (V_th - E_L) C_m / (tau_syn nu_ext n_ext tau_m).

    Below J_thr the population fires only through fluctuations (and recurrent excitation); above it, the mean
    drive alone crosses threshold.

    Parameters
    ----------
    network : Network
        The `network` section of params.yaml.
    population : int
        0 for E, 1 for I.

    Returns
    -------
    float
        J_thr in pA.

    Examples
    --------
    The study's E population: (10 mV x 289.1 pF) / (0.5 ms x 40 Hz x 465 x 10 ms) = 31.09 pA.

    >>> from types import SimpleNamespace
    >>> e_population = SimpleNamespace(external_rate_per_input_Hz=40.0, external_inputs=[465], tau_syn_ex_ms=[0.5],
    ...                                tau_m_ms=[10.0], V_th_mV=[-55.0], E_L_mV=[-65.0], C_m_pF=[289.1])
    >>> round(mean_drive_threshold_pA(e_population, 0), 2)
    31.09
    """
    input_rate_per_ms = network.external_rate_per_input_Hz * network.external_inputs[population] / 1000
    charge_per_pA = network.tau_syn_ex_ms[population] * input_rate_per_ms * network.tau_m_ms[population]
    return (network.V_th_mV[population] - network.E_L_mV[population]) * network.C_m_pF[population] / charge_per_pA


@dataclass(frozen=True)
class SimulationResult:
    """Spikes of one run, as integer time steps (t = step * dt) and 0-based neuron ids per population.

    Parameters
    ----------
    spike_steps : dict
        Population name -> int32 array of spike time steps, sorted by (step, neuron).
    spike_ids : dict
        Population name -> int32 array of the spiking neurons' 0-based ids, in the same order.
    population_sizes : dict
        Population name -> number of neurons simulated.
    build_s, simulate_s : float
        Wall time of building and of simulating the network (s).
    """
    spike_steps: dict[str, np.ndarray]
    spike_ids: dict[str, np.ndarray]
    population_sizes: dict[str, int]
    build_s: float
    simulate_s: float


class HagenNetwork:
    """Builds and runs the two-population network in the current NEST kernel.

    Usage: net = HagenNetwork(params, J_ext_pA, rng_seed); net.build(); result = net.run(progress).

    Parameters
    ----------
    params : Params
        The study's parameters (network, simulation).
    J_ext_pA : float
        The weight of every external input, pA (the sweep's variable).
    rng_seed : int
        NEST's rng_seed: connectivity, weights, delays and the Poisson drive.
    """

    def __init__(self, params: Params, J_ext_pA: float, rng_seed: int):
        self.net = params.network
        self.sim = params.simulation
        self.J_ext_pA = float(J_ext_pA)
        self.rng_seed = int(rng_seed)
        self.sizes = self.net.scaled_population_sizes
        self.populations: dict = {}
        self.recorders: dict = {}
        self.build_s = 0.0

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        """Reset the NEST kernel and create the populations, connections, drive and spike recorders."""
        import nest  # imported here so that parameter checks never pay for it

        start = time.perf_counter()
        nest.ResetKernel()
        nest.verbosity = nest.VerbosityLevel.ERROR
        # tics_per_ms must be an int and set in the same call as the resolution (NEST requirement)
        nest.SetKernelStatus({
            "tics_per_ms": int(self.sim.tics_per_ms),
            "resolution": float(self.sim.dt_ms),
            "local_num_threads": int(self.sim.threads),
            "rng_seed": self.rng_seed,
            "print_time": False,
        })
        self._create_populations(nest)
        self._connect_recurrent(nest)
        self._connect_external(nest)
        self._create_recorders(nest)
        self.build_s = time.perf_counter() - start

    def _create_populations(self, nest) -> None:
        for i, name in enumerate(POPULATIONS):
            neuron_params = {
                "C_m": self.net.C_m_pF[i],
                "tau_m": self.net.tau_m_ms[i],
                "E_L": self.net.E_L_mV[i],
                "V_reset": self.net.V_reset_mV[i],
                "V_th": self.net.V_th_mV[i],
                "t_ref": self.net.t_ref_ms[i],
                "tau_syn_ex": self.net.tau_syn_ex_ms[i],
                "tau_syn_in": self.net.tau_syn_in_ms[i],
                "I_e": 0.0,
                "V_m": self.net.V_m_init_mV[i],
            }
            self.populations[name] = nest.Create(self.net.neuron_model, self.sizes[name], params=neuron_params)

    def recurrent_weight_pA(self, pre: int, post: int) -> float:
        """Mean recurrent weight; with 'mean_preserving' scaling it grows as 1/scale (docs/model.md §1 at scale 1).

        Parameters
        ----------
        pre, post : int
            The pathway's populations (POPULATIONS order).

        Returns
        -------
        float
            pA; negative for inhibition.
        """
        weight = self.net.weight_mean_pA[pre][post]
        if self.net.weight_scaling == "mean_preserving":
            weight /= self.net.scale
        return weight

    def _connect_recurrent(self, nest) -> None:
        for pre, pre_name in enumerate(POPULATIONS):
            for post, post_name in enumerate(POPULATIONS):
                weight = self.recurrent_weight_pA(pre, post)
                delay = self.net.delay_mean_ms[pre][post]
                weight_dist = nest.random.normal(mean=weight, std=self.net.weight_relative_sd * abs(weight))
                # redraw until the sign is kept: >= 0 for excitation, <= 0 for inhibition (docs/model.md §1)
                weight_dist = (nest.math.redraw(weight_dist, min=0.0, max=math.inf) if pre == 0
                               else nest.math.redraw(weight_dist, min=-math.inf, max=0.0))
                delay_dist = nest.math.redraw(
                    nest.random.normal(mean=delay, std=self.net.delay_relative_sd * delay),
                    min=self.net.delay_min_ms, max=math.inf)
                nest.Connect(
                    self.populations[pre_name], self.populations[post_name],
                    conn_spec={"rule": "pairwise_bernoulli", "p": self.net.connection_probability[pre][post],
                               "allow_autapses": self.net.allow_autapses, "allow_multapses": True},
                    syn_spec={"synapse_model": "static_synapse", "weight": weight_dist, "delay": delay_dist})

    def _connect_external(self, nest) -> None:
        for i, name in enumerate(POPULATIONS):
            rate_Hz = self.net.external_rate_per_input_Hz * self.net.external_inputs[i]
            generator = nest.Create("poisson_generator", params={"rate": rate_Hz})
            # all_to_all from one generator: each target receives its own independent Poisson train
            nest.Connect(generator, self.populations[name], conn_spec="all_to_all",
                         syn_spec={"weight": self.J_ext_pA, "delay": self.net.external_delay_ms})

    def _create_recorders(self, nest) -> None:
        for name in POPULATIONS:
            self.recorders[name] = nest.Create("spike_recorder")
            nest.Connect(self.populations[name], self.recorders[name])

    # ------------------------------------------------------------------ run
    def run(self, on_chunk: Callable[[float, float, dict], None] | None = None) -> SimulationResult:
        """Simulate tstop_ms in chunks of progress_interval_ms.

        Parameters
        ----------
        on_chunk : callable (t_ms, wall_s, counts), optional
            Called after every chunk with the simulated time (ms), the wall time since the start (s) and the
            spikes recorded so far per population; it may raise to stop the run (study 2's early stop).

        Returns
        -------
        SimulationResult
        """
        import nest

        tstop, chunk = float(self.sim.tstop_ms), float(self.sim.progress_interval_ms)
        start = time.perf_counter()
        nest.Prepare()
        t_ms = 0.0
        while t_ms < tstop - 1e-9:
            step_ms = min(chunk, tstop - t_ms)
            nest.Run(step_ms)
            t_ms += step_ms
            if on_chunk is not None:
                counts = {name: int(rec.n_events) for name, rec in self.recorders.items()}
                on_chunk(t_ms, time.perf_counter() - start, counts)
        nest.Cleanup()
        simulate_s = time.perf_counter() - start
        return self._collect(simulate_s)

    def _collect(self, simulate_s: float) -> SimulationResult:
        dt = float(self.sim.dt_ms)
        steps, ids = {}, {}
        for name in POPULATIONS:
            events = self.recorders[name].events
            first_id = int(self.populations[name][0].global_id)
            step = np.rint(np.asarray(events["times"], dtype=np.float64) / dt).astype(np.int32)
            local = (np.asarray(events["senders"], dtype=np.int64) - first_id).astype(np.int32)
            # a canonical order (time, then neuron) so that threads' delivery order never reaches the bytes
            order = np.lexsort((local, step))
            steps[name], ids[name] = step[order], local[order]
        return SimulationResult(steps, ids, dict(self.sizes), self.build_s, simulate_s)


# ---------------------------------------------------------------------- derived quantities (pure)


def mean_rate_Hz(n_spikes: int, n_neurons: int, duration_ms: float) -> float:
    """Spikes per neuron per second.

    Parameters
    ----------
    n_spikes : int
        Spikes of the population in the window.
    n_neurons : int
        Its size.
    duration_ms : float
        The window (ms).

    Returns
    -------
    float
        spikes/s.

    Examples
    --------
    >>> mean_rate_Hz(n_spikes=300, n_neurons=100, duration_ms=500.0)
    6.0
    """
    return n_spikes / n_neurons / (duration_ms / 1000.0)


class RateOutOfRange(RuntimeError):
    """A run stopped because its rates left the working regime.

    Parameters
    ----------
    message : str
        What happened and what to do.
    kind : {"runaway", "silent"}
        Above the ceiling, or every population below the floor.
    t_ms : float
        The simulated time it stopped at (ms).
    """

    def __init__(self, message: str, kind: str, t_ms: float):
        super().__init__(message)
        self.kind, self.t_ms = kind, float(t_ms)


def check_rate_ceiling(rates_Hz: Mapping[str, float], ceiling_Hz: float, what: str,
                       t_ms: float = float("nan")) -> None:
    """Fail (with a message that says what to do) when any population fires above the ceiling.

    Parameters
    ----------
    rates_Hz : mapping
        Population name -> mean rate (spikes/s).
    ceiling_Hz : float
        simulation.rate_ceiling_Hz.
    what : str
        The run, named in the message.
    t_ms : float
        The simulated time of the check (ms), kept on the error.

    Raises
    ------
    RateOutOfRange
        kind "runaway", when any rate is above the ceiling.
    """
    over = {name: rate for name, rate in rates_Hz.items() if rate > ceiling_Hz}
    if over:
        detail = ", ".join(f"{name} {rate:.1f} spikes/s" for name, rate in over.items())
        raise RateOutOfRange(f"{what}: mean rate above simulation.rate_ceiling_Hz = {ceiling_Hz} ({detail}); "
                             "the network is in a pathological state; no output written. Check J_ext and the "
                             "network parameters, or raise the ceiling deliberately.", "runaway", t_ms)

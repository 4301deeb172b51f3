"""The Hagen LIF network (SPEC §1) in NEST 3: two populations of iaf_psc_exp neurons.

Network code only; every number comes from the `network` and `simulation` sections of params.yaml, which
`check_params` validates before NEST is imported (in the style of the NEST microcircuit example, where
parameters live apart from the code that builds the network).

References: Hagen et al. (2022) PLOS Comput Biol 18(8):e1010353.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.common import ParamsError, get, require, require_number

POPULATIONS = ("E", "I")
# In every 2x2 matrix the first index is presynaptic (SPEC §1).
_MATRIX_KEYS = ("connection_probability", "weight_mean_pA", "delay_mean_ms")
_PER_POPULATION_KEYS = ("C_m_pF", "tau_m_ms", "E_L_mV", "V_reset_mV", "V_th_mV", "t_ref_ms",
                        "V_m_init_mV", "tau_syn_ex_ms", "tau_syn_in_ms")
_NETWORK_KEYS = set(_MATRIX_KEYS) | set(_PER_POPULATION_KEYS) | {
    "population_names", "population_sizes", "scale", "weight_scaling", "neuron_model", "connection_rule",
    "allow_autapses", "weight_relative_sd", "delay_relative_sd", "delay_min_ms",
    "external_rate_per_input_Hz", "external_inputs", "external_delay_ms"}
_SIMULATION_KEYS = {"dt_ms", "tics_per_ms", "tstop_ms", "transient_ms", "threads", "progress_interval_ms",
                    "rate_ceiling_Hz"}


def _on_grid(value_ms: float, dt_ms: float) -> bool:
    steps = value_ms / dt_ms
    return abs(steps - round(steps)) < 1e-9 * max(1.0, abs(steps))


def check_params(params: Mapping) -> None:
    """Validate the network and simulation sections; raise ParamsError naming the first bad key.

    Runs before NEST is touched, so a typo costs milliseconds, not a network build.
    """
    net = get(params, "network")
    for section, allowed in (("network", _NETWORK_KEYS), ("simulation", _SIMULATION_KEYS)):
        unknown = sorted(set(get(params, section)) - allowed)
        if unknown:
            raise ParamsError(f"params.yaml: unknown key '{section}.{unknown[0]}'; accepted keys: "
                              f"{', '.join(sorted(allowed))}")
        missing = sorted(allowed - set(get(params, section)))
        if missing:
            raise ParamsError(f"params.yaml: missing key '{section}.{missing[0]}'")

    require(list(net["population_names"]) == list(POPULATIONS), "network.population_names",
            net["population_names"], "[E, I]")
    for i, size in enumerate(net["population_sizes"]):
        require(isinstance(size, int) and size >= 1, f"network.population_sizes[{i}]", size, "an integer >= 1")
    require_number(params, "network.scale", low=0.0, high=1.0, low_open=True)
    require(net["weight_scaling"] in ("none", "mean_preserving"), "network.weight_scaling",
            net["weight_scaling"], "none | mean_preserving")
    require(net["neuron_model"] == "iaf_psc_exp", "network.neuron_model", net["neuron_model"], "iaf_psc_exp")
    require(net["connection_rule"] == "pairwise_bernoulli", "network.connection_rule", net["connection_rule"],
            "pairwise_bernoulli")
    require(isinstance(net["allow_autapses"], bool), "network.allow_autapses", net["allow_autapses"], "true | false")
    for key in _PER_POPULATION_KEYS:
        values = net[key]
        require(isinstance(values, list) and len(values) == 2, f"network.{key}", values, "a list of 2 numbers [E, I]")
        for i, value in enumerate(values):
            require(isinstance(value, (int, float)) and math.isfinite(value), f"network.{key}[{i}]", value,
                    "a finite number")
            if not key.endswith("mV"):
                require(value > 0, f"network.{key}[{i}]", value, "a number > 0")
    for key in _MATRIX_KEYS:
        matrix = net[key]
        ok = isinstance(matrix, list) and len(matrix) == 2 and all(
            isinstance(row, list) and len(row) == 2 for row in matrix)
        require(ok, f"network.{key}", matrix, "a 2x2 list [pre][post]")
        for pre in range(2):
            for post in range(2):
                value = matrix[pre][post]
                where = f"network.{key}[{pre}][{post}]"
                require(isinstance(value, (int, float)) and math.isfinite(value), where, value, "a finite number")
                if key == "connection_probability":
                    require(0.0 <= value <= 1.0, where, value, "a probability in [0, 1]")
                if key == "delay_mean_ms":
                    require(value > 0, where, value, "a number > 0 ms")
                if key == "weight_mean_pA":
                    sign_ok = value >= 0 if pre == 0 else value <= 0
                    require(sign_ok, where, value, ">= 0 from E, <= 0 from I (Dale's law)")
    require_number(params, "network.weight_relative_sd", low=0.0)
    require_number(params, "network.delay_relative_sd", low=0.0)
    require_number(params, "network.external_rate_per_input_Hz", low=0.0)
    for i, n_ext in enumerate(net["external_inputs"]):
        require(isinstance(n_ext, (int, float)) and n_ext >= 0, f"network.external_inputs[{i}]", n_ext, "a number >= 0")

    dt = require_number(params, "simulation.dt_ms", low=0.0, low_open=True)
    tics = require_number(params, "simulation.tics_per_ms", low=1, integer=True)
    require(_on_grid(dt * tics, 1.0), "simulation.dt_ms", dt,
            f"a multiple of 1/tics_per_ms = 1/{tics} ms (dt * tics_per_ms must be an integer)")
    tstop = require_number(params, "simulation.tstop_ms", low=0.0, low_open=True)
    transient = require_number(params, "simulation.transient_ms", low=0.0)
    require(transient < tstop, "simulation.transient_ms", transient, f"0 <= transient_ms < tstop_ms = {tstop}")
    for key, value in (("tstop_ms", tstop), ("transient_ms", transient)):
        require(_on_grid(value, dt), f"simulation.{key}", value, f"a multiple of dt_ms = {dt}")
    interval = require_number(params, "simulation.progress_interval_ms", low=0.0, low_open=True)
    require(_on_grid(interval, dt), "simulation.progress_interval_ms", interval, f"a multiple of dt_ms = {dt}")
    require_number(params, "simulation.threads", low=1, high=1024, integer=True)
    require_number(params, "simulation.rate_ceiling_Hz", low=0.0, low_open=True)
    for key in ("delay_min_ms", "external_delay_ms"):
        value = require_number(params, f"network.{key}", low=0.0, low_open=True)
        require(value >= dt, f"network.{key}", value, f"a delay >= dt_ms = {dt}")


def check_drive(J_ext_pA, key: str) -> float:
    """The external weight of one sweep item: finite and non-negative (excitatory drive)."""
    ok = isinstance(J_ext_pA, (int, float)) and not isinstance(J_ext_pA, bool) and math.isfinite(J_ext_pA)
    require(ok and J_ext_pA >= 0, key, J_ext_pA, "a finite number >= 0 (pA)")
    return float(J_ext_pA)


@dataclass(frozen=True)
class SimulationResult:
    """Spikes of one run, as integer time steps (t = step * dt) and 0-based neuron ids per population."""
    spike_steps: dict[str, np.ndarray]
    spike_ids: dict[str, np.ndarray]
    population_sizes: dict[str, int]
    build_s: float
    simulate_s: float


class HagenNetwork:
    """Builds and runs the two-population network in the current NEST kernel.

    Usage: net = HagenNetwork(params, J_ext_pA, rng_seed); net.build(); result = net.run(progress).
    """

    def __init__(self, params: Mapping, J_ext_pA: float, rng_seed: int):
        check_params(params)
        self.net = dict(get(params, "network"))
        self.sim = dict(get(params, "simulation"))
        self.J_ext_pA = float(J_ext_pA)
        self.rng_seed = int(rng_seed)
        self.sizes = {name: max(1, int(round(n * self.net["scale"])))
                      for name, n in zip(POPULATIONS, self.net["population_sizes"])}
        self.populations: dict = {}
        self.recorders: dict = {}
        self.build_s = 0.0

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        import nest  # imported here so that parameter checks never pay for it

        start = time.perf_counter()
        nest.ResetKernel()
        nest.verbosity = nest.VerbosityLevel.ERROR
        # tics_per_ms must be an int and set in the same call as the resolution (NEST requirement)
        nest.SetKernelStatus({
            "tics_per_ms": int(self.sim["tics_per_ms"]),
            "resolution": float(self.sim["dt_ms"]),
            "local_num_threads": int(self.sim["threads"]),
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
                "C_m": self.net["C_m_pF"][i],
                "tau_m": self.net["tau_m_ms"][i],
                "E_L": self.net["E_L_mV"][i],
                "V_reset": self.net["V_reset_mV"][i],
                "V_th": self.net["V_th_mV"][i],
                "t_ref": self.net["t_ref_ms"][i],
                "tau_syn_ex": self.net["tau_syn_ex_ms"][i],
                "tau_syn_in": self.net["tau_syn_in_ms"][i],
                "I_e": 0.0,
                "V_m": self.net["V_m_init_mV"][i],
            }
            self.populations[name] = nest.Create(self.net["neuron_model"], self.sizes[name], params=neuron_params)

    def recurrent_weight_pA(self, pre: int, post: int) -> float:
        """Mean recurrent weight; with 'mean_preserving' scaling it grows as 1/scale (SPEC §1 at scale 1)."""
        weight = self.net["weight_mean_pA"][pre][post]
        if self.net["weight_scaling"] == "mean_preserving":
            weight /= self.net["scale"]
        return weight

    def _connect_recurrent(self, nest) -> None:
        for pre, pre_name in enumerate(POPULATIONS):
            for post, post_name in enumerate(POPULATIONS):
                weight = self.recurrent_weight_pA(pre, post)
                delay = self.net["delay_mean_ms"][pre][post]
                weight_dist = nest.random.normal(mean=weight, std=self.net["weight_relative_sd"] * abs(weight))
                # redraw until the sign is kept: >= 0 for excitation, <= 0 for inhibition (SPEC §1)
                weight_dist = (nest.math.redraw(weight_dist, min=0.0, max=math.inf) if pre == 0
                               else nest.math.redraw(weight_dist, min=-math.inf, max=0.0))
                delay_dist = nest.math.redraw(
                    nest.random.normal(mean=delay, std=self.net["delay_relative_sd"] * delay),
                    min=self.net["delay_min_ms"], max=math.inf)
                nest.Connect(
                    self.populations[pre_name], self.populations[post_name],
                    conn_spec={"rule": "pairwise_bernoulli", "p": self.net["connection_probability"][pre][post],
                               "allow_autapses": self.net["allow_autapses"], "allow_multapses": True},
                    syn_spec={"synapse_model": "static_synapse", "weight": weight_dist, "delay": delay_dist})

    def _connect_external(self, nest) -> None:
        for i, name in enumerate(POPULATIONS):
            rate_Hz = self.net["external_rate_per_input_Hz"] * self.net["external_inputs"][i]
            generator = nest.Create("poisson_generator", params={"rate": rate_Hz})
            # all_to_all from one generator: each target receives its own independent Poisson train
            nest.Connect(generator, self.populations[name], conn_spec="all_to_all",
                         syn_spec={"weight": self.J_ext_pA, "delay": self.net["external_delay_ms"]})

    def _create_recorders(self, nest) -> None:
        for name in POPULATIONS:
            self.recorders[name] = nest.Create("spike_recorder")
            nest.Connect(self.populations[name], self.recorders[name])

    # ------------------------------------------------------------------ run
    def run(self, on_chunk: Callable[[float, float, dict], None] | None = None) -> SimulationResult:
        """Simulate tstop_ms in chunks of progress_interval_ms, calling on_chunk(t_ms, wall_s, counts)."""
        import nest

        tstop, chunk = float(self.sim["tstop_ms"]), float(self.sim["progress_interval_ms"])
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
        dt = float(self.sim["dt_ms"])
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
def spike_counts_per_bin(spike_steps: np.ndarray, transient_steps: int, n_bins: int) -> np.ndarray:
    """Spikes per dt bin in the window [transient, tstop): bin n holds steps transient_steps + n (SPEC §3.2)."""
    index = spike_steps.astype(np.int64) - transient_steps
    index = index[(index >= 0) & (index < n_bins)]
    return np.bincount(index, minlength=n_bins).astype(np.int32)


def mean_rate_Hz(n_spikes: int, n_neurons: int, duration_ms: float) -> float:
    return n_spikes / n_neurons / (duration_ms / 1000.0)


def check_rate_ceiling(rates_Hz: Mapping[str, float], ceiling_Hz: float, what: str) -> None:
    """Fail (with a message that says what to do) when any population fires above the ceiling."""
    over = {name: rate for name, rate in rates_Hz.items() if rate > ceiling_Hz}
    if over:
        detail = ", ".join(f"{name} {rate:.1f} spikes/s" for name, rate in over.items())
        raise RuntimeError(f"{what}: mean rate above simulation.rate_ceiling_Hz = {ceiling_Hz} ({detail}); "
                           "the network is in a pathological state; no output written. Check J_ext and the "
                           "network parameters, or raise the ceiling deliberately.")

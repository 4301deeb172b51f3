"""The one schema of params.yaml: every parameter typed, ranged and cross-checked once, at load.

`load_params()` reads params.yaml (or a profile's merged parameters), validates them and returns a frozen
`Params` object whose attributes are the sections of the file (`params.network.C_m_pF`, ...). Stages receive
that object and never look strings up in a dict. A bad value gives one line that names the key, the value and
what is accepted, before any expensive work:

    params.yaml: network.V_th_mV[0] = -70.0 is invalid; accepted: above network.V_reset_mV[0] = -65.0 (mV)

Field names are the keys of params.yaml, so docs/model.md, the file and the code use the same names. The
physics behind each range is in docs/model.md (the section is named next to each model class).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.common import PARAMS_FILE, ParamsError, merge_profile, profile_raw, read_yaml

# One definition of the populations: the order of every [E, I] list and of the [pre][post] matrices.
POPULATIONS = ("E", "I")
N_POP = len(POPULATIONS)
# study 2: a run that leaves the working regime stops within this much simulated time (docs/model.md §8)
MAX_EARLY_STOP_MS = 300.0
# study 2's parameters theta, in a fixed order (docs/model.md §8)
THETA_NAMES = ("J_EE_pA", "J_IE_pA", "J_EI_pA", "J_II_pA", "tau_syn_E_ms", "tau_syn_I_ms", "J_ext_pA")
# ... and the quantities its prior is uniform in the logarithm of (docs/model.md §8): what the network sees, the
# charge of one spike of each pathway and of one external spike, and the two synaptic time constants
PRIOR_NAMES = ("Q_EE_fC", "Q_IE_fC", "Q_EI_fC", "Q_II_fC", "Q_ext_fC", "tau_syn_E_ms", "tau_syn_I_ms")
# the kernels of a study-2 draw's EEG (docs/model.md §8): its own, or study 1's
KERNEL_MODES = ("per_draw", "fixed")
# a half-width above this many e-folds (x0.14 .. x7.4) leaves the working regime whatever the quantity
MAX_PRIOR_HALF_WIDTH = 2.0


class RuleError(ValueError):
    """A cross-key rule failed: `key` (relative to the model that checks it), its value, what is accepted."""

    def __init__(self, key: str, value: Any, accepted: str):
        super().__init__(f"{key} = {value!r} is invalid; accepted: {accepted}")
        self.key, self.value, self.accepted = key, value, accepted


# ---------------------------------------------------------------------------------------------- field types
def _field(accepted: str, **constraints) -> Any:
    """A field whose `accepted` text is what a user reads when the value is refused."""
    return Field(description=accepted, **constraints)


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
PerPop = Annotated[list[float], Field(min_length=N_POP, max_length=N_POP)]
PerPopPositive = Annotated[list[Positive], Field(min_length=N_POP, max_length=N_POP)]
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


def _matrix(element: Any) -> Any:
    row = Annotated[list[element], Field(min_length=N_POP, max_length=N_POP)]
    return Annotated[list[row], Field(min_length=N_POP, max_length=N_POP)]


def _on_grid(value: float, step: float) -> bool:
    steps = value / step
    return abs(steps - round(steps)) < 1e-9 * max(1.0, abs(steps))


class Section(BaseModel):
    """A section of params.yaml: unknown keys, wrong types (1.7 for an integer, a string for a number), NaN and
    infinities are refused; values are read-only."""
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


# ---------------------------------------------------------------------------------------------- sections
class Seeds(Section):
    simulation: int = _field("an integer >= 0", ge=0)
    inverse: int = _field("an integer >= 0", ge=0)


class Network(Section):
    """docs/model.md §1."""
    population_names: list[str] = _field(f"{list(POPULATIONS)} (the code models these two populations)")
    population_sizes: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 integers >= 1 [E, I]")
    scale: float = _field("a number in (0, 1]", gt=0, le=1)
    weight_scaling: Literal["none", "mean_preserving"] = _field("none | mean_preserving")
    neuron_model: Literal["iaf_psc_exp"] = _field("iaf_psc_exp")
    C_m_pF: PerPopPositive = _field("a list of 2 numbers > 0 [E, I] (pF)")
    tau_m_ms: PerPopPositive = _field("a list of 2 numbers > 0 [E, I] (ms)")
    E_L_mV: PerPop = _field("a list of 2 numbers [E, I] (mV)")
    V_reset_mV: PerPop = _field("a list of 2 numbers [E, I] (mV)")
    V_th_mV: PerPop = _field("a list of 2 numbers [E, I] (mV)")
    t_ref_ms: PerPopPositive = _field("a list of 2 numbers > 0 [E, I] (ms)")
    V_m_init_mV: PerPop = _field("a list of 2 numbers [E, I] (mV)")
    tau_syn_ex_ms: PerPopPositive = _field("a list of 2 numbers > 0 [E, I] (ms)")
    tau_syn_in_ms: PerPopPositive = _field("a list of 2 numbers > 0 [E, I] (ms)")
    connection_rule: Literal["pairwise_bernoulli"] = _field("pairwise_bernoulli")
    allow_autapses: bool = _field("true | false")
    connection_probability: _matrix(Probability) = _field("a 2x2 list [pre][post] of probabilities in [0, 1]")
    weight_mean_pA: _matrix(float) = _field("a 2x2 list [pre][post] of numbers (pA)")
    weight_relative_sd: NonNegative = _field("a number >= 0")
    delay_mean_ms: _matrix(Positive) = _field("a 2x2 list [pre][post] of numbers > 0 (ms)")
    delay_relative_sd: NonNegative = _field("a number >= 0")
    delay_min_ms: Positive = _field("a number > 0 (ms)")
    external_rate_per_input_Hz: NonNegative = _field("a number >= 0 (spikes/s)")
    external_inputs: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 integers >= 0 [E, I] (inputs per neuron)")
    external_delay_ms: Positive = _field("a number > 0 (ms)")

    @model_validator(mode="after")
    def _rules(self):
        if list(self.population_names) != list(POPULATIONS):
            raise RuleError("population_names", self.population_names, str(list(POPULATIONS)))
        for i, name in enumerate(POPULATIONS):
            if not self.V_th_mV[i] > self.V_reset_mV[i]:
                raise RuleError(f"V_th_mV[{i}]", self.V_th_mV[i],
                                f"above network.V_reset_mV[{i}] = {self.V_reset_mV[i]} (mV, population {name})")
        for pre in range(N_POP):
            for post in range(N_POP):
                weight = self.weight_mean_pA[pre][post]
                if not (weight >= 0 if pre == 0 else weight <= 0):
                    raise RuleError(f"weight_mean_pA[{pre}][{post}]", weight, ">= 0 from E, <= 0 from I (Dale's law)")
        return self

    @property
    def scaled_population_sizes(self) -> dict[str, int]:
        """Neurons of each population at `scale`: round(N x scale), at least 1 (docs/model.md §1)."""
        return {name: max(1, int(round(n * self.scale))) for name, n in zip(POPULATIONS, self.population_sizes)}


class Simulation(Section):
    """docs/model.md §1 (the NEST kernel and the run)."""
    dt_ms: Positive = _field("a number > 0 (ms)")
    tics_per_ms: int = _field("an integer >= 1", ge=1)
    tstop_ms: Positive = _field("a number > 0 (ms)")
    transient_ms: NonNegative = _field("a number >= 0 (ms)")
    threads: int = _field("an integer in [1, 1024]", ge=1, le=1024)
    progress_interval_ms: Positive = _field("a number > 0 (ms)")
    rate_ceiling_Hz: Positive = _field("a number > 0 (spikes/s)")

    @model_validator(mode="after")
    def _rules(self):
        if not _on_grid(self.dt_ms * self.tics_per_ms, 1.0):
            raise RuleError("dt_ms", self.dt_ms, f"a multiple of 1/tics_per_ms = 1/{self.tics_per_ms} ms")
        if not self.transient_ms < self.tstop_ms:
            raise RuleError("transient_ms", self.transient_ms, f"0 <= transient_ms < tstop_ms = {self.tstop_ms}")
        for key in ("tstop_ms", "transient_ms", "progress_interval_ms"):
            if not _on_grid(getattr(self, key), self.dt_ms):
                raise RuleError(key, getattr(self, key), f"a multiple of dt_ms = {self.dt_ms}")
        return self


class Reference(Section):
    """docs/model.md §1 (best fit) and §9 (seed spread)."""
    J_ext_pA: NonNegative = _field("a number >= 0 (pA)")
    spread_keys: list[Annotated[str, Field(pattern=r"^ref_s[0-9]+$")]] = _field("a list of keys ref_s1, ref_s2, ...")

    @model_validator(mode="after")
    def _rules(self):
        if len(set(self.spread_keys)) != len(self.spread_keys):
            raise RuleError("spread_keys", self.spread_keys, "distinct keys")
        if len(self.spread_keys) < 2:   # with ref, 3 runs: the fewest that give a seed sd with an interval (§9)
            raise RuleError("spread_keys", self.spread_keys, "at least 2 keys (ref_s1, ref_s2, ...)")
        return self


class Morphology(Section):
    soma_length_um: Positive = _field("a number > 0 (um)")
    soma_diam_um: Positive = _field("a number > 0 (um)")
    dend_length_um: Positive = _field("a number > 0 (um)")
    dend_diam_um: Positive = _field("a number > 0 (um)")
    apic_length_um: Positive = _field("a number > 0 (um)")
    apic_diam_um: Positive = _field("a number > 0 (um)")


class Channels(Section):
    gNaTa_t: NonNegative = _field("a conductance >= 0 (S/cm2)")
    gSKv3_1: NonNegative = _field("a conductance >= 0 (S/cm2)")
    g_pas: Positive = _field("a conductance > 0 (S/cm2)")
    gIh: NonNegative = _field("a conductance >= 0 (S/cm2)")


class ChannelsBySection(Section):
    soma: Channels
    dendrites: Channels


class PerPopulation(Section):
    """A mapping with exactly the keys E and I; `value[name]` reads the entry of population `name`."""
    E: Any
    I: Any  # noqa: E741 (the population's name)

    def __getitem__(self, name: str) -> Any:
        if name not in POPULATIONS:
            raise KeyError(name)
        return getattr(self, name)


class MorphologyByPopulation(PerPopulation):
    E: Morphology
    I: Morphology  # noqa: E741


class Cells(Section):
    """docs/model.md §2.1."""
    Ra_ohm_cm: Positive = _field("a number > 0 (ohm cm)")
    cm_uF_cm2: Positive = _field("a number > 0 (uF/cm2)")
    d_lambda: Positive = _field("a number > 0")
    morphology: MorphologyByPopulation
    channels: ChannelsBySection
    Ih_E_h_mV: float = _field("a number (mV)")


class Placement(Section):
    sections: list[Literal["soma", "apic", "dend"]] = _field("a list of soma | apic | dend", min_length=1)
    loc_um: list[float] = _field("a list of numbers (um)", min_length=1)
    sd_um: list[Positive] = _field("a list of numbers > 0 (um)", min_length=1)
    weight: list[NonNegative] = _field("a list of numbers >= 0", min_length=1)

    @model_validator(mode="after")
    def _rules(self):
        if not len(self.loc_um) == len(self.sd_um) == len(self.weight):
            raise RuleError("sd_um", self.sd_um, f"as many entries as loc_um ({len(self.loc_um)}) and weight")
        if sum(self.weight) <= 0:
            raise RuleError("weight", self.weight, "numbers >= 0 with a positive sum")
        return self


class PlacementByPost(PerPopulation):
    E: Placement
    I: Placement  # noqa: E741


class PlacementByPre(PerPopulation):
    E: PlacementByPost
    I: PlacementByPost  # noqa: E741


class Synapses(Section):
    """docs/model.md §2.3 ([pre][post] matrices)."""
    tau1_ms: _matrix(Positive) = _field("a 2x2 list [pre][post] of numbers > 0 (ms)")
    tau2_ms: _matrix(Positive) = _field("a 2x2 list [pre][post] of numbers > 0 (ms)")
    E_syn_mV: _matrix(float) = _field("a 2x2 list [pre][post] of numbers (mV)")
    weight_uS: _matrix(NonNegative) = _field("a 2x2 list [pre][post] of conductances >= 0 (uS)")
    multapse_loc: _matrix(Positive) = _field("a 2x2 list [pre][post] of numbers > 0")
    multapse_sd: _matrix(NonNegative) = _field("a 2x2 list [pre][post] of numbers >= 0")
    multapse_range: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=2, max_length=2)] = \
        _field("[low, high], integers 1 <= low <= high")
    delay_loc_ms: _matrix(Positive) = _field("a 2x2 list [pre][post] of numbers > 0 (ms)")
    delay_sd_ms: _matrix(NonNegative) = _field("a 2x2 list [pre][post] of numbers >= 0 (ms)")
    delay_min_ms: Positive = _field("a number > 0 (ms)")
    placement: PlacementByPre

    @model_validator(mode="after")
    def _rules(self):
        low, high = self.multapse_range
        if not low <= high:
            raise RuleError("multapse_range", self.multapse_range, "[low, high], integers 1 <= low <= high")
        for pre in range(N_POP):
            for post in range(N_POP):
                if not self.tau2_ms[pre][post] > self.tau1_ms[pre][post]:
                    raise RuleError(f"tau2_ms[{pre}][{post}]", self.tau2_ms[pre][post],
                                    f"a decay time above tau1_ms[{pre}][{post}] = {self.tau1_ms[pre][post]} ms")
        return self


class ExternalSynapses(Section):
    weight_uS: NonNegative = _field("a conductance >= 0 (uS)")
    tau1_ms: Positive = _field("a number > 0 (ms)")
    tau2_ms: Positive = _field("a number > 0 (ms)")
    E_syn_mV: float = _field("a number (mV)")
    rate_Hz: NonNegative = _field("a number >= 0 (spikes/s)")
    n_inputs: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 integers >= 0 [E, I]")


class MulticompartmentNetwork(Section):
    """docs/model.md §2.2: the multicompartment network whose cells the kernels describe (Hagen et al. 2022): its
    sizes, connectivity and geometry, not the LIF network's (`network`)."""
    population_sizes: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 integers >= 1 [E, I]")
    connection_probability: _matrix(Probability) = _field("a 2x2 list [pre][post] of probabilities in [0, 1]")
    population_radius_um: Positive = _field("a number > 0 (um)")
    population_depth_loc_um: float = _field("a number (um)")
    population_depth_sd_um: NonNegative = _field("a number >= 0 (um)")


class Kernels(Section):
    """docs/model.md §2."""
    tau_ms: Positive = _field("a number > 0 (ms)")
    t_X_ms: Positive = _field("a number > 0 (ms)")
    g_eff: bool = _field("true | false")
    rates_source: Literal["reference", "ground_truth", "fixed"] = _field("reference | ground_truth | fixed")
    fixed_rates_Hz: Annotated[list[NonNegative], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 rates >= 0 [E, I] (spikes/s)")
    ground_truth_dir: str | None = _field("null, or a folder holding spikes.h5 and somav.h5")
    ground_truth_transient_ms: NonNegative = _field("a number >= 0 (ms)")
    ground_truth_somav_dt_ms: Positive = _field("a number > 0 (ms)")
    ground_truth_somav_skip_ms: NonNegative = _field("a number >= 0 (ms)")
    Vrest_mV: float = _field("a number in [-120, 0] (mV)", ge=-120, le=0)
    per_run_rates: bool = _field("true | false")
    multicompartment_network: MulticompartmentNetwork
    cells: Cells
    synapses: Synapses
    external: ExternalSynapses

    @model_validator(mode="after")
    def _rules(self):
        if not self.t_X_ms >= self.tau_ms:
            raise RuleError("t_X_ms", self.t_X_ms, f">= kernels.tau_ms = {self.tau_ms}")
        if self.rates_source == "ground_truth" and not self.ground_truth_dir:
            raise RuleError("ground_truth_dir", self.ground_truth_dir,
                            "a folder holding spikes.h5 and somav.h5 (kernels.rates_source is ground_truth)")
        return self


class Cdm(Section):
    """docs/model.md §3."""
    pairing: Literal["correct", "legacy"] = _field("correct | legacy")
    decimation_factor: int = _field("an integer in [1, 100]", ge=1, le=100)
    onset: Literal["steady", "legacy"] = _field("steady | legacy")
    history_ms: NonNegative = _field("a number >= 0 (ms)")


class FourSphere(Section):
    radii_mm: Annotated[list[Positive], Field(min_length=4, max_length=4)] = \
        _field("4 increasing radii > 0 [brain, CSF, skull, scalp] (mm)")
    conductivities_S_m: Annotated[list[Positive], Field(min_length=4, max_length=4)] = \
        _field("4 conductivities > 0 [brain, CSF, skull, scalp] (S/m)")
    dipole_depth_mm: Positive = _field("a number > 0 (mm)")
    iter_factor: Positive = _field("a number > 0")

    @model_validator(mode="after")
    def _rules(self):
        if any(b <= a for a, b in zip(self.radii_mm, self.radii_mm[1:])):
            raise RuleError("radii_mm", self.radii_mm, "4 increasing radii > 0 [brain, CSF, skull, scalp] (mm)")
        if not self.dipole_depth_mm < self.radii_mm[0]:
            raise RuleError("dipole_depth_mm", self.dipole_depth_mm, f"< the brain radius {self.radii_mm[0]} mm")
        return self


class NYHeadFile(Section):
    file: str = _field("a path to sa_nyhead.mat", min_length=1)
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = _field("null or 64 lowercase hex digits")
    max_vertex_distance_mm: Positive = _field("a number > 0 (mm)")


class Eeg(Section):
    """docs/model.md §4."""
    head_model: Literal["four_sphere", "nyhead"] = _field("four_sphere | nyhead")
    dipole_location_mni_mm: Annotated[list[float], Field(min_length=3, max_length=3)] = \
        _field("a list of 3 finite numbers (mm)")
    four_sphere: FourSphere
    nyhead: NYHeadFile


class Features(Section):
    """docs/model.md §5."""
    signal: Literal["eeg"] = _field("eeg")
    also_cdm: bool = _field("true | false")
    n_jobs: int = _field("an integer >= 1", ge=1)


class Inverse(Section):
    """docs/model.md §6."""
    alpha: NonNegative = _field("a number >= 0")
    test_fraction: float = _field("a number in (0, 1)", gt=0, lt=1)
    cv_folds: int = _field("an integer >= 2", ge=2)
    cv_repeats: int = _field("an integer >= 1", ge=1)


class Figures(Section):
    """docs/model.md §7."""
    example_keys: list[str] = _field("a list of keys of sweep", min_length=1)
    example_samples: int = _field("an integer >= 2", ge=2)
    example_features: list[str] = _field("a list of catch22 short names", min_length=1)
    raster_keys: list[str] = _field("a list of keys of sweep", min_length=1)
    raster_window_ms: Pair = _field("[start, end] within [0, simulation.tstop_ms] (ms)")
    raster_neurons: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=N_POP, max_length=N_POP)] = \
        _field("a list of 2 integers >= 1 [E, I]")
    onset_inset_ms: Positive = _field("a number > 0 (ms)")
    dpi: int = _field("an integer in [50, 1200]", ge=50, le=1200)


class PriorHalfWidths(Section):
    """docs/model.md §8: ln |quantity| is uniform on ln(its best-fit value) +- this half-width (e-folds)."""
    Q_EE_fC: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0, le=MAX_PRIOR_HALF_WIDTH)
    Q_IE_fC: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0, le=MAX_PRIOR_HALF_WIDTH)
    Q_EI_fC: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0, le=MAX_PRIOR_HALF_WIDTH)
    Q_II_fC: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0, le=MAX_PRIOR_HALF_WIDTH)
    Q_ext_fC: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0, le=MAX_PRIOR_HALF_WIDTH)
    tau_syn_E_ms: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0,
                                 le=MAX_PRIOR_HALF_WIDTH)
    tau_syn_I_ms: float = _field(f"a number in (0, {MAX_PRIOR_HALF_WIDTH:g}] (e-folds)", gt=0,
                                 le=MAX_PRIOR_HALF_WIDTH)

    def as_array(self) -> np.ndarray:
        """The half-widths in PRIOR_NAMES order (e-folds)."""
        return np.array([getattr(self, name) for name in PRIOR_NAMES])


class Spectrum(Section):
    segment_s: Positive = _field("a number > 0 (s)")
    freq_range_Hz: Pair = _field("[low, high] with 0 < low < high (Hz)")
    max_n_peaks: int = _field("an integer >= 0", ge=0)
    peak_width_limits_Hz: Pair = _field("[low, high] with 0 < low < high (Hz)")

    @model_validator(mode="after")
    def _rules(self):
        for key in ("freq_range_Hz", "peak_width_limits_Hz"):
            low, high = getattr(self, key)
            if not 0 < low < high:
                raise RuleError(key, [low, high], "[low, high] with 0 < low < high (Hz)")
        return self


class EarlyStopSection(Section):
    """docs/model.md §8: the working-regime checks of every study-2 run, from t = 0."""
    check_interval_ms: Positive = _field("a number in (0, 200] (ms)", le=200)
    silent_rate_Hz: Positive = _field("a number > 0 (spikes/s)")
    silent_after_ms: Positive = _field("a number > 0 (ms)")

    @model_validator(mode="after")
    def _rules(self):
        # a runaway run is seen at the end of the chunk in which it ran away, a silent one at the first check
        # after silent_after_ms: both stop within 0.3 s of simulated time
        if not self.silent_after_ms + self.check_interval_ms <= MAX_EARLY_STOP_MS:
            raise RuleError("silent_after_ms", self.silent_after_ms,
                            f"<= {MAX_EARLY_STOP_MS:g} ms - check_interval_ms = "
                            f"{MAX_EARLY_STOP_MS - self.check_interval_ms:g} ms (a silent run stops within "
                            f"{MAX_EARLY_STOP_MS:g} ms of simulated time)")
        return self


class NpeSettings(Section):
    """docs/model.md §8: sbi's density estimator, sized for the budget."""
    density_estimator: Literal["maf", "nsf", "mdn", "zuko_maf", "zuko_nsf"] = _field(
        "maf | nsf | mdn | zuko_maf | zuko_nsf")
    # sbi's z_score_theta: transform_to_unconstrained (zuko_* and mdn) learns the parameters mapped from the prior's
    # box onto the real line, so a posterior as wide as the box is representable
    z_score_theta: Literal["independent", "transform_to_unconstrained"] = _field(
        "independent | transform_to_unconstrained")
    hidden_features: int = _field("an integer >= 1", ge=1)
    num_transforms: int = _field("an integer >= 1", ge=1)
    max_epochs: int = _field("an integer >= 1", ge=1)

    @model_validator(mode="after")
    def _rules(self):
        # sbi builds the unconstrained transform for its zuko flows and the mdn only
        if self.z_score_theta == "transform_to_unconstrained" and self.density_estimator in ("maf", "nsf"):
            raise RuleError("z_score_theta", self.z_score_theta,
                            f"independent with density_estimator {self.density_estimator} (transform_to_unconstrained "
                            "needs zuko_maf, zuko_nsf or mdn)")
        return self


class CalibrationPower(Section):
    """docs/model.md §8: the power analysis of the rank-uniformity test."""
    alpha: float = _field("a number in (0, 1)", gt=0, lt=1)
    power: float = _field("a number in (0, 1)", gt=0, lt=1)
    simulations: int = _field("an integer >= 100", ge=100)


class Bootstrap(Section):
    """docs/model.md §8: a paired bootstrap over runs (scipy.stats.bootstrap, BCa)."""
    resamples: int = _field("an integer >= 100", ge=100)
    confidence: float = _field("a number in (0, 1)", gt=0, lt=1)


class Study2(Section):
    """docs/model.md §8."""
    seed: int = _field("an integer >= 0", ge=0)
    draws: dict[Annotated[str, Field(pattern=r"^t[0-9]{4,}$")], Annotated[int, Field(ge=0)]] = \
        _field("a mapping tNNNN: index (an integer >= 0), at least 2 draws", min_length=2)
    replicate_draws: dict[Annotated[str, Field(pattern=r"^t[0-9]{4,}_s[0-9]+$")], Annotated[int, Field(ge=0)]] = \
        _field("a mapping tNNNN_sK: the index of a draw of study2.draws")
    tstop_ms: Positive = _field("a number > 0 (ms)")
    transient_ms: NonNegative = _field("a number >= 0 (ms)")
    prior_ln_half_width: PriorHalfWidths
    early_stop: EarlyStopSection
    spectrum: Spectrum
    kernels: Literal[KERNEL_MODES] = _field(" | ".join(KERNEL_MODES))
    feature_transform: Literal["standard", "quantile_normal"] = _field("standard | quantile_normal")
    cv_folds: int = _field("an integer >= 2", ge=2)
    cv_repeats: int = _field("an integer >= 1", ge=1)
    npe: NpeSettings
    calibration_folds: int = _field("an integer >= 2", ge=2)
    posterior_samples: int = _field("an integer >= 10", ge=10)
    coverage_levels: list[float] = _field("increasing numbers in (0, 1)", min_length=1)
    calibration_power: CalibrationPower
    tarp_bins: int = _field("an integer >= 2", ge=2)
    kernel_comparison_bootstrap: Bootstrap
    test_fraction: float = _field("a number in (0, 1)", gt=0, lt=1)
    learning_curve_runs: list[Annotated[int, Field(ge=2)]] = _field("increasing integers >= 2", min_length=1)
    learning_curve_repeats: int = _field("an integer >= 1", ge=1)

    @model_validator(mode="after")
    def _rules(self):
        if len(set(self.draws.values())) != len(self.draws):
            raise RuleError("draws", "(repeated indexes)", "one key per index: a repeated index repeats a draw")
        index_of = {index: key for key, index in self.draws.items()}
        for key, index in self.replicate_draws.items():
            if index_of.get(index) != key.split("_s")[0]:
                raise RuleError("replicate_draws", {key: index}, "tNNNN_sK: i with tNNNN: i in study2.draws (the "
                                "replicate of that draw)")
        if not self.transient_ms < self.tstop_ms:
            raise RuleError("transient_ms", self.transient_ms, f"0 <= transient_ms < tstop_ms = {self.tstop_ms}")
        levels = self.coverage_levels
        if not all(0 < a < 1 for a in levels) or any(b <= a for a, b in zip(levels, levels[1:])):
            raise RuleError("coverage_levels", levels, "increasing numbers in (0, 1)")
        runs = self.learning_curve_runs
        if any(b <= a for a, b in zip(runs, runs[1:])):
            raise RuleError("learning_curve_runs", runs, "increasing integers >= 2")
        return self

    @property
    def n_draws(self) -> int:
        return len(self.draws)


class Params(Section):
    """All of params.yaml. Cross-section rules live here; section rules in their sections."""
    profile: str = _field("a profile name (full, or a file of profiles/)", min_length=1)
    seeds: Seeds
    network: Network
    simulation: Simulation
    reference: Reference
    sweep: dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], NonNegative] = \
        _field("a mapping key: J_ext (pA, a number >= 0), at least 3 items", min_length=3)
    kernels: Kernels
    cdm: Cdm
    eeg: Eeg
    features: Features
    inverse: Inverse
    figures: Figures
    study2: Study2

    @model_validator(mode="after")
    def _rules(self):
        dt = self.simulation.dt_ms
        for key in ("delay_min_ms", "external_delay_ms"):
            if not getattr(self.network, key) >= dt:
                raise RuleError(f"network.{key}", getattr(self.network, key), f"a delay >= simulation.dt_ms = {dt}")
        if not _on_grid(self.kernels.tau_ms, dt):
            raise RuleError("kernels.tau_ms", self.kernels.tau_ms, f"a multiple of simulation.dt_ms = {dt}")
        if "ref" in self.sweep or set(self.sweep) & set(self.reference.spread_keys):
            raise RuleError("sweep", sorted(self.sweep)[:3], "keys other than ref and reference.spread_keys")
        for key in ("example_keys", "raster_keys"):
            unknown = [k for k in getattr(self.figures, key) if k not in self.sweep]
            if unknown:
                raise RuleError(f"figures.{key}", getattr(self.figures, key), f"keys of sweep (not: {unknown})")
        start, end = self.figures.raster_window_ms
        if not 0 <= start < end <= self.simulation.tstop_ms:
            raise RuleError("figures.raster_window_ms", [start, end],
                            f"[start, end] with 0 <= start < end <= simulation.tstop_ms = {self.simulation.tstop_ms}")
        for where, (tstop, transient) in (("simulation", (self.simulation.tstop_ms, self.simulation.transient_ms)),
                                          ("study2", (self.study2.tstop_ms, self.study2.transient_ms))):
            for key, value in (("tstop_ms", tstop), ("transient_ms", transient)):
                if not _on_grid(value, dt * self.cdm.decimation_factor):
                    raise RuleError(f"{where}.{key}", value, "a multiple of simulation.dt_ms x cdm.decimation_factor "
                                    f"= {dt * self.cdm.decimation_factor:g} ms")
            self._check_history(where, transient)
        if max(self.study2.learning_curve_runs) > self.study2.n_draws:
            raise RuleError("study2.learning_curve_runs", self.study2.learning_curve_runs,
                            f"at most the number of draws, {self.study2.n_draws}")
        return self

    def _check_history(self, where: str, transient_ms: float) -> None:
        """The steady onset's history (docs/model.md §3): it covers the kernels' causal support plus the
        decimation filter's settling, fits inside the transient and is a whole number of output samples."""
        if self.cdm.onset != "steady":
            return
        q, dt, history = self.cdm.decimation_factor, self.simulation.dt_ms, self.cdm.history_ms
        needed = required_history_ms(self.kernels.tau_ms, q, dt)
        if not history >= needed:
            raise RuleError("cdm.history_ms", history, f">= {needed:.4g} ms (kernels.tau_ms {self.kernels.tau_ms:g} ms "
                            f"+ the decimation filter's settling {needed - self.kernels.tau_ms:.4g} ms)")
        if not history <= transient_ms:
            raise RuleError("cdm.history_ms", history, f"<= {where}.transient_ms = {transient_ms:g} ms (no spikes are "
                            "recorded before t = 0)")
        if not _on_grid(history, dt * q):
            raise RuleError("cdm.history_ms", history,
                            f"a multiple of simulation.dt_ms x cdm.decimation_factor = {dt * q:g} ms")

    # -------------------------------------------------------------------------------- derived views
    @property
    def sampling_rate_Hz(self) -> float:
        """Sampling rate of the CDM and EEG: 1 / (simulation.dt_ms x cdm.decimation_factor) (docs/model.md §3)."""
        return 1000.0 / (self.simulation.dt_ms * self.cdm.decimation_factor)

    @property
    def trace_samples(self) -> int:
        """Samples of a CDM or EEG trace: the window [transient, tstop) after decimation (docs/model.md §3)."""
        sim = self.simulation
        return int(round((sim.tstop_ms - sim.transient_ms) / (sim.dt_ms * self.cdm.decimation_factor)))

    def with_changes(self, changes: Mapping, source: str = "params.yaml") -> Params:
        """A validated copy with `changes` deep-merged in (sweep and study2.draws replaced whole)."""
        return parse(merge_profile(self.model_dump(), changes, what="a change"), source)

    def section_dump(self, *sections: str) -> dict:
        """Plain data of some sections, for hashes and metadata."""
        return {name: getattr(self, name).model_dump() if isinstance(getattr(self, name), BaseModel)
                else getattr(self, name) for name in sections}


# ---------------------------------------------------------------------------------------------- derived
# scipy.signal.decimate's IIR filter (analysis/model/cdm.py decimates with it): order-8 Chebyshev type I, 0.05 dB
# ripple, cutoff 0.8 of the new Nyquist; here because the schema checks cdm.history_ms against its settling
_CHEBY_ORDER, _CHEBY_RIPPLE_DB, _CHEBY_CUTOFF = 8, 0.05, 0.8
# the filter has settled when the tail of its impulse response holds less than this fraction of its mass
SETTLING_TOLERANCE = 1e-6


def filter_settling_ms(decimation_factor: int, dt_ms: float, tolerance: float = SETTLING_TOLERANCE) -> float:
    """How long the decimation filter remembers an edge (docs/model.md §3 onset).

    Parameters
    ----------
    decimation_factor : int
        q of cdm.decimation_factor.
    dt_ms : float
        The simulation's time step, ms.
    tolerance : float
        Fraction of the impulse response's total absolute mass left in its tail when it counts as settled.

    Returns
    -------
    float
        The settling time, ms (0 ms without decimation).

    Examples
    --------
    >>> round(filter_settling_ms(10, 0.0625), 1)
    46.4
    """
    if decimation_factor == 1:
        return 0.0
    import scipy.signal as ss

    b, a = ss.cheby1(_CHEBY_ORDER, _CHEBY_RIPPLE_DB, _CHEBY_CUTOFF / decimation_factor)
    impulse = np.zeros(200 * decimation_factor * _CHEBY_ORDER)
    impulse[0] = 1.0
    magnitude = np.abs(ss.lfilter(b, a, impulse))
    tail = np.cumsum(magnitude[::-1])[::-1] / magnitude.sum()
    return float(np.argmax(tail < tolerance)) * dt_ms


def required_history_ms(kernel_tau_ms: float, decimation_factor: int, dt_ms: float) -> float:
    """The shortest history before the transient that makes the first kept sample a steady-state sample: the
    kernels' causal support (lags 0..tau, ms) plus the decimation filter's settling time (ms)."""
    return float(kernel_tau_ms) + filter_settling_ms(decimation_factor, dt_ms)


# ---------------------------------------------------------------------------------------------- loading
def parse(raw: Mapping, source: str = "params.yaml") -> Params:
    """Validate plain parameters (e.g. read from YAML); raise ParamsError with one line naming the first bad key."""
    try:
        return Params.model_validate(dict(raw))
    except ValidationError as err:
        raise ParamsError(describe(err.errors()[0], source)) from None


def load_params(path: Path | str = PARAMS_FILE) -> Params:
    """params.yaml (what DVC tracks), validated. In a profile's workspace (tools/workspace.py) params.yaml is
    generated, so errors name the files to edit."""
    raw = read_yaml(path)
    source = "params.yaml" if Path(path) == PARAMS_FILE else str(path)
    profile = raw.get("profile")
    if isinstance(profile, str) and profile != "full":
        source = f"params.yaml + profiles/{profile}.yaml"
    return parse(raw, source)


def profile_params(name: str, base_file: Path | str = PARAMS_FILE) -> Params:
    """A profile's parameters (params.yaml + profiles/NAME.yaml), validated after merging."""
    source = f"params.yaml + profiles/{name}.yaml" if name != "full" else "params.yaml"
    return parse(profile_raw(name, base_file), source)


def describe(error: Mapping, source: str) -> str:
    """One line for a pydantic error: the dotted key, the value and what is accepted."""
    loc = error["loc"]
    key = _dotted(loc)
    if error["type"] == "missing":
        return f"{source}: missing key '{key}'"
    if error["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        accepted = ", ".join(parent.model_fields) if parent else "see docs/model.md"
        return f"{source}: unknown key '{key}'; accepted keys here: {accepted}"
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, RuleError):
        prefix = f"{key}." if key else ""
        return f"{source}: {prefix}{cause.key} = {_show(cause.value)} is invalid; accepted: {cause.accepted}"
    accepted = _description(loc) or error["msg"]
    return f"{source}: {key} = {_show(error.get('input'))} is invalid; accepted: {accepted}"


def _show(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("[key]",):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModel classes inside a type annotation (Optional, lists, dicts, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in get_args(annotation):
        found += _models_in(arg)
    return found if get_origin(annotation) in (Union, list, dict, Annotated) or found else []


def _walk(loc: tuple) -> tuple[type[BaseModel] | None, str | None]:
    """(the model that holds the last named field of loc, that field's description)."""
    model: type[BaseModel] | None = Params
    description = None
    for part in loc:
        if not isinstance(part, str) or model is None or part not in model.model_fields:
            continue
        info = model.model_fields[part]
        description = info.description or description
        inner = _models_in(info.annotation)
        model = inner[0] if inner else None
    return model, description


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model, _ = _walk(loc)
    return model


def _description(loc: tuple) -> str | None:
    return _walk(loc)[1]

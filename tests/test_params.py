"""The parameter schema (analysis/params.py): every bad value gives one line naming the key, the value and what is
accepted; good parameters come out typed, equal to the file."""
from __future__ import annotations

import copy
import math

import pytest

from analysis.common import ParamsError, profile_raw
from analysis.params import Params, load_params, parse, profile_params


def broken(change) -> dict:
    raw = profile_raw("tiny")
    change(raw)
    return raw


def drop(section: str, key: str):
    return lambda raw: raw[section].pop(key)


def put(path: str, value):
    def change(raw):
        node = raw
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return change


SOURCE = "params.yaml"
# (what is broken, the exact error line)
CASES = [
    (put("seeds.simulation", 1.7), "seeds.simulation = 1.7 is invalid; accepted: an integer >= 0"),
    (put("seeds.simulation", "abc"), "seeds.simulation = 'abc' is invalid; accepted: an integer >= 0"),
    (drop("seeds", "simulation"), "missing key 'seeds.simulation'"),
    (put("network.population_sizes", [8192, 1024, 10]),
     "network.population_sizes = [8192, 1024, 10] is invalid; accepted: a list of 2 integers >= 1 [E, I]"),
    (put("network.external_inputs", [465]),
     "network.external_inputs = [465] is invalid; accepted: a list of 2 integers >= 0 [E, I] (inputs per neuron)"),
    (put("network.V_th_mV", [-70.0, -55.0]),
     "network.V_th_mV[0] = -70.0 is invalid; accepted: above network.V_reset_mV[0] = -65.0 (mV, population E)"),
    (put("eeg.dipole_location_mni_mm", [math.nan, -103.3, -1.46]),
     "eeg.dipole_location_mni_mm[0] = nan is invalid; accepted: a list of 3 finite numbers (mm)"),
    (put("network.weight_mean_pA.1.0", 23.84),
     "network.weight_mean_pA[1][0] = 23.84 is invalid; accepted: >= 0 from E, <= 0 from I (Dale's law)"),
    (put("network.sclae", 0.1), "unknown key 'network.sclae'; accepted keys here: population_names, "),
    (put("simulation.transient_ms", 1000.0),
     "simulation.transient_ms = 1000.0 is invalid; accepted: 0 <= transient_ms < tstop_ms = 1000.0"),
    (put("simulation.threads", 0), "simulation.threads = 0 is invalid; accepted: an integer in [1, 1024]"),
    (put("simulation.rate_ceiling_Hz", "1.0e6"),
     "simulation.rate_ceiling_Hz = '1.0e6' is invalid; accepted: a number > 0 (spikes/s)"),
    (put("network.allow_autapses", "yes"), "network.allow_autapses = 'yes' is invalid; accepted: true | false"),
    (put("sweep.j00", -1.0), "sweep.j00 = -1.0 is invalid; accepted: a mapping key: J_ext (pA, a number >= 0), "),
    (put("cdm.history_ms", 100.0), "cdm.history_ms = 100.0 is invalid; accepted: >= 146.4 ms (kernels.tau_ms 100 ms "
                                   "+ the decimation filter's settling 46.44 ms)"),
    (put("cdm.onset", "late"), "cdm.onset = 'late' is invalid; accepted: steady | legacy"),
    (put("kernels.t_X_ms", 50.0), "kernels.t_X_ms = 50.0 is invalid; accepted: >= kernels.tau_ms = 100.0"),
    (put("kernels.synapses.tau2_ms.0.1", 0.1),
     "kernels.synapses.tau2_ms[0][1] = 0.1 is invalid; accepted: a decay time above tau1_ms[0][1] = 0.2 ms"),
    (put("eeg.four_sphere.radii_mm", [89.0, 95.0, 90.0, 100.0]),
     "eeg.four_sphere.radii_mm = [89.0, 95.0, 90.0, 100.0] is invalid; accepted: 4 increasing radii > 0 "),
    (put("inverse.test_fraction", 1.0), "inverse.test_fraction = 1.0 is invalid; accepted: a number in (0, 1)"),
    (put("figures.raster_keys", ["j00", "j99"]),
     "figures.raster_keys = ['j00', 'j99'] is invalid; accepted: keys of sweep (not: ['j99'])"),
    (put("study2.prior_ln_half_width.Q_EI_fC", 0.0),
     "study2.prior_ln_half_width.Q_EI_fC = 0.0 is invalid; accepted: a number in (0, 2] (e-folds)"),
    (put("study2.learning_curve_runs", [3, 50]),
     "study2.learning_curve_runs = [3, 50] is invalid; accepted: at most the number of draws, 12"),
    # sbi builds the logit transform of the prior's box for its zuko flows and the mdn only (docs/model.md §8)
    (put("study2.npe.density_estimator", "maf"),
     "study2.npe.z_score_theta = 'transform_to_unconstrained' is invalid; accepted: independent with "
     "density_estimator maf (transform_to_unconstrained needs zuko_maf, zuko_nsf or mdn)"),
    (put("kernels.rates_source", "ground_truth"),
     "kernels.ground_truth_dir = None is invalid; accepted: a folder holding spikes.h5 and somav.h5 "),
]


@pytest.mark.parametrize("change, expected", CASES, ids=[expected.split(" ")[0] for _, expected in CASES])
def test_a_bad_value_gives_one_line_naming_key_value_and_range(change, expected):
    with pytest.raises(ParamsError) as info:
        parse(broken(change), SOURCE)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{SOURCE}: {expected}"), message


def test_params_yaml_and_profiles_are_valid_and_typed():
    full = load_params()
    assert isinstance(full, Params) and full.profile == "full"
    assert full.network.C_m_pF == [289.1, 110.7] and isinstance(full.simulation.threads, int)
    assert len(full.sweep) == 50 and full.study2.n_draws == 340
    for name in ("tiny", "quick"):
        assert profile_params(name).profile == name


def test_the_typed_values_equal_the_file():
    """model_dump gives back exactly what params.yaml holds: the hashes recorded in outputs do not change."""
    raw = profile_raw("full")
    assert load_params().model_dump() == raw


def test_integers_are_accepted_where_numbers_are_expected():
    raw = profile_raw("tiny")
    raw["simulation"]["tstop_ms"] = 1000
    assert parse(raw).simulation.tstop_ms == 1000.0


def test_parameters_are_read_only(tiny_params):
    with pytest.raises(Exception, match="frozen"):
        tiny_params.simulation.threads = 4


def test_with_changes_validates_and_replaces_the_sweep_whole(tiny_params):
    fewer = {key: value for key, value in tiny_params.sweep.items() if key != "j05"}
    changed = tiny_params.with_changes({"sweep": fewer})
    assert list(changed.sweep) == list(fewer) and "j05" in tiny_params.sweep
    with pytest.raises(ParamsError, match=r"simulation.threads = -1 is invalid"):
        tiny_params.with_changes({"simulation": {"threads": -1}})
    with pytest.raises(ParamsError, match=r"a change sets unknown key 'simulation.thread'"):
        tiny_params.with_changes({"simulation": {"thread": 1}})


def test_profile_errors_name_the_profile():
    raw = copy.deepcopy(profile_raw("tiny"))
    raw["simulation"]["transient_ms"] = 5000.0
    with pytest.raises(ParamsError, match=r"^params.yaml \+ profiles/tiny.yaml: simulation.transient_ms = 5000.0"):
        parse(raw, "params.yaml + profiles/tiny.yaml")

"""CDM kernels from lfpykernels with our cells (analysis/kernels.py), real NEURON (docs/model.md §2.3–§2.4)."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from analysis import data
from analysis.model import kernels
from analysis.model import cells, mechanisms

RATES_HZ = np.array([6.5, 9.6])  # close to the LIF network's rates at the best-fit point


@pytest.fixture(scope="module")
def setup(tiny_params, tmp_path_factory):
    mechanisms.load()
    folder = tmp_path_factory.mktemp("morphologies")
    morphologies = {name: cells.write_morphology(folder / f"{name}.hoc", name,
                                                 tiny_params.kernels.cells.morphology[name])
                    for name in "EI"}
    return tiny_params, morphologies


@pytest.fixture(scope="module")
def all_kernels(setup):
    params, morphologies = setup
    return {(pre, post): kernels.compute_kernel(params, "EI".index(pre), "EI".index(post), RATES_HZ, -65.0,
                                                morphologies[post])
            for pre in "EI" for post in "EI"}


def test_lag_axis_is_centred_with_3201_samples():
    lags = kernels.lag_axis_ms(100.0, 0.0625)
    assert lags.size == 3201 and lags[1600] == 0.0 and lags[0] == -100.0 and lags[-1] == 100.0


def test_kernels_are_causal_and_finite(all_kernels):
    for kernel in all_kernels.values():
        assert kernel.shape == (3201,)
        assert np.all(np.isfinite(kernel))
        assert np.all(kernel[:1600] == 0.0)  # exactly zero for negative lags
        assert np.any(kernel[1601:] != 0.0)


def test_kernel_signs_and_sizes_follow_the_physics(all_kernels):
    """Expected from docs/model.md §2.3, and why:
    - E->E and E->I: excitatory current enters the apical/basal dendrites and leaves through the rest of the
      cell; with input weighted towards the apical tuft (E->E: N(500, 100) um) the return current flows
      below, a downward (negative z) dipole. E->I input at z ~ 50 um on a short cell gives a small dipole.
    - I->E and I->I: perisomatic inhibition (N(-50/-100, 100) um) is an outward current near the soma whose
      return current enters the dendrites above: again a downward dipole.
    - I->E is by far the largest: the largest synaptic conductance (4.5e-3 uS x 5 synapses per connection)
      onto the long (1 mm) E cell, which also has 8x more postsynaptic neurons than I.
    """
    peaks = {}
    for pathway, kernel in all_kernels.items():
        assert kernel.min() < 0 and abs(kernel.min()) > kernel.max(), f"{pathway} not negative-dominated"
        assert kernel.sum() < 0
        peaks[pathway] = kernel.min()
    largest = min(peaks, key=peaks.get)
    assert largest == ("I", "E")
    assert -2e4 < peaks[("I", "E")] < -5e2  # of order -1e3...-1e4 nA·um
    assert all(abs(peaks[("I", "E")]) > 3 * abs(value) for key, value in peaks.items() if key != ("I", "E"))
    # the I->E peak comes a few ms after the spike (delay ~1.3 ms + synaptic time course)
    lag_at_peak = kernels.lag_axis_ms(100.0, 0.0625)[np.argmin(all_kernels[("I", "E")])]
    assert 1.0 < lag_at_peak < 20.0


def test_kernel_is_linear_in_the_synaptic_weight(setup):
    """Without g_eff the linearized network is exactly linear in each weight (with g_eff the weight also
    enters the effective leak, which is the point of g_eff)."""
    params, morphologies = setup
    params = params.with_changes({"kernels": {"g_eff": False}})
    single = kernels.compute_kernel(params, 0, 0, RATES_HZ, -65.0, morphologies["E"])
    weights = [list(row) for row in params.kernels.synapses.weight_uS]
    weights[0][0] *= 2
    params = params.with_changes({"kernels": {"synapses": {"weight_uS": weights}}})
    double = kernels.compute_kernel(params, 0, 0, RATES_HZ, -65.0, morphologies["E"])
    assert np.max(np.abs(double - 2 * single)) <= 1e-6 * np.max(np.abs(single))


def test_rerun_gives_identical_bytes(setup, all_kernels):
    params, morphologies = setup
    again = kernels.compute_kernel(params, 1, 0, RATES_HZ, -65.0, morphologies["E"])
    assert again.tobytes() == all_kernels[("I", "E")].tobytes()


def test_kernels_depend_on_rates_and_vrest(setup, all_kernels):
    """Why the provenance of nu_X and Vrest is recorded: they change the kernels by tens of percent."""
    params, morphologies = setup
    other = kernels.compute_kernel(params, 1, 0, 2 * RATES_HZ, -65.0, morphologies["E"])
    change = np.abs(other.min() / all_kernels[("I", "E")].min() - 1)
    assert change > 0.02


def test_presynaptic_probabilities_are_the_column_of_pre_post():
    matrix = [[0.05, 0.10], [0.20, 0.40]]  # [pre][post]
    np.testing.assert_array_equal(kernels.presynaptic_probabilities(matrix, post=0), [0.05, 0.20])
    np.testing.assert_array_equal(kernels.presynaptic_probabilities(matrix, post=1), [0.10, 0.40])


def write_ground_truth(folder: Path) -> None:
    with h5py.File(folder / "spikes.h5", "w") as spikes:
        for name, trains in {"E": [[100.0, 2500.0, 3000.0], [2000.0]], "I": [[1999.0, 5000.0]]}.items():
            group = spikes.create_group(name)
            for i, train in enumerate(trains):
                group.create_dataset(str(i), data=np.array(train))
    with h5py.File(folder / "somav.h5", "w") as somav:  # 12 s at 1 ms: the recording's duration
        somav.create_dataset("E", data=np.concatenate([np.full((2, 200), 0.0), np.full((2, 11800), -66.0)], axis=1))
        somav.create_dataset("I", data=np.concatenate([np.full((1, 200), 0.0), np.full((1, 11800), -64.0)], axis=1))


def test_ground_truth_folder_gives_rates_and_vrest(tmp_path, tiny_params):
    write_ground_truth(tmp_path)
    rates, vrest = kernels.rates_and_vrest_from_ground_truth(tmp_path, {"E": 2, "I": 1}, 2000.0, 1.0, 200.0)
    np.testing.assert_allclose(rates, [3 / 2 / 10.0, 1 / 1 / 10.0])  # spikes at t >= 2000 ms over 10 s
    assert vrest == -66.0  # median of 23 600 samples at -66 and 11 800 at -64
    params = tiny_params.with_changes({"kernels": {"rates_source": "ground_truth", "ground_truth_dir": str(tmp_path)}})
    rates2, vrest2, note = kernels.rates_and_vrest(params)
    assert vrest2 == -66.0 and "ground-truth" in note


def test_regression_ground_truth_rates_use_the_recordings_duration(tmp_path, tiny_params):
    """The original code divided the ground-truth spike counts by the LIF run's duration: 4 x too high under a
    3-s profile. The rates depend on the recording alone, whatever simulation.tstop_ms is."""
    write_ground_truth(tmp_path)
    ground_truth = {"rates_source": "ground_truth", "ground_truth_dir": str(tmp_path)}
    for tstop_ms, transient_ms in ((3000.0, 500.0), (12000.0, 2000.0)):
        params = tiny_params.with_changes({"kernels": ground_truth,
                                           "simulation": {"tstop_ms": tstop_ms, "transient_ms": transient_ms}})
        rates, _, _ = kernels.rates_and_vrest(params)
        np.testing.assert_allclose(rates, [3 / 8192 / 10.0, 1 / 1024 / 10.0])  # the multicompartment N_X, 10 s


def test_missing_ground_truth_file_is_named(tmp_path, tiny_params):
    params = tiny_params.with_changes({"kernels": {"rates_source": "ground_truth", "ground_truth_dir": str(tmp_path)}})
    with pytest.raises(FileNotFoundError, match=r"spikes.h5: not found; the ground-truth folder holds"):
        kernels.rates_and_vrest(params)


def test_bad_rates_source_is_named(tiny_params):
    with pytest.raises(ValueError, match=r"kernels.rates_source = 'guess' is invalid; accepted: reference"):
        tiny_params.with_changes({"kernels": {"rates_source": "guess"}})


def test_kernel_set_holds_the_four_pathways_by_pre_and_post(setup, all_kernels):
    """The set used by the stage (and per run with kernels.per_run_rates) indexes [pre, post]."""
    params, morphologies = setup
    kernel_set = kernels.compute_kernel_set(params, RATES_HZ, -65.0, morphologies)
    assert kernel_set.shape == (2, 2, 3201)
    for (pre, post), kernel in all_kernels.items():
        np.testing.assert_array_equal(kernel_set["EI".index(pre), "EI".index(post)], kernel)
    loaded = {"cdm_kernel_z": kernel_set, "pre_populations": np.array(["E", "I"]),
              "post_populations": np.array(["E", "I"])}
    np.testing.assert_array_equal(data.kernel(loaded, "I", "E"), all_kernels[("I", "E")])


def test_per_run_rates_must_be_a_boolean(tiny_params):
    with pytest.raises(ValueError, match=r"kernels.per_run_rates = 'yes' is invalid; accepted: true \| false"):
        tiny_params.with_changes({"kernels": {"per_run_rates": "yes"}})


def test_reference_kernel_values(all_kernels):
    """Pinned: each kernel's peak (nA um), the lag of its peak (ms) and its area (nA um ms) at nu = (6.5, 9.6)
    spikes/s, Vrest = -65 mV, the tiny profile's cells and synapses (NEURON and LFPykernels are deterministic)."""
    from tests.reference_values import check_reference

    lags = kernels.lag_axis_ms(100.0, 0.0625)
    values = {}
    for (pre, post), kernel in all_kernels.items():
        values[f"H_{post}<-{pre} peak_nAum"] = kernel.min()
        values[f"H_{post}<-{pre} peak_lag_ms"] = lags[np.argmin(kernel)]
        values[f"H_{post}<-{pre} area_nAum_ms"] = kernel.sum() * 0.0625
    check_reference("kernels", values, rtol=1e-6)

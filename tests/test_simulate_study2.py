"""Study 2's simulation of one draw (analysis/simulate_study2.py) with the tiny network and real NEST."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.model import draws as simulate_study2
from analysis.model import priors
from analysis.common import ParamsError, load_npz
from analysis.params import profile_params


@pytest.fixture
def params():
    return profile_params("tiny").with_changes(
        {"study2": {"draws": {f"t{i:04d}": i for i in range(4)}, "tstop_ms": 600.0, "transient_ms": 200.0,
                    "learning_curve_runs": [3, 4]}})


def test_an_accepted_draw_holds_its_spikes_and_theta(params, tmp_path):
    path, status = simulate_study2.simulate_draw(params, "t0001", output_dir=tmp_path)
    data = load_npz(path)
    theta = priors.Prior.from_params(params).draw(params.study2.seed, 1)
    assert status == "accepted" and str(data["status"]) == "accepted" and path.name == "t0001.npz"
    np.testing.assert_array_equal(data["theta"], [theta[name] for name in priors.PARAMETERS])
    # the network ran with this theta's drive for study 2's duration: 400 ms of post-transient counts
    assert data["spike_counts"].shape == (2, int(400 / params.simulation.dt_ms))
    assert json.loads(str(data["metadata"]))["J_ext_pA"] == theta["J_ext_pA"]
    assert str(data["rejection"]) == "" and float(data["stopped_at_ms"]) == params.study2.tstop_ms


def test_a_runaway_draw_is_recorded_as_rejected_with_its_theta(params, tmp_path):
    params = params.with_changes({"simulation": {"rate_ceiling_Hz": 0.5}})  # every tiny draw fires faster
    path, status = simulate_study2.simulate_draw(params, "t0002", output_dir=tmp_path)
    data = load_npz(path)
    assert status == "rejected" and "rate_ceiling_Hz" in str(data["reason"])
    assert data["theta"].shape == (7,) and "spike_counts" not in data
    # checked from t = 0 (study 1 checks only after the transient): stopped at the end of the first chunk
    assert str(data["rejection"]) == "runaway"
    assert float(data["stopped_at_ms"]) == params.study2.early_stop.check_interval_ms


def test_a_silent_draw_stops_within_300_ms_of_simulated_time(params, tmp_path):
    # almost no external drive (the prior is centred on the reference drive): the network relaxes to E_L and
    # never fires; its EEG would be flat (no features)
    params = params.with_changes({"reference": {"J_ext_pA": 1e-6}})
    path, status = simulate_study2.simulate_draw(params, "t0003", output_dir=tmp_path)
    data = load_npz(path)
    assert status == "rejected" and str(data["rejection"]) == "silent" and "silent_rate_Hz" in str(data["reason"])
    early = params.study2.early_stop
    assert early.silent_after_ms <= float(data["stopped_at_ms"]) <= 300.0
    assert float(data["stopped_at_ms"]) < params.study2.tstop_ms


def test_an_early_stop_that_cannot_stop_within_300_ms_is_refused(params):
    expected = r"study2.early_stop.silent_after_ms = 250.0 is invalid; accepted: <= 300 ms - check_interval_ms = 200 ms"
    with pytest.raises(ParamsError, match=expected):
        params.with_changes({"study2": {"early_stop": {"silent_after_ms": 250.0}}})


def test_a_draw_outside_study2_draws_is_refused(params, tmp_path):
    expected = r"draw 't0004' is invalid; accepted: a key of study2.draws \(t0000, t0001, ..., t0003\)"
    with pytest.raises(ParamsError, match=expected):
        simulate_study2.simulate_draw(params, "t0004", output_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_features_of_a_draw_are_those_of_its_steady_state_eeg(params, tmp_path):
    """study2_features on a real tiny run: catch22 of the EEG equals the features module's on the same trace, and
    the exponent is fitted with study2.spectrum's settings (its maths is pinned in test_spectra; a short, strongly
    oscillating tiny run can even give a negative exponent, so no sign is asserted here)."""
    from analysis.methods import draw_features, features
    from analysis.model import forward as signals
    from analysis.model import heads

    path, _ = simulate_study2.simulate_draw(params, "t0001", output_dir=tmp_path)
    run = load_npz(path)
    run_params, _ = simulate_study2.study2_params(params, "t0001")
    kernels = {"cdm_kernel_z": np.zeros((2, 2, 3201))}
    kernels["cdm_kernel_z"][1, 0, 1600:] = -1e3 * np.exp(-np.arange(1601) / 160.0)  # an I->E-like kernel
    head = heads.make_head(params.eeg)
    gain, nearest = heads.eeg_gain(head), head.nearest_electrode()
    values = draw_features.run_features(run, run_params, kernels, gain, nearest)
    eeg = signals.item_signals(run, kernels, run_params, gain)["eeg_all"][nearest]
    np.testing.assert_array_equal([values[name] for name in features.FEATURE_NAMES], features.catch22_features(eeg))
    spectrum = run_params.study2.spectrum
    from analysis.methods import spectra

    fit = spectra.aperiodic_fit(eeg, 1600.0, **spectrum.model_dump())
    assert (values["aperiodic_exponent"], values["aperiodic_fit_r2"], values["aperiodic_fit_error"]) == fit
    # a fitted model: R^2 in (0, 1], a positive error in log10 power
    assert np.isfinite(values["aperiodic_exponent"]) and 0 < values["aperiodic_fit_r2"] <= 1
    assert values["aperiodic_fit_error"] > 0


def test_a_replicate_has_its_draws_theta_and_its_own_seed(params, tmp_path):
    """The noise floor's runs (docs/model.md §8): t0001_s1 is draw 1's theta with another seed."""
    params = params.with_changes({"study2": {"replicate_draws": {"t0001_s1": 1}}})
    original, _ = simulate_study2.simulate_draw(params, "t0001", output_dir=tmp_path)
    replicate, _ = simulate_study2.simulate_draw(params, "t0001_s1", output_dir=tmp_path)
    a, b = load_npz(original), load_npz(replicate)
    np.testing.assert_array_equal(a["theta"], b["theta"])
    assert not np.array_equal(a["spike_steps_E"], b["spike_steps_E"])
    assert json.loads(str(a["metadata"]))["rng_seed"] != json.loads(str(b["metadata"]))["rng_seed"]
    # with the default folder a replicate goes to data/study2/replicates
    from analysis import data
    assert data.study2_run_file("t0001_s1").parts[-2] == "replicates"
    assert data.study2_run_file("t0001").parts[-2] == "runs"


def test_a_replicate_of_a_draw_that_does_not_exist_is_refused(params):
    expected = r"study2.replicate_draws = \{'t0001_s1': 2\} is invalid; accepted: tNNNN_sK: i with tNNNN: i"
    with pytest.raises(ParamsError, match=expected):
        params.with_changes({"study2": {"replicate_draws": {"t0001_s1": 2}}})

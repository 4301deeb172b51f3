"""The signals stage (analysis/signals.py): one item's CDM and EEG, and its parameter checks."""
from __future__ import annotations

import numpy as np
import pytest

from analysis import data
from analysis.model import forward as signals
from analysis.model import heads
from analysis.common import ParamsError


def tiny_simulation(params):
    """A perfectly regular population: one spike in every dt bin from t = 0 to tstop, stored as the simulate
    stage stores it. Its steady-state CDM is a constant, the kernels' area."""
    sim = params.simulation
    dt, transient, tstop = sim.dt_ms, sim.transient_ms, sim.tstop_ms
    n_steps, first = int(round(tstop / dt)), int(round(transient / dt))
    steps = {name: np.arange(n_steps) for name in ("E", "I")}
    counts = np.stack([np.bincount(steps[name][steps[name] >= first] - first, minlength=n_steps - first)
                       for name in ("E", "I")]).astype(np.int32)
    ids = {name: np.zeros_like(steps[name]) for name in steps}   # one neuron per population fires them all
    return data.simulation_arrays(steps, ids, counts, np.array([1000.0 / dt] * 2), {"dt_ms": dt})


@pytest.mark.parametrize("onset", ["steady", "legacy"])
def test_item_signals_eeg_is_gain_times_cdm(tiny_params, onset):
    simulation = tiny_simulation(tiny_params)
    kernels = {"cdm_kernel_z": np.zeros((2, 2, 1601))}
    kernels["cdm_kernel_z"][1, 0, 800:] = -np.exp(-np.arange(801) / 160.0) * 1e3  # I->E, 10 ms decay
    head = heads.make_head(tiny_params.eeg)
    gain = heads.eeg_gain(head)
    out = signals.item_signals(simulation, kernels, tiny_params, gain, onset=onset)
    n_samples = simulation["spike_counts"].shape[1] // tiny_params.cdm.decimation_factor
    assert out["cdm"].shape == (n_samples,) and out["eeg_all"].shape == (21, n_samples)
    np.testing.assert_allclose(out["eeg_all"], np.outer(gain, out["cdm"]).astype(np.float32), rtol=1e-6)
    # one spike per bin through the I->E kernel: the CDM is the kernel's area, -1e3 x sum exp(-n/160), times the
    # decimation filter's DC gain: an even-order Chebyshev I sits at its 0.05 dB ripple trough at 0 Hz, twice
    # (forward and backward)
    area = -1e3 * np.exp(-np.arange(801) / 160.0).sum() * 10 ** (-2 * 0.05 / 20)
    if onset == "steady":  # every sample, the first included
        np.testing.assert_allclose(out["cdm"], area, rtol=1e-5)
    else:  # the convolution's edge: the CDM starts near 0 and ramps up over the kernel's support
        assert abs(out["cdm"][0]) < 0.1 * abs(area)
        np.testing.assert_allclose(out["cdm"][200:], area, rtol=1e-5)


def test_steady_counts_must_match_the_stored_window(tiny_params):
    simulation = tiny_simulation(tiny_params)
    simulation["spike_counts"] = simulation["spike_counts"][:, 16:]  # as if stored with another transient
    with pytest.raises(ValueError, match="differ from the stored spike_counts"):
        signals.item_counts(simulation, tiny_params, "steady")


@pytest.mark.parametrize("key, value, message", [
    ("pairing", "swapped", r"cdm.pairing = 'swapped' is invalid"),
    ("decimation_factor", 0, r"cdm.decimation_factor = 0 is invalid"),
    ("onset", "ramp", r"cdm.onset = 'ramp' is invalid; accepted: steady \| legacy"),
    ("history_ms", 100.0, r"cdm.history_ms = 100.0 is invalid; accepted: >= 146.4 ms \(kernels.tau_ms 100 ms"),
    ("history_ms", 200.5, r"cdm.history_ms = 200.5 is invalid; accepted: <= simulation.transient_ms = 200 ms"),
])
def test_bad_cdm_params_are_named(tiny_params, key, value, message):
    with pytest.raises(ParamsError, match=message):
        tiny_params.with_changes({"cdm": {key: value}})


def test_bad_head_model_is_named(tiny_params):
    with pytest.raises(ParamsError, match=r"eeg.head_model = 'mne' is invalid; accepted: four_sphere \| nyhead"):
        tiny_params.with_changes({"eeg": {"head_model": "mne"}})


def test_history_is_checked_against_the_loaded_kernels(tiny_params):
    """Kernels longer than kernels.tau_ms says (e.g. computed with another tau) need a longer history."""
    kernels_300_ms = np.zeros((2, 2, 2 * int(300 / 0.0625) + 1))
    with pytest.raises(ParamsError, match=r"cdm.history_ms = 200.0 is invalid; accepted: >= 346.4 ms: the kernels"):
        signals.check_history_covers_kernels(tiny_params, kernels_300_ms)
    signals.check_history_covers_kernels(tiny_params, np.zeros((2, 2, 3201)))  # 100 ms: covered

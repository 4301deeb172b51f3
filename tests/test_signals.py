"""The signals stage (analysis/signals.py): one item's CDM and EEG, and its parameter checks."""
from __future__ import annotations

import numpy as np
import pytest

from analysis import heads, signals
from analysis.common import ParamsError


def test_item_signals_eeg_is_gain_times_cdm(tiny_params):
    rng = np.random.default_rng(5)
    simulation = {"spike_counts": rng.poisson(0.3, size=(2, 2000)).astype(np.int32)}
    kernels = {"cdm_kernel_z": np.zeros((2, 2, 161))}
    kernels["cdm_kernel_z"][1, 0, 80:] = -np.exp(-np.arange(81) / 10.0) * 1e3
    head = heads.make_head(tiny_params["eeg"])
    gain = heads.eeg_gain(head)
    out = signals.item_signals(simulation, kernels, tiny_params, gain)
    assert out["cdm"].shape == (200,) and out["eeg_all"].shape == (21, 200)
    np.testing.assert_allclose(out["eeg_all"], np.outer(gain, out["cdm"]).astype(np.float32), rtol=1e-6)
    assert out["cdm"].mean() < 0  # only the negative I->E kernel is non-zero


@pytest.mark.parametrize("key, value, message", [
    ("pairing", "swapped", r"cdm.pairing = 'swapped' is invalid"),
    ("decimation_factor", 0, r"cdm.decimation_factor = 0 is invalid"),
])
def test_bad_cdm_params_are_named(tiny_params, key, value, message):
    tiny_params["cdm"][key] = value
    with pytest.raises(ParamsError, match=message):
        signals.check_signal_params(tiny_params)


def test_bad_head_model_is_named(tiny_params):
    tiny_params["eeg"]["head_model"] = "mne"
    with pytest.raises(ParamsError, match=r"eeg.head_model = 'mne' is invalid; accepted: four_sphere \| nyhead"):
        signals.check_signal_params(tiny_params)

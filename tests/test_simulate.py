"""Tests of the simulation stage (analysis/simulate.py) with the real NEST, tiny profile."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.common import ParamsError, derive_seed, load_npz
from analysis.simulate import item_drive, run_item


def test_same_seed_and_threads_give_identical_bytes(tiny_params, tmp_path):
    first = run_item(tiny_params, "j45", output_dir=tmp_path / "a")
    second = run_item(tiny_params, "j45", output_dir=tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_another_seed_gives_other_spikes(tiny_params, tmp_path):
    first = load_npz(run_item(tiny_params, "j45", output_dir=tmp_path / "a"))
    tiny_params["seeds"]["simulation"] += 1
    second = load_npz(run_item(tiny_params, "j45", output_dir=tmp_path / "b"))
    assert not np.array_equal(first["spike_steps_E"], second["spike_steps_E"])
    # ... but the same network statistics: rates agree within 25 %
    np.testing.assert_allclose(first["rates_Hz"], second["rates_Hz"], rtol=0.25)


def test_output_contents_are_consistent(tiny_params, tmp_path):
    data = load_npz(run_item(tiny_params, "j45", output_dir=tmp_path))
    meta = json.loads(str(data["metadata"]))
    sim = tiny_params["simulation"]
    n_bins = int((sim["tstop_ms"] - sim["transient_ms"]) / sim["dt_ms"])
    assert data["spike_counts"].shape == (2, n_bins) and data["spike_counts"].dtype == np.int32
    transient_steps = int(sim["transient_ms"] / sim["dt_ms"])
    for row, name in enumerate("EI"):
        steps = data[f"spike_steps_{name}"]
        in_window = int(((steps >= transient_steps) & (steps < transient_steps + n_bins)).sum())
        assert data["spike_counts"][row].sum() == in_window
        size = meta["population_sizes"][name]
        duration_s = (sim["tstop_ms"] - sim["transient_ms"]) / 1000
        assert data["rates_Hz"][row] == pytest.approx(in_window / size / duration_s, rel=1e-12)
    assert meta["key"] == "j45" and meta["J_ext_pA"] == tiny_params["sweep"]["j45"]
    assert meta["rng_seed"] == derive_seed(tiny_params["seeds"]["simulation"], "simulate", "j45")
    assert meta["threads"] == sim["threads"] and meta["nest_version"] == "3.10.0"
    assert meta["population_sizes"] == {"E": 410, "I": 51}
    # the drive matters: j45 (31.5 pA) fires; the tiny network is silent-ish at j00 (26 pA)
    assert 2.0 < data["rates_Hz"][0] < 50.0


def test_over_ceiling_run_writes_nothing(tiny_params, tmp_path):
    tiny_params["simulation"]["rate_ceiling_Hz"] = 1.0
    with pytest.raises(RuntimeError, match=r"item j45 .*mean rate above simulation.rate_ceiling_Hz = 1.0"):
        run_item(tiny_params, "j45", output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_item_drive_of_sweep_keys_and_ref(tiny_params):
    assert item_drive(tiny_params, "ref") == 29.89
    assert item_drive(tiny_params, "j00") == 26.0
    with pytest.raises(ParamsError, match=r"unknown sweep item 'j01'; accepted: ref or a key"):
        item_drive(tiny_params, "j01")
    tiny_params["sweep"]["j00"] = float("nan")
    with pytest.raises(ParamsError, match=r"sweep.j00 = nan is invalid"):
        item_drive(tiny_params, "j00")

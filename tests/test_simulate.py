"""Tests of the simulation stage (analysis/simulate.py) with the real NEST, tiny profile."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.common import ParamsError, derive_seed, load_npz
from analysis.model.simulation import item_drive, run_item


def test_same_seed_and_threads_give_identical_bytes(tiny_params, tmp_path):
    first = run_item(tiny_params, "j45", output_dir=tmp_path / "a")
    second = run_item(tiny_params, "j45", output_dir=tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_another_seed_gives_other_spikes(tiny_params, tmp_path):
    first = load_npz(run_item(tiny_params, "j45", output_dir=tmp_path / "a"))
    other_seed = tiny_params.with_changes({"seeds": {"simulation": tiny_params.seeds.simulation + 1}})
    second = load_npz(run_item(other_seed, "j45", output_dir=tmp_path / "b"))
    assert not np.array_equal(first["spike_steps_E"], second["spike_steps_E"])
    # ... but the same network statistics: rates agree within 25 %
    np.testing.assert_allclose(first["rates_Hz"], second["rates_Hz"], rtol=0.25)


def test_output_contents_are_consistent(tiny_params, tmp_path):
    data = load_npz(run_item(tiny_params, "j45", output_dir=tmp_path))
    meta = json.loads(str(data["metadata"]))
    sim = tiny_params.simulation
    n_bins = int((sim.tstop_ms - sim.transient_ms) / sim.dt_ms)
    assert data["spike_counts"].shape == (2, n_bins) and data["spike_counts"].dtype == np.int32
    transient_steps = int(sim.transient_ms / sim.dt_ms)
    for row, name in enumerate("EI"):
        steps = data[f"spike_steps_{name}"]
        in_window = int(((steps >= transient_steps) & (steps < transient_steps + n_bins)).sum())
        assert data["spike_counts"][row].sum() == in_window
        size = meta["population_sizes"][name]
        duration_s = (sim.tstop_ms - sim.transient_ms) / 1000
        assert data["rates_Hz"][row] == pytest.approx(in_window / size / duration_s, rel=1e-12)
    assert meta["key"] == "j45" and meta["J_ext_pA"] == tiny_params.sweep["j45"]
    assert meta["rng_seed"] == derive_seed(tiny_params.seeds.simulation, "simulate", "j45")
    assert meta["threads"] == sim.threads and meta["nest_version"] == "3.10.0"
    assert meta["population_sizes"] == {"E": 410, "I": 51}
    # the drive matters: j45 (31.5 pA) fires; the tiny network is silent-ish at j00 (26 pA)
    assert 2.0 < data["rates_Hz"][0] < 50.0


def test_over_ceiling_run_writes_nothing(tiny_params, tmp_path):
    low_ceiling = tiny_params.with_changes({"simulation": {"rate_ceiling_Hz": 1.0}})
    with pytest.raises(RuntimeError, match=r"item j45 .*mean rate above simulation.rate_ceiling_Hz = 1.0"):
        run_item(low_ceiling, "j45", output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_item_drive_of_sweep_keys_ref_and_spread(tiny_params):
    assert item_drive(tiny_params, "ref") == 29.89 == item_drive(tiny_params, "ref_s2")
    assert item_drive(tiny_params, "j00") == 26.0
    with pytest.raises(ParamsError, match=r"unknown sweep item 'j01'; accepted: ref, a key of reference.spread_keys"):
        item_drive(tiny_params, "j01")


def test_spread_items_are_the_reference_with_their_own_seed_apart_from_the_study(tiny_params, tmp_path):
    """ref_s1 is ref with another seed: other spikes, the same drive, written to data/seed_spread/."""
    from analysis.data import SEED_SPREAD_DIR as SPREAD_DIR
    from analysis.model.simulation import output_dir_for

    assert output_dir_for(tiny_params, "ref_s1") == SPREAD_DIR and output_dir_for(tiny_params, "ref") != SPREAD_DIR
    ref = load_npz(run_item(tiny_params, "ref", output_dir=tmp_path / "ref"))
    spread = load_npz(run_item(tiny_params, "ref_s1", output_dir=tmp_path / "s1"))
    meta_ref, meta_spread = json.loads(str(ref["metadata"])), json.loads(str(spread["metadata"]))
    assert meta_ref["J_ext_pA"] == meta_spread["J_ext_pA"] == 29.89
    assert meta_ref["rng_seed"] != meta_spread["rng_seed"]
    assert not np.array_equal(ref["spike_steps_E"], spread["spike_steps_E"])

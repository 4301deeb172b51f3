"""Statistical verification (tools/statistics.py) with real NEST runs of the tiny network at J_ext = 29.67 pA:
the archived run and two replicate seeds define the spread; other threads pass, another drive fails."""
from __future__ import annotations

import copy

import pytest

from analysis.common import profile_params
from analysis.simulate import run_item
from tools import statistics


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = profile_params("tiny")
    variants = {"archived": {}, "replicate_1": {"seed": 11}, "replicate_2": {"seed": 12}, "other_seed": {"seed": 13},
                "one_thread": {"threads": 1}, "plus_0_5_pA": {"J_ext_pA": base["sweep"]["j30"] + 0.5}}
    out = {}
    for name, change in variants.items():
        params = copy.deepcopy(base)
        params["seeds"]["simulation"] = change.get("seed", params["seeds"]["simulation"])
        params["simulation"]["threads"] = change.get("threads", params["simulation"]["threads"])
        params["sweep"]["j30"] = change.get("J_ext_pA", params["sweep"]["j30"])
        out[name] = statistics.load(run_item(params, "j30", output_dir=tmp_path_factory.mktemp(name)))
    return out


def test_another_thread_count_gives_other_spikes_but_equivalent_statistics(runs):
    assert runs["one_thread"]["spike_steps_E"].size != runs["archived"]["spike_steps_E"].size or not (
        runs["one_thread"]["spike_steps_E"] == runs["archived"]["spike_steps_E"]).all()
    replicates = [runs["replicate_1"], runs["replicate_2"]]
    found, reasons = statistics.verdict(runs["one_thread"], runs["archived"], replicates)
    assert found == "statistically equivalent", reasons


def test_another_seed_is_not_a_false_alarm(runs):
    replicates = [runs["replicate_1"], runs["replicate_2"]]
    found, reasons = statistics.verdict(runs["other_seed"], runs["archived"], replicates)
    assert found == "statistically equivalent", reasons


def test_half_a_picoampere_more_drive_is_different(runs):
    found, reasons = statistics.verdict(runs["plus_0_5_pA"], runs["archived"], [runs["replicate_1"],
                                                                                 runs["replicate_2"]])
    assert found == "different"
    assert any(reason.startswith("rate_E") for reason in reasons)


def test_statistics_of_a_known_spike_train():
    """Two E neurons firing every 100 ms (CV 0), nothing else: rate 10 / 4 per neuron, 2.5 spikes/s."""
    import json

    import numpy as np

    steps = np.concatenate([np.arange(0, 16000, 1600), np.arange(800, 16000, 1600)])
    ids = np.concatenate([np.zeros(10, int), np.ones(10, int)])
    data = {"spike_steps_E": steps, "spike_ids_E": ids, "spike_steps_I": np.array([], int),
            "spike_ids_I": np.array([], int),
            "metadata": np.array(json.dumps({"dt_ms": 0.0625, "transient_ms": 0.0, "tstop_ms": 1000.0,
                                             "population_sizes": {"E": 4, "I": 2}}))}
    stats = statistics.simulation_statistics(data)
    assert stats["rate_E"] == pytest.approx(20 / 4 / 1.0) and stats["cv_isi_E"] == pytest.approx(0.0)
    assert stats["rate_I"] == 0.0

"""Statistical verification (analysis/methods/statistics.py) with real NEST runs of the tiny network at
J_ext = 29.67 pA: the archived run and two replicate seeds define the spread; other threads pass, another drive
fails."""
from __future__ import annotations

import pytest

from analysis.common import load_npz
from analysis.params import profile_params
from analysis.model.simulation import run_item
from analysis.methods import statistics


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = profile_params("tiny")
    variants = {"archived": {}, "replicate_1": {"seed": 11}, "replicate_2": {"seed": 12}, "other_seed": {"seed": 13},
                "one_thread": {"threads": 1}, "plus_0_5_pA": {"J_ext_pA": base.sweep["j30"] + 0.5}}
    out = {}
    for name, change in variants.items():
        params = base.with_changes({"seeds": {"simulation": change.get("seed", base.seeds.simulation)},
                                    "simulation": {"threads": change.get("threads", base.simulation.threads)},
                                    "sweep": {**base.sweep, "j30": change.get("J_ext_pA", base.sweep["j30"])}})
        out[name] = load_npz(run_item(params, "j30", output_dir=tmp_path_factory.mktemp(name)))
    return out


def spread_of(runs: dict) -> statistics.SeedSpread:
    return statistics.seed_spread([runs["archived"], runs["replicate_1"], runs["replicate_2"]])


def test_another_thread_count_gives_other_spikes_but_equivalent_statistics(runs):
    assert runs["one_thread"]["spike_steps_E"].size != runs["archived"]["spike_steps_E"].size or not (
        runs["one_thread"]["spike_steps_E"] == runs["archived"]["spike_steps_E"]).all()
    found, reasons = statistics.verdict(runs["one_thread"], runs["archived"], spread_of(runs))
    assert found == "statistically equivalent", reasons


def test_another_seed_is_not_a_false_alarm(runs):
    found, reasons = statistics.verdict(runs["other_seed"], runs["archived"], spread_of(runs))
    assert found == "statistically equivalent", reasons


def test_half_a_picoampere_more_drive_is_different(runs):
    found, reasons = statistics.verdict(runs["plus_0_5_pA"], runs["archived"], spread_of(runs))
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


def test_ridge_metrics_within_their_cross_validation_spread():
    """The pooled CV numbers are judged against the per-fold sd (the sampling spread of one fold's score)."""
    archived = {"cv_pooled_mse_pA2_mean": 0.030, "cv_fold_mse_pA2_sd": 0.015, "cv_pooled_r2_mean": 0.989,
                "cv_fold_r2_sd": 0.007}
    close = dict(archived, cv_pooled_mse_pA2_mean=0.055, cv_pooled_r2_mean=0.980)    # 1.7 and 1.3 sd away
    far = dict(archived, cv_pooled_mse_pA2_mean=0.065)                                # 2.3 sd away
    assert statistics.metrics_verdict(close, archived)[0] == "statistically equivalent"
    found, reasons = statistics.metrics_verdict(far, archived)
    assert found == "different" and reasons[0].startswith("cv_pooled_mse_pA2_mean 0.065 vs 0.03 (allowed ± 0.03")


def test_check_hashes_gives_the_statistical_verdict_from_the_archived_seed_spread(runs, tmp_path):
    """tools/check_hashes.py on a re-run simulation whose bytes differ: statistically equivalent with 1 thread,
    different with 0.5 pA more drive, judged against the archived ref and its spread items (data/seed_spread)."""
    from analysis.common import save_npz
    from tools import check_hashes
    from tools.lockfile import file_md5

    root, scratch = tmp_path / "workspace", tmp_path / "scratch"
    save_npz(root / "data/simulations/j30.npz", **runs["archived"])
    save_npz(root / "data/simulations/ref.npz", **runs["archived"])      # the seed runs of this tiny check
    save_npz(root / "data/seed_spread/ref_s1.npz", **runs["replicate_1"])
    save_npz(root / "data/seed_spread/ref_s2.npz", **runs["replicate_2"])
    out = {"path": "data/simulations/j30.npz", "md5": file_md5(root / "data/simulations/j30.npz")}
    for name, expected in (("one_thread", "statistically equivalent ("), ("plus_0_5_pA", "different (rate_E")):
        save_npz(scratch / "data/simulations/j30.npz", **runs[name])
        found = check_hashes.content_verdict(scratch, root, out, file_md5(scratch / "data/simulations/j30.npz"))
        assert found.startswith(expected), found
    for path in (root / "data/seed_spread").iterdir():
        path.unlink()
    found = check_hashes.content_verdict(scratch, root, out, "0" * 32)
    assert found.startswith("different (other spikes; the seed spread data/seed_spread/ is not here")


def test_signals_and_features_verdicts_against_the_seed_spread(runs, tmp_path):
    """check-hashes on directory outputs whose bytes differ: the signals and features of the 1-thread re-run are
    statistically equivalent; with kernels 1.5 x larger (a physics change) the signals are different."""
    import json

    import numpy as np
    import pandas as pd
    import yaml

    from analysis.common import json_array, profile_raw, save_npz, write_text
    from analysis.data import write_csv
    from analysis.methods.features import FEATURE_NAMES, catch22_features
    from analysis.model import heads
    from analysis.params import profile_params
    from analysis.model.forward import item_signals
    from tools import check_hashes

    params = profile_params("tiny")
    kernel_z = np.zeros((2, 2, 3201))
    kernel_z[0, 0, 1600:] = 300.0 * np.exp(-np.arange(1601) / 80.0)
    kernel_z[1, 0, 1600:] = -1e3 * np.exp(-np.arange(1601) / 160.0)
    head = heads.make_head(params.eeg)
    gain, nearest = heads.eeg_gain(head), head.nearest_electrode()
    root = tmp_path / "workspace"
    write_text(root / "params.yaml", yaml.safe_dump(profile_raw("tiny"), sort_keys=False))
    save_npz(root / "data/kernels/kernels.npz", cdm_kernel_z=kernel_z,
             metadata=json_array({"nu_X_Hz": {"E": 6.5, "I": 9.6}, "Vrest_mV": -65.0}))
    write_text(root / "data/head_model.json", json.dumps(
        {"electrodes": list(head.electrode_labels), "nearest_electrode": head.electrode_labels[nearest],
         "gain_mV_per_nAum": gain.tolist()}))
    save_npz(root / "data/simulations/ref.npz", **runs["archived"])
    save_npz(root / "data/seed_spread/ref_s1.npz", **runs["replicate_1"])
    save_npz(root / "data/seed_spread/ref_s2.npz", **runs["replicate_2"])

    def outputs(folder, run, scale=1.0):
        signals = item_signals(run, {"cdm_kernel_z": scale * kernel_z}, params, gain)
        eeg = signals["eeg_all"][nearest]
        save_npz(folder / "signals" / "j30.npz", cdm=signals["cdm"], eeg=eeg)
        table = {"key": ["j30"], "J_ext_pA": [29.67], **dict(zip(FEATURE_NAMES, ([v] for v in catch22_features(eeg))))}
        write_csv(pd.DataFrame(table), folder / "features" / "features.csv")

    outputs(root / "data", runs["archived"])
    outputs(tmp_path / "rerun", runs["one_thread"])
    outputs(tmp_path / "bigger_kernels", runs["one_thread"], scale=1.5)
    for name in ("signals", "features"):
        found = check_hashes.statistical_verdict(tmp_path / "rerun" / name, root / "data" / name, root)
        assert found.startswith("statistically equivalent ("), found
    found = check_hashes.statistical_verdict(tmp_path / "bigger_kernels" / "signals", root / "data" / "signals", root)
    assert found.startswith("different (j30 cdm power"), found
    # a feature far off the seeds' spread (as a changed catch22 would give) is named
    shifted = pd.read_csv(tmp_path / "rerun" / "features" / "features.csv")
    shifted["acf_timescale"] += 1e3
    write_csv(shifted, tmp_path / "shifted" / "features" / "features.csv")
    found = check_hashes.statistical_verdict(tmp_path / "shifted" / "features", root / "data" / "features", root)
    assert found.startswith("different (acf_timescale: median |difference|"), found

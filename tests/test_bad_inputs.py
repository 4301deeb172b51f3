"""Bad inputs to the stages: one exact line `error: ...`, exit status 2, nothing written.

Each case builds the minimal inputs of a stage in a scratch copy of the repository (tiny profile), breaks one
thing (a parameter or an input file) and runs the stage command as DVC would. The parameter cases run the
simulate stage: they must fail before NEST is imported, so they cost milliseconds.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from analysis.common import save_npz
from analysis.methods.features import FEATURE_NAMES
from tests.conftest import run
from tools.workspace import prepare

TINY_SAMPLES, TINY_RATE = 1280, 1600.0   # (1000 - 200) ms at 0.625 ms per sample


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return prepare("tiny", tmp_path_factory.mktemp("bad") / "compendium")


@pytest.fixture
def root(workspace):
    for folder in ("data", "metrics", "models"):
        for path in sorted((workspace / folder).rglob("*"), reverse=True) if (workspace / folder).exists() else []:
            path.unlink() if path.is_file() else path.rmdir()
    return workspace


def signals_file(root: Path, key: str, eeg=None, rate=TINY_RATE, drop=()) -> None:
    arrays = {"eeg": np.zeros(TINY_SAMPLES, np.float32) if eeg is None else eeg, "cdm": np.zeros(TINY_SAMPLES),
              "sampling_rate_Hz": np.float64(rate)}
    save_npz(root / "data" / "signals" / f"{key}.npz", **{k: v for k, v in arrays.items() if k not in drop})


def features_csv(root: Path, rows: list[tuple[str, float]] | None, text: str | None = None) -> None:
    path = root / "data" / "features" / "features.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        path.write_text(text)
        return
    header = "key,J_ext_pA," + ",".join(FEATURE_NAMES)
    path.write_text("\n".join([header] + [f"{key},{drive}," + ",".join(["0.5"] * 22) for key, drive in rows]) + "\n")


def set_param(root: Path, section: str, key: str, value) -> None:
    params = yaml.safe_load((root / "params.yaml").read_text())
    params[section][key] = value
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def edit_params_text(root: Path, old: str, new: str) -> None:
    """Change params.yaml as a user would, in its text (e.g. to write 1.0e6 the way YAML 1.1 reads as a string)."""
    text = (root / "params.yaml").read_text()
    assert old in text, old
    (root / "params.yaml").write_text(text.replace(old, new, 1))


SIMULATE = ["simulate", "j00"]
SIMULATION = "data/simulations/j00.npz"


SWEEP = ["j00", "j05", "j10", "j15", "j20", "j25", "j30", "j35", "j40", "j45"]
DRIVES = dict(zip(SWEEP, np.linspace(26, 31.51, 10)))


def case_short_trace(root):
    signals_file(root, "j00", eeg=np.zeros(10, np.float32))
    return "features", "data/features/features.csv", (
        f"error: data/signals/j00.npz: eeg has shape (10,); expected {TINY_SAMPLES} samples (0.8 s at 1600 Hz); "
        "re-run the signals stage")


def case_other_rate(root):
    signals_file(root, "j00", rate=3200.0)
    return "features", "data/features/features.csv", (
        "error: data/signals/j00.npz: sampled at 3200 Hz; expected 1600 Hz (1 / (simulation.dt_ms x "
        "cdm.decimation_factor)); re-run the signals stage")


def case_truncated_npz(root):
    signals_file(root, "j00")
    path = root / "data" / "signals" / "j00.npz"
    path.write_bytes(path.read_bytes()[:100])
    return "features", "data/features/features.csv", (
        "error: data/signals/j00.npz: not a readable .npz (File is not a zip file); re-run the stage that writes "
        "it (dvc repro)")


def case_missing_array(root):
    signals_file(root, "j00", drop=("eeg",))
    return "features", "data/features/features.csv", (
        "error: data/signals/j00.npz: lacks the arrays ['eeg'] (has ['cdm', 'sampling_rate_Hz']); re-run the stage "
        "that writes it")


def case_duplicated_rows(root):
    features_csv(root, [(key, DRIVES[key]) for key in SWEEP] + [("j05", DRIVES["j05"])])
    return "evaluate", "metrics/ridge.json", (
        "error: data/features/features.csv: items ['j05'] appear more than once (one would land in train and test); "
        "re-run the features stage")


def case_header_only(root):
    features_csv(root, [])
    return "evaluate", "metrics/ridge.json", ("error: data/features/features.csv: holds no rows; re-run the "
                                              "features stage")


def case_empty_csv(root):
    features_csv(root, None, text="")
    return "evaluate", "metrics/ridge.json", "error: data/features/features.csv: empty; re-run the features stage"


def case_nan_target(root):
    features_csv(root, [(key, "nan" if key == "j00" else DRIVES[key]) for key in SWEEP])
    return "evaluate", "metrics/ridge.json", (
        "error: data/features/features.csv: J_ext_pA is not a finite number for ['j00']")


def case_items_not_the_sweep(root):
    features_csv(root, [(key, DRIVES[key]) for key in SWEEP[:-1]] + [("j99", 30.0)])
    return "evaluate", "metrics/ridge.json", (
        "error: data/features/features.csv: its items do not match params.yaml sweep (not in the sweep: ['j99'], "
        "missing: ['j45']); re-run the features stage")


def case_nan_dipole_location(root):
    set_param(root, "eeg", "dipole_location_mni_mm", [float("nan"), -103.3, -1.46])
    return "head_model", "data/head_model.json", (
        "error: params.yaml + profiles/tiny.yaml: eeg.dipole_location_mni_mm[0] = nan is invalid; accepted: a list "
        "of 3 finite numbers (mm)")


def case_seed_not_an_integer(root):
    set_param(root, "seeds", "simulation", 1.7)
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: seeds.simulation = 1.7 is invalid; "
                                  "accepted: an integer >= 0")


def case_seed_a_word(root):
    set_param(root, "seeds", "simulation", "abc")
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: seeds.simulation = 'abc' is invalid; "
                                  "accepted: an integer >= 0")


def case_seed_missing(root):
    params = yaml.safe_load((root / "params.yaml").read_text())
    del params["seeds"]["simulation"]
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return SIMULATE, SIMULATION, "error: params.yaml + profiles/tiny.yaml: missing key 'seeds.simulation'"


def case_three_population_sizes(root):
    set_param(root, "network", "population_sizes", [8192, 1024, 10])
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: network.population_sizes = "
                                  "[8192, 1024, 10] is invalid; accepted: a list of 2 integers >= 1 [E, I]")


def case_one_external_input(root):
    set_param(root, "network", "external_inputs", [465])
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: network.external_inputs = [465] is "
                                  "invalid; accepted: a list of 2 integers >= 0 [E, I] (inputs per neuron)")


def case_threshold_below_reset(root):
    set_param(root, "network", "V_th_mV", [-70.0, -55.0])
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: network.V_th_mV[0] = -70.0 is invalid; "
                                  "accepted: above network.V_reset_mV[0] = -65.0 (mV, population E)")


def case_unknown_item(root):
    return ["simulate", "j99"], "data/simulations/j99.npz", (
        "error: unknown sweep item 'j99'; accepted: ref, a key of reference.spread_keys or of params.yaml sweep "
        "(j00, j05, j10, ...)")


def case_exponent_without_sign_is_a_number(root):
    """1.0e6 is a number (YAML 1.2), so the ceiling is accepted and the next bad value is the one reported."""
    edit_params_text(root, "rate_ceiling_Hz: 200.0", "rate_ceiling_Hz: 1.0e6")
    set_param(root, "simulation", "threads", 0)
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: simulation.threads = 0 is invalid; "
                                  "accepted: an integer in [1, 1024]")


SEED_NOISE_OUTPUT = "metrics/seed_noise.json"


def seed_runs(root: Path, keys=("ref", "ref_s1", "ref_s2")) -> None:
    """Simulation files with the arrays the seed_noise stage checks before any work (their content is not read)."""
    arrays = {"spike_counts": np.zeros((2, 10)), "spike_steps_E": np.zeros(1), "spike_steps_I": np.zeros(1),
              "rates_Hz": np.ones(2)}
    for key in keys:
        folder = "simulations" if key == "ref" else "seed_spread"
        save_npz(root / "data" / folder / f"{key}.npz", **arrays)


def case_seed_run_missing(root):
    seed_runs(root, keys=("ref", "ref_s1"))
    return "seed_noise", SEED_NOISE_OUTPUT, ("error: data/seed_spread/ref_s2.npz: missing input; run the stage that "
                                             "writes it (dvc repro)")


def case_seed_run_truncated(root):
    seed_runs(root)
    path = root / "data" / "seed_spread" / "ref_s1.npz"
    path.write_bytes(path.read_bytes()[:100])
    return "seed_noise", SEED_NOISE_OUTPUT, (
        "error: data/seed_spread/ref_s1.npz: not a readable .npz (File is not a zip file); re-run the stage that "
        "writes it (dvc repro)")


def case_model_of_other_traces(root):
    """A Ridge model trained on traces of another length cannot be applied to these (the seed noise would be
    computed on features of another trace length)."""
    import json

    seed_runs(root)
    for path, content in (("models/ridge_J_ext.json", {"trace_samples": 999}),
                          ("metrics/ridge.json", {"cv_pooled_mse_pA2_mean": 0.1}),
                          ("data/head_model.json", {"electrodes": ["O1"], "nearest_electrode": "O1",
                                                            "gain_mV_per_nAum": [1e-10]})):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(content))
    features_csv(root, [(key, DRIVES[key]) for key in SWEEP])
    return "seed_noise", SEED_NOISE_OUTPUT, (
        f"error: models/ridge_J_ext.json: trained on traces of 999 samples; these are {TINY_SAMPLES}; re-run the "
        "evaluate stage")


def case_one_spread_key(root):
    set_param(root, "reference", "spread_keys", ["ref_s1"])
    return SIMULATE, SIMULATION, ("error: params.yaml + profiles/tiny.yaml: reference.spread_keys = ['ref_s1'] is "
                                  "invalid; accepted: at least 2 keys (ref_s1, ref_s2, ...)")


def insert_after_line(root: Path, starts_with: str, new_line: str) -> int:
    """Insert a line into params.yaml after the first line that starts with `starts_with`; its line number."""
    lines = (root / "params.yaml").read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    lines.insert(index + 1, new_line)
    (root / "params.yaml").write_text("".join(lines))
    return index + 1


def case_duplicated_key(root):
    """A key written twice: PyYAML would keep the last one silently (another thread count: other bytes)."""
    first = insert_after_line(root, "  threads: ", "  threads: 1\n")
    return SIMULATE, SIMULATION, (f"error: params.yaml: key 'simulation.threads' is written twice, at lines {first} "
                                  f"and {first + 1}; accepted: each key once (delete one)")


def case_tab_in_yaml(root):
    line = insert_after_line(root, "  threads: ", "\tdt_ms: 0.1\n") + 1
    return SIMULATE, SIMULATION, (f"error: params.yaml: malformed YAML at line {line}, column 1: found character "
                                  "'\\t' that cannot start any token (while scanning for the next token)")


CASES = [case_duplicated_key, case_tab_in_yaml,
         case_seed_not_an_integer, case_seed_a_word, case_seed_missing, case_three_population_sizes,
         case_one_external_input, case_threshold_below_reset, case_unknown_item,
         case_exponent_without_sign_is_a_number, case_short_trace, case_other_rate, case_truncated_npz,
         case_missing_array, case_duplicated_rows,
         case_header_only, case_empty_csv, case_nan_target, case_items_not_the_sweep, case_nan_dipole_location,
         case_seed_run_missing, case_seed_run_truncated, case_model_of_other_traces, case_one_spread_key]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__[5:] for case in CASES])
def test_bad_input_gives_one_error_line_exit_2_and_no_output(root, case):
    original = (root / "params.yaml").read_text()
    try:
        stage, output, expected = case(root)
        stage, *arguments = [stage] if isinstance(stage, str) else stage
        done = run([sys.executable, "-m", f"analysis.{stage}", *arguments], root, expect=2)
    finally:
        (root / "params.yaml").write_text(original)
    assert done.stderr.strip().splitlines()[-1] == expected
    assert "Traceback" not in done.stderr
    assert not (root / output).exists()


def test_debug_mode_keeps_the_traceback(root):
    signals_file(root, "j00", eeg=np.zeros(10, np.float32))
    done = run([sys.executable, "-m", "analysis.features"], root, expect=1, COMPENDIUM_DEBUG="1")
    assert "Traceback" in done.stderr and "InputError" in done.stderr



COMMAND_CASES = [
    (["tools.sweep", "--workers", "0"], "error: argument --workers: 0 is invalid; accepted: an integer >= 1 (see "
                                        "--help)"),
    (["tools.sweep", "--workers", "-1"], "error: argument --workers: -1 is invalid; accepted: an integer >= 1 (see "
                                         "--help)"),
    (["tools.sweep", "--workers", "two"], "error: argument --workers: two is invalid; accepted: an integer >= 1 (see "
                                          "--help)"),
    (["tools.sweep", "--workers", "100000"], "error: --workers 100000 would need "),
    (["tools.sweep", "--cluster", "nowhere.yaml"], "error: --cluster nowhere.yaml: file not found; accepted: a cluster "
                                                   "file such as tools/clusters/slurm.yaml"),
    (["tools.check_hashes", "--workers", "0"], "error: argument --workers: 0 is invalid; accepted: an integer >= 1 "
                                               "(see --help)"),
    (["tools.draws", "99999999999"], "error: argument n_draws: 99999999999 is invalid; accepted: an integer in "
                                     "[2, 10000] (draw keys have four digits, t0000 .. t9999) (see --help)"),
    (["tools.draws", "1"], "error: argument n_draws: 1 is invalid; accepted: an integer in [2, 10000] (draw keys have "
                           "four digits, t0000 .. t9999) (see --help)"),
]


@pytest.mark.parametrize("command, expected", COMMAND_CASES, ids=[" ".join(c[0]) for c in COMMAND_CASES])
def test_a_bad_argument_is_refused_before_any_work(root, command, expected):
    """One line, exit 2, before DVC or Dask start: no data/ folder, params.yaml untouched (tools.sweep used to take
    --workers 0 for the default and ran DVC's checkout, minutes on a full cache, before refusing 999)."""
    before = (root / "params.yaml").read_bytes()
    done = run([sys.executable, "-m", *command], root, expect=2)
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith(expected), done.stderr
    # DVC's checkout used to make data/simulations/ before the refusal; the fixture leaves at most an empty data/
    assert not (root / "data").exists() or not any((root / "data").iterdir())
    assert (root / "params.yaml").read_bytes() == before

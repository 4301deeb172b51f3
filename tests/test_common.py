"""Tests of analysis/common.py: profiles, YAML numbers, seeds, deterministic and atomic writes."""
from __future__ import annotations

import numpy as np
import pytest

from analysis import common
from analysis.common import ParamsError


def test_profiles_are_params_plus_overlay():
    full, tiny = common.profile_raw("full"), common.profile_raw("tiny")
    assert full["profile"] == "full" and tiny["profile"] == "tiny"
    assert len(full["sweep"]) == 50 and len(tiny["sweep"]) == 10
    # what the overlay does not set is the full study's value
    assert tiny["network"]["C_m_pF"] == full["network"]["C_m_pF"] == [289.1, 110.7]
    assert tiny["network"]["scale"] == 0.05
    # the sweep of a profile uses the full sweep's own keys and values
    for key, value in tiny["sweep"].items():
        assert full["sweep"][key] == value


def test_full_sweep_is_the_study_linspace():
    sweep = common.profile_raw("full")["sweep"]
    assert list(sweep) == [f"j{i:02d}" for i in range(50)]
    np.testing.assert_array_equal(list(sweep.values()), np.linspace(26, 32, 50))


def test_unknown_profile_names_the_accepted_ones():
    with pytest.raises(ParamsError, match=r"unknown profile 'huge'; accepted: full, quick, tiny"):
        common.profile_raw("huge")


def test_overlay_with_unknown_key_is_refused():
    with pytest.raises(ParamsError, match=r"unknown key 'network.sclae'"):
        common.merge_profile({"network": {"scale": 1.0}}, {"network": {"sclae": 0.1}})


def test_overlay_replaces_the_sweep_whole():
    merged = common.merge_profile({"sweep": {"j00": 1.0, "j01": 2.0}}, {"sweep": {"j05": 3.0}})
    assert merged == {"sweep": {"j05": 3.0}}


def test_malformed_yaml_names_the_file_line_column_and_cause(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("network:\n  scale: [1.0\n")
    with pytest.raises(ParamsError) as err:
        common.read_yaml(bad)
    assert str(err.value) == (f"{bad}: malformed YAML at line 3, column 1: expected ',' or ']', but got "
                              "'<stream end>' (while parsing a flow sequence)")


@pytest.mark.parametrize("text, key, lines", [
    ("seeds:\n  simulation: 1\nseeds:\n  inverse: 2\n", "seeds", (1, 3)),
    ("simulation:\n  threads: 2\n  dt_ms: 0.0625\n  threads: 1\n", "simulation.threads", (2, 4)),
    ("study2:\n  draws: {t0000: 0, t0001: 1,\n          t0000: 2}\n", "study2.draws.t0000", (2, 3)),
    ("a:\n  - b: 1\n    b: 2\n", "a[0].b", (2, 3)),
])
def test_a_key_written_twice_is_refused_with_both_lines(tmp_path, text, key, lines):
    """PyYAML keeps the last of two equal keys silently; params.yaml and the profiles must not."""
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ParamsError) as err:
        common.read_yaml(path)
    assert str(err.value) == (f"{path}: key '{key}' is written twice, at lines {lines[0]} and {lines[1]}; "
                              "accepted: each key once (delete one)")


@pytest.mark.parametrize("text, value", [("1.0e6", 1.0e6), ("1e6", 1.0e6), ("-2.5E-3", -2.5e-3), ("1.0e+6", 1.0e6),
                                         ("7", 7), ("0.5", 0.5), ("'1.0e6'", "1.0e6"), ("1_000", 1000)])
def test_yaml_numbers_are_yaml_1_2(tmp_path, text, value):
    """PyYAML alone reads 1.0e6 and 1e6 as strings (YAML 1.1); params.yaml is read as YAML 1.2 numbers."""
    path = tmp_path / "p.yaml"
    path.write_text(f"x: {text}\n")
    read = common.read_yaml(path)["x"]
    assert read == value and type(read) is type(value)


def test_derive_seed_is_stable_distinct_and_in_range():
    # pinned values: a change here would silently change every simulation of the study
    assert common.derive_seed(20220801, "simulate", "j00") == common.derive_seed(20220801, "simulate", "j00")
    seeds = {common.derive_seed(20220801, "simulate", f"j{i:02d}") for i in range(50)}
    assert len(seeds) == 50
    assert all(1 <= s < 2**31 - 1 for s in seeds)
    assert common.derive_seed(1, "a") != common.derive_seed(2, "a")
    assert common.derive_seed(7, "simulate", "ref") == 1748201404


def test_save_npz_is_deterministic_and_round_trips(tmp_path):
    arrays = {"spikes": np.arange(1000, dtype=np.int32), "rates": np.array([1.5, 2.5]),
              "metadata": common.json_array({"b": 1, "a": [1, 2]})}
    common.save_npz(tmp_path / "one.npz", **arrays)
    common.save_npz(tmp_path / "two.npz", **arrays)
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "two.npz").read_bytes()
    loaded = common.load_npz(tmp_path / "one.npz")
    np.testing.assert_array_equal(loaded["spikes"], arrays["spikes"])
    assert str(loaded["metadata"]) == '{"a": [1, 2], "b": 1}'


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with common.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_params_hash_ignores_key_order():
    assert common.params_hash({"a": 1, "b": [1, 2]}) == common.params_hash({"b": [1, 2], "a": 1})
    assert common.params_hash({"a": 1}) != common.params_hash({"a": 2})


def test_format_eta():
    assert common.format_eta(1, 4, 10.0) == "ETA 30 s"
    assert common.format_eta(1, 10, 20.0) == "ETA 3 min 00 s"
    assert common.format_eta(0, 10, 20.0) == "ETA --"


def test_atomic_dir_replaces_a_folder_whole_or_not_at_all(tmp_path):
    target = tmp_path / "signals"
    target.mkdir()
    (target / "old.npz").write_text("old")
    with pytest.raises(RuntimeError):
        with common.atomic_dir(target) as folder:
            (folder / "new.npz").write_text("new")
            raise RuntimeError("damaged input half-way")
    assert sorted(p.name for p in target.iterdir()) == ["old.npz"]
    (tmp_path / ".signals.partial").mkdir()                    # a killed run's leftover
    (tmp_path / ".signals.partial" / "stale.npz").write_text("stale")
    with common.atomic_dir(target) as folder:
        assert list(folder.iterdir()) == []                    # starts empty: the leftover is gone
        (folder / "new.npz").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.npz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signals"]


def test_a_killed_writes_temporary_file_is_removed_when_the_output_is_next_written(tmp_path):
    stale = tmp_path / ".paper.pdf.k3j2h1x0.tmp"
    stale.write_text("half")
    other = tmp_path / ".figure.png.a1b2c3d4.tmp"              # another output's: not ours to remove
    other.write_text("half")
    common.write_text(tmp_path / "paper.pdf", "whole")
    assert (tmp_path / "paper.pdf").read_text() == "whole" and not stale.exists() and other.exists()


def test_a_duplicate_in_params_yaml_stops_a_profile_workspace(tmp_path):
    """make repro PROFILE=tiny rewrites params.yaml + overlay into its workspace: the duplicate must be caught while
    the original file is read, before the merged (duplicate-free) copy hides it from DVC."""
    text = common.PARAMS_FILE.read_text()
    first = text.index("\n  threads: ") + 1
    duplicated = tmp_path / "params.yaml"
    duplicated.write_text(text[:first] + "  threads: 1\n" + text[first:])
    line = text[:first].count("\n") + 1
    twice = rf"key 'simulation.threads' is written twice, at lines {line} and {line + 1}"
    with pytest.raises(ParamsError, match=twice):
        common.profile_raw("tiny", duplicated)


def test_outputs_record_python_major_minor_and_the_deposit_the_patch_release(monkeypatch):
    # Debian 12's 3.11.2 and a developer's 3.11.7 must write the same bytes (README "The container")
    import platform
    import sys

    assert common.software_versions("numpy")["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    monkeypatch.setattr(sys, "version", "3.11.2 (main, Mar 13 2023) [GCC 12.2.0]")
    assert common.software_versions()["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    made_with = common.interpreter()
    assert made_with["python"] == platform.python_version()
    assert made_with["python"].startswith(common.software_versions()["python"] + ".")


@pytest.mark.parametrize("value", ["\r", "a\nb", "\x1b[31mred", "tab\there", "\u2028"])
def test_a_user_error_quoting_any_value_is_one_line_and_keeps_its_accepted_range(capsys, value):
    def main() -> int:
        raise ValueError(f"params.yaml: 'name' is {value}; accepted: a plain name")

    assert common.run(main) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and len(err.splitlines()) == 1
    assert err.startswith("error: params.yaml: 'name' is ") and err.rstrip("\n").endswith("; accepted: a plain name")

"""Our NMODL mechanisms (analysis/model/mod), compiled and run in the real NEURON (docs/model.md §2.2)."""
from __future__ import annotations

import json

import pytest

from analysis.model import cells, mechanisms


@pytest.fixture(scope="module")
def h():
    mechanisms.load()
    import neuron

    return neuron.h


def single_compartment(h, V_R: float):
    sec = h.Section(name="probe")
    sec.L = sec.diam = 20.0
    for name in ("NaTa_t_frozen", "SKv3_1_frozen", "Ih_linearized"):
        sec.insert(name)
    seg = sec(0.5)
    seg.NaTa_t_frozen.gbar, seg.SKv3_1_frozen.gbar, seg.Ih_linearized.gbar = 2.04, 0.693, 2e-4
    for mech in (seg.NaTa_t_frozen, seg.SKv3_1_frozen, seg.Ih_linearized):
        mech.V_R = V_R
    sec.ena = sec.ek = V_R
    h.finitialize(V_R)
    return sec


@pytest.mark.parametrize("V_R, winf, tau_w", [(-65.0, 0.0111, 36.5), (-70.0, 0.0184, 42.2)])
def test_ih_linearization_matches_spec_check_values(h, V_R, winf, tau_w):
    seg = single_compartment(h, V_R)(0.5)
    assert seg.Ih_linearized.winf == pytest.approx(winf, abs=5e-5)
    assert seg.Ih_linearized.tau_w == pytest.approx(tau_w, abs=0.05)
    # NMODL and the Python transcription of docs/model.md §2.2 agree to rounding
    reference = cells.ih_linearization(V_R)
    assert seg.Ih_linearized.winf == pytest.approx(reference["winf"], rel=1e-12)
    assert seg.Ih_linearized.dwinf_dv == pytest.approx(reference["dwinf_dv"], rel=1e-12)
    assert seg.Ih_linearized.mu == pytest.approx(2e-4 * reference["dwinf_dv"] * (-45.0 - V_R), rel=1e-12)


@pytest.mark.parametrize("V_R", [-65.0, -70.0])
def test_closed_form_dwinf_dv_is_the_derivative_of_winf(V_R):
    step = 1e-4
    numeric = (cells.ih_linearization(V_R + step)["winf"] - cells.ih_linearization(V_R - step)["winf"]) / (2 * step)
    assert cells.ih_linearization(V_R)["dwinf_dv"] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("V_R", [-65.0, -70.0, -38.0, -66.0])
def test_frozen_na_and_k_vanish_at_rest_and_use_gates_at_V_R(h, V_R):
    seg = single_compartment(h, V_R)(0.5)
    assert seg.ina == 0.0 and seg.ik == 0.0
    m, hh = cells.nata_gates(V_R)
    assert seg.NaTa_t_frozen.g == pytest.approx(2.04 * m**3 * hh, rel=1e-12)
    assert seg.SKv3_1_frozen.g == pytest.approx(0.693 * cells.skv3_minf(V_R), rel=1e-12)
    # the removable singularities are handled, not NaN
    assert 0 < m < 1 and 0 < hh < 1


def test_exp2syni_event_of_weight_w_peaks_at_minus_w(h):
    sec = h.Section(name="syn_probe")
    syn = h.Exp2SynI(sec(0.5))
    syn.tau1, syn.tau2 = 0.2, 1.8
    stim = h.NetStim()
    stim.number, stim.start = 1, 1.0
    weight_nA = 0.0123
    connection = h.NetCon(stim, syn, 0, 0, weight_nA)
    current = h.Vector().record(syn._ref_i)
    h.dt = 0.001
    h.load_file("stdrun.hoc")
    h.finitialize(-65)
    h.continuerun(10.0)
    peak = min(current)
    assert peak == pytest.approx(-weight_nA, rel=1e-4)  # inward, depolarizing, normalized to -w
    assert max(current) == 0.0
    del connection


def test_stale_build_is_detected(tmp_path):
    build = tmp_path / "build"
    mechanisms.compile_mechanisms(build)
    assert mechanisms.is_current(build)
    info = json.loads((build / "BUILD_INFO.json").read_text())
    info["neuron"] = "8.2.0"
    (build / "BUILD_INFO.json").write_text(json.dumps(info))
    assert not mechanisms.is_current(build)  # ensure_compiled would rebuild, never load it


def test_compilation_failure_is_reported(tmp_path):
    mods = tmp_path / "mod"
    mods.mkdir()
    (mods / "Broken.mod").write_text("NEURON { SUFFIX broken\n")
    with pytest.raises(mechanisms.MechanismError, match=r"nrnivmodl failed"):
        mechanisms.compile_mechanisms(tmp_path / "build", mods)

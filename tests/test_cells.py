"""Ball-and-stick cells (analysis/model/cells.py) in the real NEURON through LFPy.TemplateCell (docs/model.md
§2.1–§2.2)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.model import cells, mechanisms


@pytest.fixture(scope="module")
def kernel_params(tiny_params):
    mechanisms.load()
    return tiny_params.kernels


def make_cell(kernel_params, population, tmp_path, tstop_ms=100.0, vrest=-65.0):
    import LFPy

    morphology = cells.write_morphology(tmp_path / f"{population}.hoc", population,
                                        kernel_params.cells.morphology[population])
    return LFPy.TemplateCell(**cells.cell_parameters(population, kernel_params.cells, morphology, vrest,
                                                     0.0625, tstop_ms))


def lambda100_nseg(length_um, diam_um, Ra=100.0, cm=1.0, d_lambda=0.1):
    """NEURON's d_lambda rule at 100 Hz, computed by hand: lambda_f = 1e5 sqrt(d / (4 pi f Ra cm)) um."""
    lam = 1e5 * math.sqrt(diam_um / (4 * math.pi * 100.0 * Ra * cm))
    return int((length_um / (d_lambda * lam) + 0.9) / 2) * 2 + 1


# by hand from docs/model.md §2.1: areas are cylinder mantles pi*d*L (NEURON has no end caps)
@pytest.mark.parametrize("population, area_um2, nsegs", [
    ("E", math.pi * (30 * 30 + 2 * 200 + 3 * 1000), [1, 5, 21]),
    ("I", math.pi * (15 * 30 + 2 * 200 + 2 * 200), [1, 5, 5]),
])
def test_morphology_area_and_segments(kernel_params, tmp_path, population, area_um2, nsegs):
    cell = make_cell(kernel_params, population, tmp_path)
    dims = kernel_params.cells.morphology[population]
    assert [lambda100_nseg(getattr(dims, f"{s}_length_um"), getattr(dims, f"{s}_diam_um"))
            for s in ("soma", "dend", "apic")] == nsegs
    assert [sec.nseg for sec in cell.allseclist] == nsegs
    assert cell.totnsegs == sum(nsegs)
    assert cell.area.sum() == pytest.approx(area_um2, rel=1e-9)
    assert [name.split(".")[-1] for name in cell.allsecnames] == ["soma", "dend", "apic"]
    # geometry along z: soma centred at 0, dend down to -215, apic up to +15 + length
    assert cell.z.min() == pytest.approx(-215.0)
    assert cell.z.max() == pytest.approx(15.0 + dims.apic_length_um)


@pytest.mark.parametrize("population", ["E", "I"])
def test_rest_is_uniform_and_stable(kernel_params, tmp_path, population):
    cell = make_cell(kernel_params, population, tmp_path)
    currents = [cells.membrane_current_density(seg) for sec in cell.allseclist for seg in sec]
    assert np.max(np.abs(currents)) < 1e-15  # mA/cm2: no net current anywhere at Vrest
    cell.simulate(rec_vmem=True)
    assert np.max(np.abs(cell.vmem + 65.0)) < 0.01  # unstimulated: stays at Vrest over 100 ms


def test_channel_densities_per_section(kernel_params, tmp_path):
    cell = make_cell(kernel_params, "E", tmp_path)
    channels = kernel_params.cells.channels
    for sec in cell.allseclist:
        kind = cells.section_kind(sec.name())
        for seg in sec:
            density = getattr(channels, kind)
            assert seg.pas.g == density.g_pas
            assert seg.NaTa_t_frozen.gbar == density.gNaTa_t
            assert seg.SKv3_1_frozen.gbar == density.gSKv3_1
            assert seg.Ih_linearized.gbar == density.gIh
        assert sec.ena == sec.ek == -65.0


def test_section_kind_refuses_unknown_names():
    assert cells.section_kind("BallStick[0].apic") == "dendrites"
    with pytest.raises(ValueError, match="axon"):
        cells.section_kind("BallStick[0].axon")

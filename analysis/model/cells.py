"""Ball-and-stick cells with quasi-active linearized Hay (2011) biophysics (docs/model.md §2.1–§2.2).

Small pieces, one job each:
  morphology_hoc        the morphology file of one population (geometry from params.yaml)
  set_biophysics        LFPy custom_fun: insert pas + our three mechanisms, make the rest uniform at Vrest
  cell_parameters       kwargs for LFPy.TemplateCell (what lfpykernels.KernelApprox needs)
  ih_linearization ...  the rate equations in Python, for checks against the NMODL implementation

References: Hay et al. (2011) PLOS Comput Biol 7:e1002107; Kole et al. (2006) J Neurosci 26:1677;
Hagen et al. (2022) PLOS Comput Biol 18:e1010353 (the quasi-active linearization).
"""
from __future__ import annotations

import math
from pathlib import Path

from analysis.common import REPO_ROOT
from analysis.params import Cells, ChannelsBySection, Morphology

TEMPLATE_FILE = REPO_ROOT / "analysis" / "model" / "hoc" / "ballstick.hoc"
TEMPLATE_NAME = "BallStick"
SECTIONS = ("soma", "dend", "apic")


# ------------------------------------------------------------------ morphology (docs/model.md §2.1)
def morphology_hoc(population: str, dims: Morphology) -> str:
    """Morphology of one population as hoc, run inside the BallStick template by LFPy.

    The soma spans z = -L/2..+L/2, the basal `dend` hangs below it and the apical `apic` rises above it,
    all on the z axis (no rotation), so the apical axis is the dipole's z axis.

    Parameters
    ----------
    population : str
        E or I (named in the file's header).
    dims : Morphology
        kernels.cells.morphology[population] (um).

    Returns
    -------
    str
        The hoc text.
    """
    half = dims.soma_length_um / 2
    dend_end = -half - dims.dend_length_um
    apic_end = half + dims.apic_length_um
    return "\n".join([
        f"// {population} population ball-and-stick (docs/model.md §2.1); written by analysis/model/cells.py "
        "from params.yaml",
        f"soma {{ pt3dclear() pt3dadd(0, 0, {-half!r}, {dims.soma_diam_um!r}) "
        f"pt3dadd(0, 0, {half!r}, {dims.soma_diam_um!r}) }}",
        f"dend {{ pt3dclear() pt3dadd(0, 0, {-half!r}, {dims.dend_diam_um!r}) "
        f"pt3dadd(0, 0, {dend_end!r}, {dims.dend_diam_um!r}) }}",
        f"apic {{ pt3dclear() pt3dadd(0, 0, {half!r}, {dims.apic_diam_um!r}) "
        f"pt3dadd(0, 0, {apic_end!r}, {dims.apic_diam_um!r}) }}",
        "connect dend(0), soma(0)",
        "connect apic(0), soma(1)",
        "soma all.append()",
        "dend all.append()",
        "apic all.append()",
        "",
    ])


def write_morphology(path: Path, population: str, dims: Morphology) -> Path:
    """Write `morphology_hoc` to `path` (temporary name, then rename).

    Parameters
    ----------
    path : Path
        The .hoc file.
    population : str
        E or I.
    dims : Morphology
        Its dimensions (um).

    Returns
    -------
    Path
        `path`.
    """
    from analysis.common import write_text

    write_text(path, morphology_hoc(population, dims))
    return path


# ------------------------------------------------------------------ rate equations (docs/model.md §2.2)
def nata_gates(V_mV: float) -> tuple[float, float]:
    """m_inf and h_inf of the Hay NaTa_t channel, nudging V off the removable singularities.

    Parameters
    ----------
    V_mV : float
        Membrane potential (mV).

    Returns
    -------
    m_inf, h_inf : float
        Steady-state activation and inactivation (dimensionless).
    """
    x = V_mV + 1e-4 if abs(V_mV + 38) < 1e-6 else V_mV
    alpha_m = 0.182 * (x + 38) / (1 - math.exp(-(x + 38) / 6))
    beta_m = 0.124 * (-x - 38) / (1 - math.exp(-(-x - 38) / 6))
    x = V_mV + 1e-4 if abs(V_mV + 66) < 1e-6 else V_mV
    alpha_h = -0.015 * (x + 66) / (1 - math.exp((x + 66) / 6))
    beta_h = -0.015 * (-x - 66) / (1 - math.exp((-x - 66) / 6))
    return alpha_m / (alpha_m + beta_m), alpha_h / (alpha_h + beta_h)


def skv3_minf(V_mV: float) -> float:
    """m_inf of the Hay SKv3_1 channel.

    Parameters
    ----------
    V_mV : float
        Membrane potential (mV).

    Returns
    -------
    float
        Steady-state activation (dimensionless).
    """
    return 1 / (1 + math.exp((V_mV - 18.7) / (-9.7)))


def ih_linearization(V_R_mV: float) -> dict[str, float]:
    """The Kole Ih channel linearized at V_R (docs/model.md §2.2).

    Parameters
    ----------
    V_R_mV : float
        The linearization point (mV).

    Returns
    -------
    dict
        winf (dimensionless), tau_w (ms), dwinf_dv (1/mV).
    """
    u = V_R_mV + 154.9
    alpha = 0.00643 * u / (math.exp(u / 11.9) - 1)
    beta = 0.193 * math.exp(V_R_mV / 33.1)
    tau_w = 1 / (alpha + beta)
    dwinf_dv = (-beta * alpha * tau_w**2 / u
                * (alpha / (11.9 * 0.00643) * math.exp(u / 11.9) + u / 33.1 - 1))
    return {"winf": alpha / (alpha + beta), "tau_w": tau_w, "dwinf_dv": dwinf_dv}


# ------------------------------------------------------------------ biophysics (docs/model.md §2.2)
def section_kind(section_name: str) -> str:
    """Which channel densities a section takes (apic and dend share theirs).

    Parameters
    ----------
    section_name : str
        NEURON's name of the section (e.g. BallStick[0].apic[0]).

    Returns
    -------
    {"soma", "dendrites"}
    """
    short = section_name.split(".")[-1]
    if short.startswith("soma"):
        return "soma"
    if short.startswith(("dend", "apic")):
        return "dendrites"
    raise ValueError(f"section '{section_name}' is none of {SECTIONS}")


def set_biophysics(cell, channels: ChannelsBySection, Vrest_mV: float, E_h_mV: float) -> None:
    """LFPy custom_fun: insert pas, NaTa_t_frozen, SKv3_1_frozen and Ih_linearized everywhere, linearized at
    Vrest, with ena = ek = Vrest; then set e_pas per segment so that no current flows at rest.

    Parameters
    ----------
    cell : LFPy.TemplateCell
        The cell being built.
    channels : ChannelsBySection
        Densities (S/cm^2) for soma and dendrites.
    Vrest_mV : float
        The linearization's resting potential (mV).
    E_h_mV : float
        Ih's reversal potential (mV).
    """
    for sec in cell.allseclist:
        density = getattr(channels, section_kind(sec.name()))
        for mechanism in ("pas", "NaTa_t_frozen", "SKv3_1_frozen", "Ih_linearized"):
            sec.insert(mechanism)
        sec.ena = Vrest_mV
        sec.ek = Vrest_mV
        for seg in sec:
            seg.pas.g = density.g_pas
            seg.pas.e = Vrest_mV
            seg.NaTa_t_frozen.gbar, seg.NaTa_t_frozen.V_R = density.gNaTa_t, Vrest_mV
            seg.SKv3_1_frozen.gbar, seg.SKv3_1_frozen.V_R = density.gSKv3_1, Vrest_mV
            seg.Ih_linearized.gbar, seg.Ih_linearized.V_R = density.gIh, Vrest_mV
            seg.Ih_linearized.E_h = E_h_mV
    make_rest_uniform(cell.allseclist, Vrest_mV)


def membrane_current_density(seg) -> float:
    """Total ionic membrane current density of one segment: pas + Na + K + Ih.

    Parameters
    ----------
    seg : neuron.nrn.Segment
        A segment with set_biophysics' mechanisms.

    Returns
    -------
    float
        mA/cm^2.
    """
    return seg.i_pas + seg.ina + seg.ik + seg.Ih_linearized.ihcn


def make_rest_uniform(sections, Vrest_mV: float) -> None:
    """e_pas = v + sum(i_ion) / g_pas in every segment, evaluated at v = Vrest (docs/model.md §2.2 'uniform rest').

    Parameters
    ----------
    sections : iterable of neuron sections
        All sections of the cell.
    Vrest_mV : float
        The potential at which no membrane current may flow (mV).
    """
    import neuron

    neuron.h.finitialize(Vrest_mV)
    for sec in sections:
        for seg in sec:
            active = seg.ina + seg.ik + seg.Ih_linearized.ihcn
            seg.pas.e = seg.v + active / seg.pas.g
    neuron.h.finitialize(Vrest_mV)


def cell_parameters(population: str, cells: Cells, morphology_file: Path, Vrest_mV: float,
                    dt_ms: float, tstop_ms: float) -> dict:
    """kwargs of LFPy.TemplateCell for one population, biophysics applied through custom_fun.

    Parameters
    ----------
    population : str
        E or I.
    cells : Cells
        kernels.cells.
    morphology_file : Path
        The population's hoc morphology (`write_morphology`).
    Vrest_mV : float
        mV.
    dt_ms, tstop_ms : float
        The cell simulation's step and duration (ms).

    Returns
    -------
    dict
    """
    return {
        "templatefile": str(TEMPLATE_FILE),
        "templatename": TEMPLATE_NAME,
        "templateargs": None,
        "morphology": str(morphology_file),
        "v_init": Vrest_mV,
        "Ra": cells.Ra_ohm_cm,
        "cm": cells.cm_uF_cm2,
        "passive": False,  # pas is inserted by set_biophysics with per-section densities
        "nsegs_method": "lambda100",
        "d_lambda": cells.d_lambda,
        "dt": dt_ms,
        "tstart": 0.0,
        "tstop": tstop_ms,
        "delete_sections": True,
        "custom_fun": [set_biophysics],
        "custom_fun_args": [{"channels": cells.channels, "Vrest_mV": Vrest_mV, "E_h_mV": cells.Ih_E_h_mV}],
    }

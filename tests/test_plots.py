"""Figure helpers (analysis/methods/plots.py, analysis/data.py): time axis and deterministic files with provenance."""
from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from analysis import data
from analysis.methods import plots


def test_time_axis_is_0625_ms_per_sample_at_1600_Hz():
    t = plots.time_axis_ms(500, 1600.0)
    assert t[1] == 0.625 and t[-1] == 499 * 0.625


def test_saved_figures_are_deterministic_and_carry_provenance(tmp_path):
    prov = {"params_hash": "abc123", "profile": "tiny", "inputs": {"x.npz": "0011"}, "software": {"numpy": "2"}}
    digests = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        out.mkdir()
        fig, ax = plt.subplots()
        ax.plot(np.arange(10), np.arange(10) ** 2)
        pdf, png = data.save_figure(fig, "demo", prov, dpi=100, output_dir=out)
        digests.append((pdf.read_bytes(), png.read_bytes()))
    assert digests[0] == digests[1]
    assert json.loads(Image.open(tmp_path / "run0" / "demo.png").text["Description"]) == prov
    assert b"params_hash=abc123" in digests[0][0]

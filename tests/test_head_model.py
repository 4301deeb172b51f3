"""The head_model stage (analysis/head_model.py): the EEG gain written once, read by signals and study 2."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import yaml

from analysis import data
from analysis.common import InputError
from analysis.model import heads
from tests.conftest import run
from tools.workspace import prepare


def test_the_stage_writes_the_gain_of_a_radial_dipole_without_loss(tmp_path, tiny_params):
    root = prepare("tiny", tmp_path / "compendium")
    done = run([sys.executable, "-m", "analysis.head_model"], root)
    gain, nearest, head = data.read_head_gain(root / data.HEAD_MODEL_FILE)
    # docs/model.md §4: a dipole pointing out of the brain, just under the scalp, is seen most strongly and
    # positive at the electrode above it; the others see less (21 electrodes of the 10-20 system)
    assert len(gain) == 21 and head["nearest_electrode"] == head["electrodes"][nearest]
    assert gain[nearest] > 0 and abs(gain[nearest]) == np.max(np.abs(gain))
    # a few uV per 1e7 nA·um (the size of a cortical patch's dipole, Næss et al. 2021)
    assert 0.5 < gain[nearest] * 1e10 < 20
    # JSON carries every float64 bit: signals made from the file equal signals made from the model itself
    assert np.array_equal(gain, heads.eeg_gain(heads.make_head(tiny_params.eeg)))
    assert "wrote data/head_model.json" in done.stderr


def test_a_missing_head_file_is_one_line_before_anything_is_written(tmp_path):
    root = prepare("tiny", tmp_path / "compendium")
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["eeg"]["head_model"] = "nyhead"
    params["eeg"]["nyhead"]["file"] = "data/external/absent.mat"
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    done = run([sys.executable, "-m", "analysis.head_model"], root, expect=2, NYHEAD_FILE="")
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("error: ") and "absent.mat" in first and "eeg.head_model" in done.stderr
    assert not (root / data.HEAD_MODEL_FILE).exists()


def test_a_damaged_description_is_named(tmp_path):
    path = tmp_path / "head_model.json"
    path.write_text(json.dumps({"electrodes": ["O1", "O2"], "nearest_electrode": "Cz", "gain_mV_per_nAum": [1, 2]}))
    with pytest.raises(InputError, match=r"head_model.json: not a head model description .*re-run the head_model"):
        data.read_head_gain(path)
    path.write_text(json.dumps({"electrodes": ["O1", "O2"], "nearest_electrode": "O1", "gain_mV_per_nAum": [1]}))
    with pytest.raises(InputError, match=r"gain_mV_per_nAum must be 2 finite numbers, one per electrode"):
        data.read_head_gain(path)

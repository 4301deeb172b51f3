"""Content-level comparison of outputs (tools/compare.py): what differs when bytes differ."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from analysis.common import json_array, save_npz
from tools import compare


@pytest.fixture
def archived(tmp_path):
    path = tmp_path / "archived" / "j30.npz"
    arrays = {"spike_steps_E": np.array([3, 7, 7, 12], dtype=np.int32), "rates_Hz": np.array([6.1, 8.7]),
              "metadata": json_array({"key": "j30", "J_ext_pA": 29.67, "software": {"numpy": "2.4.6"}})}
    save_npz(path, **arrays)
    return path, arrays


def rewrite(path, arrays, compression=zipfile.ZIP_DEFLATED, level=None):
    """An .npz with the same arrays written another way (e.g. another zlib or no compression)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=level) as archive:
        for name, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


def test_the_same_file_is_identical_bytes(archived):
    path, _ = archived
    assert compare.verdict(path, path) == compare.Verdict("identical bytes")


def test_other_compression_is_identical_content(archived, tmp_path):
    path, arrays = archived
    stored = rewrite(tmp_path / "stored" / "j30.npz", arrays, zipfile.ZIP_STORED)
    assert stored.read_bytes() != path.read_bytes()
    assert compare.verdict(stored, path) == compare.Verdict("identical content", "compression")


def test_other_software_versions_in_metadata_are_identical_content(archived, tmp_path):
    path, arrays = archived
    other = dict(arrays, metadata=json_array({"key": "j30", "J_ext_pA": 29.67, "software": {"numpy": "2.5.0"}}))
    candidate = rewrite(tmp_path / "other" / "j30.npz", other)
    assert compare.verdict(candidate, path) == compare.Verdict("identical content", "metadata: software versions")


@pytest.mark.parametrize("change", ["spike", "drive", "dtype"])
def test_a_changed_array_or_parameter_is_different(archived, tmp_path, change):
    path, arrays = archived
    other = dict(arrays)
    if change == "spike":
        other["spike_steps_E"] = np.array([3, 7, 8, 12], dtype=np.int32)
    elif change == "drive":
        other["metadata"] = json_array({"key": "j30", "J_ext_pA": 30.17, "software": {"numpy": "2.4.6"}})
    else:
        other["spike_steps_E"] = other["spike_steps_E"].astype(np.int64)
    verdict = compare.verdict(rewrite(tmp_path / change / "j30.npz", other), path)
    assert verdict.kind == "different" and "differs" in verdict.reason


def test_directories_are_compared_file_by_file(archived, tmp_path):
    path, arrays = archived
    (path.parent / "kernels.json").write_text(json.dumps({"nu_X_Hz": [6.48, 9.61], "software": {"lfpykit": "0.6.2"}}))
    candidate = tmp_path / "candidate"
    rewrite(candidate / "j30.npz", arrays, zipfile.ZIP_STORED)
    (candidate / "kernels.json").write_text(json.dumps({"nu_X_Hz": [6.48, 9.61], "software": {"lfpykit": "0.7"}}))
    verdict = compare.verdict(candidate, path.parent)
    assert verdict == compare.Verdict("identical content", "compression; metadata: software versions")
    (candidate / "kernels.json").write_text(json.dumps({"nu_X_Hz": [6.5, 9.61], "software": {"lfpykit": "0.7"}}))
    assert compare.verdict(candidate, path.parent).kind == "different"


def test_check_hashes_reports_the_content_verdict_against_the_archived_output(archived, tmp_path):
    """check-hashes: a re-run whose bytes differ from dvc.lock is compared with the archived copy in the
    workspace; without one it cannot tell, and says so."""
    from tools.check_hashes import content_verdict
    from tools.lockfile import file_md5

    path, arrays = archived
    root, scratch = path.parent.parent, tmp_path / "scratch"
    out = {"path": "archived/j30.npz", "md5": file_md5(path)}
    rewrite(scratch / "archived" / "j30.npz", arrays, zipfile.ZIP_STORED)
    got = file_md5(scratch / "archived" / "j30.npz")
    assert content_verdict(scratch, root, out, out["md5"]) == "identical bytes"
    assert content_verdict(scratch, root, out, got) == "identical content (compression)"
    path.unlink()
    assert content_verdict(scratch, root, out, got).startswith("different (bytes; no archived copy")

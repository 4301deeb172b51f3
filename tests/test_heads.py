"""Head models (analysis/model/heads.py): four-sphere sanity and convergence, New York head loader vs LFPykit."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from analysis.model import heads
from analysis.common import InputError, sha256_file
from analysis.params import Eeg, profile_params
from tests.nyhead_synthetic import write_synthetic_nyhead

STUDY_LOCATION_MM = [-24.7, -103.3, -1.46]


@pytest.fixture(scope="module")
def eeg_params() -> Eeg:
    return profile_params("full").eeg


def with_eeg(eeg: Eeg, **changes) -> Eeg:
    """The eeg section with some keys changed (sub-sections merged), validated like params.yaml."""
    return profile_params("full").with_changes({"eeg": changes}).eeg


@pytest.fixture
def nyhead_file(tmp_path):
    return write_synthetic_nyhead(tmp_path / "sa_nyhead.mat")


# ------------------------------------------------------------------ four-sphere
def test_cortical_dipole_of_1e7_gives_single_digit_microvolts(eeg_params):
    head = heads.make_head(eeg_params)
    gain = heads.eeg_gain(head)
    nearest_uV = abs(gain[head.nearest_electrode()]) * 1e7 * 1000
    assert 1.0 <= nearest_uV < 10.0
    assert head.electrode_labels[head.nearest_electrode()] == "O1"  # left occipital dipole
    # the radial dipole is seen most strongly at the nearest electrode
    assert np.argmax(np.abs(gain)) == head.nearest_electrode()


def test_four_sphere_series_is_converged(eeg_params):
    """The series solution agrees with itself at a 1000x stricter truncation."""
    fs = eeg_params.four_sphere
    default = heads.FourSphereHead(fs.radii_mm, fs.conductivities_S_m, STUDY_LOCATION_MM,
                                   fs.dipole_depth_mm, fs.iter_factor)
    strict = heads.FourSphereHead(fs.radii_mm, fs.conductivities_S_m, STUDY_LOCATION_MM,
                                  fs.dipole_depth_mm, fs.iter_factor / 1000)
    gain, gain_strict = heads.eeg_gain(default), heads.eeg_gain(strict)
    np.testing.assert_allclose(gain, gain_strict, rtol=1e-4, atol=1e-6 * np.abs(gain_strict).max())


def test_four_sphere_geometry(eeg_params):
    head = heads.make_head(eeg_params)
    np.testing.assert_allclose(np.linalg.norm(head.dipole_position_um), 88_000.0)  # 1 mm below 89 mm
    np.testing.assert_allclose(np.linalg.norm(head.electrode_positions_um, axis=1), 100_000.0, rtol=1e-9)
    assert len(head.electrode_labels) == 21 and len(set(head.electrode_labels)) == 21
    direction = np.asarray(STUDY_LOCATION_MM) / np.linalg.norm(STUDY_LOCATION_MM)
    np.testing.assert_allclose(head.orientation, direction)


def test_ten_twenty_positions_are_symmetric():
    labels, directions = heads.ten_twenty_directions()
    position = dict(zip(labels, directions))
    for left, right in [("Fp1", "Fp2"), ("F7", "F8"), ("F3", "F4"), ("T7", "T8"), ("C3", "C4"), ("P3", "P4"),
                        ("P7", "P8"), ("O1", "O2")]:
        np.testing.assert_allclose(position[left] * [-1, 1, 1], position[right], atol=1e-12)
    np.testing.assert_allclose(position["Cz"], [0, 0, 1])
    np.testing.assert_allclose(np.linalg.norm(directions, axis=1), 1.0)


@pytest.mark.parametrize("target", [[0, 0, 1], [0, 0, -1], [1, 2, 3], [-0.2, -0.97, -0.01]])
def test_rotation_from_z_is_a_rotation_onto_the_target(target):
    rotation = heads.rotation_from_z(np.array(target, dtype=float))
    np.testing.assert_allclose(rotation @ [0, 0, 1], np.array(target) / np.linalg.norm(target), atol=1e-15)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-15)
    assert np.linalg.det(rotation) == pytest.approx(1.0)


def test_eeg_is_gain_times_cdm():
    gain = np.array([1e-10, -2e-10])
    cdm = np.array([0.0, 1e6, -3e6])
    np.testing.assert_allclose(heads.eeg_from_cdm(cdm, gain), [[0.0, 1e-4, -3e-4], [0.0, -2e-4, 6e-4]], rtol=1e-15)


# ------------------------------------------------------------------ New York head
def test_nyhead_loader_matches_lfpykit(nyhead_file):
    from lfpykit.eegmegcalc import NYHeadModel

    ours = heads.NYHead(nyhead_file, STUDY_LOCATION_MM, 2.0, sha256_file(nyhead_file))
    theirs = NYHeadModel(nyhead_file=str(nyhead_file))
    theirs.set_dipole_pos(np.array(STUDY_LOCATION_MM))
    assert ours.vertex == theirs.vertex_idx == 17
    rotation_theirs = theirs.rotate_dipole_to_surface_normal(np.eye(3), orig_ax_vec=np.array([0.0, 0.0, 1.0]))
    np.testing.assert_allclose(ours.rotation(), rotation_theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.transformation(), theirs.get_transformation_matrix(), rtol=1e-12, atol=0)
    p = np.zeros((3, 50))
    p[2] = np.linspace(-1e6, 1e6, 50)
    eeg_theirs = theirs.get_transformation_matrix() @ theirs.rotate_dipole_to_surface_normal(
        p, orig_ax_vec=np.array([0.0, 0.0, 1.0]))
    eeg_ours = heads.eeg_from_cdm(p[2], heads.eeg_gain(ours))
    np.testing.assert_allclose(eeg_ours, eeg_theirs, rtol=0, atol=1e-12 * np.abs(eeg_theirs).max())
    assert ours.nearest_electrode() == theirs.find_closest_electrode()[1]
    assert ours.electrode_labels == [f"E{i:03d}" for i in range(12)]


def test_nyhead_two_millimetre_rule(tmp_path):
    far = write_synthetic_nyhead(tmp_path / "far.mat", vertex_offset_mm=2.5)
    with pytest.raises(ValueError, match=r"2.50 mm from the nearest cortex vertex.*max_vertex_distance_mm = 2.0"):
        heads.NYHead(far, STUDY_LOCATION_MM, 2.0, sha256_file(far))


def test_missing_nyhead_file_says_what_to_do(tmp_path, eeg_params):
    params = with_eeg(eeg_params, head_model="nyhead", nyhead={"file": str(tmp_path / "no.mat")})
    with pytest.raises(heads.HeadModelFileError) as err:
        heads.make_head(params)
    message = str(err.value)
    for needed in ("not found", str(tmp_path / "no.mat"), "NYHEAD_FILE", "Huang", "10.1016/j.neuroimage.2015.12.019",
                   "GPL-3", "tools.nyhead_hash", "dvc add", "dvc import-url", "four_sphere"):
        assert needed in message


def test_wrong_or_unpinned_checksum_is_refused(nyhead_file, eeg_params):
    with pytest.raises(heads.HeadModelFileError, match=r"sha256 [0-9a-f]{64} differs from eeg.nyhead.sha256"):
        heads.NYHead(nyhead_file, STUDY_LOCATION_MM, 2.0, "0" * 64)
    with pytest.raises(heads.HeadModelFileError, match=r"sha256 is not pinned"):
        heads.NYHead(nyhead_file, STUDY_LOCATION_MM, 2.0, None)


def test_environment_variable_overrides_the_path(monkeypatch, nyhead_file, eeg_params):
    monkeypatch.setenv("NYHEAD_FILE", str(nyhead_file))
    params = with_eeg(eeg_params, head_model="nyhead",
                      nyhead={"file": "nowhere.mat", "sha256": sha256_file(nyhead_file)})
    assert heads.make_head(params).path == nyhead_file


def test_no_network_call_is_attempted(monkeypatch, tmp_path, nyhead_file):
    """Neither a missing file nor a present one makes the loader touch the network."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with pytest.raises(heads.HeadModelFileError):
        heads.NYHead(tmp_path / "missing.mat", STUDY_LOCATION_MM, 2.0, "0" * 64)
    head = heads.NYHead(nyhead_file, STUDY_LOCATION_MM, 2.0, sha256_file(nyhead_file))
    assert head.transformation().shape == (12, 3)
    assert attempts == []


def homogeneous_sphere_radial_dipole_mV(p_nAum: float, r0_um: float, R_um: float, theta: float,
                                        sigma_S_m: float) -> float:
    """Closed form: potential on the surface of a homogeneous conducting sphere (radius R, insulating outside) of
    a radial dipole p at distance r0 from its centre, at polar angle theta from the dipole's axis (Frank 1952):
    phi = p / (4 pi sigma) [2 (R cos(theta) - r0) / d^3 + 1 / (r0 d) - 1 / (r0 R)], d^2 = R^2 + r0^2 - 2 R r0 cos."""
    p, r0, R = p_nAum * 1e-15, r0_um * 1e-6, R_um * 1e-6  # A m, m, m
    d = np.sqrt(R**2 + r0**2 - 2 * R * r0 * np.cos(theta))
    volts = p / (4 * np.pi * sigma_S_m) * (2 * (R * np.cos(theta) - r0) / d**3 + 1 / (r0 * d) - 1 / (r0 * R))
    return volts * 1e3


def test_four_sphere_with_equal_conductivities_is_the_homogeneous_sphere_closed_form(eeg_params):
    """Limit case pinning the forward model: with all four conductivities equal the four-sphere series must give
    the classic homogeneous-sphere potential at every 10-20 electrode (a dependency upgrade that changes the
    series fails here, naming the quantity)."""
    head = heads.make_head(with_eeg(eeg_params, four_sphere={"conductivities_S_m": [0.33] * 4}))
    gain = heads.eeg_gain(head)  # mV per nA um of a radial dipole
    r0 = np.linalg.norm(head.dipole_position_um)
    R = head.radii_um[3]
    cos_theta = head.electrode_positions_um @ head.orientation / np.linalg.norm(head.electrode_positions_um, axis=1)
    expected = np.array([homogeneous_sphere_radial_dipole_mV(1.0, r0, R, np.arccos(np.clip(c, -1, 1)), 0.33)
                         for c in cos_theta])
    np.testing.assert_allclose(gain, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max(),
                               err_msg="four-sphere EEG gain (mV per nA um) vs the homogeneous-sphere closed form")


def test_homogeneous_sphere_closed_form_limits():
    """The closed form itself: 3x the infinite-medium value for a central dipole, 2x for a shallow one."""
    sigma, R = 0.33, 1e5
    infinite = lambda r: 1e-15 / (4 * np.pi * sigma * (r * 1e-6) ** 2) * 1e3  # noqa: E731  mV at distance r um
    assert homogeneous_sphere_radial_dipole_mV(1.0, 1.0, R, 0.0, sigma) == pytest.approx(3 * infinite(R), rel=1e-4)
    assert homogeneous_sphere_radial_dipole_mV(1.0, R - 100.0, R, 0.0, sigma) == pytest.approx(2 * infinite(100.0),
                                                                                               rel=2e-3)


def test_a_pinned_file_that_is_not_a_head_file_is_one_line(tmp_path):
    """The checksum pins bytes, not meaning: an HTML page or an HDF5 file without the head's datasets is refused with
    the file and what it lacks, not an OSError or KeyError from h5py."""
    import h5py

    page = tmp_path / "sa_nyhead.mat"
    page.write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    with pytest.raises(InputError) as err:
        heads.NYHead(page, STUDY_LOCATION_MM, 2.0, sha256_file(page))
    assert str(err.value).startswith(f"{page}: not a New York head file: not HDF5 (MATLAB v7.3) but 50 bytes "
                                     "starting b'<!DOCTYPE html>'")
    other = tmp_path / "other.mat"
    with h5py.File(other, "w") as handle:
        handle["x"] = np.zeros(3)
    with pytest.raises(InputError, match=r"other.mat: not a New York head file: lacks the dataset sa/cortex75K/vc"):
        heads.NYHead(other, STUDY_LOCATION_MM, 2.0, sha256_file(other))


def test_missing_file_names_its_path_and_the_setting_in_the_first_line(monkeypatch, tmp_path):
    monkeypatch.setenv("NYHEAD_FILE", str(tmp_path / "gone.mat"))
    with pytest.raises(heads.HeadModelFileError) as err:
        heads.verify_nyhead_file(heads.resolve_nyhead_file("data/external/sa_nyhead.mat"), "0" * 64)
    assert str(err.value).splitlines()[0].startswith(
        f"{tmp_path / 'gone.mat'}: New York head file not found (named by the environment variable NYHEAD_FILE)")


def test_nyhead_hash_hashes_its_argument_and_refuses_an_error_page(monkeypatch, tmp_path, nyhead_file):
    from tools import nyhead_hash

    monkeypatch.setenv("NYHEAD_FILE", str(tmp_path / "elsewhere.mat"))
    assert nyhead_hash.main([str(nyhead_file)]) == 0          # the argument, not NYHEAD_FILE
    page = tmp_path / "download.mat"
    page.write_text("<html>rate limited</html>")
    assert nyhead_hash.main([str(page)]) == 2

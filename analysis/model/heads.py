"""Head models: from the current dipole moment (nA·um) to EEG (mV) at scalp electrodes (docs/model.md §4).

Each head model is a small class with one job: place the dipole and give the matrix M (n_electrodes, 3)
with EEG = M @ p, and the dipole's orientation (the cells' +z axis in head coordinates).

  FourSphereHead  offline default: LFPykit's FourSphereVolumeConductor (Næss et al. 2017)
  NYHead          the New York head (Huang et al. 2016) from a user-supplied sa_nyhead.mat, read slice-wise

With one dipole p(t) = orientation * CDM(t), every channel is a constant times the CDM:
EEG_channel(t) = gain_channel * CDM(t) with gain = M @ orientation.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from analysis.common import InputError, sha256_file

# Approximate 10-20 positions on a sphere: polar angle from the vertex (deg), azimuth from +x (right) towards
# +y (nose) (deg). Midline and the 72-degree ring follow the 10 %/20 % arc rule exactly; F3/F4, P3/P4 are the
# great-circle midpoints between the midline and the ring.
_RING_DEG = 72.0
_TEN_TWENTY = {
    "Fp1": (_RING_DEG, 108.0), "Fpz": (_RING_DEG, 90.0), "Fp2": (_RING_DEG, 72.0),
    "F7": (_RING_DEG, 144.0), "Fz": (36.0, 90.0), "F8": (_RING_DEG, 36.0),
    "T7": (_RING_DEG, 180.0), "C3": (36.0, 180.0), "Cz": (0.0, 0.0), "C4": (36.0, 0.0), "T8": (_RING_DEG, 0.0),
    "P7": (_RING_DEG, 216.0), "Pz": (36.0, 270.0), "P8": (_RING_DEG, 324.0),
    "O1": (_RING_DEG, 252.0), "Oz": (_RING_DEG, 270.0), "O2": (_RING_DEG, 288.0),
}
_MIDPOINTS = {"F3": ("Fz", "F7"), "F4": ("Fz", "F8"), "P3": ("Pz", "P7"), "P4": ("Pz", "P8")}
TEN_TWENTY_ORDER = ("Fp1", "Fpz", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
                    "P7", "P3", "Pz", "P4", "P8", "O1", "Oz", "O2")


def _unit(polar_deg: float, azimuth_deg: float) -> np.ndarray:
    polar, azimuth = np.deg2rad(polar_deg), np.deg2rad(azimuth_deg)
    return np.array([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)])


def ten_twenty_directions() -> tuple[list[str], np.ndarray]:
    """The 21 standard 10-20 electrodes on a unit sphere; x right, y nose, z up.

    Returns
    -------
    labels : list of str
        TEN_TWENTY_ORDER.
    directions : ndarray (21, 3)
        Unit vectors.
    """
    directions = {name: _unit(*angles) for name, angles in _TEN_TWENTY.items()}
    for name, (a, b) in _MIDPOINTS.items():
        middle = directions[a] + directions[b]
        directions[name] = middle / np.linalg.norm(middle)
    return list(TEN_TWENTY_ORDER), np.array([directions[name] for name in TEN_TWENTY_ORDER])


def rotation_from_z(target: np.ndarray) -> np.ndarray:
    """Rodrigues rotation matrix R with R @ [0, 0, 1] = target / |target| (docs/model.md §4, New York head).

    Parameters
    ----------
    target : ndarray (3,)
        Any non-zero vector.

    Returns
    -------
    ndarray (3, 3)

    Examples
    --------
    >>> (rotation_from_z(np.array([0.0, 3.0, 0.0])) @ [0, 0, 1]).round(12) + 0.0
    array([0., 1., 0.])
    """
    target = np.asarray(target, dtype=np.float64) / np.linalg.norm(target)
    z = np.array([0.0, 0.0, 1.0])
    cos_angle = float(np.clip(np.dot(z, target), -1.0, 1.0))
    axis = np.cross(z, target)
    sin_angle = np.linalg.norm(axis)
    if sin_angle < 1e-12:
        # parallel: identity; antiparallel: half a turn about x
        return np.eye(3) if cos_angle > 0 else np.diag([1.0, -1.0, -1.0])
    x, y, w = axis / sin_angle
    cross = np.array([[0.0, -w, y], [w, 0.0, -x], [-y, x, 0.0]])
    return cos_angle * np.eye(3) + sin_angle * cross + (1 - cos_angle) * np.outer([x, y, w], [x, y, w])


class FourSphereHead:
    """Four concentric spheres (brain, CSF, skull, scalp); the dipole sits `depth_mm` below the brain surface
    along the direction of the MNI location from the sphere centre, oriented radially (cells' +z outward).

    Parameters
    ----------
    radii_mm : sequence of 4 floats
        Outer radii of brain, CSF, skull, scalp (mm).
    conductivities_S_m : sequence of 4 floats
        Their conductivities (S/m).
    dipole_location_mni_mm : sequence of 3 floats
        The direction of the dipole from the centre (mm; any non-zero vector).
    dipole_depth_mm : float
        Below the brain surface (mm), in (0, brain radius).
    iter_factor : float
        LFPykit's series truncation criterion.
    """

    def __init__(self, radii_mm, conductivities_S_m, dipole_location_mni_mm, dipole_depth_mm: float,
                 iter_factor: float = 2.0 / 99.0 * 1e-6):
        self.radii_um = np.asarray(radii_mm, dtype=np.float64) * 1000.0
        self.conductivities = np.asarray(conductivities_S_m, dtype=np.float64)
        direction = np.asarray(dipole_location_mni_mm, dtype=np.float64)
        if np.linalg.norm(direction) == 0:
            raise ValueError("dipole_location_mni_mm = [0, 0, 0] is invalid; accepted: any point but the sphere centre")
        self.orientation = direction / np.linalg.norm(direction)
        if not 0 < dipole_depth_mm < radii_mm[0]:
            raise ValueError(f"dipole_depth_mm = {dipole_depth_mm} is invalid; accepted: "
                             f"0 < depth < brain radius {radii_mm[0]} mm")
        self.dipole_position_um = self.orientation * (self.radii_um[0] - dipole_depth_mm * 1000.0)
        self.electrode_labels, directions = ten_twenty_directions()
        # on the scalp surface; the factor keeps rounding from putting |r| a hair outside the head
        self.electrode_positions_um = directions * self.radii_um[3] * (1 - 1e-12)
        self.iter_factor = iter_factor

    def transformation(self) -> np.ndarray:
        """EEG per unit dipole moment (LFPykit's FourSphereVolumeConductor).

        Returns
        -------
        ndarray (electrodes, 3)
            mV per nA·um of dipole moment along x, y, z.
        """
        from lfpykit.eegmegcalc import FourSphereVolumeConductor

        model = FourSphereVolumeConductor(self.electrode_positions_um, radii=list(self.radii_um),
                                          sigmas=list(self.conductivities), iter_factor=self.iter_factor)
        return model.get_transformation_matrix(self.dipole_position_um)

    def nearest_electrode(self) -> int:
        """The index of the electrode nearest the dipole (the study's channel, docs/model.md §4).

        Returns
        -------
        int
        """
        distances = np.linalg.norm(self.electrode_positions_um - self.dipole_position_um, axis=1)
        return int(np.argmin(distances))


# ------------------------------------------------------------------ New York head (user-supplied file)
NYHEAD_HOWTO = """\
The New York head file is needed because params.yaml sets eeg.head_model: nyhead.
  expected at: {path}   (params.yaml eeg.nyhead.file, or the environment variable NYHEAD_FILE)
  what it is:  sa_nyhead.mat (~710 MB, MATLAB v7.3/HDF5), the New York head of Huang, Parra & Haufe (2016),
               NeuroImage 140:150-162, doi:10.1016/j.neuroimage.2015.12.019; licence GPL-3; distributed by
               the head model's authors (Parra lab). This compendium never downloads it.
  then:        pin its checksum: python -m tools.nyhead_hash {path}   (copy the sha256 into params.yaml)
               and register it with DVC: dvc add {path}   (or dvc import-url <the authors' address> {path})
  or:          set eeg.head_model: four_sphere, which runs offline."""


class HeadModelFileError(FileNotFoundError):
    """The New York head file is missing, unpinned or not the pinned one; the message says what to do."""


# what NYHead reads, with the rank of each dataset (h5py's order, MATLAB's reversed: tests/nyhead_synthetic.py)
NYHEAD_DATASETS = {"sa/cortex75K/vc": 2, "sa/cortex75K/normals": 2, "sa/cortex75K/V_fem": 3, "sa/locs_3D": 2,
                   "sa/clab_electrodes": 2}


def resolve_nyhead_file(configured: str) -> Path:
    """The New York head file: NYHEAD_FILE if set, else the configured path.

    Parameters
    ----------
    configured : str
        eeg.nyhead.file.

    Returns
    -------
    Path
    """
    return Path(os.environ.get("NYHEAD_FILE") or configured)


def nyhead_file_source() -> str:
    """Which setting named the New York head file: NYHEAD_FILE wins over params.yaml.

    Returns
    -------
    str
        A phrase for messages.
    """
    if os.environ.get("NYHEAD_FILE"):
        return "the environment variable NYHEAD_FILE"
    return "params.yaml eeg.nyhead.file"


def check_nyhead_structure(path: Path) -> None:
    """An InputError of one line unless `path` is an HDF5 (MATLAB v7.3) file with the datasets NYHead reads.

    Catches what a checksum alone cannot at pinning time: an HTML error page or a truncated download saved under
    the file's name.

    Parameters
    ----------
    path : Path
        The file.

    Raises
    ------
    InputError
        Not HDF5, a dataset missing, or a dataset of the wrong rank.
    """
    import h5py

    if not h5py.is_hdf5(path):
        size = path.stat().st_size
        start = path.read_bytes()[:15] if size else b""
        raise InputError(f"{path}: not a New York head file: not HDF5 (MATLAB v7.3) but {size} bytes starting "
                         f"{start!r}; get sa_nyhead.mat again from the head model's authors")
    with h5py.File(path, "r") as handle:
        for name, rank in NYHEAD_DATASETS.items():
            if name not in handle or not isinstance(handle[name], h5py.Dataset):
                raise InputError(f"{path}: not a New York head file: lacks the dataset {name}; get sa_nyhead.mat "
                                 "again from the head model's authors")
            if handle[name].ndim != rank:
                raise InputError(f"{path}: {name} has shape {handle[name].shape}; expected {rank} dimensions")


def verify_nyhead_file(path: Path, expected_sha256: str | None) -> None:
    """Stop with what to do unless the file exists and has the pinned sha256.

    Parameters
    ----------
    path : Path
        The file.
    expected_sha256 : str or None
        eeg.nyhead.sha256 (None: not pinned, refused).

    Raises
    ------
    HeadModelFileError
        Missing, unpinned or a different file.
    """
    if not path.is_file():
        raise HeadModelFileError(f"{path}: New York head file not found (named by {nyhead_file_source()}); supply "
                                 f"sa_nyhead.mat yourself or set eeg.head_model: four_sphere\n"
                                 f"{NYHEAD_HOWTO.format(path=path)}")
    if not expected_sha256:
        raise HeadModelFileError(f"eeg.nyhead.sha256 is not pinned in params.yaml; it must be, so that results "
                                 f"name the exact head model.\n{NYHEAD_HOWTO.format(path=path)}")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise HeadModelFileError(f"{path}: sha256 {actual} differs from eeg.nyhead.sha256 = {expected_sha256} "
                                 f"(a different or damaged file).\n{NYHEAD_HOWTO.format(path=path)}")


def read_matlab_strings(handle, dataset) -> list[str]:
    """A MATLAB v7.3 cell array of strings: object references to uint16 character arrays.

    Parameters
    ----------
    handle : h5py.File
        The open file.
    dataset : h5py.Dataset
        The cell array (object references).

    Returns
    -------
    list of str
    """
    return ["".join(chr(int(c)) for c in np.asarray(handle[ref]).ravel()) for ref in np.asarray(dataset).ravel()]


class NYHead:
    """The New York head lead field at the cortex vertex nearest the dipole location (docs/model.md §4).

    Reads only what it needs: vertices and normals (3 x 74382), one vertex's lead field (3 x 231) and the
    electrodes; never the whole ~550 MB lead field.

    Parameters
    ----------
    path : Path
        sa_nyhead.mat.
    dipole_location_mni_mm : sequence of 3 floats
        MNI coordinates (mm); the nearest cortex vertex is used.
    max_vertex_distance_mm : float
        The farthest that vertex may be (mm).
    expected_sha256 : str, optional
        The pinned checksum.
    verify : bool
        Check the file's checksum first (tests of synthetic files skip it).
    """

    def __init__(self, path, dipole_location_mni_mm, max_vertex_distance_mm: float = 2.0,
                 expected_sha256: str | None = None, verify: bool = True):
        import h5py

        self.path = Path(path)
        if verify:
            verify_nyhead_file(self.path, expected_sha256)
        check_nyhead_structure(self.path)
        location = np.asarray(dipole_location_mni_mm, dtype=np.float64)
        with h5py.File(self.path, "r") as handle:
            sa = handle["sa"]
            vertices = np.asarray(sa["cortex75K"]["vc"])  # (3, n_vertices) mm
            self.vertex = int(np.argmin(np.sum((vertices - location[:, None]) ** 2, axis=0)))
            self.dipole_position_mm = vertices[:, self.vertex]
            self.vertex_distance_mm = float(np.linalg.norm(self.dipole_position_mm - location))
            if self.vertex_distance_mm > max_vertex_distance_mm:
                raise ValueError(f"dipole_location_mni_mm = {location.tolist()} is "
                                 f"{self.vertex_distance_mm:.2f} mm from the nearest cortex vertex "
                                 f"{self.dipole_position_mm.tolist()}; accepted: <= "
                                 f"max_vertex_distance_mm = {max_vertex_distance_mm} mm")
            normal = np.asarray(sa["cortex75K"]["normals"][:, self.vertex], dtype=np.float64)
            self.orientation = normal / np.linalg.norm(normal)
            self.lead_field = np.asarray(sa["cortex75K"]["V_fem"][:, self.vertex, :], dtype=np.float64)  # (3, 231)
            self.electrode_positions_mm = np.asarray(sa["locs_3D"][:3, :], dtype=np.float64).T
            self.electrode_labels = read_matlab_strings(handle, sa["clab_electrodes"])

    def rotation(self) -> np.ndarray:
        """The rotation that turns the cells' +z axis onto the vertex normal.

        Returns
        -------
        ndarray (3, 3)
        """
        return rotation_from_z(self.orientation)

    def transformation(self) -> np.ndarray:
        """EEG per unit dipole moment: the vertex's lead field times 1e-9 (docs/model.md §4).

        Returns
        -------
        ndarray (231, 3)
            mV per nA·um of dipole moment along x, y, z.
        """
        return self.lead_field.T * 1e-9

    def nearest_electrode(self) -> int:
        """The index of the electrode nearest the dipole.

        Returns
        -------
        int
        """
        return int(np.argmin(np.linalg.norm(self.electrode_positions_mm - self.dipole_position_mm, axis=1)))


def make_head(eeg_params) -> FourSphereHead | NYHead:
    """The head model named by eeg.head_model, set up from params.yaml's eeg section.

    Parameters
    ----------
    eeg_params : Eeg
        The `eeg` section.

    Returns
    -------
    FourSphereHead or NYHead
    """
    kind = eeg_params.head_model
    if kind == "four_sphere":
        fs = eeg_params.four_sphere
        return FourSphereHead(fs.radii_mm, fs.conductivities_S_m, eeg_params.dipole_location_mni_mm,
                              fs.dipole_depth_mm, fs.iter_factor)
    if kind == "nyhead":
        ny = eeg_params.nyhead
        return NYHead(resolve_nyhead_file(ny.file), eeg_params.dipole_location_mni_mm,
                      ny.max_vertex_distance_mm, ny.sha256)
    raise ValueError(f"head_model = {kind!r} is invalid; accepted: four_sphere | nyhead")


def eeg_gain(head) -> np.ndarray:
    """EEG per unit CDM at every electrode, for the dipole along the head's orientation.

    Parameters
    ----------
    head : FourSphereHead or NYHead
        The head model.

    Returns
    -------
    ndarray (electrodes,)
        mV per nA·um: EEG = gain * CDM.
    """
    return head.transformation() @ head.orientation


def eeg_from_cdm(cdm_nAum: np.ndarray, gain_mV_per_nAum: np.ndarray) -> np.ndarray:
    """EEG at every electrode from the CDM of one dipole (docs/model.md §4).

    Parameters
    ----------
    cdm_nAum : array (time,)
        The dipole moment along the head model's orientation, nA·um.
    gain_mV_per_nAum : array (electrodes,)
        EEG per unit dipole moment, mV per nA·um (eeg_gain).

    Returns
    -------
    array (electrodes, time)
        EEG in mV.

    Examples
    --------
    A 10^7 nA·um dipole under a gain of 1.77e-10 mV per nA·um gives 1.77 uV:

    >>> float(eeg_from_cdm(np.array([1e7]), np.array([1.77e-10]))[0, 0] * 1e3)
    1.77
    """
    return np.outer(gain_mV_per_nAum, np.asarray(cdm_nAum, dtype=np.float64))

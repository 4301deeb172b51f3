"""A generator of small synthetic New York head files with the real HDF5 layout (docs/model.md §4).

Layout of sa_nyhead.mat (MATLAB v7.3 = HDF5 with a 512-byte MATLAB header; h5py shows MATLAB's dimensions
reversed): sa/cortex75K/{vc (3, V), normals (3, V), V_fem (3, V, E), V_fem_normal (V, E)}, sa/locs_3D (5, E)
with rows 0-2 = xyz in mm, sa/clab_electrodes = a MATLAB cell of strings (object references to uint16
character arrays in '#refs#'). Values are random but reproducible (seeded).
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

MATLAB_HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 1970 HDF5 schema 1.00 ."


def write_synthetic_nyhead(path: Path, n_vertices: int = 500, n_electrodes: int = 12, seed: int = 3,
                           vertex_at_mm=(-24.7, -103.3, -1.46), vertex_offset_mm: float = 0.5) -> Path:
    rng = np.random.default_rng(seed)
    vertices = rng.uniform(-80, 80, size=(3, n_vertices))
    # one vertex close to the study's dipole location, the rest far away
    target = np.asarray(vertex_at_mm) + np.array([vertex_offset_mm, 0.0, 0.0])
    vertices[:, 17] = target
    normals = rng.normal(size=(3, n_vertices))
    normals /= np.linalg.norm(normals, axis=0)
    lead_field = rng.normal(scale=1e-1, size=(3, n_vertices, n_electrodes))
    electrodes = rng.normal(size=(3, n_electrodes))
    electrodes = 95 * electrodes / np.linalg.norm(electrodes, axis=0)
    locs = np.vstack([electrodes, rng.normal(size=(2, n_electrodes))])
    labels = [f"E{i:03d}" for i in range(n_electrodes)]

    with h5py.File(path, "w", userblock_size=512) as handle:
        refs_group = handle.create_group("#refs#")
        sa = handle.create_group("sa")
        cortex = sa.create_group("cortex75K")
        cortex["vc"] = vertices
        cortex["normals"] = normals
        cortex["V_fem"] = lead_field
        cortex["V_fem_normal"] = np.einsum("kve,kv->ve", lead_field, normals)
        sa["locs_3D"] = locs
        refs = np.empty((n_electrodes, 1), dtype=h5py.ref_dtype)
        for i, label in enumerate(labels):
            chars = refs_group.create_dataset(f"c{i}", data=np.array([[ord(c)] for c in label], dtype=np.uint16))
            chars.attrs["MATLAB_class"] = np.bytes_("char")
            refs[i, 0] = chars.ref
        cell = sa.create_dataset("clab_electrodes", data=refs, dtype=h5py.ref_dtype)
        cell.attrs["MATLAB_class"] = np.bytes_("cell")
    with open(path, "r+b") as raw:  # the MATLAB text header lives in the userblock
        raw.write(MATLAB_HEADER.ljust(116, b" "))
    return path

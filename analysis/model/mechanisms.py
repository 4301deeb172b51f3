"""Compile and load our NMODL mechanisms (analysis/model/mod/*.mod) for NEURON.

`python -m analysis.model.mechanisms` compiles them with nrnivmodl into build/nrnmech/ (ignored by git) unless an
up-to-date build is there. A build is up to date when its BUILD_INFO names the same sha256 of every .mod
file and the same NEURON version; anything else is rebuilt, never loaded silently.
"""
from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from analysis.common import REPO_ROOT, get_logger, print_error

MOD_DIR = REPO_ROOT / "analysis" / "model" / "mod"
BUILD_DIR = REPO_ROOT / "build" / "nrnmech"
MECHANISMS = ("NaTa_t_frozen", "SKv3_1_frozen", "Ih_linearized", "Exp2SynI")


class MechanismError(RuntimeError):
    """The NMODL mechanisms cannot be built or loaded; the message names what is missing."""


def build_info(mod_dir: Path = MOD_DIR) -> dict:
    """What a build must have been made from: hashes of the .mod files and the NEURON version.

    Parameters
    ----------
    mod_dir : Path
        The folder of .mod files.

    Returns
    -------
    dict
        neuron (version), machine, mod_sha256 (file name -> sha256).
    """
    import neuron

    mods = sorted(mod_dir.glob("*.mod"))
    if not mods:
        raise MechanismError(f"no .mod files in {mod_dir}")
    return {"neuron": neuron.__version__, "machine": platform.machine(),
            "mod_sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mods}}


def library_path(build_dir: Path = BUILD_DIR) -> Path:
    """The compiled library nrnivmodl writes.

    Parameters
    ----------
    build_dir : Path
        The build folder.

    Returns
    -------
    Path
    """
    return build_dir / platform.machine() / "libnrnmech.so"


def is_current(build_dir: Path = BUILD_DIR, mod_dir: Path = MOD_DIR) -> bool:
    """Whether the build exists and was made from these .mod files with this NEURON.

    Parameters
    ----------
    build_dir : Path
        The build folder.
    mod_dir : Path
        The folder of .mod files.

    Returns
    -------
    bool
    """
    info_file = build_dir / "BUILD_INFO.json"
    if not (info_file.is_file() and library_path(build_dir).is_file()):
        return False
    return json.loads(info_file.read_text()) == build_info(mod_dir)


def check_build_tools() -> None:
    """What nrnivmodl needs besides NEURON, checked before it runs so that a missing system package is named.

    nrnivmodl compiles with the C and C++ compilers and links against the Python shared library, which Debian and
    Ubuntu ship in its own package (libpython3.11), not with python3 (README "The two commands").
    """
    from find_libpython import find_libpython

    missing = [tool for tool in ("gcc", "g++", "make") if shutil.which(tool) is None]
    if missing:
        raise MechanismError(f"nrnivmodl needs {', '.join(missing)}, not found on PATH; on Debian/Ubuntu: "
                             "apt-get install gcc g++ make")
    if find_libpython() is None:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise MechanismError(f"nrnivmodl needs the Python shared library (libpython{version}.so) of "
                             f"{sys.executable}, not found; on Debian/Ubuntu: apt-get install libpython{version}")


def compile_mechanisms(build_dir: Path = BUILD_DIR, mod_dir: Path = MOD_DIR, logger=None) -> Path:
    """Run nrnivmodl in a fresh build directory.

    Parameters
    ----------
    build_dir : Path
        Emptied first.
    mod_dir : Path
        The folder of .mod files.
    logger : logging.Logger, optional
        Gets the command.

    Returns
    -------
    Path
        `build_dir`.

    Raises
    ------
    MechanismError
        With nrnivmodl's output, if it fails.
    """
    logger = logger or get_logger("mechanisms")
    check_build_tools()
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
    command = [str(nrnivmodl) if nrnivmodl.exists() else "nrnivmodl", str(mod_dir)]
    logger.info("compiling %d mechanisms: %s", len(list(mod_dir.glob('*.mod'))), " ".join(command))
    done = subprocess.run(command, cwd=build_dir, capture_output=True, text=True)
    if done.returncode != 0 or not library_path(build_dir).is_file():
        raise MechanismError(f"nrnivmodl failed in {build_dir} (exit {done.returncode}); is gcc installed?\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    (build_dir / "BUILD_INFO.json").write_text(json.dumps(build_info(mod_dir), indent=2, sort_keys=True))
    return build_dir


def ensure_compiled(build_dir: Path = BUILD_DIR, mod_dir: Path = MOD_DIR, logger=None) -> Path:
    """Compile unless the build is current (`is_current`).

    Parameters
    ----------
    build_dir : Path
        The build folder.
    mod_dir : Path
        The folder of .mod files.
    logger : logging.Logger, optional
        Says whether it compiled.

    Returns
    -------
    Path
        `build_dir`.
    """
    logger = logger or get_logger("mechanisms")
    if is_current(build_dir, mod_dir):
        logger.info("mechanisms up to date in %s", build_dir)
        return build_dir
    if build_dir.exists():
        logger.info("build in %s is stale or incomplete (mod files or NEURON changed): rebuilding", build_dir)
    return compile_mechanisms(build_dir, mod_dir, logger)


def load(build_dir: Path = BUILD_DIR, mod_dir: Path = MOD_DIR) -> None:
    """Compile if needed, then load the mechanisms into this process's NEURON (once).

    Parameters
    ----------
    build_dir : Path
        The build folder.
    mod_dir : Path
        The folder of .mod files.
    """
    import neuron

    loaded = _loaded_density_mechanisms()
    if all(name in loaded or hasattr(neuron.h, name) for name in MECHANISMS):
        return
    ensure_compiled(build_dir, mod_dir)
    if not neuron.load_mechanisms(str(build_dir), warn_if_already_loaded=False):
        raise MechanismError(f"NEURON could not load the mechanisms from {build_dir}")


def _loaded_density_mechanisms() -> set[str]:
    import neuron

    names = set()
    table = neuron.h.MechanismType(0)
    name = neuron.h.ref("")
    for i in range(int(table.count())):
        table.select(i)
        table.selected(name)
        names.add(name[0])
    return names


def main() -> int:
    """`python -m analysis.model.mechanisms`: compile if needed (make setup runs it).

    Returns
    -------
    int
        0, or 2 with one line on stderr when the build is impossible.
    """
    try:
        ensure_compiled()
    except MechanismError as err:
        print_error(err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Static checks of the pinned environment: the locks, environment.yml and the Dockerfile agree and are clean.

The container itself is built and run by `make container-check`, and the set-up on a bare Debian 12 machine by
`make fresh-machine-test` (README "Proving the set-up"); conda-forge is not reachable from here, so
environment.yml is checked statically.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


# conda-forge packages whose name differs from the PyPI distribution's
CONDA_FORGE_TO_PYPI = {"dask-core": "dask"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """name -> version of a requirements file, plain (requirements.in) or hash-pinned (the locks)."""
    return {name: version for name, (version, _) in read_hashed_pins(path).items()}


def read_hashed_pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes) of a requirements file; continuation lines carry the hashes."""
    pins, name = {}, None
    for line in path.read_text().replace("\\\n", " ").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        assert "==" in requirement, f"{path.name}: '{requirement}' is not pinned with =="
        name, version = requirement.split("==")
        hashes = [option.removeprefix("--hash=sha256:") for option in options]
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), f"{path.name}: {name}: malformed {options}"
        pins[normalize(name)] = (version.strip(), hashes)
    return pins


def locked_versions() -> dict[str, str]:
    """Public versions of both locks: requirements.lock and torch's (2.13.0+cpu is torch 2.13.0)."""
    from packaging.version import Version

    torch = {name: Version(v).public for name, v in read_pins(ROOT / "requirements-torch.lock").items()}
    return {**read_pins(ROOT / "requirements.lock"), **torch}


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for pip_line in entry["pip"]:
                name, version = pip_line.split("==")
                pins[normalize(name)] = version
        else:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+=[0-9][^=]*", entry), f"environment.yml: '{entry}' is not pinned"
            name, version = entry.split("=")
            pins[CONDA_FORGE_TO_PYPI.get(normalize(name), normalize(name))] = version
    return pins


def conda_section_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    return {normalize(entry.split("=")[0]): entry.split("=")[1] for entry in env["dependencies"]
            if isinstance(entry, str)}


CONDA_FORGE = json.loads((ROOT / "tests" / "reference" / "conda_forge.json").read_text())


def test_every_conda_pin_is_a_conda_forge_package_in_its_version_scheme():
    """Each conda pin names a conda-forge package (its feedstock recorded in tests/reference/conda_forge.json) and
    has the form conda-forge gives that package's versions; a 'pypi' package carries exactly the lock's version."""
    lock = read_pins(ROOT / "requirements.lock")
    for name, version in conda_section_pins().items():
        entry = CONDA_FORGE["packages"].get(name)
        assert entry is not None, f"environment.yml: {name} is not a known conda-forge package (add its feedstock)"
        scheme = CONDA_FORGE["schemes"][entry["scheme"]]
        assert re.fullmatch(scheme, version), f"environment.yml: {name}={version} is not of the form {scheme}"
        pypi_name = entry.get("pypi_name", name)
        if entry["scheme"] == "pypi" and pypi_name in lock:
            assert version == lock[pypi_name], f"environment.yml: {name}={version}, requirements.lock {lock[pypi_name]}"


def test_nest_cannot_be_a_conda_pin_at_the_archive_version():
    """conda-forge's NEST versions are two-part or release candidates: 3.10.0 (the archive's) would not resolve."""
    nest = CONDA_FORGE["schemes"][CONDA_FORGE["packages"]["nest-simulator"]["scheme"]]
    assert re.fullmatch(nest, "3.10_rc2") and re.fullmatch(nest, "3.9")
    assert not re.fullmatch(nest, read_pins(ROOT / "requirements.lock")["nest-simulator"])
    assert "nest-simulator" not in conda_section_pins()


def test_every_lock_line_is_pinned():
    lock = read_pins(ROOT / "requirements.lock")
    assert len(lock) > 50
    for name in ("nest-simulator", "neuron", "lfpy", "lfpykernels", "lfpykit", "pycatch22", "h5py", "numpy",
                 "scipy", "pandas", "scikit-learn", "matplotlib", "dvc", "pytest"):
        assert name in lock, f"{name} missing from requirements.lock"
    assert lock["nest-simulator"] == "3.10.0" and lock["neuron"] == "9.0.2"


def test_direct_requirements_equal_the_lock():
    lock, direct = locked_versions(), read_pins(ROOT / "requirements.in")
    assert {name: lock.get(name) for name in direct} == direct


def test_environment_yml_names_the_lock_versions():
    lock, direct, env = locked_versions(), read_pins(ROOT / "requirements.in"), environment_pins()
    missing = sorted(set(direct) - set(env))
    assert not missing, f"environment.yml lacks {missing}"
    differing = {name: (version, lock[name]) for name, version in env.items() if name in lock and version != lock[name]}
    assert not differing, f"environment.yml and requirements.lock disagree (env, lock): {differing}"
    assert env["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_installed_versions_are_the_lock():
    """The environment the tests run in is the locked one (catches a stale virtual environment), torch included:
    its CPU build, the local version of requirements-torch.lock."""
    from importlib.metadata import version

    locked = {**read_pins(ROOT / "requirements.lock"), **read_pins(ROOT / "requirements-torch.lock"),
              **read_pins(ROOT / "requirements-pip.lock")}
    for name in [*read_pins(ROOT / "requirements.in"), "pip"]:
        assert version(name) == locked[name], name
    assert version("torch").endswith("+cpu")


def test_every_locked_file_is_hash_pinned():
    """pip --require-hashes: each package of both locks names the sha256 of its files; so 'the same wheels on
    every machine' is checked at install time, not assumed."""
    for path in ("requirements-pip.lock", "requirements.lock", "requirements-torch.lock"):
        pins = read_hashed_pins(ROOT / path)
        unhashed = [name for name, (_, hashes) in pins.items() if not hashes]
        assert pins and not unhashed, f"{path}: no hashes for {unhashed}"


def test_torch_is_the_cpu_build_and_nothing_of_cuda_is_locked():
    """PyPI's Linux x86_64 torch is the CUDA build; the lock takes the CPU build from PyTorch's index instead, at
    requirements.in's version, and holds no nvidia-* or triton package; no other pin carries a local label."""
    torch = read_hashed_pins(ROOT / "requirements-torch.lock")
    assert list(torch) == ["torch"] and len(torch["torch"][1]) == 1
    assert torch["torch"][0] == read_pins(ROOT / "requirements.in")["torch"] + "+cpu"
    lock = read_pins(ROOT / "requirements.lock")
    assert "torch" not in lock
    assert not [name for name in lock if name.startswith(("nvidia-", "triton", "cuda-"))]
    assert not [f"{name}=={v}" for name, v in lock.items() if "+" in v]


def test_the_torch_wheel_is_checked_against_its_hash():
    """The set-up installs torch with --require-hashes: a wheel whose bytes differ from the lock is refused."""
    import tempfile
    with tempfile.TemporaryDirectory() as scratch:
        fake = Path(scratch) / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
        fake.write_bytes(b"PK\x05\x06" + b"\0" * 18)           # an empty zip: a wheel with other bytes
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--no-index",
                               "--find-links", scratch, "--dest", str(Path(scratch) / "out"), "-r",
                               str(ROOT / "requirements-torch.lock")], capture_output=True, text=True,
                              env={**{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
                                   "PIP_CONFIG_FILE": os.devnull})   # no machine's own wheel folder
    assert done.returncode != 0 and "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr, done.stderr[-800:]


def test_hadolint_is_clean():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr


def dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_structure():
    """Debian 12 (Python 3.11) as base, the environment built by the Makefile's own rule from the three locks,
    a final user that is not root, `make repro` (dvc repro) by default, the CA bundle never in the image."""
    lines = dockerfile_lines()
    assert lines[0] == "ARG BASE_IMAGE=debian:bookworm-slim" and lines[1] == "FROM ${BASE_IMAGE}"
    copy = next(line for line in lines if line.startswith("COPY "))
    assert all(name in copy for name in ("Makefile", "requirements-pip.lock", "requirements.lock",
                                         "requirements-torch.lock"))
    assert any("make -C /opt/compendium venv" in line for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the final user must not be root"
    assert lines[-1] == 'CMD ["make", "repro"]' and any(line.startswith("WORKDIR /work") for line in lines)
    # a proxy's CA bundle reaches the build as a secret only, never as a file or variable of the image
    assert not re.search(r"^(COPY|ADD|ENV).*(cert|\.pem|\.crt)", "\n".join(lines), re.IGNORECASE | re.MULTILINE)


def test_the_prerequisites_are_one_list():
    """The README, the Makefile (`make prerequisites`, the fresh-machine test's list) and the Dockerfile name the
    same Debian packages."""
    makefile = re.search(r"^DEBIAN_PREREQUISITES := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    packages = makefile.group(1).split()
    assert "libpython3.11" in packages and "python3-venv" in packages
    readme = (ROOT / "README.md").read_text()
    assert f"apt-get install {' '.join(packages)}" in readme
    install = next(line for line in dockerfile_lines() if "apt-get install" in line)
    assert install.split("--no-install-recommends ")[1].split(" &&")[0].split() == packages


def test_the_image_holds_only_the_environment():
    """.dockerignore lets in only what the environment is built from (the work tree is bind-mounted)."""
    allowed = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")]
    assert sorted(allowed) == ["!Makefile", "!docker/wheels/", "!requirements-pip.lock", "!requirements-torch.lock",
                               "!requirements.lock"]


def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make repro" in readme
    assert re.search(r"^\s*make test\s*$", ci, re.MULTILINE)


@pytest.mark.parametrize("key", ["analytics = false"])
def test_dvc_analytics_off(key):
    assert key in (ROOT / ".dvc" / "config").read_text()


def test_every_module_that_a_command_runs_exists():
    """`python -m X` in the Makefile, Dockerfile, dvc.yaml, README and CI must name a module of this repository or
    an installed package (a moved module must not leave a command behind)."""
    import importlib.util

    commands = {}
    for name in ("Makefile", "Dockerfile", "dvc.yaml", "README.md", ".ci/run"):
        for module in re.findall(r"python -m ([A-Za-z_][\w.]*)", (ROOT / name).read_text()):
            commands.setdefault(module.rstrip("."), name)
    missing = {module: where for module, where in commands.items() if importlib.util.find_spec(module) is None}
    assert len(commands) > 10 and not missing, f"commands run modules that do not exist: {missing}"

"""Shared helpers of every stage: reading params.yaml and profiles, seeds, atomic writes, checked inputs,
logging with timings, and the one-line errors of every command.

Kept deliberately small; the parameter schema is analysis/params.py, the science lives in analysis/model/ and
analysis/methods/.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import json
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
PARAMS_FILE = REPO_ROOT / "params.yaml"
PROFILES_DIR = REPO_ROOT / "profiles"
# A profile overlay may replace these mappings whole instead of merging into them: their keys are items.
REPLACED_WHOLE = ("sweep", "study2.draws", "study2.replicate_draws")


class ParamsError(ValueError):
    """A parameter is missing or out of its accepted range; the message names the key."""


class InputError(ValueError):
    """An input file is missing something, or holds values a stage cannot use; the message names the file."""


# --------------------------------------------------------------------------------------------------
# parameters and profiles
# --------------------------------------------------------------------------------------------------
class YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 numbers: in YAML 1.1 (PyYAML's default) 1.0e6 and 1e-3 (an exponent
    without a sign, or without a dot) are strings; every other reader of params.yaml takes them as numbers."""


YamlLoader.yaml_implicit_resolvers = {first: list(resolvers)
                                      for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
YamlLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                 re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                                 list("-+0123456789"))


def shown(path: Path | str) -> str:
    """A path as a message shows it: relative to the working directory when inside it (params.yaml, not
    /home/.../params.yaml)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def yaml_error_line(path: Path, err: yaml.YAMLError) -> str:
    """One line for a YAML syntax error: file, line, column, what is wrong and while doing what."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    return f"{shown(path)}: malformed YAML{where}: {problem}" + (f" ({context})" if context else "")


def duplicate_keys(node: yaml.Node, prefix: str = "") -> list[tuple[str, int, int]]:
    """(dotted key, first line, second line) of every key written twice in one mapping of a composed YAML tree.

    PyYAML keeps the last of two equal keys without a word; a parameter file must not (the first would be read
    by a person, the second by the code).
    """
    found = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                found.append((f"{prefix}{key}", seen[key], line))
            seen.setdefault(key, line)
            found += duplicate_keys(value_node, f"{prefix}{key}.")
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += duplicate_keys(item, f"{prefix.rstrip('.')}[{index}].")
    return found


def read_yaml(path: Path | str) -> dict:
    """Read a YAML mapping. A syntax error, or a key written twice in one mapping, is a ParamsError of one line
    that names the file, the line (and column) and the cause."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: file not found")
    text = path.read_text()
    try:
        tree = yaml.compose(text, Loader=YamlLoader)  # noqa: S506 (a SafeLoader subclass)
        twice = duplicate_keys(tree) if tree is not None else []
        if twice:
            key, first, second = twice[0]
            raise ParamsError(f"{shown(path)}: key '{key}' is written twice, at lines {first} and {second}; "
                              "accepted: each key once (delete one)")
        data = yaml.load(text, Loader=YamlLoader)  # noqa: S506
    except yaml.YAMLError as err:
        raise ParamsError(yaml_error_line(path, err)) from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    return data


def merge_profile(base: Mapping, overlay: Mapping, _prefix: str = "", what: str = "profile") -> dict:
    """Deep-merge a profile overlay (or other changes) onto the base parameters.

    Every overlay key must exist in the base (a typo must not silently add a parameter), except inside
    the mappings in REPLACED_WHOLE, which the overlay replaces whole.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        dotted = f"{_prefix}{key}"
        if key not in merged:
            raise ParamsError(f"{what} sets unknown key '{dotted}' (not in params.yaml)")
        if dotted in REPLACED_WHOLE or not isinstance(value, dict):
            merged[key] = copy.deepcopy(value)
        else:
            if not isinstance(merged[key], dict):
                kind = type(merged[key]).__name__
                raise ParamsError(f"profile sets '{dotted}' to a mapping, params.yaml has a {kind}")
            merged[key] = merge_profile(merged[key], value, _prefix=f"{dotted}.", what=what)
    return merged


def available_profiles() -> list[str]:
    return ["full"] + sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def profile_raw(name: str, base_file: Path | str = PARAMS_FILE) -> dict:
    """The plain parameters of a named profile: params.yaml itself for 'full', else params.yaml + overlay.
    analysis.params.profile_params validates them."""
    base = read_yaml(base_file)
    if name == "full":
        return base
    overlay_file = PROFILES_DIR / f"{name}.yaml"
    if not overlay_file.is_file():
        raise ParamsError(f"unknown profile '{name}'; accepted: {', '.join(available_profiles())}")
    merged = merge_profile(base, read_yaml(overlay_file))
    merged["profile"] = name
    return merged


def params_hash(params: Any) -> str:
    """A short stable hash of a parameter (sub)tree: canonical JSON, sorted keys."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# seeds
# --------------------------------------------------------------------------------------------------
def derive_seed(base_seed: int, *labels: str, high: int = 2**31 - 1) -> int:
    """A seed in [1, high - 1] from a base seed and labels (e.g. 'simulate', 'j07').

    Stable across Python versions and platforms (sha256, not hash()), so that each sweep item has its own
    stream and changing one item's value changes nothing else.
    """
    text = ":".join([str(int(base_seed)), *labels]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") % (high - 1) + 1


# --------------------------------------------------------------------------------------------------
# writing outputs: atomically and with deterministic bytes
# --------------------------------------------------------------------------------------------------
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds.

    The temporary name is `.NAME.XXXXXXXX.tmp` (ignored by git); one left by a killed run is removed when `path`
    is next written (one writer per output: DVC runs one stage at a time, and sweep items write their own files).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; outputs get the usual permissions
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def glob_escape(name: str) -> str:
    """A file name as a literal glob pattern."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def atomic_dir(path: Path | str) -> Iterator[Path]:
    """Yield an empty folder `.NAME.partial` next to `path` to write a whole output folder into; it replaces
    `path` only when the block succeeds.

    A stage that fails half-way (a damaged input file, a kill) leaves the previous complete folder, or none, never
    a folder whose files come from two parameter sets. A killed run's `.NAME.partial` is removed at the next start.
    """
    path = Path(path)
    partial, old = path.with_name(f".{path.name}.partial"), path.with_name(f".{path.name}.old")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
        if path.exists():
            os.replace(path, old)
        os.replace(partial, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: Path | str, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


# A fixed timestamp makes zip archives byte-identical across runs (zip entries otherwise carry 'now').
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def save_npz(path: Path | str, **arrays: Any) -> None:
    """Like numpy.savez_compressed, but atomic and with deterministic bytes."""
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(arrays):
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asanyarray(arrays[name]), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, buffer.getvalue())


def load_npz(path: Path | str) -> dict[str, np.ndarray]:
    """Every array of an .npz written by save_npz. The one reader of the format: a missing file is a
    FileNotFoundError, a truncated, corrupt or foreign one an InputError, each of one line naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing input; run the stage that writes it (dvc repro)")
    try:
        if not zipfile.is_zipfile(path):          # np.load would take other bytes for a .npy or a pickle
            raise zipfile.BadZipFile("File is not a zip file")
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: not a readable .npz ({reason}); re-run the stage that writes it "
                         "(dvc repro)") from None


def read_csv(path: Path | str, stage: str = "the stage that writes it"):
    """A table written by a stage (pandas); a missing, empty or malformed file is one line naming it."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; run {stage} (dvc repro)")
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: empty; re-run {stage}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable table ({str(err).splitlines()[0]}); re-run {stage}") from None


def read_json(path: Path | str) -> Any:
    """A JSON file written by write_json; a missing or malformed one is an error of one line naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing input; run the stage that writes it (dvc repro)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not readable JSON ({type(err).__name__}: {str(err).splitlines()[0]}); re-run "
                         "the stage that writes it (dvc repro)") from None


def json_array(data: Any) -> np.ndarray:
    """Metadata stored inside an .npz as a 0-d unicode array of canonical JSON."""
    return np.array(json.dumps(data, sort_keys=True))


def sha256_file(path: Path | str, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# logging and timings
# --------------------------------------------------------------------------------------------------
def get_logger(stage: str) -> logging.Logger:
    """A logger that writes '[stage] HH:MM:SS message' to stderr (DVC shows it; data files never see it)."""
    logger = logging.getLogger(stage)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"[{stage}] %(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def log_io(logger: logging.Logger, read: list, wrote: list) -> None:
    """The last lines of every stage: what it read and what it wrote."""
    for path in read:
        logger.info("read  %s", path)
    for path in wrote:
        size = Path(path).stat().st_size if Path(path).exists() else 0
        logger.info("wrote %s (%.1f kB)", path, size / 1e3)


def format_eta(done: float, total: float, elapsed_s: float) -> str:
    """'ETA 1 min 05 s' from the fraction done and the time taken so far."""
    if done <= 0:
        return "ETA --"
    remaining = elapsed_s * (total - done) / done
    minutes, seconds = divmod(int(round(remaining)), 60)
    return f"ETA {minutes} min {seconds:02d} s" if minutes else f"ETA {seconds} s"


def software_versions(*packages: str) -> dict[str, str]:
    """Installed versions of the named distributions (for metadata and the paper).

    Python is recorded as major.minor, the version the environment pins: every 3.11.x release (Debian 12's 3.11.2
    in the container, a developer's 3.11.7) writes the same arrays, so outputs that recorded the patch release
    differed in bytes between the container and our machines while their content was identical (README "The
    container"). The exact interpreter and platform are provenance of a run, not of a result: see
    `interpreter()`, written to the deposit's metadata.
    """
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": f"{sys.version_info.major}.{sys.version_info.minor}"}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def interpreter() -> dict[str, str]:
    """The exact Python and platform of this process (provenance of a deposit; not written into outputs)."""
    libc, libc_version = platform.libc_ver()
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "machine": platform.machine(), "system": platform.system(), "libc": f"{libc} {libc_version}".strip()}


# --------------------------------------------------------------------------------------------------
# command-line errors and checked inputs
# --------------------------------------------------------------------------------------------------
DEBUG_ENV = "COMPENDIUM_DEBUG"


def run(main: Callable[[], int]) -> int:
    """Run a command's main() so that a user error is one line `error: ...` on stderr and exit status 2.

    User errors are bad parameters (ParamsError), missing or malformed inputs (FileNotFoundError, InputError) and
    values out of range (ValueError). A traceback is shown only with COMPENDIUM_DEBUG=1, for developers; any
    other exception is a bug and keeps its traceback.
    """
    try:
        return main()
    except (ParamsError, InputError, FileNotFoundError, ValueError) as err:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        print_error(err)
        return 2


def one_line(text: str) -> str:
    """text with its line breaks and other control characters written as escapes (\\r, \\n, \\x1b), so that a
    message quoting a user's value stays one line whatever the value holds."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def print_error(err: BaseException | str) -> None:
    """The one line `error: ...` on stderr for a user error (its type's name if it has no message)."""
    print(f"error: {one_line(str(err) or type(err).__name__)}", file=sys.stderr)


class CommandParser(argparse.ArgumentParser):
    """argparse for the compendium's commands: a bad argument is one line `error: argument --x: ...` and exit
    status 2, before any work (argparse's own prints the usage first, on a line of its own)."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see --help)\n")


def integer_in(low: int, high: int | None = None, why: str = ""):
    """An argparse type: an integer in [low, high] (no upper bound if high is None); `why` gives the reason of the
    bound in the message.

    Examples
    --------
    >>> integer_in(1, 4)("3")
    3
    >>> integer_in(1, 4, "cores")("9")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 9 is invalid; accepted: an integer in [1, 4] (cores)
    """
    accepted = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text} is invalid; accepted: {accepted}" + (f" ({why})" if why else ""))
        return value

    parse.__name__ = "integer"
    return parse


def check_npz_structure(path, required: tuple[str, ...] = ()) -> None:
    """An InputError unless `path` is a whole .npz holding the `required` arrays; reads only the zip's directory, so
    a stage can check every input before its first write at little cost."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: missing input; run the stage that writes it (dvc repro)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.removesuffix(".npy") for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: not a readable .npz ({reason}); re-run the stage that writes it "
                         "(dvc repro)") from None
    missing = [name for name in required if name not in names]
    if missing:
        raise InputError(f"{path}: lacks the arrays {missing} (has {sorted(names)}); re-run the stage that writes it")


def load_checked_npz(path, required: tuple[str, ...] = ()) -> dict:
    """load_npz that names the file when it is truncated, corrupt or lacks an expected array."""
    data = load_npz(path)
    missing = [name for name in required if name not in data]
    if missing:
        raise InputError(f"{path}: lacks the arrays {missing} (has {sorted(data)}); re-run the stage that writes it")
    return data

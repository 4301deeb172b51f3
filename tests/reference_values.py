"""Reference values that pin the physics: a dependency upgrade that changes one of them fails a test naming it.

The values live in tests/reference/physics.json, written by the code at a known-good state (its commit is
recorded). To accept a deliberate change, review it and rewrite them:
    COMPENDIUM_WRITE_REFERENCE=1 python -m pytest tests -k reference
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REFERENCE_FILE = Path(__file__).parent / "reference" / "physics.json"
WRITE_ENV = "COMPENDIUM_WRITE_REFERENCE"


def check_reference(group: str, values: dict[str, float], rtol: float) -> None:
    """Compare each named quantity with its reference (relative tolerance rtol), or record them when asked."""
    stored = json.loads(REFERENCE_FILE.read_text()) if REFERENCE_FILE.is_file() else {}
    if os.environ.get(WRITE_ENV) == "1":
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip()
        stored[group] = {"written_at_commit": commit, "rtol": rtol, "values": {k: float(v) for k, v in values.items()}}
        REFERENCE_FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return
    if group not in stored:
        pytest.fail(f"no reference values for {group} in {REFERENCE_FILE.name}; write them with {WRITE_ENV}=1")
    expected = stored[group]["values"]
    assert sorted(values) == sorted(expected), f"{group}: quantities changed: {sorted(set(values) ^ set(expected))}"
    for name, value in values.items():
        assert value == pytest.approx(expected[name], rel=rtol, abs=1e-12), (
            f"{group}: {name} = {value!r}, reference {expected[name]!r} (rtol {rtol}); a dependency or code change "
            "moved this quantity")

"""docs/model.md is the repository's model description: every parameter of params.yaml is named in it."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "docs" / "model.md"


def leaves(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def named_keys(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+|[a-z_][a-z0-9_]*)`", text))


def test_every_parameter_of_params_yaml_is_described():
    """A leaf counts as described when the description names it or one of its parents below the section
    (e.g. `kernels.cells.morphology` describes every morphology entry); sweep items are described as `sweep`."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    named = named_keys(DESCRIPTION.read_text())
    missing = []
    for leaf in leaves({k: v for k, v in params.items() if k not in ("profile", "sweep")}):
        parts = leaf.split(".")
        if not any(".".join(parts[:depth]) in named for depth in range(2, len(parts) + 1)):
            missing.append(leaf)
    assert "sweep" in named
    assert not missing, f"parameters of params.yaml not described in docs/model.md: {missing}"


def test_described_keys_exist():
    """The description names no parameter that params.yaml lacks (a renamed key must be renamed there too)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    known = set()
    for leaf in leaves(params):
        parts = leaf.split(".")
        known.update(".".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    sections = set(params)
    stale = sorted(key for key in named_keys(DESCRIPTION.read_text())
                   if key.split(".")[0] in sections and key not in known)
    assert not stale, f"docs/model.md names keys that params.yaml does not have: {stale}"

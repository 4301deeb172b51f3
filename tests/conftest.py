"""Shared fixtures: the tiny profile's parameters and a scratch output folder."""
from __future__ import annotations

import copy

import pytest

from analysis.common import profile_params


@pytest.fixture(scope="session")
def tiny_params_session() -> dict:
    return profile_params("tiny")


@pytest.fixture
def tiny_params(tiny_params_session) -> dict:
    """A fresh, mutable copy of the tiny profile's parameters for each test."""
    return copy.deepcopy(tiny_params_session)

"""numpydoc's validator on the library's public functions and classes (analysis/model, analysis/methods).

Every public function of a module in DOCUMENTED (every module of analysis/model and analysis/methods, and
analysis/data.py) documents each of its parameters and what it returns (numpydoc Parameters / Returns, with
units).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import analysis.methods
import analysis.model

# numpydoc's checks that matter to a reader: every parameter documented (PR01), none that does not exist
# (PR02), a Returns section where something is returned (RT01), a docstring at all (GL08)
CHECKS = {"PR01", "PR02", "RT01", "GL08"}
# every module of the library (analysis/model, analysis/methods) and the data room; a new module joins by existing
DOCUMENTED = ("analysis.data",
              *(f"{package.__name__}.{module.name}" for package in (analysis.model, analysis.methods)
                for module in pkgutil.iter_modules(package.__path__)))


def public_objects(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
            continue
        if inspect.isfunction(obj):
            names.append(f"{module_name}.{name}")
        elif inspect.isclass(obj):
            names.append(f"{module_name}.{name}")
            names += [f"{module_name}.{name}.{m}" for m, f in vars(obj).items()
                      if inspect.isfunction(f) and not m.startswith("_")]
    return names


@pytest.mark.parametrize("module_name", DOCUMENTED)
def test_public_functions_document_parameters_and_returns(module_name):
    from numpydoc.validate import validate

    problems = [f"{name}: {code} {message}" for name in public_objects(module_name)
                for code, message in validate(name)["errors"] if code in CHECKS]
    assert problems == []


def test_the_validator_flags_an_undocumented_parameter():
    from numpydoc.validate import validate

    codes = {code for code, _ in validate("tests.test_docstrings.public_objects")["errors"]}
    assert {"GL08"} <= codes or {"PR01"} <= codes

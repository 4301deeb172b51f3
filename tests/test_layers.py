"""The layering of the code and the code dependencies of the DVC stages, computed from the imports (grimp).

- `.importlinter` is the layer contract (README "Layout"): stages and tools over methods over models over the
  study's files and the schema over common; no stage imports a stage, no tool imports a stage, no import circle.
- Every stage's code `deps:` in dvc.yaml are exactly the in-repository modules its script imports, directly or
  through others, lazy imports inside functions included: a dependency missing from dvc.yaml would leave an
  output stale behind a clean `dvc status`.
- No test imports a stage script: tests reach the code through the library and run a stage as DVC does.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.common import REPO_ROOT

PACKAGES = ("analysis", "tools", "bench")


def import_graph(root: Path = REPO_ROOT):
    import grimp

    sys.path.insert(0, str(root))
    try:
        return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    finally:
        sys.path.remove(str(root))


def module_file(module: str, root: Path = REPO_ROOT) -> str:
    path = root.joinpath(*module.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(root).as_posix()


def stage_modules(dvc_yaml: dict) -> dict[str, str]:
    """Stage name -> the module its cmd runs (`python -m MODULE ...`)."""
    modules = {}
    for name, stage in dvc_yaml["stages"].items():
        cmd = stage.get("do", stage)["cmd"]
        match = re.match(r"python -m ([\w.]+)", cmd)
        assert match, f"stage {name}: cmd {cmd!r} does not run a module"
        modules[name] = match.group(1)
    return modules


def code_closure(graph, module: str, root: Path = REPO_ROOT) -> set[str]:
    """The files of `module` and of every in-repository module it imports, transitively (package __init__ files
    hold no code and are left out)."""
    modules = {module} | set(graph.find_upstream_modules(module))
    files = {module_file(name, root) for name in modules}
    return {path for path in files if not path.endswith("__init__.py")}


def stale_deps(dvc_yaml: dict, graph, root: Path = REPO_ROOT) -> list[str]:
    """One line per stage whose Python deps differ from its script's import closure (empty when all agree)."""
    problems = []
    for name, module in stage_modules(dvc_yaml).items():
        stage = dvc_yaml["stages"][name].get("do", dvc_yaml["stages"][name])
        declared = {dep for dep in stage.get("deps", []) if dep.endswith(".py")}
        needed = code_closure(graph, module, root)
        if declared != needed:
            missing, extra = sorted(needed - declared), sorted(declared - needed)
            problems.append(f"stage {name} ({module}): dvc.yaml misses {missing}, lists unused {extra}")
    return problems


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_package_init_files_hold_no_code():
    # the closure leaves them out, so they must not matter
    import ast

    for package in ("analysis", "analysis/model", "analysis/methods", "tools", "bench"):
        body = ast.parse((REPO_ROOT / package / "__init__.py").read_text()).body
        code = [node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        assert not code, f"{package}/__init__.py holds code at line {code[0].lineno}"


def test_every_stage_depends_on_exactly_its_import_closure(graph):
    dvc_yaml = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())
    assert stale_deps(dvc_yaml, graph) == []


@pytest.mark.parametrize("stage, module", [("paper", "analysis/model/network.py"),
                                           ("compare_onsets", "analysis/model/heads.py")])
def test_the_deps_check_names_a_missing_module(graph, stage, module):
    # the two holes of 7da8dc2: the paper prints mean_drive_threshold_pA (network.py); compare_onsets runs
    # eeg_from_cdm (heads.py) through the forward chain
    dvc_yaml = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())
    dvc_yaml["stages"][stage]["deps"].remove(module)
    problems = stale_deps(dvc_yaml, graph)
    assert len(problems) == 1 and problems[0].startswith(f"stage {stage} ") and f"misses ['{module}']" in problems[0]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--config", str(root / ".importlinter"),
                           "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_layer_contract_holds():
    done = lint_imports(REPO_ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "2 kept, 0 broken" in done.stdout


@pytest.fixture
def copy_of_the_code(tmp_path):
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / ".importlinter", tmp_path)
    return tmp_path


@pytest.mark.parametrize("importer, line, broken", [
    ("analysis/kernels.py", "from analysis import signals", "Stages and tools over methods"),      # stage -> stage
    ("tools/predict.py", "from analysis import evaluate", "Stages and tools over methods"),        # tool -> stage
    ("analysis/model/cdm.py", "from analysis.methods import features", "Stages and tools over methods"),  # up
    ("analysis/params.py", "from analysis.model import cdm", "Stages and tools over methods"),     # schema -> model
    ("analysis/model/cdm.py", "from analysis.model import forward", "No import circle"),           # circle
])
def test_the_layer_contract_fails_on_a_planted_violation(copy_of_the_code, importer, line, broken):
    path = copy_of_the_code / importer
    text = path.read_text()
    anchor = "from __future__ import annotations\n"
    path.write_text(text.replace(anchor, anchor + line + "  # noqa\n", 1))
    done = lint_imports(copy_of_the_code)
    assert done.returncode != 0
    assert f"{broken}" in done.stdout and "BROKEN" in done.stdout, done.stdout[-2000:]


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, at any depth of its code (`from analysis import x` counts as
    analysis.x too, since x may be a module)."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def stage_imports(paths: list[Path], stages: set[str]) -> list[str]:
    return [f"{path.name} imports the stage script {module}" for path in paths
            for module in sorted(imported_modules(path) & stages)]


def test_no_test_imports_a_stage_script(tmp_path):
    # "nothing imports a stage script" (README "Layout"): the contract above covers analysis/, tools/ and bench/;
    # tests draw and compute through the library and run a stage only as DVC does (`python -m`, a subprocess)
    stages = set(stage_modules(yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())).values())
    assert {"analysis.simulate", "analysis.figures", "analysis.study2_figures"} <= stages
    assert stage_imports(sorted((REPO_ROOT / "tests").glob("*.py")), stages) == []
    planted = tmp_path / "test_planted.py"
    planted.write_text("def draw():\n    from analysis import figures\n    return figures\n")
    assert stage_imports([planted], stages) == ["test_planted.py imports the stage script analysis.figures"]

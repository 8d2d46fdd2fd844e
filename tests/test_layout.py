"""The package layout: stages of the pipeline import only themselves and earlier stages, and no module circles."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
STAGES = ["scenario", "fitting", "model", "analysis", "experiments", "report", "files"]
"""The pipeline in order: file -> Scenario -> model -> tables -> statistics -> figures and brief -> folders.
Modules outside the stages (the command line, the web page, the package's front door) may import any stage."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports (anywhere in it, type checking too)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("simulator"):
                for alias in node.names:  # `from simulator.report import plots` imports a module
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else node.module)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.startswith("simulator")}
        found[name] = targets - {name}
    return found


def stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_the_stages_are_folders() -> None:
    present = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert {"scenario", "model", "analysis", "experiments", "report", "files"} <= present
    for folder in present:
        assert (PACKAGE / folder / "__init__.py").read_text().startswith('"""'), f"{folder} says what it offers"


@pytest.mark.parametrize(("module", "targets"), sorted(imports().items()))
def test_a_stage_imports_only_itself_and_earlier_stages(module: str, targets: set[str]) -> None:
    here = stage(module)
    if here is None:
        return
    later = sorted(target for target in targets if (there := stage(target)) is None or there > here)
    assert not later, f"{module} ({STAGES[here]}) imports {later}, from a later stage or from outside the stages"


def test_no_module_imports_itself_round_a_circle() -> None:
    graph = {module: {t for t in targets if t.count(".") >= 2} for module, targets in imports().items()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the circle


def test_the_journey_does_not_import_what_starts_it() -> None:
    assert "simulator.model.run" not in imports()["simulator.model.journey"]

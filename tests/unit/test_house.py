"""The house's rules (issue 18), read from the code: SQL only in records/ and store/, imports only downward."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mockango"
FLOORS = {
    "entry points": ("cli", "server", "pytest_plugin", "testing", "__init__"),
    "web": ("web",),
    "facade": ("hub",),
    "assembly": ("host",),
    "runs": ("runs",),
    "services": ("services",),
    "records": ("records", "store"),
}
"""From the top floor down: a module may import its own floor's and those below, never those above."""
ORDER = list(FLOORS)


def floor_of(module: str) -> str | None:
    top = module.split(".")[1] if module.count(".") else "__init__"
    return next((floor for floor, names in FLOORS.items() if top in names), None)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every mockango module ``path`` imports, under TYPE_CHECKING too."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            found |= {f"{base}.{alias.name}" for alias in node.names} | {base}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {module for module in found if module.startswith("mockango.")}


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_back_up(path):
    here = floor_of(module_name(path)) if path.name != "__init__.py" or path.parent != PACKAGE else "entry points"
    if here is None:
        return  # the ground floor (models, errors, events, config, validation, ...): checked by its own imports
    above = ORDER[: ORDER.index(here)]
    upward = sorted(m for m in imports_of(path) if floor_of(m) in above)
    assert not upward, f"{path.relative_to(PACKAGE)} ({here}) imports from a floor above it: {upward}"


def test_the_ground_floor_imports_no_floor():
    """models, errors, events, config, validation and the other plain modules stand under every floor."""
    for path in MODULES:
        name = module_name(path)
        if floor_of(name) is None and not (path.name == "__init__.py" and path.parent == PACKAGE):
            named = sorted(m for m in imports_of(path) if floor_of(m) is not None)
            assert not named, f"{path.relative_to(PACKAGE)} imports {named}"


def test_sql_runs_only_in_records_and_store():
    executing = re.compile(r"\.execute(many|script)?\(")
    outside = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in MODULES
        if path.relative_to(PACKAGE).parts[0] not in ("records", "store")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if executing.search(line)
    ]
    assert outside == []


def test_every_schema_is_in_records():
    schemas = [path for path in MODULES if re.search(r"^SCHEMA = ", path.read_text(), re.M)]
    assert schemas and all(path.relative_to(PACKAGE).parts[0] == "records" for path in schemas), schemas


def test_no_service_takes_the_hub():
    for path in MODULES:
        if path.relative_to(PACKAGE).parts[0] in ("services", "runs", "records"):
            assert not {"mockango.hub", "mockango.host"} & imports_of(path), path


def test_events_are_typed():
    """Changes are published as event objects (mockango/events.py), never as a kind named by a string."""
    stringly = re.compile(r"(_notify|publish)\(\s*[\"']")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in MODULES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if stringly.search(line)
    ]
    assert found == []

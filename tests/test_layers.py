"""The apps depend on each other one way, as the README draws it; `spacedevs/` imports no app."""

import ast

import pytest

from .conftest import ROOT

# Each app may import the apps on lower levels only (and `spacedevs`); `spacedevs` imports no app, but for
# its root URLconf, which gathers every app's routes.
LEVELS = {
    "config": 1,
    "agencies": 2,
    "astronauts": 3,
    "programs": 3,
    "spacestations": 4,
    "launches": 5,
    "events": 6,
    "ingest": 7,
}
ROOT_URLCONF = ROOT / "spacedevs" / "urls.py"


def imported_packages(path):
    """The top-level packages a module imports (relative imports stay inside its own package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.partition(".")[0]


def modules_of(package):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["spacedevs", *LEVELS])
def test_imports_point_down_the_layers(package):
    level = LEVELS.get(package, 0)
    for path in modules_of(package):
        if path == ROOT_URLCONF:
            continue
        for imported in imported_packages(path):
            if imported in LEVELS and imported != package:
                assert LEVELS[imported] < level, f"{path.relative_to(ROOT)} imports {imported}"


def test_the_check_sees_imports():
    assert {"agencies", "config", "spacedevs"} <= set(imported_packages(ROOT / "programs" / "serializers.py"))
    assert {"events", "config"} <= set(imported_packages(ROOT_URLCONF))

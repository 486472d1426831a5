"""The app is a house whose imports point down.

From the bottom: the core (`momentum_core`), the landscapes, the settings records and links
(`momentum_app.config`), the content packages (race/, studies/, talk/, guide/), and the page
layer (`momentum_app.ui`) with the pages on top. A module may import its own layer and the
ones below it, never one above: the test reads every module's imports (top level and inside
functions) from its source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each package with the packages of the app it may import (itself always allowed).
BELOW = {
    "momentum_core": set(),
    "momentum_app.__init__": set(),
    "momentum_app.landscapes": {"momentum_core"},
    "momentum_app.config": {"momentum_core", "momentum_app.landscapes"},
}
CONTENT = {"momentum_app.race", "momentum_app.studies", "momentum_app.talk", "momentum_app.guide"}
for package in CONTENT:
    BELOW[package] = {"momentum_core", "momentum_app.landscapes", "momentum_app.config"} | CONTENT
BELOW["momentum_app.ui"] = set(BELOW) | CONTENT


def _package(module: str) -> str | None:
    """The layer a dotted module name belongs to (None for anything outside the app)."""
    for name in sorted(BELOW, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _modules():
    for path in sorted([*ROOT.glob("momentum_app/**/*.py"), *ROOT.glob("momentum_core/**/*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module != "momentum_app.__init__":
            module = module.removesuffix(".__init__")
        yield pytest.param(path, module, id=module)


@pytest.mark.parametrize(("path", "module"), _modules())
def test_every_import_points_down(path, module):
    home = _package(module)
    assert home is not None, f"{module} belongs to no layer: add its package to BELOW"
    allowed = BELOW[home] | {home}
    upward = {
        name
        for name in _imports(path)
        if (layer := _package(name)) is not None and layer not in allowed
    }
    assert not upward, f"{module} ({home}) imports from above it: {sorted(upward)}"


def test_the_rule_would_catch_the_old_cycle():
    """The check itself can fail: a content module importing the page layer is refused."""
    assert _package("momentum_app.ui.widgets") == "momentum_app.ui"
    assert "momentum_app.ui" not in BELOW["momentum_app.race"]

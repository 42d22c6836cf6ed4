"""The packages' shape, read from the source with `ast` (nothing is imported): imports run one way,
core -> model -> scenes -> blender_addon -> render_scripts, counting imports inside functions; Blender's
modules (bpy, mathutils, bmesh, aud) only in the last two; no module over MAX_LINES lines."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "model", "scenes", "blender_addon", "render_scripts")      # each may import only earlier ones
BLENDER_MODULES = {"bpy", "mathutils", "bmesh", "aud"}
BLENDER_LAYERS = {"blender_addon", "render_scripts"}
MAX_LINES = 450


def modules() -> list[tuple[str, Path]]:
    """(layer, file) for every .py of the five packages."""
    return [(layer, p) for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))]


def imported(path: Path, layer: str) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in `path`, wherever it sits; `from . import x` and
    `from .a import b` are resolved against the file's own package, llmreel.<layer>[.<subfolder>...]."""
    package = ["llmreel", layer, *path.relative_to(ROOT / layer).parent.parts]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            else:
                base = node.module.split(".")
            if node.level and not node.module:          # from . import x, y: each name is a module
                out += [(node.lineno, ".".join(base + [alias.name])) for alias in node.names]
            else:
                out.append((node.lineno, ".".join(base)))
    return out


def layer_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "llmreel" and parts[1] in LAYERS else None


def test_the_source_is_there():
    found = {layer for layer, _ in modules()}
    assert found == set(LAYERS)
    names = {name for layer, p in modules() for _, name in imported(p, layer)}
    assert "llmreel.blender_addon.compat" in names            # `from . import compat` was resolved
    assert "bpy" in names and "llmreel.core.errors" in names


def test_imports_run_one_way():
    backwards = []
    for layer, path in modules():
        for line, name in imported(path, layer):
            target = layer_of(name)
            if target is not None and LAYERS.index(target) > LAYERS.index(layer):
                backwards.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not backwards, "imports against " + " -> ".join(LAYERS) + ":\n" + "\n".join(backwards)


def test_blender_only_on_the_blender_side():
    found = []
    for layer, path in modules():
        if layer in BLENDER_LAYERS:
            continue
        for line, name in imported(path, layer):
            if name.split(".")[0] in BLENDER_MODULES:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not found, "Blender modules outside " + ", ".join(sorted(BLENDER_LAYERS)) + ":\n" + "\n".join(found)


def test_no_module_over_the_size_limit():
    big = [f"{p.relative_to(ROOT)}: {n} lines" for _, p in modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not big, f"modules over {MAX_LINES} lines:\n" + "\n".join(big)


@pytest.mark.parametrize("source,layer,want", [
    ("from . import compat, keys\n", "blender_addon", ["llmreel.blender_addon.compat", "llmreel.blender_addon.keys"]),
    ("from .nodes import tag\n", "blender_addon", ["llmreel.blender_addon.nodes"]),
    ("from .. import core\n", "scenes", ["llmreel.core"]),
    ("def f():\n    import bpy\n", "model", ["bpy"]),
    ("from llmreel.render_scripts import video\n", "scenes", ["llmreel.render_scripts"]),
])
def test_imports_are_resolved(tmp_path, monkeypatch, source, layer, want):
    """The reader itself: relative imports resolve against the package, imports in functions count."""
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    path = tmp_path / layer / "mod.py"
    path.parent.mkdir()
    path.write_text(source)
    assert [name for _, name in imported(path, layer)] == want

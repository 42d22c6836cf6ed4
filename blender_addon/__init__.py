"""LLM Reel Blender add-on / extension: build the llmreel explainer scene and tweak it from a sidebar panel.

`register()` registers, in order, the CLASSES of every module in MODULE_NAMES, then adds `Scene.llmreel`.
Imports inside the add-on are relative, so the same files work as `llmreel.blender_addon` (pip) and as an
installed extension (`bl_ext.<repo>.llmreel`).
"""
from __future__ import annotations

import importlib

MODULE_NAMES = ("props", "operators", "ui_panel", "ui_render")
_registered: list = []


def _modules() -> list:
    return [importlib.import_module(f".{name}", __package__) for name in MODULE_NAMES]


def register() -> None:
    import bpy

    from .props import register_props

    for mod in _modules():
        for cls in getattr(mod, "CLASSES", ()):
            bpy.utils.register_class(cls)
            _registered.append(cls)
    register_props()


def unregister() -> None:
    import bpy

    from .props import unregister_props

    unregister_props()
    while _registered:
        bpy.utils.unregister_class(_registered.pop())

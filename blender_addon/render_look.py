"""What a render's settings change in a built scene's look, and the GPU that Cycles may use.

    set_depth_look(scene, settings)     background shown or not, HDR flashes, depth of field (compositor)
    gpu_backend() -> str | None         the Cycles GPU back-end in use (None: no GPU here, a note is queued)
    say_notes()                         print the queued notes on stderr (outside Blender's silenced output)
"""
from __future__ import annotations

import sys

import bpy

from . import compat, compositor, keys
from .presets import RenderSettings


def set_depth_look(scene: bpy.types.Scene, s: RenderSettings) -> None:
    """The parts of the look a render's settings decide: the gradient background is hidden when the film
    is transparent (stills for slides keep alpha 0 around the model); Workbench with the compositor gets
    HDR flashes (the cell-look modifiers' Glow Gain: the compositor's glare blooms colours above 1; Cycles
    and EEVEE get theirs from the emission strength, so 0 there); the compositor's depth of field of the
    settings' strength (compositor.py: focused on the camera's target, the HUD kept sharp)."""
    from .blocks import LOOK_MODIFIER

    gain = float(s.glow_gain) if (s.engine == "workbench" and s.compositor) else 0.0
    for obj in scene.objects:
        if obj.get(keys.BACKGROUND):
            obj.hide_render = bool(s.transparent)
        mod = obj.modifiers.get(LOOK_MODIFIER) if obj.type == "MESH" else None
        if mod is not None and mod.node_group is not None:
            compat.set_modifier_input(mod, mod.node_group, "Glow Gain", gain)
            obj.update_tag()
    compositor.set_compositing(scene, smaa=s.smaa, bloom=s.glow_gain > 0 or s.engine != "workbench",
                               blur_px=float(s.dof) * s.width / 1000 if s.compositor else 0.0)


_GPU_BACKENDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")
_GPU: dict[str, str | None] = {}
_NOTES: list[str] = []                  # said once per process, after Blender's chatter is let through


def gpu_backend() -> str | None:
    """The first Cycles GPU compute back-end with a device on this machine, made Cycles' choice with its
    devices enabled; None (and a note for the user) when there is none."""
    if "backend" in _GPU:
        return _GPU["backend"]
    found = None
    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
        for backend in _GPU_BACKENDS:
            try:
                prefs.compute_device_type = backend
            except TypeError:                       # not built into this Blender
                continue
            prefs.get_devices()
            gpus = [d for d in prefs.devices if d.type == backend]
            if gpus:
                for d in prefs.devices:
                    d.use = d.type == backend
                found = backend
                break
        if found is None:
            prefs.compute_device_type = "NONE"
    except (KeyError, AttributeError, RuntimeError):
        found = None
    _GPU["backend"] = found
    if found is None:
        _NOTES.append("--device gpu: no GPU compute device found (tried " + ", ".join(_GPU_BACKENDS)
                      + "); Cycles renders on the CPU")
    return found


def say_notes() -> None:
    """Print the notes gathered while Blender's output was silenced, each once, on stderr."""
    while _NOTES:
        print(f"llmreel: {_NOTES.pop(0)}", file=sys.stderr, flush=True)

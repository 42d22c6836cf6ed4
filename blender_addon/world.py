"""Scene-wide settings, the world and the lights of a build.

    setup_scene(scene, spec);  add_world(scene, spec);  add_lights(coll, spec);  scene_bounds(spec)
"""
from __future__ import annotations

import bpy
import numpy as np
from mathutils import Vector

from . import keys
from .nodes import is_ours, tag


def _resolution(aspect) -> tuple[int, int]:
    ax, ay = (int(a) for a in aspect)
    if ax >= ay:
        return 1920, int(round(1920 * ay / ax / 2)) * 2
    return int(round(1920 * ax / ay / 2)) * 2, 1920


def setup_scene(scene, spec) -> None:
    m = spec.meta
    scene.render.fps, scene.render.fps_base = int(m.fps), 1.0
    scene.frame_start, scene.frame_end = int(m.frame_start), int(m.frame_end)
    scene.render.resolution_x, scene.render.resolution_y = _resolution(m.aspect)
    scene.view_settings.view_transform = "Standard"      # theme colours are designed for a plain sRGB map
    scene.view_settings.look = "None"
    shading = scene.display.shading                      # Workbench: the GN-computed colour attribute
    shading.light, shading.color_type = "FLAT", "VERTEX"
    shading.show_object_outline = False
    scene.render.dither_intensity = 0.0


def add_world(scene, spec):
    world = tag(bpy.data.worlds.new("LLM Reel World"))
    world.color = spec.theme.background                  # what Workbench uses as background
    if world.node_tree is None:
        world.use_nodes = True
    bg = next(n for n in world.node_tree.nodes if n.type == "BACKGROUND")
    bg.inputs["Color"].default_value = (*spec.theme.background, 1.0)
    bg.inputs["Strength"].default_value = 1.0
    if scene.world is not None and not is_ours(scene.world):
        scene[keys.PREV_WORLD] = scene.world.name
    scene.world = world


def add_lights(coll, spec):
    lo, hi = scene_bounds(spec)
    centre, size = (lo + hi) / 2, float(np.max(hi - lo))
    for name, offset, energy, scale in (("Key", (-0.3, -0.8, 0.6), 3.0, 0.6), ("Fill", (0.5, -0.9, -0.2), 1.0, 1.0)):
        data = tag(bpy.data.lights.new(f"LLM Reel {name} Light", "AREA"))
        data.energy = energy * size * size
        data.size = size * scale
        obj = tag(bpy.data.objects.new(data.name, data))
        obj.location = centre + np.asarray(offset) * size
        direction = centre - np.asarray(obj.location)
        obj.rotation_euler = _look_rotation(direction)
        coll.objects.link(obj)


def _look_rotation(direction):
    return Vector(direction).to_track_quat("-Z", "Y").to_euler()


def scene_bounds(spec) -> tuple[np.ndarray, np.ndarray]:
    parts = list(spec.blocks) + list(spec.solids)
    if not parts:
        return np.zeros(3), np.ones(3)
    los, his = zip(*(b.bounds() for b in parts))
    return np.min(los, axis=0), np.max(his, axis=0)

"""The camera (keyed location, target and lens) and the HUD empty in front of it that carries captions
and title cards.

    add_camera(scene, spec, coll) -> (camera, shots);  add_hud(cam, shots, coll, width);  hud_width(spec)
"""
from __future__ import annotations

import bpy
import numpy as np

from . import animate, keys
from .nodes import is_ours, tag
from .world import scene_bounds


def add_camera(scene, spec, coll):
    cam_data = tag(bpy.data.cameras.new("LLM Reel Camera"))
    cam_data.sensor_width, cam_data.sensor_fit = 36.0, "AUTO"
    lo, hi = scene_bounds(spec)
    cam_data.clip_end = float(np.linalg.norm(hi - lo)) * 10 + 100
    # A clip start well out from the camera keeps the depth buffer precise across the whole model (cells
    # and the plates behind them are a cell depth apart at thousands of units); the HUD stays beyond it.
    lens = min((k.lens for k in spec.camera), default=50.0)
    cam_data.clip_start = 0.5 * lens / 36.0 * hud_width(spec)
    cam = tag(bpy.data.objects.new("LLM Reel Camera", cam_data))
    target = tag(bpy.data.objects.new("LLM Reel Camera Target", None))
    coll.objects.link(cam)
    coll.objects.link(target)
    shots = sorted(spec.camera, key=lambda k: k.frame)
    if not shots:
        centre = (lo + hi) / 2
        cam.location, target.location = centre + np.array([0, -2.0 * float(np.max(hi - lo)), 0]), centre
        cam_data.lens = 35.0
    else:
        frames = [k.frame for k in shots]
        animate.key_vector(cam, "location", frames, [k.location for k in shots])
        animate.key_vector(target, "location", frames, [k.target for k in shots])
        animate.key(cam_data, "lens", frames, [k.lens for k in shots])
    track = cam.constraints.new("TRACK_TO")
    track.target, track.track_axis, track.up_axis = target, "TRACK_NEGATIVE_Z", "UP_Y"
    cam_data.dof.focus_object = target
    cam_data.dof.aperture_fstop = 2.8
    if scene.camera is not None and not is_ours(scene.camera):
        scene[keys.PREV_CAMERA] = scene.camera.name
    scene.camera = cam
    return cam, shots


def hud_width(spec) -> float:
    """How many units the frame's long side spans in the HUD's plane (captions, title cards): the plane
    sits at a quarter of the closest shot's distance to its target, in front of the scene but as far out
    as that allows, so the camera's clip start can sit far out too."""
    shots = spec.camera or []
    near = min((float(np.linalg.norm(np.subtract(k.location, k.target))) for k in shots), default=4.0)
    lens = max((k.lens for k in shots), default=50.0)
    return max(1e-3, 0.25 * near * 36.0 / lens)


def add_hud(cam, shots, coll, width: float):
    """An empty in front of the camera whose distance follows the lens (z = -lens/36, keyed with the same
    easing as the lens), so the frame's long side always spans `width` units in the HUD's plane."""
    hud = tag(bpy.data.objects.new("LLM Reel HUD", None))
    hud.parent = cam
    coll.objects.link(hud)
    if shots:
        animate.key(hud, "location", [k.frame for k in shots], [-k.lens / 36.0 * width for k in shots], index=2)
    else:
        hud.location.z = -cam.data.lens / 36.0 * width
    return hud

"""The camera (keyed location, target and lens) and the HUD empty in front of it that carries captions
and title cards.

    add_camera(scene, spec, coll) -> (camera, shots);  add_hud(cam, shots, coll, hud)

Every number here comes from the spec: the keys (with their interpolation and handles) from spec.camera,
the HUD plane's depth keys and the clip start from spec.hud (scenes/hud.py).
"""
from __future__ import annotations

import bpy
import numpy as np

from llmreel.scenes import fcurve

from . import animate, keys
from .nodes import is_ours, tag
from .world import scene_bounds


def add_camera(scene, spec, coll):
    cam_data = tag(bpy.data.cameras.new("LLM Reel Camera"))
    cam_data.sensor_width, cam_data.sensor_fit = 36.0, "AUTO"
    lo, hi = scene_bounds(spec)
    cam_data.clip_end = float(np.linalg.norm(hi - lo)) * 10 + 100
    cam_data.clip_start = spec.hud.clip_start
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
        ease = _easing(shots)
        animate.key_vector(cam, "location", frames, [k.location for k in shots], **ease)
        animate.key_vector(target, "location", frames, [k.target for k in shots], **ease)
        animate.key(cam_data, "lens", frames, [k.lens for k in shots], **ease)
    track = cam.constraints.new("TRACK_TO")
    track.target, track.track_axis, track.up_axis = target, "TRACK_NEGATIVE_Z", "UP_Y"
    cam_data.dof.focus_object = target
    cam_data.dof.aperture_fstop = 2.8
    if scene.camera is not None and not is_ours(scene.camera):
        scene[keys.PREV_CAMERA] = scene.camera.name
    scene.camera = cam
    return cam, shots


def _easing(shots) -> dict:
    """animate.key's per-key interpolation and handle types of these camera keys, and the curves'
    smoothing the planner follows (scenes/fcurve.py), whatever the user's preference for new curves."""
    return {"interpolation": [k.interpolation for k in shots], "handles": [k.handles for k in shots],
            "smoothing": fcurve.SMOOTHING}


def add_hud(cam, shots, coll, hud):
    """An empty in front of the camera at spec.hud's depth keys (z = -lens/36 * hud.width, keyed with the
    camera keys' easing, as the lens is), so the frame's long side always spans hud.width units there."""
    plane = tag(bpy.data.objects.new("LLM Reel HUD", None))
    plane.parent = cam
    coll.objects.link(plane)
    if hud.depth:
        animate.key(plane, "location", [f for f, _ in hud.depth], [z for _, z in hud.depth], index=2,
                    **_easing(shots))
    else:
        plane.location.z = -cam.data.lens / 36.0 * hud.width
    return plane

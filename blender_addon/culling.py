"""Shot culling for renders: hide (hide_render, keyed) every object while it lies wholly outside the
camera's view, so the render neither evaluates nor draws it.

Software OpenGL pays for every object and triangle it is handed, even off screen, and most shots are
close-ups of a small part of the model. Culling changes no pixel in Workbench (no shadows, reflections or
light from unseen objects), so renderers apply it to a scene built for rendering only; it is never saved
into the .blend a user tweaks (moving the camera there would reveal hidden objects).

The camera path comes straight from the f-curves the add-on wrote (location, Track To target, lens), so
no frame is evaluated: ~2,600 frames cull in well under a second.
"""
from __future__ import annotations

import bpy
import numpy as np
from mathutils import Matrix

from . import animate, compat, keys

CULLED = keys.CULLED


def _channel(idblock, path: str, size: int, frames: np.ndarray, static) -> np.ndarray:
    """float64 [F, size]: `path`'s keyed value at each frame, or the static value where unkeyed."""
    out = np.tile(np.asarray(static, dtype=np.float64).reshape(1, size), (len(frames), 1))
    ad = getattr(idblock, "animation_data", None)
    for fc in compat.action_fcurves(ad.action if ad else None):
        if fc.data_path == path and fc.array_index < size:
            out[:, fc.array_index] = [fc.evaluate(float(f)) for f in frames]
    return out


def camera_frames(scene, frames: np.ndarray):
    """Per frame: camera position [F, 3], camera axes right/up/forward [F, 3, 3] (rows) and the half
    extents of the view at unit depth (tan of the half angles) [F, 2], for the add-on's camera (a Track
    To constraint on a target, -Z forward, Y up; sensor fit AUTO)."""
    cam = scene.camera
    track = next((c for c in cam.constraints if c.type == "TRACK_TO" and c.target is not None), None)
    if track is None or cam.parent is not None:
        raise ValueError("culling needs the add-on's camera (Track To a target, no parent)")
    pos = _channel(cam, "location", 3, frames, cam.location)                             # [F, 3]
    target = _channel(track.target, "location", 3, frames, track.target.location)        # [F, 3]
    lens = _channel(cam.data, "lens", 1, frames, [cam.data.lens])[:, 0]                  # [F]
    fwd = target - pos
    fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
    right = np.cross(fwd, [0.0, 0.0, 1.0])                                               # Y up: world Z up
    right /= np.maximum(np.linalg.norm(right, axis=1, keepdims=True), 1e-12)
    up = np.cross(right, fwd)
    r = scene.render
    w, h = r.resolution_x * r.pixel_aspect_x, r.resolution_y * r.pixel_aspect_y
    half = cam.data.sensor_width / 2 / lens                                              # [F] long side
    ext = np.stack([half, half * h / w], axis=1) if w >= h else np.stack([half * w / h, half], axis=1)
    return pos, np.stack([right, up, fwd], axis=1), ext


def rig_as_built(scene) -> bool:
    """True when the scene's camera is still the add-on's rig in structure (its keys may have moved:
    camera_frames reads them): one Track To on a target that is not parented or constrained, no parent,
    no drivers, no lens shift, sensor fit AUTO, no camera switching by markers. A .blend a user re-rigged
    renders without culling (its camera path is only known by evaluating every frame)."""
    cam = scene.camera
    if cam is None or cam.type != "CAMERA" or cam.parent is not None or len(cam.constraints) != 1:
        return False
    track = cam.constraints[0]
    if track.type != "TRACK_TO" or track.target is None or track.influence != 1.0 or track.mute:
        return False
    target = track.target
    data = cam.data
    return (target.parent is None and not target.constraints and data.sensor_fit == "AUTO"
            and data.shift_x == 0 and data.shift_y == 0 and data.type == "PERSP"
            and not any(m.camera for m in scene.timeline_markers)
            and not any(_drivers(i) for i in (cam, target, data)))


def _drivers(idblock) -> bool:
    ad = getattr(idblock, "animation_data", None)
    return ad is not None and len(ad.drivers) > 0


def _moves(obj) -> bool:
    """obj or anything it hangs from has animation (other than visibility), constraints, drivers, shape keys
    or a modifier other than the cell look (which colours, never moves)."""
    from .blocks import LOOK_MODIFIER

    data = obj.data
    if getattr(data, "shape_keys", None) is not None or _drivers(data) or \
            any(m.name != LOOK_MODIFIER for m in obj.modifiers):
        return True
    while obj is not None:
        ad = obj.animation_data
        paths = {fc.data_path for fc in compat.action_fcurves(ad.action if ad else None)}
        if paths - {"hide_render", "hide_viewport"} or obj.constraints or _drivers(obj):
            return True
        obj = _up(obj)
    return False


def _up(obj):
    """The object's parent, else the empty instancing its collection (a visibility instancer), else None."""
    if obj.parent is not None:
        return obj.parent
    return next((i for c in obj.users_collection for i in c.users_dupli_group), None)


def _world_matrix(obj) -> Matrix:
    """The object's world matrix through parents and instancers (their keyed visibility ignored)."""
    m = obj.matrix_basis.copy()
    child = obj
    while (up := _up(child)) is not None:
        inv = child.matrix_parent_inverse if child.parent is not None else Matrix.Identity(4)
        m = up.matrix_basis @ inv @ m
        child = up
    return m


def _rides_camera(obj, cam) -> bool:
    while obj is not None:
        if obj == cam:
            return True
        obj = _up(obj)
    return False


def _keyed(obj, path: str) -> bool:
    ad = obj.animation_data
    return any(fc.data_path == path for fc in compat.action_fcurves(ad.action if ad else None))


def frustum_planes(pos, axes, ext, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Outward normals [F, 5, 3] and offsets [F, 5] of the widened view's side planes and the camera
    plane: a point p is outside plane i when normals[i] . p > offsets[i]."""
    right, up, fwd = axes[:, 0], axes[:, 1], axes[:, 2]                                 # [F, 3] each
    kx, ky = (ext[:, 0:1] * (1 + margin)), (ext[:, 1:2] * (1 + margin))                  # [F, 1]
    normals = np.stack([right - kx * fwd, -right - kx * fwd, up - ky * fwd, -up - ky * fwd, -fwd], axis=1)
    offsets = np.einsum("fpj,fj->fp", normals, pos)                                     # [F, 5]
    return normals, offsets


def in_view(corners: np.ndarray, normals: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """bool [M, F]: some part of box m (world `corners` [M, 8, 3]) may be in view at frame f.
    Conservative: False only when all eight corners lie outside one plane."""
    M, F = corners.shape[0], normals.shape[0]
    out = np.empty((M, F), dtype=bool)
    n32, off = normals.reshape(-1, 3).astype(np.float32), offsets.astype(np.float32)[:, :, None, None]
    for a in range(0, M, 64):                                                            # ~50 MB at a time
        c = corners[a:a + 64].astype(np.float32)                                        # [m, 8, 3]
        dist = (n32 @ c.reshape(-1, 3).T).reshape(F, 5, len(c), 8) - off                # [F, 5, m, 8]
        out[a:a + 64] = ~(dist.min(axis=3) >= 0).any(axis=1).T
    return out


def cull_offscreen(scene, margin: float = 0.1, strict: bool = False) -> int:
    """Key hide_render on every static object of ours over the frames it is out of view; returns how many
    objects got keys. Objects riding the camera (captions, title cards) or moving themselves (flying
    cells) and objects whose render visibility is already keyed are left alone; `strict` (a .blend a user
    may have changed): so is every object that moves, or hangs from one that does, in any way."""
    from .nodes import is_ours

    frames = np.arange(scene.frame_start, scene.frame_end + 1, dtype=np.float64)
    normals, offsets = frustum_planes(*camera_frames(scene, frames), margin)
    dg = bpy.context.evaluated_depsgraph_get()
    objs = [o for o in scene.objects
            if o.type in ("MESH", "FONT", "CURVE", "CURVES") and is_ours(o) and not _rides_camera(o, scene.camera)
            and not _keyed(o, "hide_render") and not _keyed(o, "location") and not o.hide_render
            and not (strict and _moves(o))]
    if not objs:
        return 0
    corners = np.empty((len(objs), 8, 3))
    for i, obj in enumerate(objs):
        local = np.array(obj.evaluated_get(dg).bound_box, dtype=np.float64)                # [8, 3]
        mw = np.array(_world_matrix(obj), dtype=np.float64)                               # [4, 4]
        corners[i] = local @ mw[:3, :3].T + mw[:3, 3]
    n = 0
    for obj, shown in zip(objs, in_view(corners, normals, offsets)):
        if shown.all():
            continue
        keys, vis = animate.mask_keys(frames, shown)
        animate.key(obj, "hide_render", keys, [1.0 - v for v in vis], interpolation="CONSTANT")
        obj.hide_render = not bool(shown[0])
        obj[CULLED] = 1
        n += 1
    scene[CULLED] = n
    return n

"""The camera (keyed location, target and lens) and the HUD empty in front of it that carries captions
and title cards.

    add_camera(scene, spec, coll) -> (camera, shots);  add_hud(cam, shots, coll, hud)
    add_background(cam, shots, spec, coll)      the gradient behind everything, riding the camera

Every number here comes from the spec: the keys (with their interpolation and handles) from spec.camera,
the HUD plane's depth keys and the clip start from spec.hud (scenes/hud.py); when spec.hud.scale keys the
plane's distance with the camera's (a pull-back over three orders of magnitude), the plane, the background
and the clip range (start and end) are keyed with it.
"""
from __future__ import annotations

import bpy
import numpy as np

from llmreel.scenes import fcurve

from . import animate, compat, keys
from .attributes import set_attribute
from .nodes import cell_material, is_ours, tag
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
    _key_scale(plane, hud.scale, 1.0, shots)
    if hud.scale:                       # the clip start keeps in front of the plane as it moves out
        animate.key(cam.data, "clip_start", [f for f, _ in hud.scale], [hud.clip_start * m for _, m in hud.scale],
                    **_easing(shots))
    return plane


def _key_scale(obj, keys_, factor: float, shots) -> None:
    """Key `obj`'s scale to factor * m at spec.hud.scale's (frame, m) keys (none: left as it is)."""
    for axis in range(3):
        if keys_:
            animate.key(obj, "scale", [f for f, _ in keys_], [factor * m for _, m in keys_], index=axis,
                        **_easing(shots))


BACKGROUND_GRID = 9             # vertices per side of the gradient's grid (Gouraud-interpolated colours)
BACKGROUND_LIFT = 0.25          # dark themes: the centre is the background plus this share of `dim`
BACKGROUND_SINK = 0.10          # light themes: the corners are this share darker than the background


def background_colours(background, dim, u, v) -> np.ndarray:
    """float32 [N, 3] linear RGB of the gradient at frame coordinates u, v ([N], -1..1 across the frame):
    a soft pool of light a little below the centre, as if the model stood over a lit floor, fading to the
    theme's background at the frame's edges. Dark themes lift the centre towards `dim`; light ones sink
    the edges. Either way the subject keeps the contrast the theme was designed for."""
    bg, dim = np.asarray(background, np.float32), np.asarray(dim, np.float32)
    r2 = np.clip((u / 1.1) ** 2 + ((v + 0.25) / 1.0) ** 2, 0.0, 1.0)                     # [N]
    t = ((1.0 - r2) ** 2)[:, None]                                                       # 1 centre, 0 edges
    if float(bg.mean()) < 0.5:
        return bg + t * BACKGROUND_LIFT * np.maximum(dim - bg, 0.004)
    return bg * (1.0 - BACKGROUND_SINK * (1.0 - t))


def add_background(cam, shots, spec, coll):
    """A grid of vertex colours (background_colours) filling the frame, parented to the camera far
    behind everything: its depth keys are the HUD plane's scaled by one factor (same easing), so it
    covers the frame at every lens. Drawn with the cell material (Workbench: the colour attribute;
    Cycles/EEVEE: emission); render.configure_render hides it in transparent renders."""
    hud = spec.hud
    zs = np.array([z for _, z in hud.depth] or [-cam.data.lens / 36.0 * hud.width], np.float64)
    lo, hi = scene_bounds(spec)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    far = []
    for k in shots or []:
        fwd = np.asarray(k.target, np.float64) - np.asarray(k.location, np.float64)
        fwd /= max(float(np.linalg.norm(fwd)), 1e-9)
        far.append(float(np.max((corners - np.asarray(k.location)) @ fwd)))
    if hud.scale and len(far) == len(zs):   # depth keyed with the camera's distance: behind the farthest corner
        scale = 1.5 * max(f / abs(z) for f, z in zip(far, zs))          # at each key, and the clip end with it
        animate.key(cam.data, "clip_end", [f for f, _ in hud.depth], [1.05 * scale * abs(z) for _, z in hud.depth],
                    **_easing(shots))
    else:
        far_all = max(far, default=0.0) or float(np.linalg.norm(hi - lo)) * 3
        scale = 1.5 * far_all / float(np.min(np.abs(zs)))          # behind the farthest corner at every key
        cam.data.clip_end = max(cam.data.clip_end, 1.05 * scale * float(np.max(np.abs(zs))))
    w, h = (np.asarray(hud.frame, np.float64) * scale * 1.15)
    n = BACKGROUND_GRID
    u, v = (g.ravel() for g in np.meshgrid(np.linspace(-1, 1, n), np.linspace(-1, 1, n)))
    verts = np.stack([u * w / 2, v * h / 2, np.zeros_like(u)], axis=1)
    faces = [(j * n + i, j * n + i + 1, (j + 1) * n + i + 1, (j + 1) * n + i)
             for j in range(n - 1) for i in range(n - 1)]
    mesh = tag(bpy.data.meshes.new("LLM Reel Background"))
    mesh.from_pydata(verts.tolist(), [], faces)
    rgb = background_colours(spec.theme.background, spec.look.dim, u * 1.15, v * 1.15)
    set_attribute(mesh, "Col", np.concatenate([rgb, np.ones((len(rgb), 1), np.float32)], axis=1),
                  "FLOAT_COLOR", "POINT")
    set_attribute(mesh, "glow", np.zeros(len(rgb), np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    mesh.materials.append(cell_material(spec.look))
    obj = tag(bpy.data.objects.new("LLM Reel Background", mesh))
    obj.parent = cam
    obj[keys.BACKGROUND] = 1
    obj[keys.BACKGROUND_DEPTH] = 0.95 * scale * float(np.min(np.abs(zs)))     # nearest it ever comes
    coll.objects.link(obj)
    if hud.depth:
        animate.key(obj, "location", [f for f, _ in hud.depth], [z * scale for _, z in hud.depth], index=2,
                    **_easing(shots))
    else:
        obj.location.z = float(zs[0]) * scale
    _key_scale(obj, hud.scale, 1.0, shots)
    return obj

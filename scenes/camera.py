"""Pure-numpy camera model matching Blender's perspective camera, and shot framing.

Blender conventions reproduced here: the camera looks from `location` at `target` with world Z up
(a Track To constraint, -Z forward, Y up); sensor width 36 mm with AUTO fit, i.e. the 36 mm run along
the LARGER image side; no shift. `project` returns what `bpy_extras.object_utils.world_to_camera_view`
returns: x, y in 0..1 across the frame (origin bottom-left) and z, the depth along the view axis.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.spec import CameraKey

SENSOR = 36.0                   # mm, along the larger image side (Blender sensor fit AUTO)
WORLD_UP = np.array([0.0, 0.0, 1.0])


def _aspect(aspect) -> tuple[float, float]:
    if isinstance(aspect, str):
        from llmreel.scenes.story import parse_aspect
        aspect = parse_aspect(aspect)
    w, h = aspect
    return float(w), float(h)


def basis(location, target) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(right, up, forward) unit vectors of a camera at `location` looking at `target`, Z up."""
    fwd = np.asarray(target, dtype=np.float64) - np.asarray(location, dtype=np.float64)
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, WORLD_UP)
    if np.linalg.norm(right) < 1e-9:                 # looking straight up/down: any right will do
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    return right, up, fwd


def half_extents(lens: float, aspect) -> tuple[float, float]:
    """tan of the half field of view (horizontal, vertical)."""
    w, h = _aspect(aspect)
    t = SENSOR / 2 / lens
    return (t, t * h / w) if w >= h else (t * w / h, t)


def project(camera_key: CameraKey, points, aspect) -> np.ndarray:
    """World points [N, 3] -> [N, 3]: (x, y) in 0..1 of the frame (inside when both in 0..1), z depth."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    right, up, fwd = basis(camera_key.location, camera_key.target)
    d = p - np.asarray(camera_key.location, dtype=np.float64)        # [N, 3]
    z = d @ fwd                                                      # [N] depth
    tx, ty = half_extents(camera_key.lens, aspect)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (d @ right) / (z * tx)                                   # [N] -1..1 across
        y = (d @ up) / (z * ty)
    return np.stack([(x + 1) / 2, (y + 1) / 2, z], axis=1)


def box_corners(lo, hi) -> np.ndarray:
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    idx = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)])
    return np.where(idx == 1, hi, lo)                                # [8, 3]


def frame_box(lo, hi, aspect, *, lens: float = 50.0, direction=(0.0, -1.0, 0.0), fill: float = 0.86) -> tuple:
    """Camera (location, target) that shows the box [lo, hi] whole, seen from `direction` (from the
    target towards the camera), the farthest corner at `fill` of the way from the centre to the edge.

    Closed form: with the target fixed the camera axes do not change with distance, and a corner
    at offset (a, u, b) from the target (right, up, forward) projects to x = a / ((b + dist) tan_x),
    so |x| <= fill needs dist >= |a| / (fill tan_x) - b (and the same for y)."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    target = (lo + hi) / 2
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    right, up, fwd = basis(target + d, target)
    off = box_corners(lo, hi) - target                                # [8, 3]
    tx, ty = half_extents(lens, aspect)
    need = np.maximum(np.abs(off @ right) / (fill * tx), np.abs(off @ up) / (fill * ty)) - off @ fwd
    dist = float(max(need.max(), 1e-3 * (float(np.max(hi - lo)) + 1e-6)))
    return tuple(float(v) for v in target + d * dist), tuple(float(v) for v in target)


def fill_fraction(camera_key: CameraKey, lo, hi, aspect) -> tuple[float, float, bool]:
    """(width fraction, height fraction, wholly inside) of the box [lo, hi] seen by the camera."""
    uv = project(camera_key, box_corners(lo, hi), aspect)
    inside = bool(np.all(uv[:, 2] > 0) and np.all((uv[:, :2] >= -1e-9) & (uv[:, :2] <= 1 + 1e-9)))
    span = uv[:, :2].max(0) - uv[:, :2].min(0)
    return float(span[0]), float(span[1]), inside

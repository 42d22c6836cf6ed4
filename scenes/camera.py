"""Pure-numpy camera model matching Blender's perspective camera, and shot framing.

Blender conventions reproduced here: the camera looks from `location` at `target` with world Z up
(a Track To constraint, -Z forward, Y up); sensor width 36 mm with AUTO fit, i.e. the 36 mm run along
the LARGER image side; no shift. `project` returns what `bpy_extras.object_utils.world_to_camera_view`
returns: x, y in 0..1 across the frame (origin bottom-left) and z, the depth along the view axis.
"""
from __future__ import annotations

import numpy as np

from llmreel.core.options import parse_aspect
from llmreel.scenes import hud
from llmreel.scenes.spec import CameraKey

SENSOR = 36.0                   # mm, along the larger image side (Blender sensor fit AUTO)
WORLD_UP = np.array([0.0, 0.0, 1.0])


def _aspect(aspect) -> tuple[float, float]:
    if isinstance(aspect, str):
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


def half_extents_many(lens, aspect) -> np.ndarray:
    """`half_extents` of each of the lenses `lens` [K]: [K, 2]."""
    w, h = _aspect(aspect)
    t = SENSOR / 2 / np.ravel(np.asarray(lens, dtype=np.float64))
    return np.stack([t, t * h / w] if w >= h else [t * w / h, t], axis=1)


def project(camera_key: CameraKey, points, aspect) -> np.ndarray:
    """World points [N, 3] -> [N, 3]: (x, y) in 0..1 of the frame (inside when both in 0..1), z depth."""
    return project_many([camera_key], points, aspect)[0]


def project_many(keys: list[CameraKey], points, aspect) -> np.ndarray:
    """`project` for several cameras at once: world points [N, 3] -> [K, N, 3], one row per key."""
    return project_arrays([k.location for k in keys], [k.target for k in keys], [k.lens for k in keys],
                          points, aspect)


def project_arrays(location, target, lens, points, aspect, dtype=np.float64) -> np.ndarray:
    """`project` for K cameras given as arrays (location [K, 3], target [K, 3], lens [K]): world points
    [N, 3] -> [K, N, 3], or [K, N, 3] points, a set per camera (a text moving with the camera). `dtype`
    float32 halves the big product's cost for measuring many frames (world coordinates of thousands of units
    keep ~1e-4 of a unit)."""
    each = np.ndim(points) == 3
    p = np.asarray(points, dtype=np.float64) if each else np.asarray(points, dtype=np.float64).reshape(-1, 3)
    loc = np.asarray(location, dtype=np.float64).reshape(-1, 3)
    fwd = np.asarray(target, dtype=np.float64).reshape(-1, 3) - loc
    fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
    right = np.cross(fwd, WORLD_UP)
    right[np.linalg.norm(right, axis=1) < 1e-9] = (1.0, 0.0, 0.0)   # looking straight up/down: any right
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    up = np.cross(right, fwd)
    axes = np.stack([right, up, fwd], axis=1)                                   # [K, 3 axes, 3]
    # (p - loc) . axis == p . axis - loc . axis: one product instead of a [K, N, 3] difference
    if each:
        cam = np.einsum("kij,knj->kin", axes.astype(dtype), (p - loc[:, None, :]).astype(dtype))  # [K, 3, N]
    else:
        cam = (axes.astype(dtype) @ p.T.astype(dtype)) - (axes @ loc[:, :, None]).astype(dtype)   # [K, 3, N]
    t = half_extents_many(lens, aspect).astype(dtype)                         # [K, 2]
    z = cam[:, 2]                                                               # [K, N] depth
    out = np.empty((len(loc), p.shape[-2], 3), dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 0.5 / z
        out[..., 0] = cam[:, 0] * inv / t[:, :1] + 0.5                          # 0..1 across
        out[..., 1] = cam[:, 1] * inv / t[:, 1:] + 0.5                          # 0..1 up
    out[..., 2] = z
    return out


_CORNERS = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)]) == 1


def box_corners(lo, hi) -> np.ndarray:
    """[8, 3] corners of the box lo..hi ([N, 1, 3] each: [N, 8, 3])."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    return np.where(_CORNERS, hi, lo)                                # [8, 3]


MARGIN = 0.05                   # clear margin kept on every side, fraction of the frame: title-safe
BAND_GAP = 0.015                # gap kept above the caption band (the band is already padded)


def _unit_frame(aspect) -> tuple[float, float]:
    """The frame's (width, height) with its long side 1 (the HUD's layout, scaled)."""
    return hud.frame_size(1.0, _aspect(aspect))


def caption_lines(text: str, aspect) -> int:
    """Wrapped line count of a caption, as the HUD lays it out (llmreel.scenes.hud)."""
    return hud.caption_lines(text, *_unit_frame(aspect))


def caption_band_top(aspect, lines: int) -> float:
    """Top of the caption band, as a fraction of the frame height from the bottom."""
    fw, fh = _unit_frame(aspect)
    return (hud.caption_top(fw, fh, lines) + fh / 2) / fh


def safe_area(aspect, caption_lines: int = 0, margin: float = MARGIN) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) in 0..1 frame fractions where a shot's subject may sit: `margin` in from every
    edge and BAND_GAP above the caption band of `caption_lines` lines (none when 0)."""
    bottom = caption_band_top(aspect, caption_lines) + BAND_GAP if caption_lines > 0 else margin
    return margin, 1.0 - margin, bottom, 1.0 - margin


def frame_box(lo, hi, aspect, *, lens: float = 50.0, direction=(0.0, -1.0, 0.0), fill: float = 0.86,
              safe=None) -> tuple:
    """Camera (location, target) that shows the box [lo, hi] whole, seen from `direction` (from the
    target towards the camera). With `safe` = (x0, x1, y0, y1) the box fits that sub-rectangle of the
    frame (0..1 fractions), its centre on the rectangle's centre and its farthest corner on the
    rectangle's edge; without, the farthest corner sits at `fill` of the way from the centre to the edge.

    Closed form: the camera axes depend only on `direction`, and moving camera and target together
    sideways by s = -c dist tan (c the safe centre in -1..1 units) puts the box centre at c. A corner at
    offset (a, u, b) from the box centre (right, up, forward) then lands at
    c + (a / tan - c b) / (b + dist), so staying within h of c needs dist >= |a / tan - c b| / h - b."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if safe is None:
        safe = ((1 - fill) / 2, (1 + fill) / 2, (1 - fill) / 2, (1 + fill) / 2)
    x0, x1, y0, y1 = safe
    cx, cy, hx, hy = x0 + x1 - 1, y0 + y1 - 1, x1 - x0, y1 - y0     # centre and half size in -1..1 units
    centre = (lo + hi) / 2
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    right, up, fwd = basis(centre + d, centre)
    off = box_corners(lo, hi) - centre                                # [8, 3]
    a, u, b = off @ right, off @ up, off @ fwd                        # [8] each
    tx, ty = half_extents(lens, aspect)
    need = np.maximum(np.abs(a / tx - cx * b) / hx, np.abs(u / ty - cy * b) / hy) - b
    dist = float(max(need.max(), 1e-3 * (float(np.max(hi - lo)) + 1e-6)))
    shift = -cx * dist * tx * right - cy * dist * ty * up
    target = centre + shift
    return tuple(float(v) for v in target + d * dist), tuple(float(v) for v in target)


def fill_fraction(camera_key: CameraKey, lo, hi, aspect) -> tuple[float, float, bool]:
    """(width fraction, height fraction, wholly inside) of the box [lo, hi] seen by the camera."""
    uv = project(camera_key, box_corners(lo, hi), aspect)
    inside = bool(np.all(uv[:, 2] > 0) and np.all((uv[:, :2] >= -1e-9) & (uv[:, :2] <= 1 + 1e-9)))
    span = uv[:, :2].max(0) - uv[:, :2].min(0)
    return float(span[0]), float(span[1]), inside

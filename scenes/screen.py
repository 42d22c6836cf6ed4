"""Where things land on screen, frame by frame: the spec's camera at any frame, and boxes of texts and
blocks projected through it, in frame fractions (x right, y up, 0..1 inside the frame). Level of detail
(legibility.py) and the frame check (frame_check.py) both measure with these.

Sizes are compared on the frame's short side: `scale(aspect)` turns a width or height in frame fractions
into fractions of the short side.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes import fcurve
from llmreel.scenes.camera import _aspect, project_arrays
from llmreel.scenes.spec import CameraKey
from llmreel.scenes.text_metrics import CAP  # noqa: F401  Latin cap height per unit of text size (measured)

TITLE_SAFE = 0.05               # broadcast title-safe margin, fraction of the frame on every side
THIN = 0.05                     # world units: a box this thin in Y is treated as flat
CHUNK = 256                     # frames projected at once (bounds the [K, N, 3] working set)


class Cameras:
    """The camera at many frames at once, eased between the spec's keys exactly as the add-on keys them
    (each key's interpolation and handles, Blender's F-curve rule: scenes/fcurve.py) and held past the
    ends."""

    def __init__(self, keys: list[CameraKey], frames):
        keys = sorted(keys, key=lambda k: k.frame)
        f = np.asarray(frames, dtype=np.float64)
        kf = np.array([k.frame for k in keys])
        how = [k.interpolation for k in keys], [k.handles for k in keys]

        channels = [[k.location[i] for k in keys] for i in range(3)] + \
                   [[k.target[i] for k in keys] for i in range(3)] + [[k.lens for k in keys]]
        v = fcurve.evaluate_channels(kf, channels, f, *how)
        self.frames = f
        self.location, self.target, self.lens = v[:, 0:3], v[:, 3:6], v[:, 6]

    def __len__(self) -> int:
        return len(self.frames)

    def take(self, rows: slice) -> "Cameras":
        """The same camera at `frames[rows]` (views, no re-evaluation)."""
        sub = object.__new__(Cameras)
        sub.frames, sub.location, sub.target, sub.lens = (self.frames[rows], self.location[rows],
                                                          self.target[rows], self.lens[rows])
        return sub

    def key(self, i: int) -> CameraKey:
        return CameraKey(float(self.frames[i]), tuple(self.location[i]), tuple(self.target[i]), float(self.lens[i]))


def scale(aspect) -> tuple[float, float]:
    """(x, y) factors from frame fractions to fractions of the frame's short side."""
    w, h = _aspect(aspect)
    s = min(w, h)
    return w / s, h / s


def project(cams: Cameras, points, aspect, rows=slice(None)) -> np.ndarray:
    """World points [N, 3] -> [K, N, 3] for the cameras `cams[rows]`: x, y in frame fractions, z depth."""
    return project_arrays(cams.location[rows], cams.target[rows], cams.lens[rows], points, aspect,
                          dtype=np.float32)


def flat_corners(corners: np.ndarray) -> np.ndarray:
    """[N, 8, 3] box corners (camera.box_corners order) -> [N, 4, 3] on their mid-plane when every box is
    thin in Y (texts lie in the wall, THIN deep at most: a few hundredths of a unit seen from tens of
    units away), since the other four corners project within a pixel of them; else unchanged."""
    if corners.shape[1] == 8 and np.all(np.ptp(corners[:, :, 1], axis=1) <= THIN):
        mid = corners[:, [0, 1, 4, 5]].copy()
        mid[:, :, 1] = corners[:, :, 1].mean(axis=1, keepdims=True)
        return mid
    return corners


NOWHERE = (2.0, 2.0, 2.0, 2.0, -1.0)   # the box of what was not measured: off screen, behind the camera
SPARSE_CHUNK = 32               # frames per chunk when only some boxes are needed (each chunk projects the
                                # boxes any of its frames needs)


def box_screen(corners: np.ndarray, cams: Cameras, aspect, need: np.ndarray | None = None) -> np.ndarray:
    """[N, P, 3] world corners of N boxes -> [K, N, 5]: x0, x1, y0, y1 of each projected box and its
    nearest depth (<= 0: partly behind the camera). With `need` [K, N], only boxes needed in some frame of
    a chunk are projected; the rest read NOWHERE (a GPT-2 plan needs a few per cent of its texts' boxes)."""
    corners = flat_corners(np.asarray(corners, dtype=np.float64))
    n, pts = corners.shape[:2]
    if need is None:
        return _boxes(corners, cams, aspect, slice(None))
    out = np.empty((len(cams), n, 5))
    out[:] = NOWHERE
    for a in range(0, len(cams), SPARSE_CHUNK):
        rows = slice(a, a + SPARSE_CHUNK)
        cols = np.flatnonzero(need[rows].any(0))
        if cols.size:
            out[rows, cols] = _boxes(corners[cols], cams, aspect, rows)
    return out


def _boxes(corners: np.ndarray, cams: Cameras, aspect, rows: slice) -> np.ndarray:
    n, pts = corners.shape[:2]
    k = len(cams.frames[rows])
    out = np.empty((k, n, 5))
    flat = corners.transpose(1, 0, 2).reshape(-1, 3)                  # corner-major: slices below are [K, N]
    first = rows.start or 0
    for a in range(0, k, CHUNK):
        uv = project(cams, flat, aspect, slice(first + a, first + min(a + CHUNK, k))).reshape(-1, pts, n, 3)
        # min/max over the few corners as elementwise folds: far faster than a reduce over a short axis
        lo, hi = uv[:, 0].copy(), uv[:, 0].copy()
        for p in range(1, pts):
            np.minimum(lo, uv[:, p], out=lo)
            np.maximum(hi, uv[:, p], out=hi)
        out[a:a + CHUNK, :, 0], out[a:a + CHUNK, :, 1] = lo[..., 0], hi[..., 0]
        out[a:a + CHUNK, :, 2], out[a:a + CHUNK, :, 3] = lo[..., 1], hi[..., 1]
        out[a:a + CHUNK, :, 4] = lo[..., 2]
    return out


def heights(anchors, lengths, cams: Cameras, aspect, rotations=None, need: np.ndarray | None = None) -> np.ndarray:
    """[K, N]: the on-screen height, as a fraction of the short side, of a vertical segment of world length
    `lengths[n]` standing on `anchors[n]` (a text's cap height standing on its baseline). A text turned
    `rotations[n]` degrees in the wall (spec.Label.rotation) stands its cap along its own up: that segment's
    projected length is measured instead. With `need` [K, N], only segments needed in some frame of a
    chunk are projected; the rest read 0."""
    a = np.asarray(anchors, dtype=np.float64).reshape(-1, 3)
    turn = np.zeros(len(a)) if rotations is None else np.radians(np.asarray(rotations, dtype=np.float64))
    up = np.stack([-np.sin(turn), np.zeros(len(a)), np.cos(turn)], 1)
    b = a + np.asarray(lengths, dtype=np.float64)[:, None] * up
    if need is None:
        return _heights(a, b, turn != 0, cams, aspect, slice(None))
    out = np.zeros((len(cams), len(a)))
    for k in range(0, len(cams), SPARSE_CHUNK):
        rows = slice(k, k + SPARSE_CHUNK)
        cols = np.flatnonzero(need[rows].any(0))
        if cols.size:
            out[rows, cols] = _heights(a[cols], b[cols], turn[cols] != 0, cams, aspect, rows)
    return out


def _heights(a: np.ndarray, b: np.ndarray, turned: np.ndarray, cams: Cameras, aspect, rows: slice) -> np.ndarray:
    first, k = rows.start or 0, len(cams.frames[rows])
    out = np.empty((k, len(a)))
    sx, sy = scale(aspect)
    for i in range(0, k, CHUNK):
        sub = slice(first + i, first + min(i + CHUNK, k))
        pa, pb = project(cams, a, aspect, sub), project(cams, b, aspect, sub)
        out[i:i + CHUNK] = np.abs(pb[..., 1] - pa[..., 1]) * sy
        if turned.any():
            d = pb[:, turned] - pa[:, turned]
            out[i:i + CHUNK, turned] = np.hypot(d[..., 0] * sx, d[..., 1] * sy)
    return out


def on_screen(points, cams: Cameras, aspect) -> np.ndarray:
    """[K, N]: whether each world point lands inside the frame, in front of the camera, at each camera."""
    p = np.concatenate([project(cams, np.asarray(points, dtype=np.float64).reshape(-1, 3), aspect,
                                slice(k, k + CHUNK)) for k in range(0, len(cams), CHUNK)])
    return (p[..., 2] > 0) & (p[..., 0] >= 0) & (p[..., 0] <= 1) & (p[..., 1] >= 0) & (p[..., 1] <= 1)


def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[..., N, 4+] and [..., M, 4+] boxes (x0, x1, y0, y1) -> [..., N, M] whether they intersect."""
    return ((a[..., :, None, 0] < b[..., None, :, 1]) & (b[..., None, :, 0] < a[..., :, None, 1])
            & (a[..., :, None, 2] < b[..., None, :, 3]) & (b[..., None, :, 2] < a[..., :, None, 3]))


def inside(box: np.ndarray, rect) -> np.ndarray:
    """[..., 4+] boxes wholly inside rect (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = rect
    return (box[..., 0] >= x0) & (box[..., 1] <= x1) & (box[..., 2] >= y0) & (box[..., 3] <= y1)


def outside(box: np.ndarray, rect=(0.0, 1.0, 0.0, 1.0)) -> np.ndarray:
    """[..., 4+] boxes wholly outside rect (not drawn in that frame at all)."""
    x0, x1, y0, y1 = rect
    return (box[..., 1] <= x0) | (box[..., 0] >= x1) | (box[..., 3] <= y0) | (box[..., 2] >= y1)


def slide_values(slide, frames) -> tuple[np.ndarray, np.ndarray]:
    """A label's keyed move (spec.Label.slide: (frame, dx, dz, scale) keys, linear between, held past the
    ends, as the add-on keys it) at `frames`: ([K, 3] world offsets, [K] scales)."""
    f = np.asarray(frames, dtype=np.float64)
    if slide is None or len(slide) == 0:
        return np.zeros((len(f), 3)), np.ones(len(f))
    k = np.asarray(slide, dtype=np.float64)
    off = np.zeros((len(f), 3))
    off[:, 0], off[:, 2] = np.interp(f, k[:, 0], k[:, 1]), np.interp(f, k[:, 0], k[:, 2])
    return off, np.interp(f, k[:, 0], k[:, 3])


def slides_at(slides, frames) -> tuple[np.ndarray, np.ndarray]:
    """`slide_values` of N labels' slides at K `frames`: ([K, N, 3] world offsets, [K, N] scales)."""
    moves = [slide_values(slide, frames) for slide in slides]
    if not moves:
        return np.zeros((len(frames), 0, 3)), np.ones((len(frames), 0))
    return np.stack([o for o, _ in moves], 1), np.stack([s for _, s in moves], 1)


def moved_screen(corners: np.ndarray, anchors: np.ndarray, lengths, slides, cams: Cameras,
                 aspect) -> tuple[np.ndarray, np.ndarray]:
    """Texts that move (Label.slide): [N, P, 3] world corners of their boxes where they stand, [N, 3] their
    anchors, [N] cap lengths and N slides -> ([K, N, 5] screen boxes, [K, N] cap heights, as `heights`) at
    each of `cams`: each box scaled about its anchor and moved, frame by frame."""
    return moved_boxes(corners, anchors, lengths, *slides_at(slides, cams.frames), cams, aspect)


def moved_boxes(corners: np.ndarray, anchors: np.ndarray, lengths, off: np.ndarray, s: np.ndarray,
                cams: Cameras, aspect) -> tuple[np.ndarray, np.ndarray]:
    """`moved_screen` for texts moved by `off` [K, N, 3] and scaled by `s` [K, N] about their anchors."""
    corners = flat_corners(np.asarray(corners, dtype=np.float64))
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 3)
    k, (n, pts) = len(cams), corners.shape[:2]
    at = anchors[None] + off                                                       # [K, N, 3]
    every = np.empty((k, n, pts + 2, 3))
    every[:, :, :pts] = at[:, :, None] + s[..., None, None] * (corners - anchors[:, None])[None]
    every[:, :, pts] = at
    every[:, :, pts + 1] = at
    every[:, :, pts + 1, 2] += s * np.asarray(lengths, dtype=np.float64)[None]     # the cap's top
    uv = project_arrays(cams.location, cams.target, cams.lens, every.reshape(k, -1, 3), aspect,
                        dtype=np.float32).reshape(k, n, pts + 2, 3)
    boxes = np.stack([uv[:, :, :pts, 0].min(2), uv[:, :, :pts, 0].max(2), uv[:, :, :pts, 1].min(2),
                      uv[:, :, :pts, 1].max(2), uv[:, :, :pts, 2].min(2)], -1)
    return boxes, np.abs(uv[:, :, pts + 1, 1] - uv[:, :, pts, 1]) * scale(aspect)[1]

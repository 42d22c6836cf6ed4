"""Blender's F-curve keys, without Blender: where auto and auto-clamped Bezier handles go and the value at
any frame, so the planner sees the camera the add-on animates (screen.Cameras) frame for frame.

The add-on keys with `SMOOTHING` ('NONE': each key's handles follow from its two neighbours alone; Blender's
default for new curves, 'CONT_ACCEL', solves all keys at once and depends on a user preference), constant
extrapolation, and the interpolation and handle types each CameraKey names. Handle rule (Blender's
calchandleNurb for F-curves, no smoothing): at key p with neighbours a and b (mirrored at the ends),
dA = p - a, dB = b - p, t = dB / dB.x + dA / dA.x; the handles are p -/+ t * lenA|lenB / (2.5614 * t.x), the
lengths in x at most 5 times each other; auto-clamped handles stay level at a local extremum and never
reach past a neighbour's value; the first and last keys' handles are level.
"""
from __future__ import annotations

import numpy as np

SMOOTHING = "NONE"
_K = 2.5614                     # Blender's auto-handle length factor
AUTO = ("AUTO", "AUTO_CLAMPED")
INTERPOLATIONS = ("BEZIER", "LINEAR", "CONSTANT")


def handles(x, y, types) -> tuple[np.ndarray, np.ndarray]:
    """([N, 2] left, [N, 2] right) handle points of keys (x, y) with handle types `types` (one per key:
    AUTO | AUTO_CLAMPED | VECTOR)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n = len(x)
    left, right = np.stack([x, y], 1), np.stack([x, y], 1)
    if n < 2:
        return left, right
    p = np.stack([x, y], 1)
    for i in range(n):
        a = p[i - 1] if i > 0 else 2 * p[i] - p[i + 1]
        b = p[i + 1] if i < n - 1 else 2 * p[i] - p[i - 1]
        da, db = p[i] - a, b - p[i]
        la, lb = da[0] or 1.0, db[0] or 1.0
        kind = types[i]
        if kind == "VECTOR":
            left[i], right[i] = p[i] - da / 3, p[i] + db / 3
            continue
        if kind not in AUTO:
            raise ValueError(f"handle type {kind!r}: the planner follows {AUTO + ('VECTOR',)}")
        t = db / lb + da / la
        length = t[0] * _K
        if length == 0:
            continue
        la = min(la, 5 * lb)
        lb = min(lb, 5 * la)
        left[i], right[i] = p[i] - t * la / length, p[i] + t * lb / length
        if kind == "AUTO_CLAMPED" and 0 < i < n - 1:
            d1, d2 = y[i - 1] - y[i], y[i + 1] - y[i]
            if (d1 <= 0 and d2 <= 0) or (d1 >= 0 and d2 >= 0):       # a local extremum: level
                left[i, 1] = right[i, 1] = y[i]
                continue
            lv = (d1 <= 0 and y[i - 1] > left[i, 1]) or (d1 > 0 and y[i - 1] < left[i, 1])
            rv = (d1 <= 0 and y[i + 1] < right[i, 1]) or (d1 > 0 and y[i + 1] > right[i, 1])
            if lv:
                left[i, 1] = y[i - 1]
            if rv:
                right[i, 1] = y[i + 1]
            h1, h2 = left[i, 0] - x[i], x[i] - right[i, 0]
            if lv:                                                   # keep the two handles in line
                right[i, 1] = y[i] + (y[i] - left[i, 1]) / h1 * h2
            elif rv:
                left[i, 1] = y[i] + (y[i] - right[i, 1]) / h2 * h1
    for i in (0, n - 1):                                             # constant extrapolation: level ends
        if types[i] in AUTO:
            left[i, 1] = right[i, 1] = y[i]
    left[:, 0], right[:, 0] = np.minimum(left[:, 0], x), np.maximum(right[:, 0], x)
    return left, right


def _scaled(p0, p1, p2, p3) -> tuple[np.ndarray, np.ndarray]:
    """A segment's inner control points, their handles scaled where they overlap in x (x alone decides)."""
    h1, h2 = p1 - p0, p3 - p2
    span, l12 = p3[:, 0] - p0[:, 0], np.abs(h1[:, 0]) + np.abs(h2[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(l12 > span, span / l12, 1.0)[:, None]
    return p0 + h1 * s, p3 - h2 * s


def _bez(p0, p1, p2, p3, k: int, t: np.ndarray) -> np.ndarray:
    """Coordinate k of cubic segments [M, 2] at parameters t [M]."""
    u = 1 - t
    return u ** 3 * p0[:, k] + 3 * u * u * t * p1[:, k] + 3 * u * t * t * p2[:, k] + t ** 3 * p3[:, k]


def _solve_t(p0, p1, p2, p3, f: np.ndarray) -> np.ndarray:
    """The parameter t at which each segment reaches frame f: x(t) rises monotonically, so bisect."""
    lo, hi = np.zeros_like(f), np.ones_like(f)
    for _ in range(40):
        mid = (lo + hi) / 2
        below = _bez(p0, p1, p2, p3, 0, mid) < f
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def evaluate(x, y, frames, interpolation, types) -> np.ndarray:
    """The F-curve through keys (x ascending, y) at `frames`: each key's `interpolation` (BEZIER | LINEAR
    | CONSTANT) runs to the next key, handle `types` as in `handles`; constant before and after."""
    return evaluate_channels(x, [y], frames, interpolation, types)[:, 0]


def evaluate_channels(x, ys, frames, interpolation, types) -> np.ndarray:
    """[F, C]: the F-curves of C channels keyed at the same frames `x` (a camera's location, target and
    lens), as `evaluate`. Handles' and segments' x follow from the keys' frames alone, so the frame -> t
    solve of Bezier segments is done once for all channels."""
    x = np.asarray(x, np.float64)
    ys = [np.asarray(y, np.float64) for y in ys]
    f = np.asarray(frames, np.float64)
    out = np.empty((len(f), len(ys)))
    out[f <= x[0]] = [y[0] for y in ys]
    out[f >= x[-1]] = [y[-1] for y in ys]
    if len(x) < 2:
        return out
    seg = np.clip(np.searchsorted(x, f, side="right") - 1, 0, len(x) - 2)
    inner = (f > x[0]) & (f < x[-1])
    bad = set(interpolation[:-1]) - set(INTERPOLATIONS)
    if bad:
        raise ValueError(f"interpolation {bad.pop()!r}: the planner follows {INTERPOLATIONS}")
    kind = np.array(interpolation)[seg]
    constant, linear, bezier = (inner & (kind == k) for k in ("CONSTANT", "LINEAR", "BEZIER"))
    i, j, fb = seg[bezier], seg[bezier] + 1, f[bezier]
    t = None
    for c, y in enumerate(ys):
        out[constant, c] = y[seg[constant]]
        a = seg[linear]
        out[linear, c] = y[a] + (f[linear] - x[a]) / (x[a + 1] - x[a]) * (y[a + 1] - y[a])
        left, right = handles(x, y, types)
        p = np.stack([x, y], 1)
        p0, p3 = p[i], p[j]
        p1, p2 = _scaled(p0, right[i], left[j], p3)
        if t is None:
            t = _solve_t(p0, p1, p2, p3, fb)
        out[bezier, c] = _bez(p0, p1, p2, p3, 1, t)
    return out

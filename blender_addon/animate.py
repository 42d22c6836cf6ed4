"""Object-level keyframes (camera, visibility, growth, flights): written straight into f-curves."""
from __future__ import annotations

import numpy as np

from . import compat
from .nodes import tag


def key(idblock, data_path: str, frames, values, index: int = 0, interpolation: str = "BEZIER"):
    """Key `data_path[index]` at `frames` to `values`; BEZIER keys ease in and out (auto-clamped)."""
    frames = np.asarray(frames, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    fc = compat.fcurve_ensure(idblock, data_path, index)
    tag(idblock.animation_data.action)
    kps = fc.keyframe_points
    start = len(kps)
    kps.add(len(frames))
    for i, (f, v) in enumerate(zip(frames, values)):
        kp = kps[start + i]
        kp.co = (float(f), float(v))
        kp.interpolation = interpolation
        kp.handle_left_type = kp.handle_right_type = "AUTO_CLAMPED"
    fc.update()
    return fc


def key_vector(idblock, data_path: str, frames, vectors, interpolation: str = "BEZIER"):
    vectors = np.asarray(vectors, dtype=np.float32)
    for i in range(vectors.shape[1]):
        key(idblock, data_path, frames, vectors[:, i], index=i, interpolation=interpolation)


def merge_intervals(intervals) -> list[tuple[float, float]]:
    """Sorted, with overlapping or touching (gap < 1 frame) intervals joined."""
    out: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in intervals):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def on_off_keys(intervals, before: float) -> tuple[list[float], list[float]]:
    """(frames, values) of a 0/1 step function that is 1 on each [first, last] interval (inclusive)."""
    frames, values = [before], [0.0]
    for a, b in merge_intervals(intervals):
        frames += [a, b + 1]
        values += [1.0, 0.0]
    return frames, values


def key_visibility(obj, intervals, before: float) -> None:
    """Object shown only during `intervals` (no keys, always shown, when empty)."""
    if not intervals:
        return
    frames, on = on_off_keys(intervals, before)
    hidden = [1.0 - v for v in on]
    for path in ("hide_render", "hide_viewport"):
        key(obj, path, frames, hidden, interpolation="CONSTANT")
    obj.hide_render = obj.hide_viewport = bool(hidden[0])

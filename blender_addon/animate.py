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


def mask_keys(frames: np.ndarray, mask: np.ndarray) -> tuple[list[float], list[float]]:
    """(frames, values) of a 0/1 step function equal to `mask` (shown = 1) on integer `frames`."""
    change = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    return [float(frames[0]) - 1, *(float(f) for f in frames[change])], \
        [float(mask[0]), *(float(mask[i]) for i in change)]


class Visibility:
    """Shows objects only during given frames, cheaply: objects with the same on/off pattern share one
    parent empty whose scale is keyed 1/0 (constant). Blender re-evaluates every animated object on each
    frame change (~0.02-0.09 ms each, a text or curve more), while un-animated children of an animated
    empty only update their transform, so a few hundred patterns replace thousands of keyed objects."""

    def __init__(self, collection, frame_start: int, make_empty):
        self.collection, self.before, self.make_empty = collection, float(frame_start - 1), make_empty
        self.groups: dict = {}

    def _attach(self, obj, frames: list[float], values: list[float]) -> None:
        if all(v == 1.0 for v in values):
            return
        parent = obj.parent
        key = (parent.name if parent is not None else "", tuple(frames), tuple(values))
        empty = self.groups.get(key)
        if empty is None:
            empty = self.make_empty(f"LLM Reel shown {len(self.groups):04d}", self.collection)
            empty.parent = parent
            empty["llmreel_visibility"] = 1
            key_vector(empty, "scale", frames, [(v, v, v) for v in values], interpolation="CONSTANT")
            empty.scale = (values[0],) * 3
            self.groups[key] = empty
        obj.parent = empty

    def during(self, obj, intervals) -> None:
        """Shown only during `intervals` (inclusive frame ranges); always shown when empty."""
        if intervals:
            self._attach(obj, *on_off_keys(intervals, self.before))

    def mask(self, obj, frames: np.ndarray, mask: np.ndarray) -> None:
        """Shown where `mask` is true over integer `frames`."""
        if not mask.all():
            self._attach(obj, *mask_keys(frames, mask))


def key_mask_hidden(obj, frames: np.ndarray, mask: np.ndarray) -> None:
    """Keys hide_render/hide_viewport (constant) from `mask` (shown). Unlike a zero-scale parent, hidden
    objects are not evaluated at all: used for block instances carrying a time-driven GN modifier."""
    if mask.all():
        return
    keys, shown = mask_keys(frames, mask)
    hidden = [1.0 - v for v in shown]
    for path in ("hide_render", "hide_viewport"):
        key(obj, path, keys, hidden, interpolation="CONSTANT")
    obj.hide_render = obj.hide_viewport = bool(hidden[0])


def is_shown(obj) -> bool:
    """Visible at the current frame: not hidden, and no zero-scale visibility parent above it."""
    while obj is not None:
        if obj.hide_render or obj.hide_viewport or (obj.get("llmreel_visibility") and obj.scale[0] == 0):
            return False
        obj = obj.parent
    return True

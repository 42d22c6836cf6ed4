"""Object-level keyframes (camera, visibility, growth, flights): written straight into f-curves."""
from __future__ import annotations

import bpy
import numpy as np

from . import compat, keys
from .nodes import tag


def key(idblock, data_path: str, frames, values, index: int = 0, interpolation="BEZIER",
        handles="AUTO_CLAMPED", smoothing: str | None = None):
    """Key `data_path[index]` at `frames` to `values`. `interpolation` and `handles` (keyframe handle
    type) are one name for every key or a sequence of one per key; BEZIER AUTO_CLAMPED keys ease in and
    out without overshoot. `smoothing`: the curve's auto-handle smoothing (NONE | CONT_ACCEL); None keeps
    Blender's default for new curves (a user preference)."""
    frames = np.asarray(frames, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    n = len(frames)
    interps = [interpolation] * n if isinstance(interpolation, str) else list(interpolation)
    hands = [handles] * n if isinstance(handles, str) else list(handles)
    fc = compat.fcurve_ensure(idblock, data_path, index)
    tag(idblock.animation_data.action)
    if smoothing is not None:
        fc.auto_smoothing = smoothing
    kps = fc.keyframe_points
    start = len(kps)
    kps.add(n)
    for i, (f, v) in enumerate(zip(frames, values)):
        kp = kps[start + i]
        kp.co = (float(f), float(v))
        kp.interpolation = interps[i]
        kp.handle_left_type = kp.handle_right_type = hands[i]
    fc.update()
    return fc


def key_vector(idblock, data_path: str, frames, vectors, interpolation="BEZIER", handles="AUTO_CLAMPED",
               smoothing: str | None = None):
    vectors = np.asarray(vectors, dtype=np.float32)
    for i in range(vectors.shape[1]):
        key(idblock, data_path, frames, vectors[:, i], index=i, interpolation=interpolation, handles=handles,
            smoothing=smoothing)


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
    """Shows objects only during given frames, cheaply. Objects with the same on/off pattern (and the
    same parent) move into one collection, shown through one collection-instance empty whose
    hide_viewport/hide_render are keyed (constant). On a frame change Blender then evaluates a few dozen
    keyed empties, not hundreds of keyed or re-parented texts (each ~10-20 us, a camera-borne text far
    more: its layout reruns whenever its transform changes). The collections live under `holder`, which
    build_scene excludes from the view layer: their objects show only through their instancer."""

    def __init__(self, collection, holder, frame_start: int, make_empty, homes=()):
        self.collection, self.holder = collection, holder
        self.homes = list(homes)               # where objects come from (users_collection scans all collections)
        self.before, self.make_empty = float(frame_start - 1), make_empty
        self.groups: dict = {}

    def _attach(self, obj, frames: list[float], values: list[float]) -> None:
        if all(v == 1.0 for v in values):
            return
        parent = obj.parent
        key_ = (parent.name if parent is not None else "", tuple(frames), tuple(values))
        coll = self.groups.get(key_)
        if coll is None:
            name = f"LLM Reel shown {len(self.groups):04d}"
            coll = tag(bpy.data.collections.new(name))
            self.holder.children.link(coll)
            empty = self.make_empty(name, self.collection)
            empty.instance_type, empty.instance_collection = "COLLECTION", coll
            empty.parent = parent
            empty[keys.VISIBILITY] = 1
            hidden = [1.0 - v for v in values]
            for path in ("hide_viewport", "hide_render"):
                key(empty, path, frames, hidden, interpolation="CONSTANT")
            empty.hide_viewport = empty.hide_render = bool(hidden[0])
            self.groups[key_] = coll
        if getattr(obj, "pending", False):     # a text.PendingText: merged into the group's mesh later
            obj.collection, obj.parent = coll, None
            return
        for c in self.homes or list(obj.users_collection):
            if c.objects.get(obj.name) == obj:
                c.objects.unlink(obj)
        coll.objects.link(obj)
        obj.parent = None                      # the instancer carries the parent's transform

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
    """Visible at the current frame: not hidden itself and, for an object shown through a visibility
    instancer (see Visibility), that instancer is shown."""
    if obj.hide_render or obj.hide_viewport:
        return False
    for coll in obj.users_collection:
        for inst in coll.users_dupli_group:
            if inst.get(keys.VISIBILITY):
                return not (inst.hide_render or inst.hide_viewport)
    return True

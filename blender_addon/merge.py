"""Static text, bands and outlines joined into one mesh per visibility group.

Blender's dependency graph schedules every object's operations on each frame change, so each object costs
time whether or not it changes: the default scene's ~900 label, caption and card texts cost about 7 ms of
every frame change as objects and almost nothing as a few dozen meshes. The words of each merged text are
kept on the mesh (`llmreel_texts`); a build with `editable_text=True` keeps real text objects instead."""
from __future__ import annotations

import json

import bpy
import numpy as np

from . import compat, keys
from .nodes import tag
from .text import configure_text, font_for, set_strokes

KINDS = ("FONT", "MESH", "CURVE")
TEXTS_KEY = keys.TEXTS


def mergeable(obj) -> bool:
    """Static geometry that may be joined: a text, mesh or curve object without animation, modifiers or
    parent (group members carry no parent: their instancer does); not captions (they stay texts a user
    can retype)."""
    data = obj.data
    return (obj.type in KINDS and obj.animation_data is None and obj.parent is None and not obj.modifiers
            and getattr(data, "animation_data", None) is None
            and not obj.get(keys.BLOCK)
            and keys.CAPTION not in obj)


def text_record(obj) -> dict:
    """What identifies a text (object or PendingText) once merged: name, words, font file, llmreel_* tags."""
    rec = {"name": obj.name}
    if getattr(obj, "pending", False):
        font = font_for(obj.body)
        return {**rec, "body": obj.body, "font": bpy.path.basename(font.filepath), **obj.tags}
    if obj.type == "FONT":
        rec["body"] = obj.data.body
        rec["font"] = bpy.path.basename(obj.data.font.filepath) if obj.data.font else ""
    for k in obj.keys():
        if k.startswith(keys.PREFIX) and isinstance(obj[k], (int, float, str)):
            rec[k] = obj[k]
    return rec


class _Scratch:
    """One unlinked text object that tessellates every PendingText in turn (removed at the end). A text
    drawn before (the same words, size, colour and options: GPT-2's 8,715 labels hold 2,257) is not
    tessellated again: its arrays at the origin are kept and moved to the text's place."""

    def __init__(self, resolution: int, aliased: bool):
        self.obj = None
        self.resolution, self.aliased = resolution, aliased
        self.cache: dict = {}

    def get(self, text):
        """The scratch object set up as `text` (its resolution is _mesh_arrays' business, as for any text)."""
        if self.obj is None:
            self.obj = bpy.data.objects.new("LLMReel text scratch", bpy.data.curves.new("LLMReel text scratch", "FONT"))
        configure_text(self.obj.data, text.body, text.size, text.color, **text.options)
        self.obj.location, self.obj.rotation_euler = text.location, text.rotation
        return self.obj

    def arrays(self, text) -> dict:
        """_mesh_arrays of `text` as the scratch object set up as it would give them."""
        key = (text.body, float(text.size), tuple(text.color), repr(sorted(text.options.items())))
        part = self.cache.get(key)
        if part is None:
            obj = self.get(text)
            obj.location, obj.rotation_euler = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
            part = self.cache[key] = _mesh_arrays(obj, self.resolution, self.aliased)
        if self.obj is None:
            self.get(text)
        self.obj.location, self.obj.rotation_euler = text.location, text.rotation
        m = np.array(self.obj.matrix_basis, dtype=np.float32)
        return {**part, "co": part["co"] @ m[:3, :3].T + m[:3, 3]}

    def ids(self) -> list:
        return [] if self.obj is None else [self.obj, self.obj.data]


def _get(attrs, name: str, n: int, dtype, width: int = 1, prop: str = "value") -> np.ndarray:
    out = np.zeros(n * width, dtype)
    if n and name in attrs:
        attrs[name].data.foreach_get(prop, out)
    return out.reshape(n, width) if width > 1 else out


def _set(attrs, name: str, values: np.ndarray, kind: str, domain: str, prop: str = "value") -> None:
    attr = attrs.get(name) or attrs.new(name, kind, domain)
    attr.data.foreach_set(prop, np.ascontiguousarray(values).ravel())


def _mesh_arrays(obj, resolution: int, aliased: bool = False) -> dict:
    """`obj` as Blender tessellates it: positions [V,3] in its parent's space, edges [E,2], corner
    vertices and edges, face starts, face material slots, materials. Text: `resolution` > 0 curve steps,
    strokes for an `aliased` picture or not (text.set_strokes)."""
    if obj.type == "FONT" and resolution > 0:
        obj.data.resolution_u = resolution
    if obj.type == "FONT":
        set_strokes(obj.data, aliased)
    me = obj.to_mesh()                                   # owned by the object: no data block to remove
    try:
        nv, ne, nl, nf = len(me.vertices), len(me.edges), len(me.loops), len(me.polygons)
        at = me.attributes
        m = np.array(obj.matrix_basis, dtype=np.float32)
        out = {"co": _get(at, "position", nv, np.float32, 3, "vector") @ m[:3, :3].T + m[:3, 3],
               "edges": _get(at, ".edge_verts", ne, np.int32, 2),
               "corner_vert": _get(at, ".corner_vert", nl, np.int32),
               "corner_edge": _get(at, ".corner_edge", nl, np.int32),
               "starts": np.empty(nf, np.int32), "slots": _get(at, "material_index", nf, np.int32),
               "materials": list(me.materials) or list(obj.data.materials)}
        me.polygons.foreach_get("loop_start", out["starts"])
        return out
    finally:
        obj.to_mesh_clear()


def merge_objects(objs: list, name: str, collection, resolution: int, trash: list, scratch: _Scratch,
                  aliased: bool = False):
    """One tagged mesh object in `collection` with the geometry and materials of `objs` (objects or
    PendingTexts), or None when they have no faces. The objects and their data go to `trash` (for one
    batch_remove). `resolution` > 0 sets the curve steps per glyph segment before text is tessellated;
    `aliased`: strokes for a picture drawn without anti-aliasing (text.set_strokes)."""
    parts, materials = [], []
    for obj in objs:
        part = scratch.arrays(obj) if getattr(obj, "pending", False) else _mesh_arrays(obj, resolution, aliased)
        remap = []
        for m in part["materials"]:
            if m not in materials:
                materials.append(m)
            remap.append(materials.index(m))
        remap = np.asarray(remap or [0], np.int32)
        part["slots"] = remap[np.clip(part["slots"], 0, len(remap) - 1)]
        parts.append(part)
    nf = sum(len(p["starts"]) for p in parts)
    if nf == 0:
        return None

    def joined(key: str, offset_by: str | None = None) -> np.ndarray:
        if offset_by is None:
            return np.concatenate([p[key] for p in parts])
        offsets = np.cumsum([0] + [len(p[offset_by]) for p in parts])[:-1]
        return np.concatenate([p[key] + o for p, o in zip(parts, offsets)])

    me = tag(bpy.data.meshes.new(name))
    co, edges, corners = joined("co"), joined("edges", "co"), joined("corner_vert", "co")
    me.vertices.add(len(co))
    me.edges.add(len(edges))
    me.loops.add(len(corners))
    me.polygons.add(nf)
    at = me.attributes
    _set(at, "position", co, "FLOAT_VECTOR", "POINT", "vector")
    _set(at, ".edge_verts", edges, "INT32_2D", "EDGE")
    _set(at, ".corner_vert", corners, "INT", "CORNER")
    _set(at, ".corner_edge", joined("corner_edge", "edges"), "INT", "CORNER")
    me.polygons.foreach_set("loop_start", joined("starts", "corner_vert"))
    _set(at, "material_index", joined("slots"), "INT", "FACE")
    me.update()
    for m in materials:
        me.materials.append(m)
    face_rgb = np.array([m.diffuse_color[:3] if m else (1, 1, 1) for m in materials] or [(1, 1, 1)], np.float32)
    compat.flat_color_attribute(me, face_rgb[joined("slots")])
    out = tag(bpy.data.objects.new(name, me))
    out[TEXTS_KEY] = json.dumps([text_record(o) for o in objs], ensure_ascii=False)
    if len(objs) == 1:
        out.color = (*objs[0].color[:3], 1.0)
    collection.objects.link(out)
    real = [o for o in objs if not getattr(o, "pending", False)]
    trash += real + [o.data for o in real if o.data.users == 1]
    return out


def merge_collections(collections, pending=(), resolution: int = 0, aliased: bool = False) -> int:
    """In each collection, join the mergeable objects and the PendingTexts placed there (per parent)
    into one mesh named after the first ('+N' more), when that removes objects or makes text mesh;
    returns how many objects and pending texts went into merged meshes."""
    trash, merged, scratch = [], 0, _Scratch(resolution, aliased)
    waiting: dict = {}
    for text in pending:
        waiting.setdefault(text.collection, []).append(text)
    for coll in collections:
        by_parent: dict = {None: [o for o in coll.objects if mergeable(o)]}
        for text in waiting.get(coll, []):
            by_parent.setdefault(text.parent, []).append(text)
        for parent, objs in by_parent.items():
            objs.sort(key=lambda o: o.name)
            if len(objs) < 2 and not any(o.type == "FONT" for o in objs):
                continue
            name = objs[0].name + (f" +{len(objs) - 1}" if len(objs) > 1 else " (mesh)")
            out = merge_objects(objs, name, coll, resolution, trash, scratch, aliased)
            if out is not None:
                out.parent = parent
                merged += len(objs)
    # one batch: removing data blocks one at a time scans the whole file each time (~5 ms apiece here)
    bpy.data.batch_remove(trash + scratch.ids())
    return merged


def built_items(objects) -> list[dict]:
    """A text_record per object as built: merged meshes expand into their members (each with
    `merged_into`), so texts, highlights and bands can be found by name or tag in either kind of build."""
    out = []
    for obj in objects:
        if TEXTS_KEY in obj:
            out += [dict(r, merged_into=obj.name) for r in json.loads(obj[TEXTS_KEY])]
        else:
            out.append(text_record(obj))
    return out


def holder_of(objects, key: str, value):
    """The object showing the item tagged `key` = `value`: the item's own object or the merged mesh that
    holds it; None if there is none."""
    for obj in objects:
        if obj.get(key) == value or TEXTS_KEY in obj and any(r.get(key) == value for r in json.loads(obj[TEXTS_KEY])):
            return obj
    return None

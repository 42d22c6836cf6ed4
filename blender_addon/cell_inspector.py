"""The cell inspector on a built block object: which tensor cell a face shows, and its value (the line
itself is composed by the bpy-free inspector.py).

    cell_index(obj, face) -> index;  cell_info(obj, face) -> str;  block_values(obj, id) -> float32 [R, K]

A merged group of blocks (scenes/block_lod.merge_groups) names each member's cells by its own props.
"""
from __future__ import annotations

import json

import numpy as np

from . import geometry, inspector, keys
from .attributes import get_attribute


def _member(obj, face_index: int) -> tuple[dict, int]:
    """(the props of the block that face `face_index` belongs to, the face's index within that block): the
    object's own props, or for a merged group of blocks (keys.MEMBERS) the props of the member whose
    faces hold it. ValueError for non-block objects, image planes and faces out of range."""
    if obj is None or obj.get(keys.BLOCK) is None:
        raise ValueError("not an LLM Reel block object")
    nfaces = len(obj.data.polygons)
    if not 0 <= face_index < nfaces:
        raise ValueError(f"face {face_index} outside 0..{nfaces - 1}")
    props, face = _in_member(obj, face_index)
    if obj.get(keys.IMAGE):
        rows, cols = (int(x) for x in props[keys.SHAPE])
        raise ValueError(f"{props[keys.BLOCK]} is an image plane ({rows}×{cols}); cells are pixels")
    return props, face


def _in_member(obj, face_index: int):
    if keys.MEMBERS not in obj:
        return obj, face_index
    for member in json.loads(obj[keys.MEMBERS]):
        start, stop = member[keys.FACES]
        if start <= face_index < stop:
            return member, face_index - start
    raise ValueError(f"face {face_index} belongs to no block of {obj.name}")


def cell_index(obj, face_index: int) -> tuple[int, ...]:
    """Trace-tensor index of the cell that face `face_index` of a block object belongs to.
    ValueError for non-block objects, image planes and faces out of range."""
    props, face = _member(obj, face_index)
    rows, cols = (int(x) for x in props[keys.SHAPE])
    r, c = geometry.face_to_cell(face, cols, _shape(obj))
    row_axis, col_axis = props.get(keys.ROW_AXIS, ""), props.get(keys.COL_AXIS, "")
    shown = [(r, row_axis), (c, col_axis)]
    if props[keys.TRANSPOSE]:
        shown.reverse()                                   # rows run over the tensor's last axis
    prefix = tuple(int(i) for i in props[keys.INDEX_PREFIX] if int(i) >= 0)
    index = prefix + tuple(i for i, axis in shown if axis != "1")    # "1": a 1-D tensor drawn as a row/column
    return index[:-1] + (index[-1] + int(props.get(keys.OFFSET, 0)),)


def cell_info(obj, face_index: int) -> str:
    """Inspector line for face `face_index` of a block object, e.g.
    'h0.attn.q[1,3,5] = qkv[3, head 1 · A + 5] = 0.412'. ValueError for other objects/faces."""
    index = cell_index(obj, face_index)
    props, _ = _member(obj, face_index)
    shape = _shape(obj)
    cell = face_index // geometry.faces_per_cell(shape)
    value = float(obj.data.attributes["value"].data[cell * geometry.verts_per_cell(shape)].value)
    return inspector.cell_line(props[keys.FORMAL], props[keys.TENSOR], index, value)


def block_values(obj, block_id: str | None = None) -> np.ndarray:
    """Per-cell values stored on a block object's mesh (float32 [R, K]); of a merged group's member
    `block_id` (default: its first)."""
    props, start = obj, 0
    if keys.MEMBERS in obj:
        members = json.loads(obj[keys.MEMBERS])
        props = next(m for m in members if block_id in (None, m[keys.BLOCK]))
        start = props[keys.FACES][0] // geometry.faces_per_cell(_shape(obj))
    rows, cols = (int(x) for x in props[keys.SHAPE])
    per = geometry.verts_per_cell(_shape(obj))
    return get_attribute(obj.data, "value")[start * per:(start + rows * cols) * per:per].reshape(rows, cols)


def _shape(obj) -> str:
    return str(obj.get(keys.CELL_SHAPE, "box"))

"""The cell inspector on a built block object: which tensor cell a face shows, and its value (the line
itself is composed by the bpy-free inspector.py).

    cell_index(obj, face) -> index;  cell_info(obj, face) -> str;  block_values(obj) -> float32 [R, K]
"""
from __future__ import annotations

import numpy as np

from . import geometry, inspector, keys
from .attributes import get_attribute


def cell_index(obj, face_index: int) -> tuple[int, ...]:
    """Trace-tensor index of the cell that face `face_index` of a block object belongs to.
    ValueError for non-block objects, image planes and faces out of range."""
    if obj is None or obj.get(keys.BLOCK) is None:
        raise ValueError("not an LLM Reel block object")
    rows, cols = (int(x) for x in obj[keys.SHAPE])
    if obj.get(keys.IMAGE):
        raise ValueError(f"{obj[keys.BLOCK]} is an image plane ({rows}×{cols}); cells are pixels")
    nfaces = len(obj.data.polygons)
    if not 0 <= face_index < nfaces:
        raise ValueError(f"face {face_index} outside 0..{nfaces - 1}")
    r, c = geometry.face_to_cell(face_index, cols, _shape(obj))
    row_axis, col_axis = obj.get(keys.ROW_AXIS, ""), obj.get(keys.COL_AXIS, "")
    shown = [(r, row_axis), (c, col_axis)]
    if obj[keys.TRANSPOSE]:
        shown.reverse()                                   # rows run over the tensor's last axis
    prefix = tuple(int(i) for i in obj[keys.INDEX_PREFIX] if int(i) >= 0)
    index = prefix + tuple(i for i, axis in shown if axis != "1")    # "1": a 1-D tensor drawn as a row/column
    return index[:-1] + (index[-1] + int(obj.get(keys.OFFSET, 0)),)


def cell_info(obj, face_index: int) -> str:
    """Inspector line for face `face_index` of a block object, e.g.
    'h0.attn.q[1,3,5] = qkv[3, head 1 · A + 5] = 0.412'. ValueError for other objects/faces."""
    index = cell_index(obj, face_index)
    shape = _shape(obj)
    cell = face_index // geometry.faces_per_cell(shape)
    value = float(obj.data.attributes["value"].data[cell * geometry.verts_per_cell(shape)].value)
    return inspector.cell_line(obj[keys.FORMAL], obj[keys.TENSOR], index, value)


def block_values(obj) -> np.ndarray:
    """Per-cell values stored on a block object's mesh (float32 [R, K])."""
    rows, cols = (int(x) for x in obj[keys.SHAPE])
    return get_attribute(obj.data, "value")[::geometry.verts_per_cell(_shape(obj))].reshape(rows, cols)


def _shape(obj) -> str:
    return str(obj.get(keys.CELL_SHAPE, "box"))

"""Small geometric helpers over SceneSpec blocks and labels: tensor index -> block cell -> world point,
and the world bounds of blocks with their labels (what a shot must keep in frame)."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.layout import text_width
from llmreel.scenes.spec import Block, Label, ValueText


def view(arr: np.ndarray, index_prefix, axis_range, transpose: bool) -> np.ndarray:
    """The 2-D [R, K] view of a tensor that a block shows (see spec.Block / layout.Slot)."""
    x = arr[tuple(index_prefix)] if index_prefix else arr
    if tuple(axis_range) != (0, 0):
        x = x[..., axis_range[0]:axis_range[1]]
    if x.ndim == 1:
        return x[:, None] if transpose else x[None, :]
    return x.T if transpose else x


def block_cell(block: Block, index) -> tuple[int, int]:
    """Tensor index (full) -> (row, col) of the block's cell showing it."""
    idx = tuple(int(i) for i in index)
    n = len(block.index_prefix)
    if idx[:n] != tuple(block.index_prefix):
        raise IndexError(f"{idx} is not in block {block.id}")
    rest = list(idx[n:])
    a0, a1 = block.axis_range
    if (a0, a1) != (0, 0):
        if not a0 <= rest[-1] < a1:
            raise IndexError(f"{idx} is not in block {block.id}")
        rest[-1] -= a0
    if len(rest) == 1:
        return (rest[0], 0) if block.transpose else (0, rest[0])
    return (rest[1], rest[0]) if block.transpose else (rest[0], rest[1])


def cell_point(block: Block, row: float, col: float, front: bool = True) -> tuple[float, float, float]:
    """World centre of cell (row, col) (fractional allowed); `front`: on the face towards the camera."""
    o = block.origin
    y = o[1] - block.depth / 2 if front else o[1]
    return (o[0] + col * block.pitch, y, o[2] - row * block.pitch)


def label_bounds(label: Label) -> tuple[np.ndarray, np.ndarray]:
    """Approximate world box of a label's text (all languages)."""
    w = max(text_width(t, label.size) for t in label.text.values())
    x, y, z = label.location
    x0 = {"left": x, "center": x - w / 2, "right": x - w}[label.align]
    return (np.array([x0, y - 0.01, z - 0.3 * label.size]), np.array([x0 + w, y + 0.01, z + 0.85 * label.size]))


def value_text_box(text: str, size: float, location) -> tuple[np.ndarray, np.ndarray]:
    """World box of a value text; the add-on draws it centred on `location` with its last line's baseline
    there (earlier lines above it, one text size apart)."""
    w = text_width(text, size)
    x, y, z = location
    up = text.count("\n") * size
    return np.array([x - w / 2, y - 0.01, z - 0.3 * size]), np.array([x + w / 2, y + 0.01, z + 0.85 * size + up])


def value_text_bounds(v: ValueText) -> tuple[np.ndarray, np.ndarray]:
    return value_text_box(v.text, v.size, v.location)


def union(boxes) -> tuple[np.ndarray, np.ndarray]:
    boxes = list(boxes)
    lo = np.min([b[0] for b in boxes], axis=0)
    hi = np.max([b[1] for b in boxes], axis=0)
    return lo, hi

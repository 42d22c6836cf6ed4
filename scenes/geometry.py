"""Small geometric helpers over SceneSpec blocks and labels: tensor index -> block cell -> world point,
and the world bounds of blocks with their labels (what a shot must keep in frame)."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.hud import pick
from llmreel.scenes.spec import Block, Label, ValueText
from llmreel.scenes.text_metrics import ink_box


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
    return (o[0] + col * block.col_pitch, y, o[2] - row * block.row_pitch)


def text_box(text: str, size: float, location, align: str = "left",
             rotation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """World box of the ink of a text drawn on the wall (readable from -Y) with its baseline at `location`
    (text_metrics: the measured fonts, Korean drawn at its size factor), turned `rotation` degrees
    counter-clockwise about it as the viewer sees the wall; 0.01 thick in Y."""
    x0, x1, z0, z1 = ink_box(text, size, align)
    x, y, z = location
    if rotation:
        c, s = np.cos(np.radians(rotation)), np.sin(np.radians(rotation))
        u, v = np.array([x0, x1, x1, x0]), np.array([z0, z0, z1, z1])
        xs, zs = u * c - v * s, u * s + v * c
        x0, x1, z0, z1 = xs.min(), xs.max(), zs.min(), zs.max()
    return np.array([x + x0, y - 0.01, z + z0]), np.array([x + x1, y + 0.01, z + z1])


def label_bounds(label: Label, language: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World box of a label's text in `language` (as the add-on picks it), or of all its languages."""
    texts = [pick(label.text, language)] if language else [t for t in label.text.values() if t]
    return union(text_box(t, label.size, label.location, label.align, label.rotation) for t in texts or [""])


def value_text_box(text: str | dict[str, str], size: float, location) -> tuple[np.ndarray, np.ndarray]:
    """World box of a value text (one string, or language -> string: the box around every language's, as
    a Korean text is drawn larger); the add-on draws it centred on `location` with its (last line's)
    baseline there."""
    texts = ([t for t in text.values() if t] or [""]) if isinstance(text, dict) else [text]
    return union(text_box(t, size, location, "center") for t in texts)


def value_text_bounds(v: ValueText, language: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World box of a value text in `language` (as the add-on picks it), or around all its languages."""
    return value_text_box(pick(v.text, language) if language else v.text, v.size, v.location)


def union(boxes) -> tuple[np.ndarray, np.ndarray]:
    """The (lo, hi) corners of the box around `boxes` (at least one)."""
    boxes = list(boxes)
    if not boxes:
        raise ValueError("union of no boxes")
    lo, hi = np.array(boxes[0][0]), np.array(boxes[0][1])
    for a, b in boxes[1:]:
        lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    return lo, hi


def wall_gap(a, b) -> float:
    """Distance between two boxes on the wall, along x and z (0 when they overlap)."""
    d = np.maximum(0.0, np.maximum(np.asarray(a[0]) - b[1], np.asarray(b[0]) - a[1]))
    return float(np.hypot(d[0], d[2]))


def leader(b: Block, cell: tuple[int, int], v: ValueText, k: int) -> list[tuple[float, float, float]]:
    """A line from the right edge of `cell`'s frame to the left of its number, in front of the block: across,
    down or up to the number's height (the k-th leader at its own x, so two never run along each other),
    across."""
    x, _, z = cell_point(b, *cell)
    lo, hi = value_text_bounds(v)
    x0, x1 = x + 0.5 * b.col_pitch, lo[0] - 0.3 * b.pitch
    y, zt = b.origin[1] - b.depth / 2 - 0.3 * b.pitch, (lo[2] + hi[2]) / 2
    xm = x0 + min(0.25 + 0.15 * k, 0.75) * (x1 - x0)
    return [(x0, y, z), (xm, y, z), (xm, y, zt), (x1, y, zt)]

"""Blocks: every laid-out slot with its values (the trace's last pass), colour scale and reveal times."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.geometry import view
from llmreel.scenes.layout import Layout
from llmreel.scenes.packer import CELL, DEPTH, PITCH
from llmreel.scenes.spec import Block
from llmreel.scenes.storyboard import BeatPlan


def _scale(data: np.ndarray, tensor: str) -> float:
    if tensor.endswith("probs"):
        return 1.0
    if data.size > 200_000:                 # big tensors: a strided sample (of the row-major order, picked
        # without flattening: a tied head is its token table seen transposed, and its copy 150 MB)
        flat = data[np.unravel_index(np.arange(0, data.size, data.size // 200_000), data.shape)]
    else:
        flat = data.reshape(-1)
    flat = np.abs(flat[np.isfinite(flat)])
    if flat.size == 0:
        return 1.0
    s = float(np.quantile(flat, 0.98))
    return s if s > 1e-12 else float(flat.max() or 1.0)


def plan_blocks(lay: Layout, trace, times: dict[str, np.ndarray], beats: list[BeatPlan]) -> list[Block]:
    chapter_of: dict[str, str] = {}
    for b in beats:
        for s in b.steps:
            for t in s.tensors:
                chapter_of.setdefault(t, b.chapter)
    scales: dict[str, float] = {}
    blocks = []
    for s in lay.slots:
        t = trace.tensors[s.tensor]
        if s.tensor not in scales:
            scales[s.tensor] = _scale(t.data, s.tensor)
        values = view(t.data, s.index_prefix, s.axis_range, s.transpose)       # [R, K]
        if t.role == "weight":
            values = np.asarray(values, dtype=np.float32)                     # a view: no copy of big tables
            t_on = np.broadcast_to(np.float32(times[s.tensor].flat[0]), values.shape)
        else:
            values = np.ascontiguousarray(values, dtype=np.float32)
            t_on = np.ascontiguousarray(view(times[s.tensor], s.index_prefix, s.axis_range, s.transpose),
                                        dtype=np.float32)
        assert values.shape == (s.rows, s.cols), (s.id, values.shape, (s.rows, s.cols))
        blocks.append(Block(
            id=s.id, tensor=s.tensor, index_prefix=tuple(s.index_prefix), transpose=s.transpose, role=s.role,
            title=dict(s.title), formal=s.formal, row_axis=s.row_axis, col_axis=s.col_axis,
            origin=tuple(float(v) for v in s.origin), pitch=s.pitch, cell=CELL * s.pitch / PITCH, depth=DEPTH,
            scale=scales[s.tensor], values=values, t_on=t_on, chapter=chapter_of.get(s.tensor, ""),
            axis_range=tuple(s.axis_range), row_step=s.row_step, col_step=s.col_step,
        ))
    return blocks

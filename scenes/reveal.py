"""Per-cell reveal times: when each cell of each tensor lights, as arrays (never per-cell keyframes).

Steps run in order inside their beat's window. A step's cells sweep column by column (token order),
top to bottom inside a column, over the step's slot; a cell never lights before 1 frame after the
latest cell it depends on (`llmreel.model.opgraph.max_over_deps` defines the dependencies; nothing here
re-implements them). Merged tensors (layout.MERGED, e.g. attn.qkv) get a virtual time half a frame
after their inputs, so the blocks that show their values still come strictly after what made them.
"""
from __future__ import annotations

import numpy as np

from llmreel.model.opgraph import max_over_deps
from llmreel.scenes.storyboard import BeatPlan, Step, reveal_window

TOKEN_AXES = ("T", "Tk")


def token_axis(axes: tuple[str, ...]) -> int:
    """Index of the axis that runs over token positions (the first T / Tk axis)."""
    for i, a in enumerate(axes):
        if a in TOKEN_AXES:
            return i
    raise ValueError(f"no token axis in {axes}")


def _sweep_order(axes: tuple[str, ...], shape: tuple[int, ...], cols: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(mask of cells in `cols`, fraction 0..1 of each cell along the sweep), both of `shape`."""
    ax = token_axis(axes)
    col = np.arange(shape[ax]).reshape([-1 if i == ax else 1 for i in range(len(shape))])
    others = [i for i in range(len(shape)) if i != ax]
    if others:                                  # within a column: along the last other axis
        r_ax = others[-1]
        R = shape[r_ax]
        row = np.arange(R).reshape([-1 if i == r_ax else 1 for i in range(len(shape))])
    else:
        R, row = 1, np.zeros(1, dtype=np.int64)
    key = (col - cols[0]) * R + row                                       # broadcast to shape
    n = max(1, (cols[1] - cols[0]) * R - 1)
    mask = np.broadcast_to((col >= cols[0]) & (col < cols[1]), shape)
    return mask, np.broadcast_to(key / n, shape)


class Schedule:
    """Reveal times of every tensor of one trace (float64, tensor-shaped; inf = not yet / never)."""

    def __init__(self, trace, merged: set[str], weight_time: float):
        self.trace = trace
        self.merged = merged
        self.times: dict[str, np.ndarray] = {}
        for name, t in trace.tensors.items():
            if t.role == "weight":
                self.times[name] = np.broadcast_to(np.float64(weight_time), t.data.shape)
            else:
                self.times[name] = np.full(t.data.shape, np.inf)

    def _virtual(self, name: str, cols: tuple[int, int]) -> None:
        t = self.trace.tensors[name]
        for src in t.op.inputs:
            if src in self.merged:
                self._virtual(src, cols)
        mask, _ = _sweep_order(t.axes, t.data.shape, cols)
        dep = max_over_deps(self.trace, name, self.times)
        self.times[name] = np.where(mask, dep + 0.5, self.times[name])

    def run_step(self, step: Step, first: float, last: float) -> None:
        """Reveal `step` sweeping over frames [first, last]."""
        for name in step.tensors:
            t = self.trace.tensors[name]
            for src in t.op.inputs:
                if src in self.merged:
                    self._virtual(src, step.cols)
        for name in step.tensors:
            t = self.trace.tensors[name]
            mask, frac = _sweep_order(t.axes, t.data.shape, step.cols)
            dep = max_over_deps(self.trace, name, self.times)
            when = np.maximum(dep + 1.0, first + frac * (last - first))
            self.times[name] = np.where(mask, when, self.times[name])

    def run_beat(self, beat: BeatPlan, fps: int) -> None:
        if not beat.steps:
            return
        w0, w1 = reveal_window(beat, fps)
        span = (w1 - w0 + 1) / len(beat.steps)
        for j, step in enumerate(beat.steps):
            s0 = w0 + j * span
            self.run_step(step, s0, s0 + span - 1.0)

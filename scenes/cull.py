"""Which boxes may be in a camera's view, frame by frame, cheaply: each box's bounding sphere tested against
the view, after a test of the sphere around each group of nearby boxes.

Level of detail measures ~10,000 texts and ~10,000 pieces of blocks in each of thousands of frames of a GPT-2
film, of which a close-up sees a few per cent: a group wholly out of view rules out all its boxes at once,
and only the boxes of groups in view are tested one by one. The answer is the one-by-one test's: a group's
sphere holds its boxes' spheres with room to spare, so a group ruled out holds no box that test would let
through.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.camera import box_corners, half_extents_many
from llmreel.scenes.screen import Cameras, project

GROUP = 48                      # boxes a group holds at most
SUB = 32                        # frames tested at once (each tests the boxes of the groups any of them sees)
LONG = 40.0          # a block longer than this many widths is measured in pieces (Parts): a vocabulary-long
                     # column; GPT-2's 768-row columns of 16 positions (48 widths: seen from above at an angle,
                     # one box's slanted edge reached over the row tag beside the block's top); nano's biases
PIECE = 16.0         # widths a piece is long
MAX_PIECES = 256


class Spheres:
    """The bounding spheres of P boxes (world corners [P, C, 3]) and of groups of nearby ones (halves of
    the set cut at the median of its longest side, until a group holds GROUP at most)."""

    def __init__(self, corners: np.ndarray):
        corners = np.asarray(corners, dtype=np.float64)
        self.centre = corners.mean(axis=1)                                            # [P, 3]
        self.radius = np.linalg.norm(corners - self.centre[:, None], axis=2).max(axis=1)   # [P]
        groups = _split(self.centre)
        self.order = np.concatenate(groups) if groups else np.zeros(0, np.intp)    # boxes, group by group
        self.start = np.cumsum([0] + [len(g) for g in groups])                   # group i: order[start[i]:start[i+1]]
        self.group = np.empty(len(self.centre), np.intp)
        self.group[self.order] = np.repeat(np.arange(len(groups)), np.diff(self.start))
        gc, gr = [], []
        for g in groups:
            lo = (self.centre[g] - self.radius[g, None]).min(0)
            hi = (self.centre[g] + self.radius[g, None]).max(0)
            c = (lo + hi) / 2
            d = np.linalg.norm(self.centre[g] - c, axis=1)
            gc.append(c)
            gr.append(1.01 * (d + self.radius[g]).max() + 1e-3)     # room for the boxes' own float32 slack
        self.group_centre, self.group_radius = np.array(gc).reshape(-1, 3), np.array(gr)

    def __len__(self) -> int:
        return len(self.centre)


def _split(centre: np.ndarray) -> list[np.ndarray]:
    todo, out = [np.arange(len(centre))], []
    while todo:
        g = todo.pop()
        if len(g) <= GROUP:
            if len(g):
                out.append(g)
            continue
        axis = int(np.argmax(np.ptp(centre[g], axis=0)))
        s = g[np.argsort(centre[g, axis], kind="stable")]
        todo += [s[len(s) // 2:], s[:len(s) // 2]]
    return out


def in_view(boxes, cams: Cameras, aspect, sides=(0, 1)) -> np.ndarray:
    """[K, P]: whether some of each box (world corners [P, C, 3], or their Spheres) may lie inside the
    camera's view at each of `cams`, tested on the sphere around it: False only when the sphere lies wholly
    beyond one side of the view or wholly behind the camera (then every corner projects outside the frame,
    or behind). Conservative: one projected point a box instead of eight. `sides`: the sides tested, 0
    left and right, 1 top and bottom (only (1,): whether the box may reach into the frame's height)."""
    sph = boxes if isinstance(boxes, Spheres) else Spheres(boxes)
    out = np.zeros((len(cams), len(sph)), dtype=bool)
    if not len(sph):
        return out
    for a in range(0, len(cams), SUB):
        sub = cams.take(slice(a, a + SUB))
        near = sphere_test(sph.group_centre, sph.group_radius, sub, aspect, sides)           # [k, G]
        live = np.flatnonzero(near.any(0))
        if not live.size:
            continue
        cand = np.concatenate([sph.order[sph.start[g]:sph.start[g + 1]] for g in live])
        ok = sphere_test(sph.centre[cand], sph.radius[cand], sub, aspect, sides) & near[:, sph.group[cand]]
        out[a:a + SUB, cand] = ok
    return out


def sphere_test(centre: np.ndarray, radius: np.ndarray, cams: Cameras, aspect, sides=(0, 1)) -> np.ndarray:
    """[K, P]: whether each sphere may reach into the camera's view (see in_view), projected in float32 with
    a slack for its rounding."""
    p = project(cams, centre, aspect).astype(np.float64)                          # [k, P, 3]
    z = p[..., 2]
    slack = radius * 1.001 + 1e-4 * (1.0 + np.abs(z))                             # float32 projection
    t = half_extents_many(cams.lens, aspect)                                     # [k, 2]
    ok = z > -slack
    with np.errstate(invalid="ignore"):             # a centre at the eye projects to inf: measured below
        for axis in sides:
            tt = t[:, axis:axis + 1]
            c = (p[..., axis] - 0.5) * 2.0 * tt * z                               # camera-space x or y
            reach = slack * np.sqrt(1.0 + tt * tt)
            ok &= (c - tt * z <= reach) & (-c - tt * z <= reach)
    return ok | ~np.isfinite(p).all(axis=2)                                      # at the eye: measured


class Parts:
    """The boxes a list of blocks (or solids) is measured as: one per block, or with `pieces` a block more
    than LONG times longer than wide cut in pieces along its length (legibility.block_screen); their world
    corners [P, 8, 3], owning block [P], Spheres, and the blocks' visibility."""

    def __init__(self, blocks, pieces: bool):
        self.signature = _signature(blocks)
        parts = [_pieces(lo, hi, LONG if pieces else np.inf) for (lo, hi), _ in self.signature]
        self.corners = np.array([box_corners(lo, hi) for p in parts for lo, hi in p]).reshape(-1, 8, 3)
        self.owner = np.array([i for i, p in enumerate(parts) for _ in p], dtype=np.intp)
        self.blocks = len(blocks)
        self.always = np.array([not b.visible for b in blocks], dtype=bool)        # empty: always shown
        iv = [(i, a, b) for i, blk in enumerate(blocks) for a, b in blk.visible]
        self.iv_owner, self.iv_first, self.iv_last = (np.array(c, dtype=float).reshape(-1) for c in zip(*iv)) \
            if iv else (np.zeros(0), np.zeros(0), np.zeros(0))
        self.iv_owner = self.iv_owner.astype(np.intp)
        self._spheres = None

    def same(self, blocks) -> bool:
        """Whether `blocks` still stand and show where they did."""
        return _signature(blocks) == self.signature

    @property
    def spheres(self) -> Spheres:
        if self._spheres is None:
            self._spheres = Spheres(self.corners)
        return self._spheres

    def shown(self, frames) -> np.ndarray:
        """[K, P] whether each box's block is shown at `frames` (its visible intervals, inclusive)."""
        f = np.asarray(frames, dtype=np.float64)[:, None]
        on = np.zeros((len(f), self.blocks), dtype=bool)
        on[:, self.always] = True
        if len(self.iv_owner):
            hit = (f >= self.iv_first) & (f <= self.iv_last)                              # [K, J]
            starts = np.flatnonzero(np.r_[True, np.diff(self.iv_owner) != 0])
            on[:, self.iv_owner[starts]] |= np.logical_or.reduceat(hit, starts, axis=1)
        return on[:, self.owner]


def _signature(blocks) -> list:
    return [((tuple(lo), tuple(hi)), tuple(map(tuple, b.visible))) for b in blocks for lo, hi in [b.bounds()]]


def _pieces(lo, hi, long: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The box lo..hi, if more than `long` widths long, cut along its longer wall axis (x or z) into pieces
    PIECE widths long (at most MAX_PIECES)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    size = hi - lo
    a, b = (0, 2) if size[0] >= size[2] else (2, 0)
    widths = size[a] / max(size[b], 1e-9)
    if widths <= long:
        return [(lo, hi)]
    return split(lo, hi, int(min(MAX_PIECES, np.ceil(widths / PIECE))))


def split(lo, hi, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The box lo..hi cut along its longer wall axis (x or z) into `n` equal pieces."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    if n <= 1:
        return [(lo, hi)]
    a = 0 if hi[0] - lo[0] >= hi[2] - lo[2] else 2
    edges = np.linspace(lo[a], hi[a], n + 1)
    out = []
    for u, v in zip(edges[:-1], edges[1:]):
        pl, ph = lo.copy(), hi.copy()
        pl[a], ph[a] = u, v
        out.append((pl, ph))
    return out

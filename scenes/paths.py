"""Flow paths: op inputs -> outputs (elbowed), the residual stream down the right, and GELU's curve."""
from __future__ import annotations

import numpy as np

from llmreel.model.functional import gelu
from llmreel.scenes.layout import Layout
from llmreel.scenes.spec import Block, FlowPath
from llmreel.scenes.storyboard import FRAME_START


def tube_boxes(paths: list[FlowPath]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The world boxes of the paths' tubes, one per straight segment (the routes run along the wall's axes)."""
    return [(np.minimum(a, b) - p.width / 2, np.maximum(a, b) + p.width / 2)
            for p in paths for a, b in zip(np.asarray(p.points)[:-1], np.asarray(p.points)[1:])]


def gelu_curves(lay: Layout, blocks: dict[str, Block], width: float, n_in: int) -> list[FlowPath]:
    """GELU's curve (and its axes) drawn in the space reserved beside each MLP, growing with the GELU."""
    out = []
    for sid, (x0, z0, x1, z1) in lay.spaces.items():
        if not sid.startswith("gelu_curve:"):
            continue
        layer = sid.split(":", 1)[1]
        b = blocks.get(f"{layer}.mlp.gelu")
        if b is None:
            continue
        first = b.t_on[:, :n_in]                                              # the first pass
        lit = first[np.isfinite(first)]
        if lit.size == 0:
            continue
        xs = np.linspace(-4.0, 3.0, 57)                                       # input range shown
        ys = gelu(xs)                                                         # the model's own GELU
        m = 0.12 * (x1 - x0)
        def to_world(u, v):                                                   # curve units -> wall
            return (x0 + m + (u + 4.0) / 7.0 * (x1 - x0 - 2 * m), -0.05 - b.depth,
                    z1 + m + (v + 0.5) / 3.5 * (z0 - z1 - 2 * m))
        grow = (float(lit.min()), float(lit.max()))
        out.append(FlowPath(id=f"curve:{layer}.mlp.gelu", role="op", width=width,
                            points=[tuple(map(float, to_world(u, v))) for u, v in zip(xs, ys)], grow=grow))
        out.append(FlowPath(id=f"curve-axis:{layer}.mlp.gelu:x", role="op", width=0.5 * width,
                            points=[to_world(-4.0, 0.0), to_world(3.0, 0.0)], grow=grow))
        out.append(FlowPath(id=f"curve-axis:{layer}.mlp.gelu:y", role="op", width=0.5 * width,
                            points=[to_world(0.0, -0.5), to_world(0.0, 3.0)], grow=grow))
    return out


def _edge(b: Block, toward: np.ndarray) -> np.ndarray:
    lo, hi = b.bounds()
    c = (lo + hi) / 2
    c[1] = lo[1]
    d = toward - c
    if abs(d[0]) * (hi[2] - lo[2]) > abs(d[2]) * (hi[0] - lo[0]):          # leaves through a side
        c[0] = hi[0] if d[0] > 0 else lo[0]
    else:
        c[2] = lo[2] if d[2] < 0 else hi[2]
    return c


class _Bounds:
    """Every block's bounds, computed once ([B, 3] corners): GPT-2's 2,163 blocks were measured ~2 million
    times a plan (one per block per path checked)."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        corners = [b.bounds() for b in blocks]
        self.lo = np.array([c[0] for c in corners]).reshape(-1, 3)
        self.hi = np.array([c[1] for c in corners]).reshape(-1, 3)


def _crossed(pts, skip: tuple[Block, ...], blocks, width: float) -> list[Block]:
    """The blocks (other than `skip`) that the tube through `pts` runs across; `blocks`: a list or _Bounds."""
    bb = blocks if isinstance(blocks, _Bounds) else _Bounds(blocks)
    hit = np.zeros(len(bb.blocks), bool)
    for a, b in zip(np.asarray(pts)[:-1], np.asarray(pts)[1:]):
        sl, sh = np.minimum(a, b) - width / 2, np.maximum(a, b) + width / 2
        hit |= (sl[0] < bb.hi[:, 0]) & (bb.lo[:, 0] < sh[0]) & (sl[2] < bb.hi[:, 2]) & (bb.lo[:, 2] < sh[2])
    return [o for i, o in enumerate(bb.blocks) if hit[i] and not any(o is k for k in skip)]


def side_lane(pts, src: Block, dst: Block, blocks, width: float, lanes: dict) -> list:
    """A path between two blocks of one column (a stack such as logits, max, exp sum, probabilities) that
    would run across the blocks between them goes round them instead: out of the source's right side, down
    a lane beside the stack and into the destination's right side. Paths beside one stack take successive
    lanes (`lanes`: the stack's right edge -> lanes used), so they never lie on each other."""
    (sl, sh), (dl, dh) = src.bounds(), dst.bounds()
    if not (sl[0] < dh[0] and dl[0] < sh[0]):
        return pts                                   # not one column: the elbow is clear enough
    crossed = _crossed(pts, (src, dst), blocks, width)
    if not crossed:
        return pts
    right = round(float(max([sh[0], dh[0]] + [o.bounds()[1][0] for o in crossed])), 3)
    k = lanes.get(right, 0)
    lanes[right] = k + 1
    x = right + 2.0 * width * (k + 1)
    y = float(pts[0][1])
    zs, zd = float((sl[2] + sh[2]) / 2), float((dl[2] + dh[2]) / 2)
    return [(float(sh[0]), y, zs), (x, y, zs), (x, y, zd), (float(dh[0]), y, zd)]


def plan_paths(blocks: list[Block], trace, merged: set[str], fps: int, width: float, n_in: int) -> list[FlowPath]:
    by_tensor: dict[str, list[Block]] = {}
    for b in blocks:
        by_tensor.setdefault(b.tensor, []).append(b)

    def sources(name):
        out = []
        for src in trace.tensors[name].op.inputs:
            if src in merged:
                out += sources(src)
            else:
                out.append(src)
        return out

    def matching(b: Block, cands: list[Block]) -> list[Block]:
        """The input blocks feeding block b: the same head, and for split weights the same part."""
        if not b.index_prefix or not cands:
            return cands[:1] if all(c.axis_range == (0, 0) for c in cands) else cands
        same = [c for c in cands if c.index_prefix == b.index_prefix]
        if same:
            return same
        head = f"[{b.index_prefix[0]}]"
        part = "." + b.tensor.rsplit(".", 1)[-1] + head               # e.g. ".q[1]"
        return [c for c in cands if c.id.endswith(part)] or [c for c in cands if c.id.endswith(head)]

    paths = []
    lanes: dict[float, int] = {}
    bounds = _Bounds(blocks)
    for b in blocks:
        if b.role == "weight":
            continue
        finite = b.t_on[np.isfinite(b.t_on)]
        if finite.size == 0:
            continue
        grow = (float(max(FRAME_START, finite.min() - 0.3 * fps)), float(finite.min()))
        for src in dict.fromkeys(sources(b.tensor)):
            for c in matching(b, by_tensor.get(src, [])):
                lo, hi = b.bounds()
                s = _edge(c, (lo + hi) / 2)
                e = _edge(b, s)
                pts = [tuple(map(float, s))]
                if abs(s[0] - e[0]) > 1e-6 and abs(s[2] - e[2]) > 1e-6:
                    pts.append((float(s[0]), float(s[1]), float(e[2])))
                pts.append(tuple(map(float, e)))
                pts = side_lane(pts, c, b, bounds, width, lanes)
                paths.append(FlowPath(id=f"path:{c.id}->{b.id}", role="op", points=pts, width=width, grow=grow))
    res = [b for b in blocks if b.role == "residual"]
    if res:
        top, bottom = res[0], res[-1]
        x = top.origin[0] + (top.shape[1] - 1) * top.pitch / 2
        y = top.origin[1] - top.depth / 2 - 0.05
        z0 = top.bounds()[1][2]
        z1 = bottom.bounds()[0][2]
        t0 = top.t_on[np.isfinite(top.t_on)]
        t1 = bottom.t_on[:, :n_in][np.isfinite(bottom.t_on[:, :n_in])]     # grows with the first pass
        grow = (float(t0.min()) if t0.size else float(FRAME_START), float(t1.max()) if t1.size else float(FRAME_START))
        paths.insert(0, FlowPath(id="path:residual", role="residual", points=[(x, y, z0), (x, y, z1)],
                                 width=2.5 * width, grow=grow))
    return paths

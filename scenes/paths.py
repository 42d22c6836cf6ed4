"""Flow paths: op inputs -> outputs (elbowed, behind the wall of blocks), the residual stream down the right
(in front), and GELU's curve."""
from __future__ import annotations

import numpy as np

from llmreel.model.functional import gelu
from llmreel.scenes.geometry import cell_point
from llmreel.scenes.layout import Layout
from llmreel.scenes.spec import Block, FlowPath
from llmreel.scenes.storyboard import FRAME_START


def climbs(stream, index: bool = False) -> list:
    """The x of each climb of a stream's (x, z) route between two columns (`index`: the index of its foot
    in the route); none in one column."""
    return [k if index else a[0] for k, (a, b) in enumerate(zip(stream[:-1], stream[1:]))
            if a[0] == b[0] and b[1] > a[1]]


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


def side_entry(s: np.ndarray, e: np.ndarray, src: Block, dst: Block, tag, width: float):
    """A path level with its destination's row tag (left of the block, over its middle: turned up its edge,
    or level beside a block too short for that) enters the block at its first row instead, clear of the
    tag, and leaves its source at that height too where the source reaches it (a straight path): the green
    line ran through '16 numbers' (and GPT-2's '64 numbers' beside a head's key)."""
    (sl, sh), (dl, dh) = src.bounds(), dst.bounds()
    if tag is None or abs(e[0] - dl[0]) > 1e-6 or not tag[0] - 2 * width <= e[2] <= tag[1] + 2 * width:
        return s, e
    z = float(dst.origin[2])                                          # the first row's centre
    if tag[0] - 2 * width <= z <= tag[1] + 2 * width:
        return s, e                                                   # a tag as tall as the block: no room
    e = np.array([e[0], e[1], z])
    if abs(s[0] - sh[0]) < 1e-6 and sl[2] <= z <= sh[2]:
        s = np.array([s[0], s[1], z])
    return s, e


def _crosses_no_more(old, new, skip: tuple[Block, ...], bounds, width: float) -> bool:
    """Whether the path from new[0] to new[1] (down, then across) runs across no block that the path
    from old[0] to old[1] does not."""
    ids = [{id(o) for o in _crossed([s, (s[0], s[1], e[2]), e], skip, bounds, width)} for s, e in (old, new)]
    return ids[1] <= ids[0]


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


def bus_lane(pts, src: Block, dst: Block, blocks, width: float) -> list:
    """A path from a block down to one of a row of blocks under it (softmax's steps under the logits, in a
    wide frame) whose elbow would run along the row, across its other blocks, runs instead along a bus just
    under the source (one per source, shared by its paths) and drops into the destination's top at its last
    column, clear of the column tag over its middle."""
    (sl, _), (_, dh) = src.bounds(), dst.bounds()
    if dh[2] >= sl[2] or not _crossed(pts, (src, dst), blocks, width):
        return pts
    y, z, x = float(pts[0][1]), float(sl[2] - 2.0 * width), float(dh[0] - dst.col_pitch / 2)
    return [tuple(map(float, pts[0])), (float(pts[0][0]), y, z), (x, y, z), (x, y, float(dh[2]))]


def clear_of_tag(pts, src: Block, dst: Block) -> list:
    """A path straight down into a block's top runs down their shared last column instead of the middle,
    where the destination's column tag stands."""
    (sl, sh), (dl, dh) = src.bounds(), dst.bounds()
    (x0, _, z0), (x1, _, z1) = pts[0], pts[-1]
    if len(pts) != 2 or abs(x0 - x1) > 1e-6 or abs(z1 - dh[2]) > 1e-6 or z1 >= z0:
        return pts
    x = float(min(sh[0], dh[0]) - dst.col_pitch / 2)
    return pts if x <= max(sl[0], dl[0]) else [(x, pts[0][1], z0), (x, pts[-1][1], z1)]


def _tap(c: Block, b: Block, stream) -> np.ndarray | None:
    """Where block b takes the stream when its residual source c stands in an earlier column of a folded
    layout (layout.py): the point of b's own column's stream level with b (None in the same column; b's top
    when b is on the stream itself, which carries the numbers there)."""
    if c.role != "residual" or len(stream) < 3:
        return None
    xc, xb = c.bounds()[0][0], b.bounds()[0][0]
    up = climbs(stream)
    if not any(min(xc, xb) < x < max(xc, xb) for x in up):
        return None
    lo, hi = b.bounds()
    if b.role == "residual":
        return np.array([(lo[0] + hi[0]) / 2, lo[1], hi[2]])
    right = [x for (x, _), (x1, _) in zip(stream[:-1], stream[1:]) if x == x1 and x > hi[0] and x not in up]
    return np.array([min(right), lo[1], (lo[2] + hi[2]) / 2])


def plan_paths(blocks: list[Block], trace, merged: set[str], fps: int, width: float, n_in: int,
               stream=(), tags: dict | None = None) -> list[FlowPath]:
    """Every op's input -> output paths and the residual stream along `stream` (layout.Layout.stream, the
    (x, z) route; by default straight down from the first residual block to the last). `tags`: block id ->
    (z0, z1, turned) of its row tag left of it, which a path into its left side passes clear of (side_entry)."""
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
    # an op's path runs behind the blocks (and the plates behind them): where it passes a block on its way
    # it goes behind it, not across its cells; the residual stream stays in front, the luminous spine
    back = float(bounds.hi[:, 1].max() + 2.5 * width) if len(blocks) else 0.0
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
                tap = _tap(c, b, stream)
                s = _edge(c, (lo + hi) / 2) if tap is None else tap
                e = _edge(b, s)
                tag = (tags or {}).get(b.id)
                if tap is None and tag is not None:     # clear of the row tag; of a level one only where
                    s2, e2 = side_entry(s, e, c, b, tag[:2], width)     # that crosses no block more
                    if tag[2] or (s2 is s and e2 is e) or _crosses_no_more((s, e), (s2, e2), (c, b), bounds, width):
                        s, e = s2, e2
                pts = [tuple(map(float, s))]
                if abs(s[0] - e[0]) > 1e-6 and abs(s[2] - e[2]) > 1e-6:
                    pts.append((float(s[0]), float(s[1]), float(e[2])))
                pts.append(tuple(map(float, e)))
                pts = bus_lane(side_lane(pts, c, b, bounds, width, lanes), c, b, bounds, width)
                pts = clear_of_tag(pts, c, b)
                pts = [(x, back, z) for x, _, z in pts]          # behind the wall: seen between blocks
                paths.append(FlowPath(id=f"path:{c.id}->{b.id}", role="op", points=pts, width=width, grow=grow))
    res = [b for b in blocks if b.role == "residual"]
    if res:
        top, bottom = res[0], res[-1]
        x = cell_point(top, 0, (top.shape[1] - 1) / 2)[0]                # the column's middle
        y = top.origin[1] - top.depth / 2 - 0.05
        route = ([(x, top.bounds()[1][2]), (x, bottom.bounds()[0][2])] if len(stream) < 3
                 else [(float(u), float(v)) for u, v in stream])
        paths[:0] = stream_paths(route, res, y, 2.5 * width, n_in, fps)
    return paths


def _lit(b: Block, n_in: int, first: bool) -> float | None:
    """When block b starts lighting (`first`), else when its first pass's last cell lights; None if never."""
    t = b.t_on if first else b.t_on[:, :n_in]
    t = t[np.isfinite(t)]
    return (float(t.min()) if first else float(t.max())) if t.size else None


def stream_paths(route, res: list[Block], y: float, width: float, n_in: int, fps: int) -> list[FlowPath]:
    """The residual stream along `route` ((x, z) points), one path per column of a folded layout (the climb
    to a column and its run down it), each growing as the first pass's numbers reach that column's residual
    blocks: the stream's tip keeps pace with the data ("path:residual", then "path:residual:1", ...)."""
    starts = [0] + [k - 1 for k in climbs(route, index=True)]
    pieces = [route[a:b + 1] for a, b in zip(starts, starts[1:] + [len(route) - 1])]
    t = _lit(res[0], n_in, True)
    t = float(FRAME_START) if t is None else t
    out = []
    for k, piece in enumerate(pieces):
        run_x = piece[-1][0]
        mine = [b for b in res if abs(cell_point(b, 0, (b.shape[1] - 1) / 2)[0] - run_x) < 1e-3]
        end = _lit(mine[-1], n_in, False) if mine else None
        end = t + 0.5 * fps if end is None else max(end, t)           # the output's column: a short run
        out.append(FlowPath(id="path:residual" + (f":{k}" if k else ""), role="residual", width=width,
                            points=[(float(u), y, float(v)) for u, v in piece], grow=(t, end)))
        t = end
    return out

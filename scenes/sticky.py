"""Sticky titles: a block's title and tensor name ride along a pan instead of leaving the frame with its
left (or right) end, as a spreadsheet's headers do.

While a pan shows part of a wide block, its title (drawn over the block's left end) would be cut by the
frame's edge and hidden by level of detail. `plan_sticky` moves each title and tensor name, frame by frame,
along its block's top edge so that it stays inside the title-safe area, never past the block's own
horizontal extent (the block with the text where it stands): when the block leaves the frame, its title
leaves with it. A text wider than the room its block leaves in the frame is drawn smaller, down to
MIN_SCALE and never under the legible cap height. The move is a Label's keys (`Label.slide`), linear
between keys, as the add-on keys the text object's location and scale; level of detail and the frame check
measure the texts where the keys put them (legibility.Texts.moved).
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.camera import box_corners
from llmreel.scenes.geometry import label_bounds
from llmreel.scenes.cull import Parts, Spheres, in_view
from llmreel.scenes.legibility import MIN_CAP, SAFE
from llmreel.scenes.screen import CAP, Cameras, box_screen, heights, moved_boxes, project_arrays
from llmreel.scenes.spec import Block, CameraKey, Label

KINDS = ("title", "formal")     # the texts that ride along (axis tags and section names stay)
PAD = 0.012                     # frame fractions a moved text keeps inside the safe edge (LOD's own margin)
MIN_SCALE = 0.5                 # a text is drawn at least this share of its size to fit its block's room
MIN_CAP_ROOM = 1.1              # ... and at least this much above the legible cap height (legibility.MIN_CAP)
TOL_MOVE = 0.004                # keys are kept where a straight line between them would miss by more than
TOL_SCALE = 0.004               # this share of the text's size (moves) or of its scale
COARSE = 4                      # frames between the first look for texts the camera cuts
CHUNK = 128                     # frames measured at once (arrays of a few MB: reused, not fresh pages)


def plan_sticky(labels: list[Label], blocks: list[Block], camera: list[CameraKey], aspect,
                start: int, end: int) -> None:
    """Set (in place) `slide` keys on the titles and tensor names that the camera would cut at the safe
    area's left or right edge while their block is in view: each rides along its block's top edge, inside
    the safe area and the block's extent, smaller if it must be to fit."""
    by_id = {b.id: b for b in blocks}
    cand = [l for l in labels if l.kind in KINDS and l.block in by_id and not l.rotation]     # level texts
    if not camera or not cand:
        return
    frames = np.arange(start, end + 1, dtype=np.float64)
    corners = np.array([box_corners(*label_bounds(l)) for l in cand])
    anchors = np.array([l.location for l in cand], dtype=np.float64)
    lengths = np.array([CAP * l.size for l in cand])
    ids = sorted({l.block for l in cand})
    owner_blocks, owner = [by_id[i] for i in ids], np.array([ids.index(l.block) for l in cand])
    reach = np.array([box_corners(np.minimum(c.min(0), lo), np.maximum(c.max(0), hi))      # text and block
                      for c, (lo, hi) in zip(corners, (by_id[l.block].bounds() for l in cand))])

    owner_corners, spheres = Parts(owner_blocks, pieces=False).corners, {}

    def seeable(cams, n):               # [K, n] where a text may reach into the frame's height and it or its
        # block across it (cull.in_view); elsewhere neither is measured: both read as nowhere, its cap
        # height 0: not cut
        if n.tobytes() not in spheres:                  # the same texts chunk after chunk: spheres once
            spheres[n.tobytes()] = Spheres(corners[n]), Spheres(reach[n])
        text, both = spheres[n.tobytes()]
        return in_view(text, cams, aspect, sides=(1,)) & in_view(both, cams, aspect, sides=(0,))

    def measure(rows, n, look=None):    # where the texts `n` stand, their blocks, their cap heights
        cams = every.take(rows)
        look = seeable(cams, n) if look is None else look
        used, back = np.unique(owner[n], return_inverse=True)
        by_block = np.argsort(back, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(back[by_block]) != 0])
        need = np.logical_or.reduceat(look[:, by_block], starts, axis=1)
        blk = box_screen(owner_corners[used], cams, aspect, need)[:, back]
        return (cams, box_screen(corners[n], cams, aspect, look), blk,
                heights(anchors[n], lengths[n], cams, aspect, need=look))

    every = Cameras(camera, frames)
    # every COARSE frames: which texts are cut, and when; then every frame around those (a cut shorter
    # than COARSE frames may be missed: the text stays put there, and level of detail hides it)
    coarse = np.r_[np.arange(0, len(frames), COARSE), len(frames) - 1]
    cut_c = np.zeros((len(coarse), len(cand)), dtype=bool)
    for a in range(0, len(coarse), CHUNK):
        rows = coarse[a:a + CHUNK]
        look = seeable(every.take(rows), np.arange(len(cand)))
        some = np.flatnonzero(look.any(0))                                # the texts any of them may see
        if some.size:
            cut_c[a:a + CHUNK, some] = _cut(*measure(rows, some, look[:, some])[1:])
    n = np.flatnonzero(cut_c.any(0))
    if not n.size:
        return
    near = np.add.outer(coarse[cut_c.any(1)], np.arange(-COARSE, COARSE + 1)).ravel()
    fine = np.unique(near[(near >= 0) & (near < len(frames))])
    dx, sc = np.zeros((len(frames), len(n))), np.ones((len(frames), len(n)))         # the texts n
    for a in range(0, len(fine), CHUNK):
        rows = fine[a:a + CHUNK]
        cams, lab, blk, cap = measure(rows, n)
        cut = _cut(lab, blk, cap)
        m = np.flatnonzero(cut.any(0))                                       # the texts to move here
        if m.size:
            d, s = _solve(cams, corners[n[m]], anchors[n[m]], lengths[n[m]], lab[:, m], blk[:, m], cap[:, m],
                          cut[:, m], aspect)
            dx[np.ix_(rows, m)], sc[np.ix_(rows, m)] = d, s
    for j, i in enumerate(n):
        if np.any(dx[:, j] != 0) or np.any(sc[:, j] != 1):
            cand[i].slide = simplify(frames, dx[:, j], sc[:, j], cand[i].size)


def _cut(lab: np.ndarray, blk: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """[K, N] texts (their boxes `lab` and their blocks' `blk` [K, N, 5], cap heights [K, N]) that cross the
    safe area's left or right edge where they could be seen and drawn."""
    x0, x1 = SAFE[0] + PAD, SAFE[1] - PAD
    e0, e1 = np.minimum(lab[..., 0], blk[..., 0]), np.maximum(lab[..., 1], blk[..., 1])   # the block's extent
    # the text's height in the frame and it or its block across it (elsewhere it stays put: it is not
    # seen, or not drawn across the frame's edge, either way, so switching there shows no jump)
    seen = ((e1 > 0) & (e0 < 1) & (lab[..., 3] > 0) & (lab[..., 2] < 1) & (lab[..., 4] > 0) & (blk[..., 4] > 0))
    # too small to be drawn (level of detail shows it from MIN_CAP): it stays put, unseen
    return seen & (cap >= 0.9 * MIN_CAP) & ((lab[..., 0] < x0) | (lab[..., 1] > x1))


def _solve(cams, corners, anchors, lengths, lab, blk, cap, cut, aspect) -> tuple[np.ndarray, np.ndarray]:
    """([K, N] world x offsets, [K, N] scales) of N texts where `cut` at the frames of `cams`."""
    x0, x1 = SAFE[0] + PAD, SAFE[1] - PAD
    e0, e1 = np.minimum(lab[..., 0], blk[..., 0]), np.maximum(lab[..., 1], blk[..., 1])
    w = lab[..., 1] - lab[..., 0]
    room = np.minimum(e1, x1) - np.maximum(e0, x0)
    low = np.maximum(MIN_SCALE, MIN_CAP * MIN_CAP_ROOM / np.maximum(cap, 1e-9))
    s = np.where(cut, np.clip(room / np.maximum(w, 1e-9), np.minimum(low, 1.0), 1.0), 1.0)
    # where its left end goes on screen: onto the safe edge it crosses, inside the block's extent
    left = np.where(lab[..., 0] < x0, x0, x1 - s * w)
    left = np.clip(left, e0, np.maximum(e0, e1 - s * w))
    # screen x per world x at each text's anchor: a straight move, then one correction through the real
    # projection (perspective)
    base = project_arrays(cams.location, cams.target, cams.lens, anchors, aspect)[..., 0]
    step = project_arrays(cams.location, cams.target, cams.lens, anchors + [1.0, 0.0, 0.0], aspect)[..., 0]
    slope = np.where(np.abs(step - base) > 1e-9, step - base, 1e-9)
    # scaled about its anchor, the box's left end moves to base + s (left - base)
    dx = np.where(cut, (left - (base + s * (lab[..., 0] - base))) / slope, 0.0)
    for _ in range(3):
        moved = _edges(corners, anchors, lengths, dx, s, cut, lab, cams, aspect)
        # perspective: a text moved along the wall changes its screen width; one wider than its room
        # (clipped scale aside) is drawn smaller still, and its place is set again from its real width
        mw = np.maximum(moved[..., 1] - moved[..., 0], 1e-9)
        fit = np.where(cut & (mw > room) & (s > low), np.maximum(low, s * room / mw), s)
        mw, s = mw * fit / s, fit
        left = np.clip(np.where(lab[..., 0] < x0, x0, x1 - mw), e0, np.maximum(e0, e1 - mw))
        dx = np.where(cut, dx + (left - moved[..., 0]) / slope, 0.0)
    return dx, s


def _edges(corners, anchors, lengths, dx, s, cut, boxes, cams, aspect) -> np.ndarray:
    """[K, N, 2] the left and right screen edges of each text moved by dx and scaled by s (per frame) where
    `cut`, else those of `boxes` [K, N, 5] (where it stands)."""
    out = np.array(boxes[..., :2], dtype=np.float64)
    i = np.flatnonzero(cut.any(0))
    if i.size:
        off = np.zeros((len(cams), i.size, 3))
        off[..., 0] = dx[:, i]
        box, _ = moved_boxes(corners[i], anchors[i], lengths[i], off, s[:, i], cams, aspect)
        out[:, i] = np.where(cut[:, i, None], box[..., :2], out[:, i])
    return out


def simplify(frames: np.ndarray, dx: np.ndarray, scale: np.ndarray, size: float) -> list:
    """The fewest (frame, dx, 0, scale) keys whose straight lines stay within TOL_MOVE * size of `dx` and
    TOL_SCALE of `scale` at every frame (Ramer-Douglas-Peucker), with a key at each end."""
    keep = np.zeros(len(frames), dtype=bool)
    keep[[0, -1]] = True
    todo = [(0, len(frames) - 1)]
    while todo:
        a, b = todo.pop()
        if b - a < 2:
            continue
        t = (frames[a + 1:b] - frames[a]) / (frames[b] - frames[a])
        err = np.maximum(np.abs(dx[a] + t * (dx[b] - dx[a]) - dx[a + 1:b]) / (TOL_MOVE * size),
                         np.abs(scale[a] + t * (scale[b] - scale[a]) - scale[a + 1:b]) / TOL_SCALE)
        m = int(np.argmax(err))
        if err[m] > 1.0:
            keep[a + 1 + m] = True
            todo += [(a, a + 1 + m), (a + 1 + m, b)]
    return [(float(f), float(x), 0.0, float(s)) for f, x, s in zip(frames[keep], dx[keep], scale[keep])]

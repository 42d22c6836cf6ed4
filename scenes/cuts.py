"""Where a beat's camera cuts, and what its keys keep in frame (shots.plan_camera).

A move into a beat is a cut where it would slide over the empty wall (`slides_over_black`) or arrive after
a block its caption shows starts lighting (`lit_unseen`); a beat waiting for its numbers holds its blocks
where their place would cover less (`cover`, HOLD_COVER); a key whose frame edge cuts a block of its
subject or the block's labels moves sideways a little (`clear_edges`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from llmreel.scenes.camera import box_corners, half_extents
from llmreel.scenes.frame_check import in_view, union_share       # the check's own measures
from llmreel.scenes.geometry import value_text_bounds
from llmreel.scenes.legibility import SAFE, intervals_mask
from llmreel.scenes.screen import Cameras, box_screen, overlaps
from llmreel.scenes.spec import Beat, Block, CameraKey

FRAME_RECT = np.array([[0.0, 1.0, 0.0, 1.0]])    # the whole frame, as a screen box
DIP = 0.5              # a move whose blocks cover less than this share of what they cover at its ends, somewhere
HOLD_COVER = 0.2       # a beat waiting for its numbers holds its blocks instead where their place covers less
EDGE_SHIFT = 0.12      # share of the frame's width a key may move sideways to clear a block off an edge
EDGE_OUT = 0.01        # ... past which a block it leaves under half in view has its centre


def shown_starts(beat: Beat, blocks, first: float, last: float) -> list[tuple[float, Block]]:
    """(the frame it starts lighting, block) of each block the beat's caption shows that lights within
    [first, last]."""
    shows = set(beat.shows)
    return [(float(t[0]), b) for b in blocks if b.id in shows for t in [b.lights_between(first, last)] if t.size]


def lit_unseen(beat: Beat, blocks, keys: list[CameraKey], aspect) -> bool:
    """Whether a block the beat's caption shows starts lighting during the move from keys[0] to keys[1]
    out of the frame there (frame_check.in_view: the camera would arrive after the data)."""
    starts = shown_starts(beat, blocks, beat.first_frame, keys[1].frame - 1)
    if not starts:
        return False
    frames = np.array([f for f, _ in starts])
    xy = box_screen(np.array([box_corners(*b.bounds()) for _, b in starts]), Cameras(keys, frames), aspect)
    return any(xy[k, k, 4] <= 0 or not in_view(xy[k, k], FRAME_RECT[0]) for k in range(len(starts)))


def slides_over_black(keys: list[CameraKey], blocks, corners: np.ndarray, aspect) -> bool:
    """Whether the move from keys[0] to keys[1] passes a frame with no block in view, or one where the
    blocks cover under DIP of what they cover at both ends (the empty wall between two distant subjects,
    a corner of one in view): such a move is a cut. `corners`: the blocks' box corners."""
    frames = np.arange(keys[0].frame, keys[1].frame + 1, dtype=np.float64)
    a, b = keys[0], keys[1]
    view = 2 * half_extents(a.lens, aspect)[1] * min(np.linalg.norm(np.subtract(a.location, a.target)),
                                                     np.linalg.norm(np.subtract(b.location, b.target)))
    if len(frames) < 3 or np.linalg.norm(np.subtract(a.target, b.target)) < 0.5 * view:
        return False                    # a short move: the two views overlap, the subject stays in sight
    xy = box_screen(corners, Cameras(keys, frames), aspect)
    on = np.stack([intervals_mask(b.visible, frames) for b in blocks], 1)
    seen = on & (xy[..., 4] > 0) & overlaps(xy, FRAME_RECT)[..., 0]
    if not seen[1:-1].any(1).all():
        return True
    cover = [union_share(xy[k][seen[k]], FRAME_RECT[0]) for k in range(len(frames))]
    return min(cover[1:-1]) < DIP * min(cover[0], cover[-1])


def cover(key: CameraKey, corners: np.ndarray, aspect) -> float:
    """The share of the title-safe area the boxes `corners` (a beat's focus blocks) cover through `key`."""
    if not len(corners):
        return 0.0
    xy = box_screen(corners, Cameras([key], [key.frame]), aspect)[0]
    return union_share(xy[xy[:, 4] > 0], np.array(SAFE))


def clear_edges(keys: list[CameraKey], beat: Beat, blocks, aspect, boxes=None, values=()) -> list[CameraKey]:
    """The keys, each moved sideways (location and target alike) where a block of the beat's subject
    stands across the title-safe area's left or right edge, its labels with it (`boxes`: block id -> its
    world box with its labels), its centre inside (a block seen without its name and axes): a short move
    (EDGE_SHIFT at most, all moves together) takes it in whole or leaves it under half in view, whichever
    is shorter, where one does so without cutting another block of the subject that the key shows whole or
    bringing one in cut, nor showing less of a block the caption shows, nor moving a number of `values`
    (focus-moment texts) out of the title-safe area; then the next cut block, while a move clears one."""
    focus_ids, shows = set(beat.focus), set(beat.shows)
    focus = [b for b in blocks if b.id in focus_ids]
    if not focus:
        return keys
    boxes = boxes or {}
    nf = len(focus)
    corners = np.array([box_corners(*b.bounds()) for b in focus]
                       + [box_corners(*boxes.get(b.id, b.bounds())) for b in focus]
                       + [box_corners(*value_text_bounds(v)) for v in values])
    shown = np.array([b.id in shows for b in focus])                # what the caption shows stays
    x0s, x1s = SAFE[0], SAFE[1]

    def measure(cams):
        allxy = box_screen(corners, cams, aspect)[0]
        xy, lxy, nums = allxy[:nf], allxy[nf:2 * nf], allxy[2 * nf:]
        held = (nums[:, 4] > 0) & (nums[:, 0] >= x0s) & (nums[:, 1] <= x1s)       # the numbers inside
        front = (xy[:, 4] > 0) & (lxy[:, 4] > 0)
        cx = (xy[:, 0] + xy[:, 1]) / 2
        whole = front & (lxy[:, 0] >= x0s) & (lxy[:, 1] <= x1s)
        cut = front & ~whole & (cx > x0s) & (cx < x1s) & (xy[:, 2] < 1) & (xy[:, 3] > 0)
        seen = np.clip(np.minimum(xy[:, 1], 1) - np.maximum(xy[:, 0], 0), 0, None) / np.maximum(xy[:, 1] - xy[:, 0], 1e-9)
        return xy, lxy, cx, whole, cut, np.where(front, seen, 0.0), held

    out = []
    for k in keys:
        used = 0.0                              # screen units moved so far: each move clears one block more
        while True:
            xy, lxy, cx, whole, cut, seen, held = measure(Cameras([k], [k.frame]))
            moved = next((m for i in np.flatnonzero(cut) for m in _moves(k, i, focus[i], xy, lxy, cx, shown[i],
                                                                            EDGE_SHIFT - used, measure)
                          if _keeps(measure(Cameras([m[0]], [m[0].frame])), i, whole, cut, seen, held, shown)), None)
            if moved is None:
                break
            k, used = moved[0], used + abs(moved[1])
        out.append(k)
    for j in range(len(out)):               # nor cut one in on the way to or from the key moved
        if out[j] is keys[j]:
            continue
        for o in (j - 1, j + 1):
            if 0 <= o < len(out) and abs(keys[o].frame - keys[j].frame) > 2:
                mid = (keys[o].frame + keys[j].frame) / 2
                before = measure(Cameras(keys, [mid]))[4]
                if (measure(Cameras(out, [mid]))[4] & ~before).any():
                    out[j] = keys[j]
                    break
    return out


def _slid(k: CameraKey, dx: float) -> CameraKey:
    """The key moved `dx` world units along x, location and target alike."""
    return replace(k, location=(k.location[0] + dx, *k.location[1:]), target=(k.target[0] + dx, *k.target[1:]))


def _moves(k: CameraKey, i: int, block, xy, lxy, cx, shown: bool, limit: float, measure):
    """(moved key, screen units) that take the cut block i in whole with its labels or, unless the caption
    shows it, leave it under half in view: the shorter first, none longer than `limit`."""
    width = xy[i, 1] - xy[i, 0]
    if width <= 0:
        return
    left = lxy[i, 0] < SAFE[0]
    moves = [lxy[i, 0] - SAFE[0] - 0.005 if left else lxy[i, 1] - SAFE[1] + 0.005]
    if not shown:
        moves.append(cx[i] - SAFE[0] + EDGE_OUT if left else cx[i] - SAFE[1] - EDGE_OUT)
    lo, hi = block.bounds()
    for dx in sorted(moves, key=abs):
        if abs(dx) > limit:
            continue
        step = dx * (hi[0] - lo[0]) / width              # world units on the wall, then corrected once
        moved = _slid(k, step)                           # for what the block's depth adds to its width
        got = cx[i] - measure(Cameras([moved], [moved.frame]))[2][i]
        yield (_slid(k, step * dx / got) if abs(got) > 1e-9 else moved), dx


def _keeps(after, i: int, whole, cut, seen, held, shown) -> bool:
    """Whether a move that measures `after` clears block i without cutting another block shown whole or
    bringing one in cut, moving a number out of the title-safe area or showing less of what the caption
    shows."""
    _, _, _, mwhole, mcut, mseen, mheld = after
    return not ((whole & ~mwhole).any() or (mcut & ~cut).any() or mcut[i] or (held & ~mheld).any()
                or (mseen[shown] < seen[shown] - 1e-3).any())


def pin_paths(keys: list[CameraKey], spans, tol: float = 0.005) -> list[CameraKey]:
    """The keys with, between two keys of each span (a beat's keys that clear_edges moved: [first, last)
    indices), a key at a quarter, half or three quarters of the way wherever the camera eased through all
    the keys strays from the one eased through the beat's own by more than `tol` of its distance: a
    neighbouring beat's key shapes the curve between (a block moved just out of the frame at both keys
    had come back in, cut, halfway)."""
    pairs = [(a, keys[i0:i1], [a.frame + u * (b.frame - a.frame) for u in (0.25, 0.5, 0.75)])
             for i0, i1 in spans for a, b in zip(keys[i0:i1], keys[i0 + 1:i1]) if b.frame - a.frame >= 8]
    if not pairs:
        return keys
    full = Cameras(keys, [f for _, _, at in pairs for f in at])     # the whole curve, evaluated once
    pins = []
    for n, (a, own, at) in enumerate(pairs):
        mine, rows = Cameras(own, at), slice(3 * n, 3 * n + 3)
        reach = np.linalg.norm(mine.location - mine.target, axis=1)
        off = np.maximum(np.abs(full.location[rows] - mine.location).max(1),
                         np.abs(full.target[rows] - mine.target).max(1))
        pins += [replace(a, frame=float(round(f)), location=tuple(map(float, mine.location[k])),
                         target=tuple(map(float, mine.target[k])), lens=float(mine.lens[k]))
                 for k, f in enumerate(at) if off[k] > tol * reach[k]]
    return sorted(keys + pins, key=lambda k: k.frame)

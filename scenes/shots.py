"""Shots: each beat's camera keys, framing its focus blocks (with their labels and value texts) as its Shot
says, clear of the frame's edges and of the caption band."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from llmreel.core.errors import InputError
from llmreel.scenes.hud import card_height
from llmreel.scenes.cards import under_card
from llmreel.scenes.camera import box_corners, caption_lines, frame_box, safe_area
from llmreel.scenes.cuts import (HOLD_COVER, clear_edges, cover, lit_unseen, pin_paths, shown_starts,
                                 slides_over_black)
from llmreel.scenes.geometry import label_bounds, union, value_text_bounds, wall_gap
from llmreel.scenes.paths import tube_boxes
from llmreel.scenes.follow import FOLLOW_MARGIN, TALL_SHOWN, follow
from llmreel.scenes.legibility import ESSENTIAL, MIN_CAP, MIN_VALUE_CAP
from llmreel.scenes.screen import CAP, Cameras, heights, on_screen
from llmreel.scenes.spec import Beat, Block, CameraKey, Label
from llmreel.scenes.storyboard import BeatPlan, Shot, arrival


def block_boxes(spec_blocks: list[Block], labels: list[Label]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Block id -> world box of the block with its name tag and dimension labels (not the section heading
    a block carries: "Transformer block 0" spans the whole layer, and would widen a shot of layer norm
    to it)."""
    boxes = {b.id: b.bounds() for b in spec_blocks}
    for l in labels:
        if l.block in boxes and l.kind != "section":
            boxes[l.block] = union([boxes[l.block], label_bounds(l)])
    return boxes


def focus_bounds(spec_blocks: list[Block], labels: list[Label], value_texts, focus: list[str], frames,
                 boxes: dict | None = None) -> tuple:
    """World box of the focus blocks with their labels and the value texts shown during `frames`."""
    boxes = block_boxes(spec_blocks, labels) if boxes is None else boxes
    found = [boxes[i] for i in focus if i in boxes]
    for v in value_texts:
        if v.frames[0] <= frames[1] and v.frames[1] >= frames[0]:
            found.append(value_text_bounds(v))
    return union(found)


def shot_safe_area(beat: Beat, aspect, fill: float = 1.0, card: bool = False) -> tuple[float, float, float, float]:
    """Where the beat's subject may sit: clear of the frame edges and of its caption band (the
    longest of its languages, as every language is rendered from the same camera), and below the title
    card's band when a `card` opens the beat; `fill` < 1 keeps the subject to that fraction of it, around
    its centre."""
    lines = max((caption_lines(t, aspect) for t in beat.caption.values() if t), default=0)
    x0, x1, y0, y1 = safe_area(aspect, lines)        # a little inside: labels framed at the very edge would
    if card:
        y1 = min(y1, 1.0 - card_height(aspect))          # cells may meet the band; labels keep its margin
    safe = (x0 + INSET, x1 - INSET, y0 + INSET, y1 - INSET)     # be hidden by level of detail's own margin
    if fill == 1.0:
        return safe
    x0, x1, y0, y1 = safe
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * fill, (y1 - y0) / 2 * fill
    return cx - hx, cx + hx, cy - hy, cy + hy


INSET = 0.012          # frame fractions a shot keeps inside the safe area
FILL = 0.5             # the area share of the safe area a shot aims its subject at (the frame check asks 0.3)
WIDE_FILL = 0.32       # ... and a wide (establishing) shot, before it pans along a long row (three heads)
MAX_TILT = 10.0        # degrees: how far above the wall a shot may look down to fit a tall subject
WHOLE_SIDE, WHOLE_RISE = 0.45, 0.45   # the whole model: a three-quarter view from the right and above
LAND_SIDE, LAND_RISE = 0.4, 0.15      # ... that turns towards the front (share of its side angle, rise) as it
                                      # closes in on numbers: text read nearly face on


def safe_ratio(aspect, safe) -> float:
    """Width / height of the safe area, in the frame's own proportions."""
    x0, x1, y0, y1 = safe
    ax, ay = aspect
    return (x1 - x0) * ax / ((y1 - y0) * ay)


def shot_boxes(lo, hi, aspect, safe, rise: float = 0.10, max_short: float | None = None,
               keep=None, begin=None, wide_start: bool = False,
               max_tilt: float = MAX_TILT, parts=(), described=(), shows=(), named=()) -> tuple[list[tuple[np.ndarray, np.ndarray]], float]:
    """What a beat's two camera keys frame, and the rise it looks from. A subject whose shape is far from
    the safe area's would fill it poorly (a thin strip): one much taller is first seen from higher up
    (up to `max_tilt` degrees, foreshortening it), then, if still too tall, panned from a top window to a bottom one
    (the data flows down); one much wider is panned from a left window to a right one. `max_short` (world
    units) caps the frame's short side at the subject, so that the labels the shot must show stay legible:
    a subject larger than that is panned too, from its top left (or `begin`: the boxes of what lights first, in order; as many as the window holds;
    "keep": the numbers') to its bottom right (or the boxes `keep`: the focus moments' numbers, shown later in
    the beat, with the blocks `described` where they fit); with
    `wide_start` only the end window is capped (the camera closes in on the numbers as it pans). Windows
    take the safe area's shape, so the subject fills the frame while the camera moves along it; each window
    shifts to take in whole the blocks of `parts` (boxes with their labels) it cuts, where it can: a closer
    shot's end window without numbers the boxes `shows` (what the beat ends on lighting) first."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    ra = safe_ratio(aspect, safe)
    width, height = max(hi[0] - lo[0], 1e-6), max(hi[2] - lo[2], 1e-6)
    cos = 1 / np.hypot(1.0, rise)
    if width / (height * cos) < FILL * ra:                      # too tall: look from higher up
        cos = max(min(cos, np.cos(np.radians(max_tilt))), min(cos, width / (height * FILL * ra)))
        rise = max(rise, float(np.tan(np.arccos(cos))))
    seen_h = height * cos
    win_w, win_h, mid = width, seen_h, False                    # the window, as seen (heights foreshortened)
    if width / seen_h < FILL * ra * (1 - 1e-6):                 # still too tall (past MAX_TILT)
        win_h = width / ra
    elif width / seen_h > ra / (WIDE_FILL if wide_start else FILL):     # too wide (a wide shot keeps more whole)
        # ... though never narrower than what the beat ends on lighting (GPT-2's 190-wide key block, 64 rows
        # tall, in a tall frame: a window as tall as the row of blocks held only its title), else than any block
        # (its three heads' attention shares had been framed 200 wide), the row then in the window's middle
        mid, ends = not shows, [p[1][0] - p[0][0] for p in shows]
        win_w = max(seen_h * ra, max(ends) if ends else min((p[1][0] - p[0][0] for p in parts), default=0.0))
        win_h = max(win_h, win_w / ra)
    start = (win_w, win_h)
    if max_short is not None:
        max_short *= cos                                         # texts on the wall foreshorten as it tilts
        x0, x1, y0, y1 = safe
        limit_h = max_short * (y1 - y0) if aspect[0] >= aspect[1] else max_short * (x1 - x0) / ra
        if max(win_h, win_w / ra) > limit_h:
            win_w, win_h = min(width, ra * limit_h), min(seen_h, limit_h)
    if keep is not None:                # each number with the block it describes (else the nearest)
        pairs = [union([k, d]) if d is not None else union([k, min(parts, key=lambda p: wall_gap(p, k))]) if parts
                 else k for k, d in zip(keep, list(described) + [None] * (len(keep) - len(described)))]
        fits = lambda box: max_short is None or max((box[1][2] - box[0][2]) * cos,     # noqa: E731
                                                    (box[1][0] - box[0][0]) / ra) <= limit_h
        if fits(union(pairs)):
            first = keep = union(pairs)
        elif fits(union(keep)):         # the numbers together, without every block they describe whole:
            first = keep = union(keep)  # a number still shown is never left cut at the frame's edge
        elif fits(pairs[-1]):           # too many to read at once: the camera goes from the first to the last
            n = next(n for n in range(1, len(pairs) + 1) if not fits(union(pairs[-n - 1:])) or n == len(pairs))
            keep = union(pairs[-n:])
            n = next(n for n in range(1, len(pairs) + 1) if not fits(union(pairs[:n + 1])) or n == len(pairs))
            first = union(pairs[:n])
        else:                           # where legibility allows no block beside them, the numbers alone
            first = keep = union(keep)
        if begin == "keep":             # the numbers from the start: the camera lands on the first
            begin = [first]
    if keep is not None:                                         # the numbers fit in the end window
        win_w = max(win_w, min(width, keep[1][0] - keep[0][0]))
        win_h = max(win_h, min(seen_h, (keep[1][2] - keep[0][2]) * cos))
    if not wide_start:
        start = (win_w, win_h)
    if min(start[0], win_w) >= width - 1e-9 and min(start[1], win_h) >= seen_h - 1e-9:
        return [(lo, hi), (lo, hi)], rise

    def window(centre, corner, w, h):            # the w x h window around `centre` (else at `corner`), inside
        dz = h / cos
        if centre is not None:                   # larger than the window: its top left, where it is named
            c0, c1 = np.array(centre[0], dtype=np.float64), np.array(centre[1], dtype=np.float64)
            c1[0], c0[2] = min(c1[0], c0[0] + w), max(c0[2], c1[2] - dz)
            centre = (c0, c1)
        cx, cz = corner if centre is None else ((centre[0][0] + centre[1][0]) / 2, (centre[0][2] + centre[1][2]) / 2)
        cx = float(np.clip(cx, lo[0] + w / 2, hi[0] - w / 2))
        cz = (lo[2] + hi[2]) / 2 if mid and dz > hi[2] - lo[2] else float(np.clip(cz, lo[2] + dz / 2, hi[2] - dz / 2))
        if parts:                                # whole blocks, titles included, rather than cut ones
            must = [centre] if centre is not None else []
            # the block nearest what the window centres on (the numbers: the block they describe) first,
            # else (closer than a wide shot) the last block the beat shows lighting, where it ends
            near = ((min(parts, key=lambda p: wall_gap(p, centre)),) if centre is not None
                    else () if wide_start else tuple(shows))
            cx += _settle(cx - w / 2, cx + w / 2, 0, parts, must, lo[0], hi[0], near)
            cz += _settle(cz - dz / 2, cz + dz / 2, 2, parts, must, lo[2], hi[2], near)
        return np.array([cx - w / 2, lo[1], cz - dz / 2]), np.array([cx + w / 2, hi[1], cz + dz / 2])

    if begin:                       # the blocks that light first, as many as the start window holds
        n = 1
        while n < len(begin) and _fits(union(begin[:n + 1]), start, cos):
            n += 1
        begin = union(begin[:n])
    # without numbers to end on, the pan goes down only as far as its lowest block needs: a block taller
    # than the window is seen at its top, where it is named (its lower rows repeat what the top shows); a
    # shorter one with its centre inside (a pan follows a block's centre as it lights)
    dz = win_h / cos
    need = [(p[1][2], p[1][2] - p[0][2]) for p in parts]
    bottom = min([hi[2] - dz / 2] + [top - (TALL_SHOWN * dz if h > dz else min(h, h / 2 + FOLLOW_MARGIN * dz)) + dz / 2
                                     for top, h in need]) if parts else lo[2]
    end = window(keep, (hi[0], bottom), win_w, win_h)
    if keep is not None and max_short is not None:
        end = _grow(end, keep, named, ra, cos, limit_h)
    return [window(begin, (lo[0], hi[2]), *start), end], rise


HELD = 0.55   # _grow keeps a block taller than the end window over this share of it (the caption rule: half)


def _grow(win, keep, boxes, ra: float, cos: float, limit: float):
    """The end window moved and grown, its shape kept and no taller than `limit` as seen, to hold whole with
    the numbers `keep` each of `boxes` (block with labels, block) it can, nearest first (the caption's blocks
    beside the numbers), keeping over more than half its height each block taller than it that it shows so
    (as the caption rule sees it: GPT-2's probabilities under the sum of exponentials they divide by)."""
    size = max((win[1][2] - win[0][2]) * cos, (win[1][0] - win[0][0]) / ra)
    over = lambda b, w: min(b[1][2], w[1][2]) - max(b[0][2], w[0][2])          # noqa: E731
    tall = [b for _, b in boxes if b[1][2] - b[0][2] > win[1][2] - win[0][2] and over(b, win) >= 0.5 * (win[1][2] - win[0][2])]
    whole = [keep]
    for p, _ in sorted(boxes, key=lambda p: wall_gap(p[0], keep)):
        if all(win[0][a] <= p[0][a] and p[1][a] <= win[1][a] for a in (0, 2)) or (p[1][2] - p[0][2]) * cos > limit:
            continue
        u = union(whole + [p])
        top, bottom = u[1][2], u[0][2]
        for q in tall:                      # more than half the window: reach on along it
            if (q[0][2] + q[1][2]) / 2 < (top + bottom) / 2:
                bottom = min(bottom, (min(q[1][2], top) - HELD * top) / (1 - HELD))
            else:
                top = max(top, (max(q[0][2], bottom) - HELD * bottom) / (1 - HELD))
        h = max((top - bottom) * cos, (u[1][0] - u[0][0]) / ra)
        if h > limit * (1 + 1e-9):
            continue
        whole.append(p)
        w, dz = max(h, size) * ra / 2, max(h, size) / cos / 2            # half sizes; moved the least
        cx = float(np.clip((win[0][0] + win[1][0]) / 2, u[1][0] - w, u[0][0] + w))
        cz = float(np.clip((win[0][2] + win[1][2]) / 2, top - dz, bottom + dz))
        win = (np.array([cx - w, win[0][1], cz - dz]), np.array([cx + w, win[1][1], cz + dz]))
    return win


def _settle(w0: float, w1: float, ax: int, parts, must, lo: float, hi: float, near=()) -> float:
    """The smallest shift of the window [w0, w1] along axis `ax` that takes in whole each box of `parts`
    (a block with its labels) whose centre it holds, nearest first (the boxes `near` before them), as far as
    it can while keeping the boxes `must` inside and the window within [lo, hi]."""
    a, b = lo - w0, hi - w1                                  # shifts that keep the window on the subject
    for m in must:
        a, b = max(a, m[1][ax] - w1), min(b, m[0][ax] - w0)
    if a > b:
        return 0.0
    mid = (w0 + w1) / 2
    held = [p for p in parts if w0 < (p[0][ax] + p[1][ax]) / 2 < w1]
    for p in [*near, *sorted(held, key=lambda p: abs((p[0][ax] + p[1][ax]) / 2 - mid))]:
        p0, p1 = p[0][ax], p[1][ax]
        if p1 - p0 > w1 - w0:           # larger than the window: its title's edge (top, left) at least
            p0, p1 = (p1 - 0.25 * (w1 - w0), p1) if ax == 2 else (p0, p0 + 0.25 * (w1 - w0))
        na, nb = max(a, p1 - w1), min(b, p0 - w0)
        if na <= nb:
            a, b = na, nb
    return float(np.clip(0.0, a, b))


def _fits(box, window, cos: float) -> bool:
    """Whether `box` fits a (width, seen height) window on a wall seen at `cos` of its height."""
    return box[1][0] - box[0][0] <= window[0] + 1e-9 and (box[1][2] - box[0][2]) * cos <= window[1] + 1e-9


def legible_short_side(labels: list[Label], values, focus: set[str], kinds) -> float | None:
    """World length of the frame's short side at which the smallest of the focus blocks' labels of `kinds`
    is MIN_CAP tall and every value text `values` MIN_VALUE_CAP (with room for perspective and tilt);
    None when there are none."""
    sides = [CAP * l.size / MIN_CAP for l in labels if l.block in focus and l.kind in kinds]
    sides += [CAP * v.size / MIN_VALUE_CAP for v in values]
    return min(sides) / 1.1 if sides else None


def spec_beats(beats: list[BeatPlan], blocks: list[Block]) -> list[Beat]:
    """The SceneSpec's beats: frames, caption, focus and the tensors the caption shows as block ids (every
    block of each tensor) and the shot's kind."""
    slots_of: dict[str, list[str]] = {}
    for b in blocks:
        slots_of.setdefault(b.tensor, []).append(b.id)
    for b in blocks:                # a block id names that block alone (e.g. head 0: "h0.attn.q[0]")
        slots_of.setdefault(b.id, [b.id])
    tensors = sorted({b.tensor for b in blocks}, key=len, reverse=True)
    for b in beats:                 # a block a model does not slice so ("...q[0]") falls back to its tensor
        for names in (b.focus, b.shows):
            names[:] = [n if n in slots_of or "[" not in n else next((t for t in tensors if n.startswith(t)), n)
                        for n in names]
    out = []
    for b in beats:
        bad = [t for t in b.focus if t != "*" and t not in slots_of]
        if bad:
            raise InputError(f"beat {b.chapter}.{b.base} focus: unknown tensor {bad[0]!r}; accepted: \"*\" (the "
                             f"whole model) or tensors or block ids shown as blocks, e.g. {', '.join(list(slots_of)[:4])}")
        focus = [x.id for x in blocks] if "*" in b.focus else [i for t in b.focus for i in slots_of[t]]
        shows = [i for t in b.shows for i in slots_of.get(t, [])]
        out.append(Beat(id=b.id, first_frame=b.first_frame, last_frame=b.last_frame, caption=dict(b.caption),
                        focus=focus, shot=b.shot.kind_for(len(focus), "*" in b.focus), shows=shows))
    return out


def plan_camera(beats: list[Beat], shots: list[Shot], blocks, labels, value_texts, aspect,
                fps: int, cards: dict[str, float] | None = None, curves=()) -> list[CameraKey]:
    """Two keys per beat: on arrival (a little after the cut, for the camera to travel) and at its end; a
    pan that must show a focus moment's numbers ends on them when they appear and holds there (a third
    key). The numbers are measured through the keys that show them: a shot that leaves them under
    MIN_VALUE_CAP (perspective, a steep view) comes closer until they are not. `cards`: beat id -> the last
    frame of the title card opening it; the shot frames its subject below the card while it shows.
    `curves`: paths drawn for a block beside it (GELU's curve, "curve:<block>..."): its shots hold them."""
    keys: list[CameraKey] = []
    spans = []                                  # the keys' span of each beat whose keys clear_edges moved
    boxes = block_boxes(blocks, labels)
    for p in curves:
        bid = p.id.split(":")[1]
        if bid in boxes:
            boxes[bid] = union([boxes[bid], *tube_boxes([p])])
    corners = np.array([box_corners(*b.bounds()) for b in blocks])
    cards = cards or {}
    for i, (beat, shot) in enumerate(zip(beats, shots)):
        values = [v for v in value_texts if v.frames[0] <= beat.last_frame and v.frames[1] >= beat.first_frame]
        focus, kinds = set(beat.focus), ESSENTIAL[beat.shot]
        need = [l for l in labels if l.block in focus and l.kind in kinds]
        first = legible_short_side(labels, values, focus, kinds)
        mine, most, grow = _legible_keys(beat, shot, i == 0, blocks, labels, values, need, boxes, aspect, fps, first)
        flat = 1.0
        if beat.shot == "close-up" and not shot.fixed_angle and most is not None and most < first:
            # perspective shrinks the far labels: a squarer view may keep the subject larger
            other = _legible_keys(beat, shot, i == 0, blocks, labels, values, need, boxes, aspect, fps, first, FLAT)
            if other[1] > most * 1.001:
                (mine, most, grow), flat = other, FLAT
        if beat.id in cards:
            mine = under_card(mine, beat_keys(beat, shot, i == 0, blocks, labels, values, boxes, aspect, fps, most,
                                              card=True, flat=flat, grow=grow), cards[beat.id], beat.last_frame,
                              fps, moves_fixed(beat, blocks, values, cards[beat.id]))
        cleared = clear_edges(mine, beat, blocks, aspect, boxes, values)
        moved = any(c is not k for c, k in zip(cleared, mine))
        mine = cleared
        # a cut, not a slide over black nor one that arrives after the data
        cut = bool(keys) and mine[0].frame > beat.first_frame and (
            lit_unseen(beat, blocks, keys[-1:] + mine[:1], aspect)
            or slides_over_black(keys[-1:] + mine, blocks, corners, aspect))
        shown = min((v.frames[0] for v in values), default=np.inf)
        if (values and shown - beat.first_frame >= fps and (mine[0].frame - beat.first_frame >= fps // 2 if cut
                                                 else shown > mine[0].frame)
                and any(b.lights_between(beat.first_frame, shown).size for b in blocks if b.id in focus)):
            # numbers that appear a second or more later: the camera opens on the blocks lighting before
            # them, holds there and cuts in on the numbers as they appear, where waiting on their place
            # would leave the frame emptier (a cut opens so whenever it can)
            bare = beat_keys(beat, shot, True, blocks, labels, [], boxes, aspect, fps, most, card=beat.id in cards,
                             flat=flat)[0]
            start = float(beat.first_frame) if cut else mine[0].frame
            bare = replace(bare, frame=start)
            mask = [b.id in focus for b in blocks]
            if cut or cover(bare, corners[mask], aspect) > max(cover(mine[0], corners[mask], aspect), HOLD_COVER):
                early = [k for k in mine[:-1] if k.frame < shown]
                mine = mine[len(early):]
                if early and mine[0].frame > shown:          # the framing the numbers were waited for, from then
                    mine.insert(0, replace(early[-1], frame=float(shown)))
                bare = clear_edges([bare], beat, blocks, aspect, boxes)[0]
                mine[:0] = [bare, replace(bare, frame=mine[0].frame - 1)]
                cut = False
        if cut:
            mine[0] = replace(mine[0], frame=float(beat.first_frame))
        if moved:
            spans.append((len(keys), len(keys) + len(mine)))
        keys += mine
    return pin_paths(keys, spans)


FLAT = 0.5    # a close-up whose far labels perspective makes too small looks this much more squarely


def _legible_keys(beat: Beat, shot: Shot, opening: bool, blocks, labels, values, need, boxes, aspect, fps: int,
                  most: float | None, flat: float = 1.0) -> tuple[list[CameraKey], float | None, bool]:
    """(keys, the frame's short side at the subject they keep, whether the end window grew: `_grow`): the
    beat's keys, closer until the numbers and the essential labels `need` they frame are legible through them,
    a grown window ungrown first (it depends on other beats' numbers: it must not bring the camera closer)."""
    grow = bool(values) and any(b in boxes for b in beat.shows)      # else _grow has nothing to move the window to
    for _ in range(5 + grow):
        mine = beat_keys(beat, shot, opening, blocks, labels, values, boxes, aspect, fps, most, flat=flat, grow=grow)
        held = [k for k in mine if any(v.frames[0] <= k.frame <= v.frames[1] for v in values)] or mine[-1:]
        short = 1.0                 # how far the numbers and the essential labels framed are from short
        if values:
            cap = heights([v.location for v in values], [CAP * v.size for v in values],
                          Cameras(held, [k.frame for k in held]), aspect).min()
            short = min(short, cap / (MIN_VALUE_CAP * 1.02))
        if need:
            cams = Cameras(mine, [k.frame for k in mine])
            cap = heights([l.location for l in need], [CAP * l.size for l in need], cams, aspect,
                          [l.rotation for l in need])
            near = on_screen([l.location for l in need], cams, aspect)
            if near.any():
                short = min(short, cap[near].min() / (MIN_CAP * 1.08))
        if most is None or short >= 1.0:
            break
        most, grow = (most if grow else most * short / 1.03), False     # ungrown first, then closer
    return mine, most, grow


def beat_keys(beat: Beat, shot: Shot, opening: bool, blocks, labels, values, boxes, aspect, fps: int,
              most: float | None, card: bool = False, flat: float = 1.0, grow: bool = True) -> list[CameraKey]:
    """A beat's camera keys with the frame's short side at the subject at most `most` world units (below
    the title card's band when a `card` opens the beat)."""
    lo, hi = focus_bounds(blocks, labels, values, beat.focus, (beat.first_frame, beat.last_frame), boxes)
    safe = shot_safe_area(beat, aspect, shot.fill, card)
    arrive = beat.first_frame if opening else arrival(beat.first_frame, beat.last_frame, fps)
    whole = beat.shot == "establishing"
    sides = tuple(flat * s for s in shot.sides(aspect))
    if whole:                                       # three-quarter, on the side the shot names
        s0 = WHOLE_SIDE if shot.side >= 0 else -WHOLE_SIDE
        sides = (s0, s0 + sides[1] - sides[0])
    rise = max(shot.rise, WHOLE_RISE) if whole else shot.rise
    keep = [value_text_bounds(v) for v in values] or None        # each number, beside what it describes
    described = [boxes.get(v.block) for v in values]
    early = beat.first_frame + 0.3 * (beat.last_frame - beat.first_frame)
    focus = set(beat.focus)
    lit = {b.id: b.lights_between(beat.first_frame, early) for b in blocks if b.id in focus}
    first = sorted((float(t.min()), bid) for bid, t in lit.items() if t.size)
    # what lights first, in order; else from the top what the caption shows, else what the numbers describe
    # (GPT-2's pick: the probabilities, not the logits 6,000 units above them), else the whole subject
    drawn = [bid for bid in lit if bid in boxes]
    said, about = set(beat.shows), {v.block for v in values}
    told = [b for b in drawn if b in said] or [b for b in drawn if b in about] or drawn
    begin = [boxes[bid] for _, bid in first] or sorted((boxes[bid] for bid in told), key=lambda bx: -bx[1][2]) or None
    shown = min((v.frames[0] for v in values), default=beat.last_frame)
    if values and shown <= arrive + fps:            # numbers from the start: no time to pan to them,
        begin = "keep"                              # so the camera lands on them as they appear
        arrive = max(arrive, int(shown))
    framed, rise = (shot_boxes(lo, hi, aspect, safe, rise, most, keep, begin, wide_start=whole,
                               max_tilt=0.0 if whole else MAX_TILT,
                               parts=[boxes[b] for b in beat.focus if b in boxes],      # the whole model: pan, no steeper
                               described=described, shows=[boxes[b] for b in beat.shows if b in boxes][-1:],
                               named=[(boxes[b.id], b.bounds()) for b in blocks if b.id in said and b.id in boxes]
                               if grow else ())
                    if shot.framing == "auto"
                    else ([(lo, hi), (lo, hi)], rise))
    frames, sides = [arrive, beat.last_frame], list(sides)
    pan = not np.allclose(framed[0][0], framed[1][0])
    if values and pan and arrive + fps < shown < beat.last_frame:
        frames.insert(1, int(shown))                # arrive on the numbers as they appear, then hold
        sides.insert(1, sides[0] + 0.8 * (sides[1] - sides[0]))
        framed = [framed[0], framed[1], framed[1]]
    if pan:                                         # the pan follows what the caption shows as it lights
        shows = {b.id: b.reveal_frames for b in blocks if b.id in set(beat.shows)}
        (w0, w1), (s0, s1) = (framed[0], framed[-1]), (sides[0], sides[-1])
        for f, u in follow(w0, w1, shows, boxes, frames[0], frames[1], fps):
            framed.append(tuple(a + u * (b - a) for a, b in zip(w0, w1)))
            sides.append(s0 + u * (s1 - s0))
            frames.append(f)
        order = np.argsort(frames, kind="stable")
        frames, sides, framed = [frames[i] for i in order], [sides[i] for i in order], [framed[i] for i in order]
    rises = [rise] * len(frames)
    if whole and keep is not None and pan:          # landing on the numbers: turning to face them as it closes in
        c0, c1 = (sum(framed[0]) / 2, sum(framed[-1]) / 2)
        run = max(float(np.linalg.norm(c1 - c0)), 1e-9)
        for k, (blo, bhi) in enumerate(framed):
            u = min(1.0, float(np.linalg.norm((blo + bhi) / 2 - c0)) / run)
            sides[k] *= 1 - u * (1 - LAND_SIDE)
            rises[k] = rise + u * (max(shot.rise, LAND_RISE) - rise)
    out = []
    for frame, s, r, (blo, bhi) in zip(frames, sides, rises, framed):
        loc, tgt = frame_box(blo, bhi, aspect, lens=shot.lens, direction=(s, -1.0, r), safe=safe)
        out.append(CameraKey(float(frame), loc, tgt, shot.lens))
    return out


def moves_fixed(beat: Beat, blocks, values, card_end: float) -> float:
    """From when a card-opened beat's camera keeps its own timing: the first of its numbers showing and
    of the blocks its caption shows lighting after the card (a pan follows them as they light)."""
    lit = [f for f, _ in shown_starts(beat, blocks, card_end, beat.last_frame)]
    return float(min([v.frames[0] for v in values] + lit, default=np.inf))

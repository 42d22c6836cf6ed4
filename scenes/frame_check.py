"""The frame check: the picture's rules measured on a finished SceneSpec, frame by frame, in any aspect.

Pure numpy over the spec (no Blender): the same projection the planner uses (screen.py), so it runs in
seconds over every 4th frame of a whole story. Rules (docs/ARCHITECTURE.md, issue "The picture"):
- texts: every text drawn is at least legibility.MIN_CAP tall (focus-moment numbers MIN_VALUE_CAP), inside
  the title-safe area, clear of the caption band, title cards, cells and each other;
- fill: at the settled frames of each beat (from the camera's arrival key) the subject (its focus blocks, with
  its numbers once a block is in view) covers at least FILL_AREA of the safe area's area and FILL_SPAN of its
  width or height;
- essentials: in medium shots and closer every block of the subject shows its title; in close-ups also
  its tensor name and axis labels;
- captions: the blocks a caption talks about (`Beat.shows`) are in the frame when they start lighting during
  it (a caption may tell a sequence: max, then exp, then sum), or at its midpoint, lit by then.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from llmreel.scenes.camera import box_corners
from llmreel.scenes.hud import card_height
from llmreel.scenes.geometry import value_text_bounds
from llmreel.scenes.legibility import ESSENTIAL, SAFE, Texts, band_tops, block_parts, block_screen, evaluate
from llmreel.scenes.screen import Cameras, box_screen, overlaps
from llmreel.scenes.spec import SceneSpec
from llmreel.scenes.storyboard import arrival

FILL_AREA = 0.30               # the subject's share of the safe area's area ...
FILL_SPAN = 0.60               # ... and of its width or its height
STEP = 4                       # frames between samples
COVER_GRID = 64                # cells along each side of the safe area when measuring what blocks cover
TEXT_RULES = ("small", "large", "edge", "band", "cells", "overlap")


@dataclass(frozen=True)
class Fault:
    rule: str                  # small | large | edge | band | cells | overlap | fill | essential | caption
    frame: int
    beat: str
    what: str                  # the text, block or tensor concerned
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.rule:9s} frame {self.frame:5d} {self.beat:28s} {self.what} {self.detail}".rstrip()


def beat_at(spec: SceneSpec, frames: np.ndarray) -> np.ndarray:
    """[F] index of the beat playing at each frame."""
    starts = np.array([b.first_frame for b in spec.beats])
    return np.clip(np.searchsorted(starts, frames, side="right") - 1, 0, len(spec.beats) - 1)


def subjects(spec: SceneSpec, ids) -> list:
    """The blocks and solids (models to scale) among `ids`, in the spec's order."""
    ids = set(ids)
    return [b for b in spec.blocks + spec.solids if b.id in ids]


def settled(spec: SceneSpec, beat) -> np.ndarray:
    """Frames of a beat from the camera's arrival (`Beat.arrive`, else its first key in the beat:
    shots.plan_camera) to its end."""
    keys = spec.camera_keys(beat)
    arrive = beat.arrive or (int(keys[0].frame) if keys else arrival(beat.first_frame, beat.last_frame,
                                                                     spec.meta.fps))
    return np.arange(arrive, beat.last_frame + 1, STEP, dtype=np.float64)


def text_faults(spec: SceneSpec, aspect, frames: np.ndarray) -> list[Fault]:
    """Every text drawn (by the spec's own visibility) that breaks a text rule in a sampled frame."""
    texts = Texts(spec.labels, spec.value_texts)
    seen, faults, _, boxes = evaluate(texts, spec.blocks + spec.solids, spec.camera, spec.captions,
                                      spec.title_cards, aspect, frames)
    names = [l.text.get("en", l.id) for l in spec.labels] + [v.text.get("en", v.id) for v in spec.value_texts]
    beat = beat_at(spec, frames)
    out = []
    for rule, bad in faults.items():
        for k, n in zip(*np.nonzero(bad & seen)):
            out.append(Fault(rule, int(frames[k]), spec.beats[beat[k]].id, repr(names[n])))
    for k in range(len(frames)):
        idx = np.flatnonzero(seen[k])
        hit = np.triu(overlaps(boxes[k, idx], boxes[k, idx]), 1)
        for i, j in zip(*np.nonzero(hit)):
            out.append(Fault("overlap", int(frames[k]), spec.beats[beat[k]].id,
                             f"{names[idx[i]]!r} x {names[idx[j]]!r}"))
    return out


def safe_rects(spec: SceneSpec, aspect, frames) -> np.ndarray:
    """[F, 4]: the title-safe area above the caption band (and below a title card's band while one shows)
    at each of `frames` (x0, x1, y0, y1)."""
    frames = np.asarray(frames, dtype=np.float64)
    top, card = band_tops(spec.captions, spec.title_cards, frames, aspect)
    out = np.tile(np.array(SAFE), (len(frames), 1))
    out[:, 2] = np.maximum(out[:, 2], top)
    out[card, 3] = np.minimum(out[card, 3], 1.0 - card_height(aspect))
    return out


def seen_boxes(blocks, cams: Cameras, aspect, frames) -> tuple[np.ndarray, np.ndarray]:
    """[K, B, 5] each block's projected box at `frames` and [K, B] whether it is shown: a block more than
    cull.LONG times longer than wide (a 50,257-row logits column) is projected in pieces and its box is the
    union of the pieces in front of the camera (the whole block's box is meaningless when one end lies
    behind it); a block with no piece in front has depth -1 (unseen). Other blocks: their own box."""
    parts = block_parts(blocks, pieces=True)
    xy, on = block_screen(parts, cams, aspect, frames)
    if len(parts.owner) == len(blocks):                     # no long block: one piece each
        return xy, on
    k, b = xy.shape[0], len(blocks)
    front = on & (xy[..., 4] > 0)
    out = np.zeros((k, b, 5))
    out[..., 0] = out[..., 2] = np.inf
    out[..., 1] = out[..., 3] = -np.inf
    out[..., 4] = -1.0
    rows, cols = np.nonzero(front)
    at = rows * b + parts.owner[cols]
    flat = out.reshape(-1, 5)
    for c, reduce in ((0, np.minimum), (2, np.minimum), (1, np.maximum), (3, np.maximum), (4, np.maximum)):
        reduce.at(flat[:, c], at, xy[rows, cols, c])
    out[out[..., 4] < 0, :4] = 0.0                          # unseen: no box (its depth says so)
    shown = np.zeros((k, b), dtype=bool)
    shown[:, parts.owner] = on                              # a block's pieces share its visibility
    return out, shown


def subject_fill(spec: SceneSpec, beat, aspect, frames: np.ndarray) -> np.ndarray:
    """[F, 2]: the subject's share of the safe area's area and its largest share of width or height. The
    subject: the beat's focus blocks and the numbers its focus moments show beside them; (0, 0) where no
    block of it is in view (numbers alone on black)."""
    blocks = subjects(spec, beat.focus)
    if not blocks:
        return np.ones((len(frames), 2))
    cams = Cameras(spec.camera, frames)
    xy, on = seen_boxes(blocks, cams, aspect, frames)
    values = [v for v in spec.value_texts if v.frames[0] <= beat.last_frame and v.frames[1] >= beat.first_frame]
    if values:
        vxy = box_screen(np.array([box_corners(*value_text_bounds(v)) for v in values]), cams, aspect)
        von = np.stack([(frames >= v.frames[0]) & (frames <= v.frames[1]) for v in values], 1)
        xy, on = np.concatenate([xy, vxy], 1), np.concatenate([on, von], 1)
    out = np.zeros((len(frames), 2))
    n_blocks = len(blocks)
    for k, rect in enumerate(safe_rects(spec, aspect, frames)):
        sx0, sx1, sy0, sy1 = rect
        seen = on[k] & (xy[k, :, 4] > 0)
        if not overlaps(xy[k, :n_blocks][seen[:n_blocks]], rect[None]).any():
            continue                    # numbers alone, no block of the subject in view: nothing shown
        b = xy[k, seen]
        w = max(0.0, min(sx1, b[:, 1].max()) - max(sx0, b[:, 0].min()))
        h = max(0.0, min(sy1, b[:, 3].max()) - max(sy0, b[:, 2].min()))
        out[k] = w * h / ((sx1 - sx0) * (sy1 - sy0)), max(w / (sx1 - sx0), h / (sy1 - sy0))
    return out


def in_view(box, rect, share: float = 0.5) -> bool:
    """A projected box is in view when, along each axis, at least `share` of it, or of the rect where the
    box is longer, is inside the rect (a block taller than the frame is in view when it fills half its
    height, however narrow it is)."""
    w = max(0.0, min(box[1], rect[1]) - max(box[0], rect[0]))
    h = max(0.0, min(box[3], rect[3]) - max(box[2], rect[2]))
    return (w >= share * min(box[1] - box[0], rect[1] - rect[0])
            and h >= share * min(box[3] - box[2], rect[3] - rect[2]))


def in_frame(spec: SceneSpec, ids, aspect, frame: float) -> set[str]:
    """Blocks among `ids` whose centre is inside the title-safe area above the caption band at `frame` (one
    at the frame's very edge is on its way in or out of a pan, not yet the subject; one behind the band is
    not seen)."""
    blocks = subjects(spec, ids)
    if not blocks:
        return set()
    xy, on = seen_boxes(blocks, Cameras(spec.camera, [frame]), aspect, np.array([frame]))
    cx, cy = (xy[0, :, 0] + xy[0, :, 1]) / 2, (xy[0, :, 2] + xy[0, :, 3]) / 2
    x0, x1, y0, y1 = safe_rects(spec, aspect, [frame])[0]
    ok = on[0] & (xy[0, :, 4] > 0) & (cx > x0) & (cx < x1) & (cy > y0) & (cy < y1)
    return {b.id for b, k in zip(blocks, ok) if k}


def shot_faults(spec: SceneSpec, aspect) -> list[Fault]:
    """Fill and essentials at each beat's settled frames."""
    out = []
    texts = Texts(spec.labels)
    for beat in spec.beats:
        frames = settled(spec, beat)
        if not len(frames):
            continue
        fill = subject_fill(spec, beat, aspect, frames)
        short = (fill[:, 0] < FILL_AREA) | (fill[:, 1] < FILL_SPAN)            # any settled frame falls short
        if short.any():
            worst = int(np.argmin(np.where(short, fill[:, 0] + fill[:, 1], np.inf)))
            out.append(Fault("fill", int(frames[worst]), beat.id, f"{len(beat.focus)} blocks",
                             f"area {fill[worst, 0]:.0%} < {FILL_AREA:.0%} or span {fill[worst, 1]:.0%} < {FILL_SPAN:.0%}"))
        kinds = ESSENTIAL.get(beat.shot, ())
        if not kinds:
            continue
        mid = frames[len(frames) // 2: len(frames) // 2 + 1]
        framed = in_frame(spec, beat.focus, aspect, mid[0])          # a pan shows its blocks in turn
        need = [i for i, l in enumerate(spec.labels) if l.kind in kinds and l.block in framed]
        if not need:
            continue
        seen, faults, _, _ = evaluate(texts, spec.blocks + spec.solids, spec.camera, spec.captions,
                                      spec.title_cards, aspect, mid)
        drawn = seen[0] & ~np.any([f[0] for f in faults.values()], axis=0)
        for i in need:
            if not drawn[i]:
                l = spec.labels[i]
                out.append(Fault("essential", int(mid[0]), beat.id, f"{l.kind} {l.text.get('en')!r}",
                                 f"of {l.block} not legible in a {beat.shot}"))
    return out


def caption_faults(spec: SceneSpec, aspect) -> list[Fault]:
    """Each block a beat's caption talks about is in the frame and lit: at the moment it starts lighting
    if that falls within the caption (the camera follows the data), else at the caption's midpoint, when it
    must be lit already (or shown whole by a preview)."""
    out = []
    for beat in spec.beats:
        blocks = subjects(spec, beat.shows)
        if not blocks:
            continue
        mid = float((beat.first_frame + beat.last_frame) // 2)
        none = np.zeros(0)                                  # a solid (a model to scale) is never lit: it is
        during = [b.lights_between(beat.first_frame, beat.last_frame) if hasattr(b, "t_on") else none
                  for b in blocks]                          # seen at the caption's midpoint, shown whole
        first = [(float(b.reveal_frames[0]) if b.reveal_frames.size else np.inf) if hasattr(b, "t_on") else -np.inf
                 for b in blocks]
        when = np.array([float(t.min()) if t.size else mid for t in during])      # starts lighting, or mid
        xy, _ = seen_boxes(blocks, Cameras(spec.camera, when), aspect, when)
        for i, (b, rect) in enumerate(zip(blocks, safe_rects(spec, aspect, when))):
            f, box = when[i], xy[i, i]                  # block i at its own moment
            shown = not b.visible or any(a <= f <= z for a, z in b.visible)
            lit = first[i] <= f or any(a <= f <= z for a, z in getattr(b, "preview", ()))
            if not (shown and box[4] > 0 and in_view(box, rect)):
                out.append(Fault("caption", int(f), beat.id, b.id, "not in the frame"))
            elif not lit:
                out.append(Fault("caption", int(f), beat.id, b.id, "not lit"))
    return out


def check_frames(spec: SceneSpec, step: int = STEP) -> list[Fault]:
    """Every fault of the picture's rules in `spec`, seen in the aspect its camera was planned for."""
    aspect = tuple(spec.meta.aspect)
    frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, step, dtype=np.float64)
    return text_faults(spec, aspect, frames) + shot_faults(spec, aspect) + caption_faults(spec, aspect)


def union_share(boxes: np.ndarray, rect, grid: int = COVER_GRID) -> float:
    """Share of `rect` (x0, x1, y0, y1) that the union of `boxes` [B, 4+] (x0, x1, y0, y1) covers, measured on
    a grid x grid raster of cell centres (boxes summed into a difference array: O(B + grid²))."""
    x0, x1, y0, y1 = rect
    if not len(boxes) or x1 <= x0 or y1 <= y0:
        return 0.0
    b = np.asarray(boxes, dtype=np.float64)[:, :4]
    # the first and one-past-last cell whose centre each box covers, along x and y
    ix = np.clip(np.ceil((b[:, :2] - x0) / (x1 - x0) * grid - 0.5), 0, grid).astype(int)
    iy = np.clip(np.ceil((b[:, 2:] - y0) / (y1 - y0) * grid - 0.5), 0, grid).astype(int)
    ix[:, 1] = np.clip(np.floor((b[:, 1] - x0) / (x1 - x0) * grid - 0.5) + 1, 0, grid)
    iy[:, 1] = np.clip(np.floor((b[:, 3] - y0) / (y1 - y0) * grid - 0.5) + 1, 0, grid)
    ok = (ix[:, 1] > ix[:, 0]) & (iy[:, 1] > iy[:, 0])
    diff = np.zeros((grid + 1, grid + 1), dtype=np.int64)
    np.add.at(diff, (iy[ok, 0], ix[ok, 0]), 1)
    np.add.at(diff, (iy[ok, 0], ix[ok, 1]), -1)
    np.add.at(diff, (iy[ok, 1], ix[ok, 0]), -1)
    np.add.at(diff, (iy[ok, 1], ix[ok, 1]), 1)
    return float((diff.cumsum(0).cumsum(1)[:grid, :grid] > 0).mean())


def cover(spec: SceneSpec, step: int = 2 * STEP) -> dict[str, float]:
    """Beat id -> the median share of the safe area (above the caption band) that the blocks drawn cover
    at its settled frames: how much of the picture holds something, whatever the subject. Not a rule
    (the sort film's whole-model shots of its sparse wall hold about a tenth), a measure to improve."""
    aspect = tuple(spec.meta.aspect)
    blocks = spec.blocks + spec.solids
    out = {}
    for beat in spec.beats:
        frames = settled(spec, beat)[::max(1, step // STEP)]
        if not len(frames) or not blocks:
            continue
        cams = Cameras(spec.camera, frames)
        xy, on = block_screen(blocks, cams, aspect, frames, rows=np.ones(len(frames), bool), pieces=True, cull=True)
        shares = [union_share(xy[k, on[k] & (xy[k, :, 4] > 0)], rect)
                  for k, rect in enumerate(safe_rects(spec, aspect, frames))]
        out[beat.id] = float(np.median(shares))
    return out


def summary(faults: list[Fault]) -> dict[str, int]:
    """{rule: count}, in the order the rules first occur."""
    return dict(Counter(f.rule for f in faults))

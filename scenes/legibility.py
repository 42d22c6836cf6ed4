"""The legibility rules for texts in the picture, frame by frame, and the level of detail that follows them.

A text is drawn in a frame only when, seen through that frame's camera, it is
- large enough: its cap height is at least MIN_CAP of the frame's short side (16 px at 1080p; the focus
  moments' numbers MIN_VALUE_CAP), and a section heading at most MAX_SECTION_CAP;
- inside the title-safe area (TITLE_SAFE in from every edge), clear of the caption band and title cards;
- clear of every block's cells and of every text drawn before it (sections, then block titles, token
  letters, formal names and axis tags; larger first).
A text wholly outside the frame is simply not seen. `plan_lod` hides every label in the frames where it
breaks a rule (tensor names and axis tags then appear in close-ups, titles in medium shots, section names in
wide ones); `frame_check.py` measures the same rules on a finished SceneSpec.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.camera import box_corners, caption_band_top, caption_lines
from llmreel.scenes.cards import card_rect
from llmreel.scenes.cull import Parts, Spheres, in_view, split
from llmreel.scenes.geometry import label_bounds, value_text_bounds
from llmreel.scenes.screen import (CAP, TITLE_SAFE, Cameras, box_screen, heights, inside, moved_boxes, outside,
                                   overlaps, slides_at)
from llmreel.scenes.spec import Block, Caption, Label, TitleCard, ValueText

MIN_CAP = 0.015                 # every text's cap height, fraction of the frame's short side
MIN_VALUE_CAP = 0.04            # focus-moment numbers (q·k / √A = −1.38)
MAX_SECTION_CAP = 0.06          # a section heading larger than this would shout over a close-up: wide shots only
LOD_FRAMES = 32                 # frames plan_lod measures at once (each measures the texts any of them may see)
SUB_PIECES = 16                 # parts a long block's piece reaching past the frame is measured in again (on_cells),
SUB_DEPTH = 2                   # ... and a part still past it and hit, again, so many times at most
MIN_RUN = 0.4                   # seconds: a label shown for less than this is not shown at all (no flicker)
PRIORITY = {"section": 0, "title": 1, "value": 2, "formal": 3, "dim": 4}
# the labels of its subject's blocks a shot of each kind must show (the rest is detail, shown if it fits)
ESSENTIAL = {"establishing": (), "medium": ("title",), "close-up": ("title", "formal", "dim"), "insert": ("title",)}
EPS = 1e-3                      # frame fractions: a text framed right on the safe edge is inside
SAFE = (TITLE_SAFE, 1 - TITLE_SAFE, TITLE_SAFE, 1 - TITLE_SAFE)


def intervals_mask(intervals, frames: np.ndarray) -> np.ndarray:
    """[F] bool: frames inside any inclusive interval (empty list: every frame)."""
    if not intervals:
        return np.ones(len(frames), dtype=bool)
    m = np.zeros(len(frames), dtype=bool)
    for a, b in intervals:
        m |= (frames >= a) & (frames <= b)
    return m


def mask_intervals(mask: np.ndarray, frames: np.ndarray) -> list[tuple[float, float]]:
    """Inverse of intervals_mask over consecutive integer `frames`."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return [(float(frames[a]), float(frames[b - 1])) for a, b in zip(edges[::2], edges[1::2])]


def band_tops(captions: list[Caption], cards: list[TitleCard], frames: np.ndarray,
              aspect) -> tuple[np.ndarray, np.ndarray]:
    """([F] the caption band's top per frame, as a frame fraction, 0 when none; [F] whether a title card
    shows, over cards.card_rect)."""
    top = np.zeros(len(frames))
    for c in captions:
        lines = max((caption_lines(t, aspect) for t in c.text.values() if t), default=0)
        if lines:
            sel = (frames >= c.first_frame) & (frames <= c.last_frame)
            top[sel] = np.maximum(top[sel], caption_band_top(aspect, lines))
    card = np.zeros(len(frames), dtype=bool)
    for c in cards:
        card |= (frames >= c.frames[0]) & (frames <= c.frames[1])
    return top, card


class Texts:
    """Labels and value texts as one set: their world corners, baselines, cap lengths and priorities."""

    def __init__(self, labels: list[Label], values: list[ValueText] = ()):
        self.labels, self.values = labels, list(values)
        bounds = [label_bounds(l) for l in labels] + [value_text_bounds(v) for v in self.values]
        lo, hi = (np.array([b[i] for b in bounds], dtype=np.float64).reshape(-1, 1, 3) for i in (0, 1))
        self.corners = box_corners(lo, hi)                                           # [N, 8, 3]
        self.anchor = np.array([l.location for l in labels] + [v.location for v in self.values]).reshape(-1, 3)
        self.size = np.array([l.size for l in labels] + [v.size for v in self.values], dtype=np.float64)
        self.cap = CAP * self.size
        self.rotation = np.array([l.rotation for l in labels] + [0.0] * len(self.values), dtype=np.float64)
        self.is_value = np.r_[np.zeros(len(labels), bool), np.ones(len(self.values), bool)]
        self.is_section = np.r_[[l.kind == "section" for l in labels], np.zeros(len(self.values), bool)].astype(bool)
        self.priority = np.array([PRIORITY.get(l.kind, 5) for l in labels] + [-1] * len(self.values), float)
        self.order = np.lexsort((-self.size, self.priority))   # value texts, sections, titles, ...; larger first
        self.moving = np.array([i for i, l in enumerate(labels) if l.slide], dtype=int)   # sticky titles
        self._spheres = None

    def __len__(self) -> int:
        return len(self.cap)

    def take(self, cols: np.ndarray) -> "Texts":
        """The texts `cols` (sorted indices) as a set of their own (arrays sliced, nothing measured again)."""
        sub, n = object.__new__(Texts), len(self.labels)
        sub.labels = [self.labels[i] for i in cols[cols < n]]
        sub.values = [self.values[i - n] for i in cols[cols >= n]]
        for name in ("corners", "anchor", "size", "cap", "rotation", "is_value", "is_section", "priority"):
            setattr(sub, name, getattr(self, name)[cols])
        sub.order = np.lexsort((-sub.size, sub.priority))
        sub.moving = np.flatnonzero(np.isin(cols, self.moving))
        sub._spheres = None
        return sub

    @property
    def spheres(self) -> Spheres:
        """cull.Spheres of the texts' boxes where they stand."""
        if self._spheres is None:
            self._spheres = Spheres(self.corners)
        return self._spheres

    def moved(self, cams: Cameras, aspect) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The moving texts (M = len(self.moving)) at each of `cams`: ([K, M] where their keys (Label.slide)
        move or scale them, [K, M, 5] screen boxes and [K, M] cap heights there; elsewhere NaN: they stand
        where they are). Measured only in those frames (a title rides in a few shots of the film)."""
        k, m = len(cams), len(self.moving)
        boxes, caps = np.full((k, m, 5), np.nan), np.full((k, m), np.nan)
        active, off, sc = self.riding(cams.frames)
        rows, cols = active.any(1), np.flatnonzero(active.any(0))
        if cols.size:
            i = self.moving[cols]
            b, c = moved_boxes(self.corners[i], self.anchor[i], self.cap[i], off[rows][:, cols], sc[rows][:, cols],
                               cams.take(rows), aspect)
            sub = np.ix_(np.flatnonzero(rows), cols)
            boxes[sub], caps[sub] = b, c
        return active, boxes, caps

    def riding(self, frames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """([K, M] where the moving texts' keys move or scale them, [K, M, 3] their offsets, [K, M] scales)."""
        off, sc = slides_at([self.labels[n].slide for n in self.moving], frames)
        return (off != 0).any(-1) | (sc != 1), off, sc

    def screen(self, cams: Cameras, aspect) -> tuple[np.ndarray, np.ndarray]:
        """([K, N, 5] screen boxes, [K, N] cap heights) of every text at `cams`, the moving ones where their
        keys put them."""
        cap = heights(self.anchor, self.cap, cams, aspect, self.rotation)
        boxes = box_screen(self.corners, cams, aspect)
        active, mbox, mcap = self.moved(cams, aspect)
        boxes[:, self.moving] = np.where(active[..., None], mbox, boxes[:, self.moving])
        cap[:, self.moving] = np.where(active, mcap, cap[:, self.moving])
        return boxes, cap

    def shown(self, frames: np.ndarray) -> np.ndarray:
        """[F, N] the texts' own visibility (label intervals, value text frames)."""
        cols = [intervals_mask(l.visible, frames) for l in self.labels]
        cols += [(frames >= v.frames[0]) & (frames <= v.frames[1]) for v in self.values]
        return np.stack(cols, 1) if cols else np.zeros((len(frames), 0), bool)


def block_screen(blocks: list[Block] | Parts, cams: Cameras, aspect, frames, rows: np.ndarray | None = None,
                 pieces: bool = False, cull: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """[K, B, 5] projected cell boxes of every block (only in the frames `rows` [K], if given) and [K, B]
    whether each is shown. `pieces`: a block more than cull.LONG times longer than wide (a vocabulary-long
    column of logits) is measured as pieces along its length, [K, P, 5] and [K, P]: the projected box of a
    long straight block seen at an angle spans the frame from its near end to the far one's vanishing
    point, far more than its cells cover. `cull` (with `rows`): only boxes shown and not wholly outside
    the camera's view are measured (`in_view`); the others read screen.NOWHERE (behind the camera)."""
    parts = blocks if isinstance(blocks, Parts) else block_parts(blocks, pieces)
    shown = parts.shown(frames)
    need = None if rows is None else np.broadcast_to(rows[:, None], shown.shape)
    if need is not None and cull:
        need = need & shown
        look = need.any(1)
        need[look] &= in_view(parts.spheres, cams.take(look), aspect)
    corners = parts.corners
    return box_screen(corners, cams, aspect, need), shown


_PARTS: list = []


def block_parts(blocks: list[Block], pieces: bool) -> Parts:
    """The cull.Parts of `blocks` (a long block in pieces if `pieces`), kept for the last list asked about
    (the frame check measures the same blocks again and again)."""
    key = (tuple(map(id, blocks)), pieces)
    if not _PARTS or _PARTS[0][0] != key or not _PARTS[0][1].same(blocks):
        _PARTS[:] = [(key, Parts(blocks, pieces))]
    return _PARTS[0][1]


def rule_faults(texts: Texts, cap: np.ndarray, boxes: np.ndarray, blocks: list[Block], cams: Cameras,
                frames: np.ndarray, band_top: np.ndarray, card: np.ndarray,
                seen: np.ndarray, aspect, strict: float = 1.0) -> dict[str, np.ndarray]:
    """Per rule, [K, N]: seen texts that break it in each frame if drawn (the overlap between texts is
    left to `resolve`). `cap` [K, N] are the texts' cap heights and `boxes` [K, N, 5] their screen boxes."""
    small = np.where(texts.is_value, cap < MIN_VALUE_CAP * strict, cap < MIN_CAP * strict) & seen
    large = texts.is_section & (cap > MAX_SECTION_CAP / strict) & seen
    pad = EPS - (strict - 1) / 10                   # planning keeps a little inside the rule's own edges
    edge = seen & ~inside(boxes, (SAFE[0] - pad, SAFE[1] + pad, SAFE[2] - pad, SAFE[3] + pad))
    y0, y1 = card_rect(aspect)[2:]
    on_card = card[:, None] & (boxes[..., 2] < y1) & (boxes[..., 3] > y0)
    band = seen & ((boxes[..., 2] < band_top[:, None] + (strict - 1) / 10) | on_card)
    # cells only where nothing else failed: the [pairs, blocks] test is the costly one; the blocks are
    # measured only in those frames, and there only the ones shown and in view (a close-up of GPT-2 has a
    # few dozen of its thousands)
    pending = seen & ~small & ~large & ~edge & ~band
    rows = pending.any(1)
    cells = np.zeros_like(seen)
    if rows.any():
        parts = blocks if isinstance(blocks, Parts) else block_parts(blocks, True)
        blocks_xy, blocks_on = block_screen(parts, cams, aspect, frames, rows=rows, cull=True)
        live = blocks_on & (blocks_xy[..., 4] > 0)                                  # [K, B]
        for k in np.flatnonzero(rows & live.any(1)):
            nn = np.flatnonzero(pending[k])
            cells[k, nn] = on_cells(boxes[k, nn], parts, np.flatnonzero(live[k]), blocks_xy[k],
                                    cams.take(slice(k, k + 1)), aspect)
    return {"small": small, "large": large, "edge": edge, "band": band, "cells": cells}


def on_cells(text_boxes: np.ndarray, parts: Parts, idx: np.ndarray, xy: np.ndarray, cam: Cameras, aspect) -> np.ndarray:
    """[n] whether each of `text_boxes` [n, 5] covers cells of the boxes `idx` of `parts` (screen boxes `xy`
    [P, 5] in the one frame of `cam`). A block (or a piece of a long one) reaching past the frame is measured
    again in SUB_PIECES parts, and a part still past it, again: its box, widened by the perspective of ends
    far outside the frame, covers much more than its cells (a text beside a vocabulary-long column, or
    GPT-2's 3,072-row GELU, clear of it by 3% of the frame, read as on it)."""
    hit = overlaps(text_boxes, xy[idx])                                           # [n, b]
    for j in np.flatnonzero(_past(xy[idx]) & hit.any(0)):
        c = parts.corners[idx[j]]
        pieces, hit_j = [(c.min(0), c.max(0))], np.zeros(len(text_boxes), bool)
        for depth in range(SUB_DEPTH):      # a part still reaching past the frame and hit is measured again
            pieces = [q for lo, hi in pieces for q in split(lo, hi, SUB_PIECES)]
            sub = box_screen(np.array([box_corners(lo, hi) for lo, hi in pieces]), cam, aspect)[0]
            front = sub[:, 4] > 0
            pieces, sub = [q for q, f in zip(pieces, front) if f], sub[front]
            got = overlaps(text_boxes, sub)                                       # [n, pieces]
            again = got.any(0) & _past(sub) & (depth < SUB_DEPTH - 1)
            hit_j |= got[:, ~again].any(1)
            pieces = [q for q, a in zip(pieces, again) if a]
            if not pieces:
                break
        hit[:, j] = hit_j
    return hit.any(1)


def _past(box: np.ndarray) -> np.ndarray:
    """[P] whether each screen box [P, 4+] reaches past the frame on some side."""
    return (box[:, 0] < 0) | (box[:, 1] > 1) | (box[:, 2] < 0) | (box[:, 3] > 1)


def resolve(boxes: np.ndarray, candidate: np.ndarray, order: np.ndarray) -> np.ndarray:
    """[K, N] candidates -> [K, N] drawn: in `order`, a text that overlaps one already drawn is dropped."""
    drawn = candidate.copy()
    for k in range(len(boxes)):
        idx = order[candidate[k, order]]
        if len(idx) < 2:
            continue
        hit = overlaps(boxes[k, idx], boxes[k, idx])
        np.fill_diagonal(hit, False)
        if not hit.any():
            continue
        keep = np.ones(len(idx), dtype=bool)
        for i in np.flatnonzero(hit.any(1)):
            if keep[i]:
                later = hit[i].copy()
                later[: i + 1] = False
                keep &= ~later
        drawn[k, idx[~keep]] = False
    return drawn


def evaluate(texts: Texts, blocks: list[Block], camera, captions, cards, aspect, frames: np.ndarray,
             strict: float = 1.0, drawn_only: bool = False, cams: Cameras | None = None,
             shown: np.ndarray | None = None, look: np.ndarray | None = None):
    """(seen [K, N]: shown and not wholly off screen, faults {rule: [K, N]}, drawn [K, N]) at `frames`.
    `drawn_only` skips measuring texts too small to be drawn (their seen and faults then read False).
    `cams`, `shown` (texts.shown) and `look` (`seeable`) at `frames` may be given when already known."""
    cams = Cameras(camera, frames) if cams is None else cams
    shown = texts.shown(frames) if shown is None else shown.copy()
    moving, (active, mbox, mcap) = texts.moving, texts.moved(cams, aspect)     # sticky titles where they ride
    shown &= seeable(texts, cams, aspect, active) if look is None else look
    cap = heights(texts.anchor, texts.cap, cams, aspect, texts.rotation, need=shown)
    cap[:, moving] = np.where(active, mcap, cap[:, moving])
    if drawn_only:
        shown &= texts.is_value | (cap >= MIN_CAP * strict)
    boxes = box_screen(texts.corners, cams, aspect, shown)
    boxes[:, moving] = np.where((active & shown[:, moving])[..., None], mbox, boxes[:, moving])
    seen = shown & ~outside(boxes) & (boxes[..., 4] > 0)
    top, card = band_tops(captions, cards, frames, aspect)
    faults = rule_faults(texts, cap, boxes, blocks, cams, frames, top, card, seen, aspect, strict)
    ok = seen & ~np.any(list(faults.values()), axis=0)
    ok[:, texts.is_value] = seen[:, texts.is_value]        # value texts are drawn whenever shown: no LOD
    return seen, faults, resolve(boxes, ok, texts.order), boxes


def seeable(texts: Texts, cams: Cameras, aspect, active: np.ndarray | None = None) -> np.ndarray:
    """[K, N]: the texts that may be in view (cull.in_view), and the riding ones where their keys move them
    (`active`, texts.riding): a text wholly out of view is not seen, nor measured."""
    look = in_view(texts.spheres, cams, aspect)
    look[:, texts.moving] |= texts.riding(cams.frames)[0] if active is None else active
    return look


def plan_lod(labels: list[Label], values: list[ValueText], blocks: list[Block], camera, captions, cards, aspect,
             start: int, end: int, fps: int, step: int = 3) -> None:
    """Set (in place) each label's visible frames to those where it is legible and clear (the rules above),
    within its own visible frames, clear of the focus moments' value texts (always drawn); runs shorter than
    MIN_RUN are dropped so nothing flickers. Measured every `step` frames and around every cut, caption and
    card; a frame between two samples draws a label only if both do."""
    if not camera or not labels:
        return
    frames = np.arange(start, end + 1, dtype=np.float64)
    # every `step` frames, and every frame around a cut, a caption or a card coming or going
    edges = [c.first_frame for c in captions] + [c.last_frame for c in captions]
    edges += [f for c in cards for f in c.frames]
    near = np.add.outer(np.asarray(edges, dtype=np.float64), np.arange(-2.0, 3.0)).ravel()
    sampled = np.unique(np.r_[frames[::step], frames[-1], near[(near >= start) & (near <= end)]])
    texts = Texts(labels, values)
    # a few dozen frames at a time, each measuring only the texts that may be in view in one of them (a
    # close-up of GPT-2 sees a few per cent of its ~10,000), a little stricter than the rule, so frames
    # between samples keep to it while the camera moves
    cams = Cameras(camera, sampled)
    shown = texts.shown(sampled) & seeable(texts, cams, aspect)
    drawn_s, parts = np.zeros(shown.shape, dtype=bool), Parts(blocks, pieces=True)
    for a in range(0, len(sampled), LOD_FRAMES):
        r = slice(a, a + LOD_FRAMES)
        cols = np.flatnonzero(shown[r].any(0))
        if cols.size:
            sub = shown[r][:, cols]
            drawn_s[r, cols] = evaluate(texts.take(cols), parts, camera, captions, cards, aspect, sampled[r],
                                        strict=1.06, drawn_only=True, cams=cams.take(r), shown=sub, look=sub)[2]
    ever = np.flatnonzero(drawn_s[:, :len(labels)].any(0))               # the labels drawn somewhere
    drawn_s = drawn_s[:, ever]
    # the samples at or after and at or before each frame (the first and last frames are samples)
    drawn = drawn_s[np.searchsorted(sampled, frames, "left")] & drawn_s[np.searchsorted(sampled, frames, "right") - 1]
    shortest = max(1, int(round(MIN_RUN * fps)))
    for l in labels:
        l.visible = [(float(end + 1), float(end + 1))]                  # empty would mean "always"
    for j, i in enumerate(ever):
        runs = [(a, b) for a, b in mask_intervals(drawn[:, j], frames) if b - a + 1 >= shortest]
        labels[i].visible = runs or labels[i].visible

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

from llmreel.scenes.camera import box_corners, caption_band_top, caption_lines, half_extents
from llmreel.scenes.cards import card_rect
from llmreel.scenes.geometry import label_bounds, value_text_bounds
from llmreel.scenes.screen import (CAP, CHUNK, TITLE_SAFE, Cameras, box_screen, heights, inside, moved_boxes,
                                   outside, overlaps, project, slide_values)
from llmreel.scenes.spec import Block, Caption, Label, TitleCard, ValueText

MIN_CAP = 0.015                 # every text's cap height, fraction of the frame's short side
MIN_VALUE_CAP = 0.04            # focus-moment numbers (q·k / √A = −1.38)
MAX_SECTION_CAP = 0.06          # a section heading larger than this would shout over a close-up: wide shots only
LOD_PAIRS = 1 << 21             # (frame, text) pairs plan_lod measures at once (bounds its working memory)
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
        self.corners = np.array([box_corners(*b) for b in bounds]).reshape(-1, 8, 3)
        self.anchor = np.array([l.location for l in labels] + [v.location for v in self.values]).reshape(-1, 3)
        sizes = np.array([l.size for l in labels] + [v.size for v in self.values], dtype=np.float64)
        self.cap = CAP * sizes
        self.rotation = np.array([l.rotation for l in labels] + [0.0] * len(self.values), dtype=np.float64)
        self.is_value = np.r_[np.zeros(len(labels), bool), np.ones(len(self.values), bool)]
        self.is_section = np.r_[[l.kind == "section" for l in labels], np.zeros(len(self.values), bool)].astype(bool)
        self.priority = np.array([PRIORITY.get(l.kind, 5) for l in labels] + [-1] * len(self.values), float)
        self.order = np.lexsort((-sizes, self.priority))     # value texts, sections, titles, ...; larger first
        self.moving = np.array([i for i, l in enumerate(labels) if l.slide], dtype=int)   # sticky titles

    def moved(self, cams: Cameras, aspect) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The moving texts (M = len(self.moving)) at each of `cams`: ([K, M] where their keys (Label.slide)
        move or scale them, [K, M, 5] screen boxes and [K, M] cap heights there; elsewhere NaN: they stand
        where they are). Measured only in those frames (a title rides in a few shots of the film)."""
        k, m = len(cams), len(self.moving)
        boxes, caps = np.full((k, m, 5), np.nan), np.full((k, m), np.nan)
        moves = [slide_values(self.labels[n].slide, cams.frames) for n in self.moving]
        if not moves:
            return np.zeros((k, 0), bool), boxes, caps
        off, sc = np.stack([o for o, _ in moves], 1), np.stack([c for _, c in moves], 1)
        active = (off != 0).any(-1) | (sc != 1)
        rows, cols = active.any(1), np.flatnonzero(active.any(0))
        if cols.size:
            i = self.moving[cols]
            b, c = moved_boxes(self.corners[i], self.anchor[i], self.cap[i], off[rows][:, cols], sc[rows][:, cols],
                               cams.take(rows), aspect)
            sub = np.ix_(np.flatnonzero(rows), cols)
            boxes[sub], caps[sub] = b, c
        return active, boxes, caps

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


def block_screen(blocks: list[Block], cams: Cameras, aspect, frames, rows: np.ndarray | None = None,
                 pieces: bool = False, cull: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """[K, B, 5] projected cell boxes of every block (only in the frames `rows` [K], if given) and [K, B]
    whether each is shown. `pieces`: a block more than LONG times longer than wide (a vocabulary-long
    column of logits) is measured as pieces along its length, [K, P, 5] and [K, P]: the projected box of a
    long straight block seen at an angle spans the frame from its near end to the far one's vanishing
    point, far more than its cells cover. `cull` (with `rows`): only boxes shown and not wholly outside
    the camera's view are measured (`in_view`); the others read screen.NOWHERE (behind the camera)."""
    corners, owner = block_parts(blocks, pieces)
    shown = np.stack([intervals_mask(b.visible, frames) for b in blocks], 1)[:, owner]
    need = None if rows is None else np.broadcast_to(rows[:, None], shown.shape)
    if need is not None and cull:
        need = need & shown
        need[need.any(1)] &= in_view(corners, cams.take(need.any(1)), aspect)
    return box_screen(corners, cams, aspect, need), shown


def in_view(corners: np.ndarray, cams: Cameras, aspect) -> np.ndarray:
    """[K, P]: whether some of each box (world corners [P, 8, 3]) may lie inside the camera's view, tested on
    the sphere around it: False only when the sphere lies wholly beyond one side of the view or wholly
    behind the camera (then every corner projects outside the frame, or behind). Conservative: one
    projected point a box instead of eight."""
    centre = corners.mean(axis=1)                                                   # [P, 3]
    radius = np.linalg.norm(corners - centre[:, None], axis=2).max(axis=1)          # [P]
    out = np.empty((len(cams), len(centre)), dtype=bool)
    for a in range(0, len(cams), CHUNK):
        sub = cams.take(slice(a, a + CHUNK))
        p = project(sub, centre, aspect).astype(np.float64)                        # [k, P, 3]
        z = p[..., 2]
        slack = radius * 1.001 + 1e-4 * (1.0 + np.abs(z))                         # float32 projection
        t = np.array([half_extents(float(x), aspect) for x in sub.lens])            # [k, 2]
        ok = z > -slack
        for axis in (0, 1):
            tt = t[:, axis:axis + 1]
            c = (p[..., axis] - 0.5) * 2.0 * tt * z                                 # camera-space x or y
            reach = slack * np.sqrt(1.0 + tt * tt)
            ok &= (c - tt * z <= reach) & (-c - tt * z <= reach)
        out[a:a + CHUNK] = ok | ~np.isfinite(p).all(axis=2)                        # at the eye: measured
    return out


_PARTS: dict = {}


def block_parts(blocks: list[Block], pieces: bool) -> tuple[np.ndarray, np.ndarray]:
    """([P, 8, 3] world corners, [P] owning block) of the boxes block_screen measures: one per block, or
    with `pieces` a long block's pieces. Kept for the last list of blocks asked about (plan_lod measures
    the same blocks chunk after chunk of frames)."""
    key = (tuple(map(id, blocks)), tuple(tuple(b.bounds()[0]) + tuple(b.bounds()[1]) for b in blocks), pieces)
    if key not in _PARTS:
        parts = [[(lo, hi) for lo, hi in _pieces(*b.bounds(), LONG if pieces else np.inf)] for b in blocks]
        corners = np.array([box_corners(lo, hi) for p in parts for lo, hi in p]).reshape(-1, 8, 3)
        owner = np.array([i for i, p in enumerate(parts) for _ in p], dtype=np.intp)
        _PARTS.clear()
        _PARTS[key] = corners, owner
    return _PARTS[key]


LONG = 300.0         # a block longer than this many widths is measured in pieces (block_screen): a
                     # vocabulary-long column; nano-gpt's longest (a 192-row bias, 228 widths) stays whole
PIECE = 16.0         # widths a piece is long
MAX_PIECES = 256


def _pieces(lo, hi, long: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The box lo..hi, if more than `long` widths long, cut along its longer wall axis (x or z) into pieces
    PIECE widths long (at most MAX_PIECES)."""
    size = np.asarray(hi, float) - np.asarray(lo, float)
    a, b = (0, 2) if size[0] >= size[2] else (2, 0)
    widths = size[a] / max(size[b], 1e-9)
    if widths <= long:
        return [(np.asarray(lo, float), np.asarray(hi, float))]
    n = int(min(MAX_PIECES, np.ceil(widths / PIECE)))
    if n <= 1:
        return [(np.asarray(lo, float), np.asarray(hi, float))]
    edges = np.linspace(lo[a], hi[a], n + 1)
    out = []
    for u, v in zip(edges[:-1], edges[1:]):
        pl, ph = np.array(lo, float), np.array(hi, float)
        pl[a], ph[a] = u, v
        out.append((pl, ph))
    return out


def rule_faults(texts: Texts, cap: np.ndarray, boxes: np.ndarray, blocks_xy: np.ndarray,
                blocks_on: np.ndarray, band_top: np.ndarray, card: np.ndarray,
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
    # cells only where nothing else failed: the [pairs, blocks] test is the costly one
    # per frame, against only the blocks shown and in front of the camera there (a close-up of GPT-2 has a
    # few dozen of its thousands)
    pending = seen & ~small & ~large & ~edge & ~band
    live = blocks_on & (blocks_xy[..., 4] > 0)                                  # [K, B]
    cells = np.zeros_like(seen)
    for k in np.flatnonzero(pending.any(1) & live.any(1)):
        nn = np.flatnonzero(pending[k])
        cells[k, nn] = overlaps(boxes[k, nn], blocks_xy[k, live[k]]).any(1)
    return {"small": small, "large": large, "edge": edge, "band": band, "cells": cells}


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
             shown: np.ndarray | None = None):
    """(seen [K, N]: shown and not wholly off screen, faults {rule: [K, N]}, drawn [K, N]) at `frames`.
    `drawn_only` skips measuring texts too small to be drawn (their seen and faults then read False).
    `cams` and `shown` (texts.shown) at `frames` may be given when already known."""
    cams = Cameras(camera, frames) if cams is None else cams
    shown = texts.shown(frames) if shown is None else shown.copy()
    cap = heights(texts.anchor, texts.cap, cams, aspect, texts.rotation)
    moving, (active, mbox, mcap) = texts.moving, texts.moved(cams, aspect)     # sticky titles where they ride
    cap[:, moving] = np.where(active, mcap, cap[:, moving])
    if drawn_only:
        shown &= texts.is_value | (cap >= MIN_CAP * strict)
    boxes = box_screen(texts.corners, cams, aspect, shown)
    boxes[:, moving] = np.where((active & shown[:, moving])[..., None], mbox, boxes[:, moving])
    seen = shown & ~outside(boxes) & (boxes[..., 4] > 0)
    bxy, bon = block_screen(blocks, cams, aspect, frames, rows=seen.any(1), pieces=True, cull=True)
    top, card = band_tops(captions, cards, frames, aspect)
    faults = rule_faults(texts, cap, boxes, bxy, bon, top, card, seen, aspect, strict)
    ok = seen & ~np.any(list(faults.values()), axis=0)
    ok[:, texts.is_value] = seen[:, texts.is_value]        # value texts are drawn whenever shown: no LOD
    return seen, faults, resolve(boxes, ok, texts.order), boxes


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
    # a little stricter than the rule, so frames between samples keep to it while the camera moves
    # in chunks of frames: a GPT-2 plan holds ~10k texts, and [frames, texts, 5] boxes of the whole film
    # would take gigabytes
    cams, shown = Cameras(camera, sampled), texts.shown(sampled)
    chunk = max(1, LOD_PAIRS // max(1, len(texts.cap)))
    drawn_s = np.concatenate([evaluate(texts, blocks, camera, captions, cards, aspect, sampled[r], strict=1.06,
                                       drawn_only=True, cams=cams.take(r), shown=shown[r])[2][:, :len(labels)]
                              for r in (slice(a, a + chunk) for a in range(0, len(sampled), chunk))])
    # the samples at or after and at or before each frame (the first and last frames are samples)
    after = drawn_s[np.searchsorted(sampled, frames, "left")]
    before = drawn_s[np.searchsorted(sampled, frames, "right") - 1]
    drawn = after & before
    shortest = max(1, int(round(MIN_RUN * fps)))
    for i, l in enumerate(labels):
        runs = [(a, b) for a, b in mask_intervals(drawn[:, i], frames) if b - a + 1 >= shortest]
        l.visible = runs or [(float(end + 1), float(end + 1))]      # empty would mean "always"

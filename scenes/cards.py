"""Title cards stay clean: labels whose text would show around the card's band are hidden while it shows.

The add-on draws a title card on an opaque band across the middle of the frame (hud.CARD_BAND of the
frame height, full width). The camera is still travelling to the chapter's first shot while the card shows, so
the check samples every card frame with the camera interpolated between its keys (linearly: the add-on
eases, hence the margin), and hides a label for the whole card if any sample puts it on the band.
"""
from __future__ import annotations

import functools

import numpy as np

from llmreel.scenes.camera import box_corners, project_many
from llmreel.scenes.geometry import label_bounds
from llmreel.scenes.hud import CARD_BAND
from llmreel.scenes.spec import Beat, CameraKey, Chapter, Label, TitleCard
from llmreel.scenes.storyboard import CHAPTERS, BeatPlan

CARD_MARGIN = 0.04               # kept clear around it, fraction of the frame height


def plan_chapters(spec_beats: list[Beat], beats: list[BeatPlan], fps: int) -> tuple[list[Chapter], list[TitleCard]]:
    """The chapters the story keeps, numbered as in the full story, and a title card opening each
    (2.5 s, at most half the chapter)."""
    chapters, cards = [], []
    for num, (slug, (ten, tko), (sen, sko)) in enumerate(CHAPTERS, start=1):
        mine = [b for b in spec_beats if b.id.startswith(slug + ".")]
        if not mine:
            continue
        tensors = list(dict.fromkeys(t for b in beats if b.chapter == slug for s in b.steps for t in s.tensors))
        ch = Chapter(slug=slug, title={"en": ten, "ko": tko}, first_frame=mine[0].first_frame,
                     last_frame=mine[-1].last_frame, beats=mine, tensors=tensors)
        chapters.append(ch)
        card_len = min(int(round(2.5 * fps)), (ch.last_frame - ch.first_frame + 1) // 2)
        cards.append(TitleCard(chapter=slug, text={"en": f"{num}. {ten}", "ko": f"{num}. {tko}"},
                               subtitle={"en": sen, "ko": sko},
                               frames=(float(ch.first_frame), float(ch.first_frame + card_len - 1))))
    return chapters, cards


def card_rect() -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the frame (0..1) that must stay free of labels during a card."""
    h = CARD_BAND / 2 + CARD_MARGIN
    return 0.0, 1.0, 0.5 - h, 0.5 + h


def camera_at(keys: list[CameraKey], frame: float) -> CameraKey:
    """The camera at `frame`, interpolated linearly between the keys around it (held past the ends)."""
    keys = sorted(keys, key=lambda k: k.frame)
    if frame <= keys[0].frame:
        return keys[0]
    for a, b in zip(keys, keys[1:]):
        if frame <= b.frame:
            t = (frame - a.frame) / max(b.frame - a.frame, 1e-9)
            mix = lambda p, q: tuple(float(x + t * (y - x)) for x, y in zip(p, q))
            return CameraKey(float(frame), mix(a.location, b.location), mix(a.target, b.target),
                             float(a.lens + t * (b.lens - a.lens)))
    return keys[-1]


def on_card_many(corners: np.ndarray, keys: list[CameraKey], aspect) -> np.ndarray:
    """[N, P, 3] label box corners -> [N] whether each projected box touches the card rectangle as seen
    from any of the cameras `keys` (boxes partly behind a camera are not seen there and do not count)."""
    uv = project_many(keys, corners.reshape(-1, 3), aspect).reshape(len(keys), *corners.shape)  # [K, N, P, 3]
    x0, x1, y0, y1 = card_rect()
    # min/max over the few corners as elementwise folds of [K, N] slices: far faster than a reduce
    # over a short strided axis, and this runs for every card frame
    corner = [uv[:, :, p] for p in range(uv.shape[2])]                        # P x [K, N, 3]
    lo, hi = functools.reduce(np.minimum, corner), functools.reduce(np.maximum, corner)   # [K, N, 3]
    hit = (lo[..., 2] > 0) & (lo[..., 0] < x1) & (hi[..., 0] > x0) & (lo[..., 1] < y1) & (hi[..., 1] > y0)
    return hit.any(axis=0)


def label_corners(labels: list[Label]) -> np.ndarray:
    """[N, 8, 3] box corners of each label; [N, 4, 3] when every box is flat in Y (text lies in the wall),
    since the other four corners repeat them."""
    corners = np.array([box_corners(*label_bounds(l)) for l in labels]).reshape(-1, 8, 3)
    if np.all(np.ptp(corners[:, :, 1], axis=1) == 0):
        return corners[:, [0, 1, 4, 5]]                                  # the corners with y = lo.y
    return corners


def subtract(intervals, cut, start: float, end: float) -> list[tuple[float, float]]:
    """Inclusive integer frame intervals (empty = always, i.e. [start, end]) minus the inclusive `cut`."""
    out = []
    for a, b in intervals or [(start, end)]:
        if b < cut[0] or a > cut[1]:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, float(cut[0] - 1)))
        if b > cut[1]:
            out.append((float(cut[1] + 1), b))
    return out or [(float(end + 1), float(end + 1))]        # empty would mean "always": past the last frame


def shown(label: Label, frame: float) -> bool:
    return not label.visible or any(a <= frame <= b for a, b in label.visible)


def shown_during(label: Label, first: float, last: float) -> bool:
    return not label.visible or any(a <= last and b >= first for a, b in label.visible)


def clear_title_cards(labels: list[Label], cards: list[TitleCard], camera: list[CameraKey], aspect,
                      start: float, end: float) -> None:
    """Hide (in place) every label that would touch a card's band during that card."""
    if not camera:
        return
    corners = label_corners(labels)
    for card in cards:
        a, b = int(card.frames[0]), int(card.frames[1])
        seen = np.flatnonzero([shown_during(l, a, b) for l in labels])          # only labels on screen then
        hit = on_card_many(corners[seen], [camera_at(camera, f) for f in range(a, b + 1)], aspect)
        for i in seen[hit]:
            labels[i].visible = subtract(labels[i].visible, (float(a), float(b)), start, end)

"""Chapters and their title cards: each chapter's span, and the card opening it.

The add-on draws a title card on an opaque band across the top of the frame (hud.card_height of the
frame height, full width); `card_rect` is the part of the frame labels keep clear of while it shows
(legibility.py hides them there), and the shot under it frames its subject below (shots.py, easing into the
beat's own shot as the card goes: `under_card`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from llmreel.scenes.hud import card_height
from llmreel.scenes.spec import Beat, CameraKey, Chapter, TitleCard, ValueText
from llmreel.scenes.storyboard import CHAPTERS, BeatPlan

CARD_MARGIN = 0.04               # kept clear around it, fraction of the frame height


def plan_chapters(spec_beats: list[Beat], beats: list[BeatPlan], fps: int) -> tuple[list[Chapter], list[TitleCard]]:
    """The chapters the story keeps, numbered as in the full story, and a title card opening each
    (2.5 s, at most half the chapter); its subtitle the story's own where it gives one."""
    chapters, cards = [], []
    for num, (slug, (ten, tko), (sen, sko)) in enumerate(CHAPTERS, start=1):
        mine = [b for b in spec_beats if b.id.startswith(slug + ".")]
        if not mine:
            continue
        tensors = list(dict.fromkeys(t for b in beats if b.chapter == slug for s in b.steps for t in s.tensors))
        ch = Chapter(slug=slug, title={"en": ten, "ko": tko}, first_frame=mine[0].first_frame,
                     last_frame=mine[-1].last_frame, beats=mine, tensors=tensors)
        chapters.append(ch)
        own = next((b.subtitle for b in beats if b.chapter == slug and b.subtitle), {})   # the story's
        cards.append(TitleCard(chapter=slug, text={"en": f"{num}. {ten}", "ko": f"{num}. {tko}"},
                               subtitle={"en": sen, "ko": sko, **own},
                               frames=card_frames(ch.first_frame, ch.last_frame, fps)))
    return chapters, cards


def card_frames(first: int, last: int, fps: int) -> tuple[float, float]:
    """The frames of the card opening a chapter from `first` to `last`: 2.5 s, at most half the chapter."""
    n = min(int(round(2.5 * fps)), (last - first + 1) // 2)
    return float(first), float(first + n - 1)


def card_rect(aspect) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the frame (0..1, y up) that must stay free of labels during a card."""
    return 0.0, 1.0, 1.0 - card_height(aspect) - CARD_MARGIN, 1.0


def after_cards(values: list[ValueText], cards: list[TitleCard], camera=None, aspect=None) -> None:
    """Value texts wait (in place) for a title card over their first frames to go where the card would
    cover them (numbers are never hidden by level of detail): with `camera` keys, only those whose box
    reaches the card's rect in a frame before it goes (a shot framed below the card shows its number as
    the camera arrives); without, every one."""
    from llmreel.scenes.camera import box_corners
    from llmreel.scenes.geometry import value_text_bounds
    from llmreel.scenes.screen import Cameras, box_screen, overlaps

    for v in values:
        for c in cards:
            if not c.frames[0] <= v.frames[0] <= c.frames[1] < v.frames[1]:
                continue
            if camera is not None:
                frames = np.arange(v.frames[0], c.frames[1] + 1, dtype=np.float64)
                xy = box_screen(np.array([box_corners(*value_text_bounds(v))]), Cameras(camera, frames), aspect)
                if not (overlaps(xy, np.array([card_rect(aspect)]))[:, 0, 0].any() or (xy[:, 0, 4] <= 0).any()):
                    continue
            v.frames = (c.frames[1] + 1, v.frames[1])


CARD_EASE = 1.0        # seconds the camera takes to close in on the shot, ending as the title card goes
CARD_AFTER = 2.0       # seconds the beat must hold its own shot after the card, or it keeps that shot throughout


def under_card(plain: list[CameraKey], carded: list[CameraKey], card_end: float, last: int,
               fps: int, fixed: float = np.inf) -> list[CameraKey]:
    """A beat opened by a title card: the start of its shot framed below the card (`carded`) while the card
    shows, easing into the beat's own shot (`plain`) over the card's last CARD_EASE. A beat too
    short to hold its own shot CARD_AFTER after that keeps it throughout (the card then covers the top of
    it): its subject framed smaller for the whole beat would cost legibility more than the card's 2.5 s."""
    ease = card_end - CARD_EASE * fps
    if card_end > last - CARD_AFTER * fps or ease <= carded[0].frame:
        return plain
    # the card holds the start of the shot below it; the shot's own moves (a pan) run once it has gone
    # (until `fixed`: from then on the keys keep their frames, the camera is on the numbers as they show)
    a, b = plain[0].frame, max(min(fixed, last), card_end)
    later = [k if k.frame >= b else
             replace(k, frame=float(round(card_end + (k.frame - a) * (b - card_end) / max(b - a, 1))))
             for k in plain[1:]]
    return ([carded[0], replace(carded[0], frame=float(ease)), replace(plain[0], frame=float(card_end))]
            + [k for k in later if k.frame > card_end])

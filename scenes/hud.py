"""The HUD: where captions and title cards sit, how big, on what bands; computed once, here (no bpy).

The add-on draws captions and title cards on a plane parented to the camera, at a distance that follows
the lens, so the frame's long side always spans `hud_width` units there. Everything on it is laid out in
that plane's units (x right, y up, the frame's centre at 0). Shot framing (camera.py) keeps subjects
clear of the caption band with the same rules, in units of the frame's long side (width 1).
"""
from __future__ import annotations

import numpy as np

from llmreel.core.options import LANGUAGES
from llmreel.scenes.spec import CameraKey, Caption, CaptionHud, CardHud, Hud, HudBand, HudText, TitleCard
from llmreel.scenes.text_metrics import wrapped_lines

CAPTION_SIZE = 0.03             # caption text size, times the frame's short side / 0.5625 (~32 px at 1080p)
CAPTION_BASE = 0.045            # first baseline above the frame's bottom, fraction of the frame height
CAPTION_WRAP = 0.8              # wrap width, fraction of the frame width: a wide frame's comfortable measure,
CAPTION_WRAP_NARROW = 0.9       # ... and a square or tall one's, out to the title-safe margins (its lines are short)
LINE_HEIGHT = 1.3               # caption line advance, times the text size
CARD_BAND = 0.10                # title-card band at the frame's top: its height, times the frame's short side / 0.5625
BAND_DEPTH = 0.002              # bands sit this far behind their text, x the HUD's unit (hud_unit)
DEPTH_SPAN = 64.0               # camera distances within this factor of the nearest share one HUD depth
OUTLINE = 0.08                  # without bands (transparent stills): outline width, times the text size


def hud_width(camera: list[CameraKey]) -> float:
    """How many units the frame's long side spans in the HUD's plane: the plane sits at a quarter of the
    closest shot's distance to its target, in front of the scene but as far out as that allows, so the
    camera's clip start can sit far out too."""
    near = min((float(np.linalg.norm(np.subtract(k.location, k.target))) for k in camera), default=4.0)
    lens = max((k.lens for k in camera), default=50.0)
    return max(1e-3, 0.25 * near * 36.0 / lens)


def frame_size(width: float, aspect) -> tuple[float, float]:
    """(width, height) of the frame whose long side is `width`."""
    ax, ay = aspect
    return (width, width * ay / ax) if ax >= ay else (width * ax / ay, width)


def caption_size(fw: float, fh: float) -> float:
    return CAPTION_SIZE * min(fw, fh) / 0.5625


def caption_base(fh: float) -> float:
    """The first caption line's baseline (the text's bottom)."""
    return -fh / 2 + CAPTION_BASE * fh


def text_lines(text: str, size: float, wrap: float) -> int:
    """Wrapped line count (word wrap over the fonts' measured advances, text_metrics.py)."""
    return wrapped_lines(text, size, wrap)


def caption_wrap(fw: float, fh: float) -> float:
    """The caption's wrap width: a square or tall frame's text, as large as a wide one's on its short side,
    spans out to the title-safe margins so that it takes fewer lines of the picture."""
    return (CAPTION_WRAP if fw > fh else CAPTION_WRAP_NARROW) * fw


def caption_lines(text: str, fw: float, fh: float) -> int:
    return text_lines(text, caption_size(fw, fh), caption_wrap(fw, fh))


def caption_top(fw: float, fh: float, lines: int) -> float:
    """Top of a caption band of `lines` lines."""
    size = caption_size(fw, fh)
    return caption_base(fh) + lines * size * LINE_HEIGHT + 0.5 * size


def hud_unit(fw: float, fh: float) -> float:
    """The HUD's length unit: its short side over a 16:9 frame's. Depth offsets (a band behind its text)
    scale with it, as the HUD's distance from the camera does: a fixed offset at GPT-2's far HUD (11 times
    nano's) fell inside the depth buffer's precision and the band showed through its caption's letters."""
    return min(fw, fh) / 0.5625


def caption_hud(text: str, fw: float, fh: float) -> CaptionHud:
    size = caption_size(fw, fh)
    lines = caption_lines(text, fw, fh)
    top = caption_top(fw, fh, lines)
    return CaptionHud(
        lines=lines,
        text=HudText(location=(0.0, caption_base(fh), 0.0), size=size, align="center", align_y="BOTTOM",
                     wrap=caption_wrap(fw, fh), color="text"),
        band=HudBand(location=(0.0, (top - fh / 2 - 0.02 * fh) / 2, -BAND_DEPTH * hud_unit(fw, fh)),
                     size=(fw * 1.05, top + fh / 2 + 0.02 * fh), color="background"))


def card_height(aspect) -> float:
    """The title card's band height as a fraction of the frame height."""
    ax, ay = aspect
    return CARD_BAND * min(ax / ay, 1.0) / 0.5625


def card_hud(fw: float, fh: float) -> CardHud:
    """A title card: a band across the frame's top, the chapter's title and, under it, its subtitle; the
    shot under it frames its subject below the band (shots.py), so the card names what is seen."""
    unit = hud_unit(fw, fh)
    h, top = CARD_BAND * unit, fh / 2
    return CardHud(
        band=HudBand(location=(0.0, top - h / 2 + 0.01 * fh, -BAND_DEPTH * unit), size=(fw * 1.02, h + 0.02 * fh)),
        title=HudText(location=(0.0, top - 0.053 * unit, 0.0), size=0.043 * unit, color="text"),
        subtitle=HudText(location=(0.0, top - 0.085 * unit, 0.0), size=0.022 * unit, color="accent"))


def unbanded(layout, depth: float):
    """`layout` (CaptionHud or CardHud) for a transparent picture: no band (it would cover the slide), and
    each text outlined in the theme's `outline` colour, halfway to where the band was."""
    layout.band.color = ""
    for text in (getattr(layout, name, None) for name in ("text", "title", "subtitle")):
        if text is not None:
            text.outline, text.outline_width, text.outline_depth = "outline", OUTLINE * text.size, depth / 2
    return layout


def pick(text: dict[str, str], language: str) -> str:
    """The text in `language`, falling back to English (as the add-on shows it)."""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def plan_hud(camera: list[CameraKey], aspect, captions: list[Caption], cards: list[TitleCard],
             bands: bool = True) -> Hud:
    """The HUD of a scene with these camera keys, aspect, captions and title cards; `bands` False (a
    transparent still): texts outlined instead of set on opaque bands."""
    width = hud_width(camera)
    fw, fh = frame_size(width, aspect)
    keys = sorted(camera, key=lambda k: k.frame)
    lens = min((k.lens for k in camera), default=50.0)
    caps = [{lang: caption_hud(pick(c.text, lang), fw, fh) for lang in LANGUAGES} for c in captions]
    card_layouts = [card_hud(fw, fh) for _ in cards]
    if not bands:
        depth = BAND_DEPTH * hud_unit(fw, fh)
        caps = [{lang: unbanded(c, depth) for lang, c in per_lang.items()} for per_lang in caps]
        card_layouts = [unbanded(c, depth) for c in card_layouts]
    m = depth_scale(keys)
    return Hud(width=width, frame=(fw, fh),
               depth=[(float(k.frame), -k.lens / 36.0 * width * f) for k, f in zip(keys, m)],
               clip_start=0.5 * lens / 36.0 * width, captions=caps, cards=card_layouts,
               scale=[(float(k.frame), float(f)) for k, f in zip(keys, m)] if max(m, default=1.0) > 1.0 else [])


def depth_scale(keys: list[CameraKey]) -> list[float]:
    """Per key, how much farther out than its nearest the HUD plane (scaled alike, so captions keep their
    size on screen), the clip range and the background sit: 1 until the camera is DEPTH_SPAN times its
    nearest distance away, then in step with it (a pull-back from nano-gpt to GPT-3 keeps a depth range
    a float depth buffer resolves, so nothing flickers)."""
    dist = [float(np.linalg.norm(np.subtract(k.location, k.target))) for k in keys]
    near = min(dist, default=1.0)
    return [max(1.0, d / (DEPTH_SPAN * near)) for d in dist]

"""Text on the HUD plane in front of the camera: captions on a background band, title cards; without bands
(transparent stills) outlined texts.

    add_captions(spec, hud, coll, language, vis, texts);  add_title_cards(spec, hud, coll, language, vis, texts)

Draws spec.hud as given: every location, size, wrap width and colour is decided in scenes/hud.py.
"""
from __future__ import annotations

import bpy

from llmreel.scenes.hud import pick

from . import compat, keys
from .nodes import flat_material, tag
from .text import make_text


def _band(name, band, theme, parent, coll) -> list:
    """An opaque quad: spec band `band` (HudBand) in its theme colour; none for a band without colour."""
    if not band.color:
        return []
    color = getattr(theme, band.color)
    mesh = tag(bpy.data.meshes.new(name))
    w, h = band.size[0] / 2, band.size[1] / 2
    mesh.from_pydata([(-w, -h, 0), (w, -h, 0), (w, h, 0), (-w, h, 0)], [], [(0, 1, 2, 3)])
    mesh.materials.append(flat_material(color))
    compat.flat_color_attribute(mesh, color)
    obj = tag(bpy.data.objects.new(name, mesh))
    obj.parent, obj.location, obj.color = parent, band.location, (*color, 1.0)
    coll.objects.link(obj)
    return [obj]


def _text(name, body, text, theme, parent, coll, texts) -> list:
    """A text on the HUD plane laid out as spec text `text` (HudText) says, then its outline if it has one:
    the same text grown by `outline_width` in the outline colour, `outline_depth` behind it."""
    options = {"facing_camera_wall": False, "align": text.align, "align_y": text.align_y,
               "wrap_width": text.wrap, "parent": parent, "pending": texts}
    out = [make_text(name, body, text.size, getattr(theme, text.color), coll, location=text.location, **options)]
    if text.outline:
        x, y, z = text.location
        outline = make_text(f"{name} outline", body, text.size, getattr(theme, text.outline), coll,
                            location=(x, y, z - text.outline_depth), grow=text.outline_width, **options)
        outline[keys.OUTLINE] = 1
        out.append(outline)
    return out


def add_captions(spec, hud, coll, language: str, vis) -> None:
    """Bottom captions on a band of the background colour (legible over busy cells), letterbox style.
    Captions stay text objects (never merged: merge.mergeable) so a user can retype them in the .blend, and
    the headless render's SRT reads them back as they are (blend_story.py)."""
    for i, cap in enumerate(spec.captions):
        layout = pick(spec.hud.captions[i], language)
        objs = _text(f"caption {i:03d}", pick(cap.text, language), layout.text, spec.theme, hud, coll, None)
        for obj in objs:                                  # the text and its outline, if any
            obj[keys.CAPTION] = i
        for o in objs + _band(f"caption band {i:03d}", layout.band, spec.theme, hud, coll):
            vis.during(o, [(cap.first_frame, cap.last_frame)])


def add_title_cards(spec, hud, coll, language: str, vis, texts) -> None:
    for card, layout in zip(spec.title_cards, spec.hud.cards):
        objs = _band(f"title band {card.chapter}", layout.band, spec.theme, hud, coll)
        objs += _text(f"title {card.chapter}", pick(card.text, language), layout.title, spec.theme, hud, coll,
                      texts)
        objs += _text(f"subtitle {card.chapter}", pick(card.subtitle, language), layout.subtitle, spec.theme,
                      hud, coll, texts)
        for obj in objs:
            vis.during(obj, [card.frames])

"""Text on the HUD plane in front of the camera: captions on a background band, title cards.

    add_captions(spec, hud, coll, language, vis, texts);  add_title_cards(spec, hud, coll, language, vis, texts)
"""
from __future__ import annotations

import math

import bpy

from . import compat, keys
from .camera import hud_width
from .nodes import flat_material, tag
from .text import make_text, pick


def frame_size(spec) -> tuple[float, float]:
    """(width, height) of the picture in the HUD plane's units."""
    ax, ay = spec.meta.aspect
    w = hud_width(spec)
    return (w, w * ay / ax) if ax >= ay else (w * ax / ay, w)


def _backing(name, width, height, location, color, parent, coll):
    mesh = tag(bpy.data.meshes.new(name))
    w, h = width / 2, height / 2
    mesh.from_pydata([(-w, -h, 0), (w, -h, 0), (w, h, 0), (-w, h, 0)], [], [(0, 1, 2, 3)])
    mesh.materials.append(flat_material(color))
    compat.flat_color_attribute(mesh, color)
    obj = tag(bpy.data.objects.new(name, mesh))
    obj.parent, obj.location, obj.color = parent, location, (*color, 1.0)
    coll.objects.link(obj)
    return obj


def _text_lines(text: str, size: float, wrap: float) -> int:
    """Estimated wrapped line count (CJK glyphs ~1 em wide, Latin ~0.55 em)."""
    width = sum(size * (1.0 if ord(ch) >= 0x1100 else 0.55) for ch in text)
    return max(1, math.ceil(width / wrap))


def add_captions(spec, hud, coll, language: str, vis, texts) -> None:
    """Bottom captions on a band of the background colour (legible over busy cells), letterbox style."""
    fw, fh = frame_size(spec)
    size = 0.03 * min(fw, fh) / 0.5625                 # ~32 px cap height at 1080p
    base = -fh / 2 + 0.045 * fh
    for i, cap in enumerate(spec.captions):
        body = pick(cap.text, language)
        obj = make_text(f"caption {i:03d}", body, size, spec.theme.text, coll,
                        location=(0, base, 0), facing_camera_wall=False, align="center",
                        align_y="BOTTOM", wrap_width=0.8 * fw, parent=hud, pending=texts)
        obj[keys.CAPTION] = i
        top = base + _text_lines(body, size, 0.8 * fw) * size * 1.3 + 0.5 * size
        band = _backing(f"caption band {i:03d}", fw * 1.05, top + fh / 2 + 0.02 * fh,
                        (0, (top - fh / 2 - 0.02 * fh) / 2, -0.002), spec.theme.background, hud, coll)
        for o in (obj, band):
            vis.during(o, [(cap.first_frame, cap.last_frame)])


def add_title_cards(spec, hud, coll, language: str, vis, texts) -> None:
    fw, fh = frame_size(spec)
    unit = min(fw, fh) / 0.5625
    for card in spec.title_cards:
        band = _backing(f"title band {card.chapter}", fw * 1.02, 0.3 * fh, (0, 0, -0.002 * unit),
                        spec.theme.background, hud, coll)
        title = make_text(f"title {card.chapter}", pick(card.text, language), 0.06 * unit, spec.theme.text,
                          coll, location=(0, 0.01 * unit, 0), facing_camera_wall=False, align="center",
                          parent=hud, pending=texts)
        sub = make_text(f"subtitle {card.chapter}", pick(card.subtitle, language), 0.026 * unit,
                        spec.theme.accent, coll, location=(0, -0.05 * unit, 0), facing_camera_wall=False,
                        align="center", parent=hud, pending=texts)
        for obj in (band, title, sub):
            vis.during(obj, [card.frames])

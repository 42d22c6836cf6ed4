"""Text objects: Inter (static cut, shipped in fonts/) for Latin text, the Noto Sans CJK font Blender ships
for Korean; both packed into the .blend."""
from __future__ import annotations

import math
import os

import bpy

from . import compat
from .nodes import flat_material, tag

# Blender's own Inter.woff2 is a variable font whose overlapping contours fill wrongly as 3D text (holes
# in k, K, 4, w, √), so Latin text uses the static Inter cut shipped beside this file.
_FONT_FILES = {"latin": os.path.join(os.path.dirname(__file__), "fonts", "Inter-Regular.otf"),
               "cjk": os.path.join(compat.bpy_fonts_dir(), "Noto Sans CJK Regular.woff2")}


_CJK_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF),
               (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


def needs_cjk(text: str) -> bool:
    """Hangul / CJK characters present. Only such text uses the (large, slow to lay out) CJK font; Inter
    covers Latin, Greek and the math signs labels use (× − · Σ √ →)."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _CJK_RANGES)


def font_for(text: str):
    """The tagged font data block for `text` (loaded once per build, reused by name)."""
    kind = "cjk" if needs_cjk(text) else "latin"
    name = f"LLMReel {kind} font"
    font = bpy.data.fonts.get(name)
    if font is not None and font.get("llmreel"):
        return font
    font = tag(bpy.data.fonts.load(_FONT_FILES[kind]))
    font.name = name
    return font


def pick(text: dict, language: str) -> str:
    """The text in `language`, falling back to English."""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def make_text(name: str, body: str, size: float, color, collection, *, location=(0, 0, 0),
              facing_camera_wall: bool = True, align: str = "left", align_y: str = "BOTTOM_BASELINE",
              wrap_width: float = 0.0, parent=None):
    """A text object coloured `color` (linear RGB) by a flat emission material.
    `facing_camera_wall`: lies in the XZ wall plane, readable from -Y; otherwise in the parent's XY plane."""
    cu = tag(bpy.data.curves.new(name, "FONT"))
    cu.body = body
    cu.font = font_for(body)
    cu.size = size
    cu.align_x = {"left": "LEFT", "center": "CENTER", "right": "RIGHT"}[align]
    cu.align_y = align_y
    if wrap_width > 0:
        cu.text_boxes[0].width = wrap_width
        cu.text_boxes[0].x = {"left": 0.0, "center": -wrap_width / 2, "right": -wrap_width}[align]
    cu.materials.append(flat_material(color))
    obj = tag(bpy.data.objects.new(name, cu))
    obj.color = (*color[:3], 1.0)
    obj.location = location
    if facing_camera_wall:
        obj.rotation_euler = (math.pi / 2, 0.0, 0.0)
    if parent is not None:
        obj.parent = parent
    collection.objects.link(obj)
    return obj

"""Text objects: Inter (static cut, shipped in fonts/) for Latin text, the Noto Sans CJK font Blender ships
for Korean; both packed into the .blend."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from llmreel.core.files import atomic_output
from llmreel.scenes.text_metrics import drawn_size, needs_cjk

from . import compat, keys
from .nodes import flat_material, is_ours, tag

# Blender's own Inter.woff2 is a variable font whose overlapping contours fill wrongly as 3D text (holes
# in k, K, 4, w, √), so Latin text uses the static Inter cut shipped beside this file.
LATIN_FONT = os.path.join(os.path.dirname(__file__), "fonts", "Inter-Regular.otf")
CJK_WOFF2 = "Noto Sans CJK Regular.woff2"
# Curve steps per glyph segment: at 1080p a title card looks the same as with Blender's 12, and text
# has half the triangles (faster to merge at build and to draw).
TEXT_RESOLUTION = 6
# A picture drawn without anti-aliasing (the draft) samples each pixel once, at its centre. A Hangul glyph
# stacks three to five strokes in the height of a Latin capital, so at label sizes its strokes are thinner
# than a pixel and whole strokes drop out ("임베딩" drew as "임베닝"). Curve steps do not matter (2, 6 and
# 12 steps drop the same strokes, tests/test_addon_text_draft.py); thicker strokes do: such pictures grow
# every CJK contour by this share of the text size: a Hangul stroke is about 0.03 of it, so about 40%
# bolder, no stroke lost at 8-16 px glyphs and almost no filled gaps (measured in that test).
ALIASED_CJK_GROW = 0.006


def cjk_font_path() -> str:
    """The CJK font Blender ships, as a plain OpenType file in the user's cache folder. Blender's 3D text
    decompresses a WOFF2 font again for every text object it lays out (~0.1 s each for this 11 MB font:
    a Korean scene took a minute), so it is unpacked once with fontTools (WOFF2 needs brotli). Without
    them, or without a writable cache, the WOFF2 itself is used: the same glyphs, only slower."""
    src = os.path.join(compat.bpy_fonts_dir(), CJK_WOFF2)
    try:
        import brotli  # noqa: F401  (fontTools' WOFF2 reader needs it)
        from fontTools.ttLib import TTFont
    except ImportError:
        return src
    try:
        st = os.stat(src)
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llmreel" / "fonts"
        dst = cache / f"NotoSansCJK-Regular-{st.st_size}-{int(st.st_mtime)}.otf"
        if not dst.is_file():
            font = TTFont(src)
            font.flavor = None
            with atomic_output(dst) as tmp:
                font.save(str(tmp))
        return str(dst)
    except Exception:          # noqa: BLE001 - unreadable source, full disk, bad cache: the WOFF2 still works
        return src


def font_for(text: str):
    """The tagged font data block for `text` (loaded once per build, reused by name)."""
    kind = "cjk" if needs_cjk(text) else "latin"
    name = f"LLMReel {kind} font"
    font = bpy.data.fonts.get(name)
    if font is not None and is_ours(font):
        return font
    font = tag(bpy.data.fonts.load(cjk_font_path() if kind == "cjk" else LATIN_FONT))
    font.name = name
    return font


def configure_text(cu, body: str, size: float, color, *, align: str = "left",
                   align_y: str = "BOTTOM_BASELINE", wrap_width: float = 0.0, grow: float = 0.0) -> None:
    """Set a FONT curve's words, font, size, alignment, wrapping, resolution and (single) flat material;
    `grow` > 0 widens every glyph's outline by that many units (an outline drawn behind a text)."""
    cu.body = body
    cu.offset = grow if grow > 0 else 0.0             # offsets each glyph contour along its normal (units)
    cu[keys.TEXT_GROW] = cu.offset
    cu.resolution_u = TEXT_RESOLUTION
    cu.font = font_for(body)
    cu.size = drawn_size(body, size)                  # the role's size; Korean larger (text_metrics.py)
    cu.space_line = size / cu.size                    # lines one role size apart in either script (Blender
                                                      # spaces them by the drawn size: Korean's gaped)
    cu.align_x = {"left": "LEFT", "center": "CENTER", "right": "RIGHT"}[align]
    cu.align_y = align_y
    box = cu.text_boxes[0]
    box.width = wrap_width if wrap_width > 0 else 0.0
    box.x = {"left": 0.0, "center": -wrap_width / 2, "right": -wrap_width}[align] if wrap_width > 0 else 0.0
    mat = flat_material(color)
    if len(cu.materials):
        cu.materials[0] = mat
    else:
        cu.materials.append(mat)


def set_strokes(cu, aliased: bool) -> None:
    """A FONT curve's strokes for a picture drawn with (`aliased` False) or without anti-aliasing: without,
    a CJK text's contours grow by ALIASED_CJK_GROW of its size on top of its own growth (an outline's)."""
    base = float(cu.get(keys.TEXT_GROW, cu.offset))
    cu[keys.TEXT_GROW] = base
    cu.offset = base + (ALIASED_CJK_GROW * cu.size if aliased and needs_cjk(cu.body) else 0.0)


@dataclass
class PendingText:
    """A text that becomes part of its group's merged mesh (see merge.py) without ever being an object:
    creating and then deleting ~900 text objects would cost a build more than a second. It takes
    llmreel_* tags like an object (`t["llmreel_label"] = ...`) and moves between collections as
    `collection`; `parent` is what an object would have been parented to."""
    name: str
    body: str
    size: float
    color: tuple
    collection: object
    location: tuple
    rotation: tuple
    options: dict
    parent: object = None
    tags: dict = field(default_factory=dict)
    type = "FONT"
    pending = True

    def __setitem__(self, key: str, value) -> None:
        self.tags[key] = value

    def get(self, key: str, default=None):
        return self.tags.get(key, default)


def make_text(name: str, body: str, size: float, color, collection, *, location=(0, 0, 0),
              facing_camera_wall: bool = True, align: str = "left", align_y: str = "BOTTOM_BASELINE",
              wrap_width: float = 0.0, parent=None, pending: list | None = None, grow: float = 0.0,
              turn: float = 0.0):
    """A text object coloured `color` (linear RGB) by a flat emission material; with a `pending` list, a
    PendingText appended to it instead (to be merged into a mesh). `grow`: see configure_text.
    `facing_camera_wall`: lies in the XZ wall plane, readable from -Y, turned `turn` degrees counter-clockwise
    about its anchor as seen from there (spec.Label.rotation); otherwise in the parent's XY plane."""
    # Euler XYZ applies X first: the quarter turn about X stands the text on the wall, then a turn about
    # the wall's normal (-Y towards the viewer: a negative angle about +Y) turns it in the wall
    rotation = (math.pi / 2, -math.radians(turn), 0.0) if facing_camera_wall else (0.0, 0.0, 0.0)
    options = {"align": align, "align_y": align_y, "wrap_width": wrap_width, "grow": grow}
    if pending is not None:
        text = PendingText(name, body, size, tuple(color[:3]), collection, tuple(location), rotation,
                           options, parent)
        pending.append(text)
        return text
    cu = tag(bpy.data.curves.new(name, "FONT"))
    configure_text(cu, body, size, color, **options)
    obj = tag(bpy.data.objects.new(name, cu))
    obj.color = (*color[:3], 1.0)
    obj.location = location
    obj.rotation_euler = rotation
    if parent is not None:
        obj.parent = parent
    collection.objects.link(obj)
    return obj

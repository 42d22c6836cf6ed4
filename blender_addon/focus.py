"""What points the eye at a moment: highlight frames around cells (with a leader line to their number, if
any), flying cells, value texts.

    add_highlights(spec, coll, vis);  add_flying_cells(spec, coll, vis);
    add_value_texts(spec, coll, language, vis, texts)
"""
from __future__ import annotations

import bpy
import numpy as np

from llmreel.scenes.hud import pick

from . import animate, compat, keys
from .nodes import flat_material, tag
from .paths import curve
from .text import make_text


def _span(a: float, b: float, least: float) -> tuple[float, float]:
    """a..b widened about its middle to at least `least`: a row of a vocabulary drawn finer than a pixel
    is framed a cell wide."""
    pad = max(0.0, least - (b - a)) / 2
    return a - pad, b + pad


def add_highlights(spec, coll, vis) -> None:
    for hl in spec.highlights:
        b = spec.block(hl.block)
        ox, oy, oz = b.origin
        p = b.pitch
        x0, x1 = _span(ox + (hl.cols[0] - 0.5) * b.col_pitch, ox + (hl.cols[1] - 0.5) * b.col_pitch, p)
        z0, z1 = _span(oz - (hl.rows[1] - 0.5) * b.row_pitch, oz - (hl.rows[0] - 0.5) * b.row_pitch, p)
        y = oy - b.depth / 2 - 0.3 * p
        frame = [(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)]
        leader = [list(hl.leader)] if len(hl.leader) >= 2 else []           # a line to its number, if any
        obj = curve(f"highlight {hl.id}", [frame] + leader, 0.12 * p, spec.theme.accent, coll,
                    cyclic=[True] + [False] * len(leader))
        vis.during(obj, [hl.frames])


def add_flying_cells(spec, coll, vis) -> None:
    if not spec.flying:
        return
    size = float(np.median([b.cell for b in spec.blocks])) if spec.blocks else 0.1
    mesh = tag(bpy.data.meshes.new("LLMReel flying cell"))
    h = size / 2
    verts = [(x * h, y * h, z * h) for z in (-1, 1) for y in (-1, 1) for x in (-1, 1)]
    mesh.from_pydata(verts, [], [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])
    mesh.materials.append(flat_material(spec.theme.flash))
    for i, fc in enumerate(spec.flying):
        own = mesh
        if compat.WORKBENCH_NEEDS_COLOR_ATTRIBUTE:            # its colour must live in its own mesh there
            own = mesh if i == 0 else tag(mesh.copy())
            compat.flat_color_attribute(own, fc.color)
        obj = tag(bpy.data.objects.new(f"flying {fc.id}", own))
        obj.color = (*fc.color, 1.0)
        obj.material_slots[0].link = "OBJECT"             # shared mesh, a colour per flying cell
        obj.material_slots[0].material = flat_material(fc.color)
        a, b = fc.frames
        animate.key_vector(obj, "location", [a, max(b, a + 1)], [fc.start, fc.end])
        coll.objects.link(obj)
        vis.during(obj, [(a, b + fc.hold)])


def add_value_texts(spec, coll, language: str, vis, texts) -> None:
    """Each focus moment's number text, in `language` (its words; the numbers read the same in any)."""
    for vt in spec.value_texts:
        obj = make_text(f"value {vt.id}", pick(vt.text, language), vt.size, spec.theme.accent, coll,
                        location=vt.location, align="center", pending=texts)
        obj[keys.VALUE] = vt.id
        vis.during(obj, [vt.frames])

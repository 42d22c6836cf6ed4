"""The scale chapter's models (spec.solids, scenes/scale.py): one mesh object per model, one shaded slab
per weight matrix, in the model's own units (its vertices stay within a few tens of units whatever its
size), placed at the solid's origin and scaled by its scale.

    add_solids(spec, coll, vis) -> [objects]

A slab is a box seen from the front (-Y): front, top, bottom and sides with a shade each (geometry.SHADES
["box"]), multiplied into its colour and stored as the `Col` point attribute the cell material reads
(Workbench shows it; Cycles and EEVEE emit it), so it reads as a solid in flat light too.
"""
from __future__ import annotations

import bpy
import numpy as np

from . import compat, geometry, keys
from .attributes import set_attribute
from .nodes import cell_material, tag

_CORNERS, _FACES = geometry.SHAPES["box"]                  # [20, 3] in -.5..5, [5, 4]


def solid_mesh(name: str, boxes: np.ndarray, colors: np.ndarray):
    """A mesh of one box per row of `boxes` [N, 6] (x0, y0, z0, x1, y1, z1), its faces shaded, in `colors`."""
    boxes = np.asarray(boxes, np.float32)
    lo, hi = boxes[:, :3], boxes[:, 3:]
    verts = (lo + hi)[:, None, :] / 2 + _CORNERS[None] * (hi - lo)[:, None, :]        # [N, 20, 3]
    n, nv = len(boxes), len(_CORNERS)
    loops = np.arange(n, dtype=np.int32)[:, None, None] * nv + _FACES[None]           # [N, 5, 4]
    mesh = tag(bpy.data.meshes.new(name))
    mesh.vertices.add(n * nv)
    mesh.vertices.foreach_set("co", verts.ravel())
    mesh.loops.add(loops.size)
    mesh.loops.foreach_set("vertex_index", loops.ravel())
    nf = n * len(_FACES)
    mesh.polygons.add(nf)
    mesh.polygons.foreach_set("loop_start", np.arange(0, nf * 4, 4, dtype=np.int32))
    mesh.polygons.foreach_set("loop_total", np.full(nf, 4, dtype=np.int32))
    mesh.update(calc_edges=True)
    shade = geometry.vertex_shade("box")                                               # [20]
    rgb = np.asarray(colors, np.float32)[:, None, :] * shade[None, :, None]            # [N, 20, 3]
    rgba = np.concatenate([rgb.reshape(-1, 3), np.ones((n * nv, 1), np.float32)], axis=1)
    set_attribute(mesh, "Col", rgba, "FLOAT_COLOR", "POINT")
    set_attribute(mesh, "glow", np.zeros(n * nv, np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    return mesh


def add_solids(spec, coll, vis) -> list:
    """One object per spec.solids entry (its mesh in local units, location = origin, scale = scale), shown
    in its visible intervals (`vis`: animate.Visibility) when it has any."""
    out = []
    for s in spec.solids:
        mesh = solid_mesh(f"LLM Reel Solid {s.id}", s.boxes, s.colors)
        mesh.materials.append(cell_material(spec.look))
        obj = tag(bpy.data.objects.new(f"LLM Reel Solid {s.id}", mesh))
        obj.location, obj.scale = s.origin, (s.scale,) * 3
        obj[keys.SOLID] = s.id
        coll.objects.link(obj)
        if s.visible:
            vis.during(obj, s.visible)
        out.append(obj)
    return out

"""Flow paths: bevelled curves that grow along the data's way between blocks.

    add_paths(spec, coll, vis);  curve(name, point_lists, width, color, coll, cyclic)
"""
from __future__ import annotations

import math

import bpy
import numpy as np

from . import animate, keys
from .nodes import flat_material, tag


def curve(name: str, point_lists, width: float, color, coll, cyclic: bool = False):
    """One curve object, a POLY spline per point list, bevelled to `width`, in a flat colour."""
    cu = tag(bpy.data.curves.new(name, "CURVE"))
    cu.dimensions = "3D"
    cu.bevel_depth = width / 2
    cu.bevel_resolution = 2
    cu.use_fill_caps = True
    for points in point_lists:
        sp = cu.splines.new("POLY")
        pts = np.asarray(points, dtype=np.float32)                                             # [P, 3]
        sp.points.add(len(pts) - 1)
        sp.points.foreach_set("co", np.concatenate([pts, np.ones((len(pts), 1), np.float32)], axis=1).ravel())
        sp.use_cyclic_u = cyclic
    cu.materials.append(flat_material(color))
    obj = tag(bpy.data.objects.new(name, cu))
    obj.color = (*color[:3], 1.0)
    coll.objects.link(obj)
    return obj


def add_paths(spec, coll, vis) -> None:
    """Flow paths that grow over the same frames share one curve object (a spline each): every animated
    object costs time on each frame change, so hundreds of paths become a few dozen objects. The growing
    object is shown (and evaluated) only while it grows; a static copy stands in afterwards."""
    theme = spec.theme
    groups: dict = {}
    for path in spec.paths:
        groups.setdefault((path.role, tuple(path.grow), float(path.width)), []).append(path)
    for (role, (a, b), width), paths in groups.items():
        color = theme.flow_residual if role == "residual" else theme.flow
        name = f"path {paths[0].id}" + (f" +{len(paths) - 1}" if len(paths) > 1 else "")
        obj = curve(name, [p.points for p in paths], width, color, coll)
        obj[keys.PATHS] = ",".join(p.id for p in paths)
        b = max(b, a + 1)
        if b < spec.meta.frame_end:          # grown: a static copy takes over, the growing one is hidden
            done = tag(bpy.data.objects.new(f"{name} (grown)", tag(obj.data.copy())))
            coll.objects.link(done)
            vis.during(done, [(math.floor(b) + 1, spec.meta.frame_end + 1)])
        cu = obj.data
        cu.bevel_factor_mapping_end = "SPLINE"
        animate.key(cu, "bevel_factor_end", [a, b], [0.0, 1.0], interpolation="LINEAR")
        frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, dtype=np.float64)
        animate.key_mask_hidden(obj, frames, (frames >= math.floor(a)) & (frames <= math.floor(b)))

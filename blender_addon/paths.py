"""Flow paths: luminous tubes that grow along the data's way between blocks. Each is a bright core (the
flow colour lifted towards white on dark themes) inside a wider translucent halo of the flow colour,
which reads as light spilling from the tube (Workbench has no bloom of its own).

    add_paths(spec, coll, vis);  curve(name, point_lists, width, color, coll, cyclic)
"""
from __future__ import annotations

import math

import bpy
import numpy as np

from . import animate, keys
from .nodes import flat_material, halo_material, tag

CORE_WIDTH = 0.6        # the core's share of the path's width
CORE_LIFT = 0.45        # dark themes: how far the core's colour moves towards white
HALO_WIDTH = 2.4        # the halo's width, in path widths
HALO_ALPHA = 0.28


def curve(name: str, point_lists, width: float, color, coll, cyclic=False, material=None):
    """One curve object, a POLY spline per point list, bevelled to `width`, in a flat colour (or
    `material`); `cyclic`: closed splines (a bool for all, or one per point list)."""
    cu = tag(bpy.data.curves.new(name, "CURVE"))
    cu.dimensions = "3D"
    cu.bevel_depth = width / 2
    cu.bevel_resolution = 2
    cu.use_fill_caps = True
    for i, points in enumerate(point_lists):
        sp = cu.splines.new("POLY")
        pts = np.asarray(points, dtype=np.float32)                                             # [P, 3]
        sp.points.add(len(pts) - 1)
        sp.points.foreach_set("co", np.concatenate([pts, np.ones((len(pts), 1), np.float32)], axis=1).ravel())
        sp.use_cyclic_u = bool(cyclic[i] if isinstance(cyclic, (list, tuple)) else cyclic)
    cu.materials.append(material or flat_material(color))
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
    dark = float(np.mean(theme.background)) < 0.5
    for (role, (a, b), width), paths in groups.items():
        color = np.asarray(theme.flow_residual if role == "residual" else theme.flow, np.float32)
        core = color + CORE_LIFT * (1.0 - color) if dark else color
        name = f"path {paths[0].id}" + (f" +{len(paths) - 1}" if len(paths) > 1 else "")
        points = [p.points for p in paths]
        obj = curve(name, points, width * CORE_WIDTH, core, coll)
        obj[keys.PATHS] = ",".join(p.id for p in paths)
        halo = curve(f"{name} (halo)", points, width * HALO_WIDTH, color, coll,
                     material=halo_material(color, HALO_ALPHA))
        halo[keys.HALO] = 1
        b = max(b, a + 1)
        frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, dtype=np.float64)
        for part in (obj, halo):
            if b < spec.meta.frame_end:      # grown: a static copy takes over, the growing one is hidden
                done = tag(bpy.data.objects.new(f"{part.name} (grown)", tag(part.data.copy())))
                if part is halo:
                    done[keys.HALO] = 1
                coll.objects.link(done)
                vis.during(done, [(math.floor(b) + 1, spec.meta.frame_end + 1)])
            cu = part.data
            cu.bevel_factor_mapping_end = "SPLINE"
            animate.key(cu, "bevel_factor_end", [a, b], [0.0, 1.0], interpolation="LINEAR")
            animate.key_mask_hidden(part, frames, (frames >= math.floor(a)) & (frames <= math.floor(b)))

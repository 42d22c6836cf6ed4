"""Flow paths: luminous tubes that grow along the data's way between blocks. Each is a bright core (the
flow colour lifted towards white on dark themes) inside a wider translucent halo of the flow colour,
which reads as light spilling from the tube (Workbench has no bloom of its own).

Every path is a POLY curve of a Curves data block with its growth frames `grow_a`, `grow_b` (per curve)
and its half width `radius` (per point, wider at corners as a curve's bevel keeps its width there). The
tubes are made by Geometry Nodes (`tube_group`): a growing object trims each curve to
clamp((frame - grow_a) / (grow_b - grow_a)) of its length (the Scene Time node: no Python and no keys
per path at playback) and sweeps a circle along it twice, core and halo, each with its material. Paths are
cut into epochs by when they finish growing (`epochs`): each epoch's growing object is shown (so
evaluated) only from its first path's start to its last one's end; then a static object of the same
curves, grown, takes over (evaluated once). GPT-2 small's 2,457 paths were 1,545 keyed curve objects,
~100 ms of every frame change.

    add_paths(spec, coll, vis);  curve(name, point_lists, width, color, coll, cyclic)
"""
from __future__ import annotations

import math

import bpy
import numpy as np

from . import animate, compat, keys
from .attributes import set_attribute
from .nodes import _get_ours, _math, flat_material, halo_material, tag

CORE_WIDTH = 0.6        # the core's share of the path's width
CORE_LIFT = 0.45        # dark themes: how far the core's colour moves towards white
HALO_WIDTH = 2.4        # the halo's width, in path widths
HALO_ALPHA = 0.28
RING = 16               # points around a tube (a legacy curve's bevel at resolution 2)
EPOCH_PATHS = 160       # at most this many paths grow in one object (its cost on each frame change)
EPOCH_FRAMES = 240      # and over at most this many frames (a path growing longer has an epoch of its own)
TUBES = "LLMReel Path Tubes v1"            # the growing tubes (Scene Time)
TUBES_GROWN = "LLMReel Path Tubes Grown v1"


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


SHARP = math.cos(math.radians(15))     # a turn sharper than this gets its own short straight ends


def tube_points(points, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """A polyline's points as swept ([P', 3]) and the swept circle's radius at each ([P']). A swept circle is
    cut by a corner's bisecting plane, so there it is 1 / cos(half the turn) wider to keep the tube's
    width (as a bevelled curve does); a sharp corner gets a point just before and after it at the plain
    radius, so the tube (and its tip while it grows) is as wide along the legs."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p, np.full(len(p), radius)
    d = np.diff(p, axis=0)
    seg = np.maximum(np.linalg.norm(d, axis=1), 1e-12)
    d /= seg[:, None]
    cos_turn = np.clip(np.sum(d[:-1] * d[1:], axis=1), -0.99, 1.0)
    out, rad = [p[0]], [radius]
    for i in range(1, len(p) - 1):
        scale = 1.0 / math.sqrt((1.0 + cos_turn[i - 1]) / 2.0)
        if cos_turn[i - 1] < SHARP:
            eps = min(radius / 2, seg[i - 1] / 4, seg[i] / 4)
            out += [p[i] - eps * d[i - 1], p[i], p[i] + eps * d[i]]
            rad += [radius, radius * scale, radius]
        else:
            out.append(p[i])
            rad.append(radius * scale)
    out.append(p[-1])
    rad.append(radius)
    return np.array(out), np.array(rad)


def epochs(grow: np.ndarray, max_paths: int = EPOCH_PATHS, max_frames: float = EPOCH_FRAMES) -> list[np.ndarray]:
    """Paths (by [N, 2] grow intervals) in groups that finish growing one after another: in order of their
    end, at most `max_paths` a group and spanning at most `max_frames` from its first start to its last
    end; a path growing longer than `max_frames` is a group of its own."""
    order = np.argsort(grow[:, 1], kind="stable")
    out, cur, first = [], [], math.inf
    for i in order:
        a, b = grow[i]
        if b - a > max_frames:
            out.append(np.array([i]))
            continue
        if cur and (len(cur) >= max_paths or b - min(first, a) > max_frames):
            out.append(np.array(cur))
            cur, first = [], math.inf
        cur.append(i)
        first = min(first, a)
    if cur:
        out.append(np.array(cur))
    return out


def _named(nodes, name: str, kind: str = "FLOAT"):
    n = nodes.new("GeometryNodeInputNamedAttribute")
    n.data_type = kind
    n.inputs["Name"].default_value = name
    return n.outputs["Attribute"]


def tube_group(timed: bool):
    """Geometry Nodes: curves -> tubes. `timed`: each curve trimmed to its growth at the Scene Time's frame
    (curves not yet started deleted). A core and a halo are swept along each curve (a circle of RING
    points scaled by the point's `radius` times CORE_WIDTH / HALO_WIDTH), with fill caps; material index
    2 * `role` for the core and one more for the halo."""
    name = TUBES if timed else TUBES_GROWN
    group = _get_ours(bpy.data.node_groups, name)
    if group is not None:
        return group
    group = tag(compat.new_node_group(name))
    group.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    group.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    nodes, links = group.nodes, group.links
    gin, gout = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    geo = gin.outputs["Geometry"]
    if timed:
        frame = nodes.new("GeometryNodeInputSceneTime").outputs["Frame"]
        a = _named(nodes, "grow_a")
        span = _math(nodes, "SUBTRACT", _named(nodes, "grow_b"), a, links)
        age = _math(nodes, "SUBTRACT", frame, a, links)
        factor = _math(nodes, "DIVIDE", age.outputs[0], span.outputs[0], links)
        factor.use_clamp = True
        waiting = _math(nodes, "LESS_THAN", factor.outputs[0], 1e-6, links)
        delete = nodes.new("GeometryNodeDeleteGeometry")
        delete.domain = "CURVE"
        links.new(geo, delete.inputs["Geometry"])
        links.new(waiting.outputs[0], delete.inputs["Selection"])
        trim = nodes.new("GeometryNodeTrimCurve")
        trim.mode = "FACTOR"
        links.new(delete.outputs["Geometry"], trim.inputs["Curve"])
        trim.inputs["Start"].default_value = 0.0
        links.new(factor.outputs[0], trim.inputs["End"])
        geo = trim.outputs["Curve"]
    circle = nodes.new("GeometryNodeCurvePrimitiveCircle")
    circle.mode = "RADIUS"
    circle.inputs["Resolution"].default_value = RING
    circle.inputs["Radius"].default_value = 1.0
    radius = _named(nodes, "radius")
    role2 = _math(nodes, "MULTIPLY", _named(nodes, "role", "INT"), 2.0, links)
    join = nodes.new("GeometryNodeJoinGeometry")
    for share, extra in ((HALO_WIDTH, 1.0), (CORE_WIDTH, 0.0)):
        sweep = nodes.new("GeometryNodeCurveToMesh")
        links.new(geo, sweep.inputs["Curve"])
        links.new(circle.outputs["Curve"], sweep.inputs["Profile Curve"])
        links.new(_math(nodes, "MULTIPLY", radius, float(share), links).outputs[0], sweep.inputs["Scale"])
        sweep.inputs["Fill Caps"].default_value = True
        index = nodes.new("GeometryNodeSetMaterialIndex")
        links.new(sweep.outputs["Mesh"], index.inputs["Geometry"])
        links.new(_math(nodes, "ADD", role2.outputs[0], extra, links).outputs[0], index.inputs["Material Index"])
        links.new(index.outputs["Geometry"], join.inputs["Geometry"])
    links.new(join.outputs["Geometry"], gout.inputs["Geometry"])
    return group


def _curves(name: str, paths, materials):
    """A Curves data block: one POLY curve per path, with grow_a/grow_b/role per curve, radius per point."""
    cu = tag(bpy.data.hair_curves.new(name))
    swept = [tube_points(p.points, float(p.width) / 2) for p in paths]
    cu.add_curves([len(pts) for pts, _ in swept])
    cu.set_types(type="POLY")
    pts = np.concatenate([pts for pts, _ in swept]).astype(np.float32)
    cu.attributes["position"].data.foreach_set("vector", pts.ravel())
    radius = np.concatenate([r for _, r in swept])
    set_attribute(cu, "radius", radius, "FLOAT", "POINT")
    grow = np.array([(a, max(b, a + 1)) for a, b in (p.grow for p in paths)], np.float32)
    set_attribute(cu, "grow_a", grow[:, 0], "FLOAT", "CURVE")
    set_attribute(cu, "grow_b", grow[:, 1], "FLOAT", "CURVE")
    set_attribute(cu, "role", np.array([p.role == "residual" for p in paths], np.int32), "INT", "CURVE")
    for mat in materials:
        cu.materials.append(mat)
    return cu


def _tubes(name: str, data, timed: bool, coll):
    obj = tag(bpy.data.objects.new(name, data))
    mod = obj.modifiers.new("LLM Reel Tubes", "NODES")
    mod.node_group = tube_group(timed)
    coll.objects.link(obj)
    return obj


def add_paths(spec, coll, vis) -> None:
    """The flow paths as a few Geometry Nodes objects (see the module's doc): per epoch a growing one,
    keyed to show only while its paths grow, and a static grown one shown after."""
    if not spec.paths:
        return
    theme = spec.theme
    dark = float(np.mean(theme.background)) < 0.5
    materials = []
    for c in (theme.flow, theme.flow_residual):                      # role 0: op, 1: residual
        color = np.asarray(c, np.float32)
        materials += [flat_material(color + CORE_LIFT * (1.0 - color) if dark else color),
                      halo_material(color, HALO_ALPHA)]
    m = spec.meta
    frames = np.arange(m.frame_start, m.frame_end + 1, dtype=np.float64)
    grow = np.array([(a, max(b, a + 1)) for a, b in (p.grow for p in spec.paths)], np.float64)
    for members in epochs(grow):
        paths = [spec.paths[i] for i in members]
        a, b = float(grow[members, 0].min()), float(grow[members, 1].max())
        name = f"path {paths[0].id}" + (f" +{len(paths) - 1}" if len(paths) > 1 else "")
        data = _curves(name, paths, materials)
        obj = _tubes(name, data, True, coll)
        obj[keys.PATHS] = ",".join(p.id for p in paths)
        animate.key_mask_hidden(obj, frames, (frames >= math.floor(a)) & (frames <= math.floor(b)))
        if b < m.frame_end:              # grown: a static object of the same curves takes over
            done = _tubes(f"{name} (grown)", data, False, coll)
            vis.during(done, [(math.floor(b) + 1, m.frame_end + 1)])

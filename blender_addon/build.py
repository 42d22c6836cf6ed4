"""Realise a SceneSpec in Blender: the public API scripts, operators and render workers call.

    build_scene(spec, scene=None, language=None, captions=True, image_threshold=...) -> Collection
    clear_scene(scene=None);  save_blend(path);  cell_info(obj, face_index) -> str

Everything made lives in the "LLM Reel" collection (children per kind) and every data block carries the
`llmreel` custom property, so clearing/rebuilding touches nothing of the user's.
"""
from __future__ import annotations

import json
import math
import re
import os
import uuid

import bpy
import numpy as np

from . import animate, compat, geometry, inspector, merge
from .attributes import get_attribute, set_attribute
from .nodes import cell_look_group, cell_material, flat_material, image_material, is_ours, tag
from .text import make_text, pick
from llmreel.scenes.look import block_phases, flash_frames as look_flash_frames, interval_mask, static_look

COLLECTION_NAME = "LLM Reel"
DEFAULT_IMAGE_THRESHOLD = 65_536      # cells; bigger blocks become one image-textured plane
LOOK_MODIFIER = "LLM Reel Look"
_BLOCK_PROPS = ("llmreel_block", "llmreel_tensor")
_ID_COLLECTIONS = ("objects", "meshes", "curves", "cameras", "lights", "materials", "node_groups",
                   "images", "actions", "worlds", "fonts", "collections")


# ---- scene-wide settings ---------------------------------------------------------------------------
def _resolution(aspect) -> tuple[int, int]:
    ax, ay = (int(a) for a in aspect)
    if ax >= ay:
        return 1920, int(round(1920 * ay / ax / 2)) * 2
    return int(round(1920 * ax / ay / 2)) * 2, 1920


def _setup_scene(scene, spec) -> None:
    m = spec.meta
    scene.render.fps, scene.render.fps_base = int(m.fps), 1.0
    scene.frame_start, scene.frame_end = int(m.frame_start), int(m.frame_end)
    scene.render.resolution_x, scene.render.resolution_y = _resolution(m.aspect)
    scene.view_settings.view_transform = "Standard"      # theme colours are designed for a plain sRGB map
    scene.view_settings.look = "None"
    shading = scene.display.shading                      # Workbench: the GN-computed colour attribute
    shading.light, shading.color_type = "FLAT", "VERTEX"
    shading.show_object_outline = False
    scene.render.dither_intensity = 0.0


def _world(scene, spec):
    world = tag(bpy.data.worlds.new("LLM Reel World"))
    world.color = spec.theme.background                  # what Workbench uses as background
    if world.node_tree is None:
        world.use_nodes = True
    bg = next(n for n in world.node_tree.nodes if n.type == "BACKGROUND")
    bg.inputs["Color"].default_value = (*spec.theme.background, 1.0)
    bg.inputs["Strength"].default_value = 1.0
    if scene.world is not None and not is_ours(scene.world):
        scene["llmreel_prev_world"] = scene.world.name
    scene.world = world


def _lights(coll, spec):
    lo, hi = _scene_bounds(spec)
    centre, size = (lo + hi) / 2, float(np.max(hi - lo))
    for name, offset, energy, scale in (("Key", (-0.3, -0.8, 0.6), 3.0, 0.6), ("Fill", (0.5, -0.9, -0.2), 1.0, 1.0)):
        data = tag(bpy.data.lights.new(f"LLM Reel {name} Light", "AREA"))
        data.energy = energy * size * size
        data.size = size * scale
        obj = tag(bpy.data.objects.new(data.name, data))
        obj.location = centre + np.asarray(offset) * size
        direction = centre - np.asarray(obj.location)
        obj.rotation_euler = _look_rotation(direction)
        coll.objects.link(obj)


def _look_rotation(direction):
    from mathutils import Vector

    return Vector(direction).to_track_quat("-Z", "Y").to_euler()


def _scene_bounds(spec) -> tuple[np.ndarray, np.ndarray]:
    if not spec.blocks:
        return np.zeros(3), np.ones(3)
    los, his = zip(*(b.bounds() for b in spec.blocks))
    return np.min(los, axis=0), np.max(his, axis=0)


# ---- blocks ----------------------------------------------------------------------------------------
def _rgba(rgb: np.ndarray) -> np.ndarray:
    return np.concatenate([rgb, np.ones((*rgb.shape[:-1], 1), dtype=np.float32)], axis=-1)


def last_axis_offset(block, config: dict) -> int:
    """Where the block starts along its tensor's last axis: blocks that show a slice of a fused weight
    (q/k/v heads of c_attn, ids like "h0.attn.c_attn.weight.k[2]") start at part*C + head*A."""
    m = re.search(r"\.([qkv])\[(\d+)\]$", block.id)
    if m is None or not block.tensor.endswith(("c_attn.weight", "c_attn.bias")) or "n_embd" not in config:
        return 0
    C = int(config["n_embd"])
    A = C // int(config.get("n_head", 1))
    return "qkv".index(m.group(1)) * C + int(m.group(2)) * A


def _block_props(obj, block, config: dict) -> None:
    r, k = block.shape
    obj["llmreel_offset"] = last_axis_offset(block, config)
    obj["llmreel_block"] = block.id
    obj["llmreel_tensor"] = block.tensor
    obj["llmreel_formal"] = block.formal
    obj["llmreel_index_prefix"] = list(int(i) for i in block.index_prefix) or [-1]
    obj["llmreel_transpose"] = int(block.transpose)
    obj["llmreel_role"] = block.role
    obj["llmreel_shape"] = [int(r), int(k)]
    obj["llmreel_axes"] = f"{block.row_axis}×{block.col_axis}"
    obj["llmreel_row_axis"], obj["llmreel_col_axis"] = block.row_axis, block.col_axis


def _cell_block(block, spec, coll, flash_frames: float, shape: str):
    """ONE object per block: cells as faces of one mesh, per-cell attributes on the POINT domain. A block
    whose look never changes stores it and needs nothing more (costs nothing per frame). The others store
    their look of their longest quiet stretch and get the cell-look Geometry Nodes modifier (Scene Time
    driven), switched on by keys only while live, and hide while all their cells are dim (block_phases)."""
    r, k = block.shape
    theme, m = spec.theme, spec.meta
    mesh = tag(geometry.build_cell_mesh(block.id, r, k, block.pitch, block.cell, block.depth, shape))
    mesh["llmreel_pitch"] = float(block.pitch)
    values = np.asarray(block.values, dtype=np.float32).reshape(-1)                        # [N]
    t_on = np.asarray(block.t_on, dtype=np.float32).reshape(-1)                            # [N]
    settled = _rgba(theme.cell_colors(block.role, values, block.scale))                    # [N, 4]
    lit = static_look(block, m.frame_start, m.frame_end)                                   # [N] or None
    phases = None if lit is not None else block_phases(block, m.frame_start, m.frame_end, flash_frames)
    base = lit > 0 if lit is not None else phases["base_lit"]                              # [N]
    look = np.where(base[:, None], settled, np.array([*theme.dim, 1.0], np.float32))       # [N, 4]
    t_store = np.clip(t_on, np.float32(-1e9), np.float32(1e9))                           # never / always
    for name, data, kind in (("value", values, "FLOAT"), ("t_on", t_store, "FLOAT"),
                             ("settled", settled, "FLOAT_COLOR"), ("Col", look, "FLOAT_COLOR")):
        set_attribute(mesh, name, geometry.per_vertex(data, shape), kind, "POINT")
    set_attribute(mesh, "glow", np.zeros(len(mesh.vertices), np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    mesh.materials.append(cell_material())
    obj = tag(bpy.data.objects.new(block.id, mesh))
    obj.location = block.origin
    obj["llmreel_cell_shape"] = shape
    coll.objects.link(obj)
    frames = np.arange(m.frame_start, m.frame_end + 1, dtype=np.float64)
    shown = interval_mask(frames, block.visible) if block.visible else np.ones(frames.shape, bool)
    if lit is not None:
        animate.key_mask_hidden(obj, frames, shown)      # blocks stay selectable: keyed, not instanced
        return obj, False
    group = cell_look_group()
    mod = obj.modifiers.new(LOOK_MODIFIER, "NODES")
    mod.node_group = group
    compat.set_modifier_input(mod, group, "Flash Frames", float(flash_frames))
    compat.set_modifier_input(mod, group, "Dim", (*theme.dim, 1.0))
    compat.set_modifier_input(mod, group, "Flash", (*theme.flash, 1.0))
    ident = compat.set_modifier_input(mod, group, "Preview", 0.0)
    if block.preview:
        keys, on = animate.on_off_keys(block.preview, m.frame_start - 1)
        animate.key(obj, f'modifiers["{LOOK_MODIFIER}"]["{ident}"]', keys, on, interpolation="CONSTANT")
    animate.key_mask_hidden(obj, frames, shown & ~phases["hidden"])
    if not phases["live"].all():
        keys, on = animate.mask_keys(frames, phases["live"])
        for prop in ("show_viewport", "show_render"):
            animate.key(obj, f'modifiers["{LOOK_MODIFIER}"].{prop}', keys, on, interpolation="CONSTANT")
        mod.show_viewport = mod.show_render = bool(on[0])
    return obj, bool(phases["hidden"].any())


def _backdrop(blocks, spec, coll):
    """One static object: a dim tile behind every cell of the blocks that hide while all-dim (see
    block_phases), so those blocks cost nothing before their first reveal. Tiles sit on the cells' back
    plane: a cell depth behind a tile's face, at the back of a box."""
    if not blocks:
        return None
    centres = [geometry.cell_centres(*b.shape, b.pitch) + np.asarray(b.origin, np.float32)
               + np.array([0.0, b.depth / 2, 0.0], np.float32) for b in blocks]
    sizes = np.concatenate([np.full(len(c), b.cell * 0.999, np.float32) for c, b in zip(centres, blocks)])
    centres = np.concatenate(centres)
    obj = _tile_object("LLM Reel dim cells", centres, sizes, np.tile(spec.theme.dim, (len(centres), 1)), coll)
    obj["llmreel_backdrop"] = 1
    return obj


def _tile_object(name: str, centres, sizes, colours, coll):
    """A static object of flat tiles (geometry.build_tile_mesh), tile i in colours[i] (linear RGB)."""
    mesh = tag(geometry.build_tile_mesh(name, np.asarray(centres, np.float32), np.asarray(sizes, np.float32)))
    rgba = _rgba(np.repeat(np.asarray(colours, np.float32), 4, axis=0))                   # [4N, 4]
    set_attribute(mesh, "Col", rgba, "FLOAT_COLOR", "POINT")
    set_attribute(mesh, "glow", np.zeros(len(mesh.vertices), np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    mesh.materials.append(cell_material())
    obj = tag(bpy.data.objects.new(name, mesh))
    coll.objects.link(obj)
    return obj


PLATE_SHADE = 0.6       # a plate's colour: this share of its block's mean settled colour (dim for animated)


def _plates(blocks, spec, coll):
    """One static object: a plate behind each cell block, in a darker shade of the block's colours (weights)
    or between background and dim (blocks that light up), so the gaps between cells show that shade rather
    than the background. Far away, where a cell is a pixel or two, unsmoothed drafts would otherwise
    alias the cell grid into dark moire arcs."""
    if not blocks:
        return None
    theme, m = spec.theme, spec.meta
    centres, sizes, colours = [], [], []
    for b in blocks:
        r, k = b.shape
        centres.append(np.asarray(b.origin) + ((k - 1) * b.pitch / 2, b.depth, -(r - 1) * b.pitch / 2))
        sizes.append(((k - 1) * b.pitch + b.cell, (r - 1) * b.pitch + b.cell))
        if not b.preview and np.all(b.t_on <= m.frame_start):                            # settled throughout
            mean = theme.cell_colors(b.role, b.values, b.scale).reshape(-1, 3).mean(axis=0)
            colours.append(PLATE_SHADE * mean)
        else:                                        # between background and dim: the dim grid still reads
            colours.append((np.asarray(theme.dim) + np.asarray(theme.background)) / 2)
    obj = _tile_object("LLM Reel block plates", centres, sizes, colours, coll)
    obj["llmreel_plates"] = 1
    return obj


def _float_image(name: str, rgba: np.ndarray):
    """Packed float image [H, W, 4] (row 0 = bottom), kept linear, stored as EXR inside the .blend."""
    h, w = rgba.shape[:2]
    img = tag(bpy.data.images.new(name, w, h, alpha=True, float_buffer=True))
    img.colorspace_settings.name = "Non-Color"
    img.pixels.foreach_set(np.ascontiguousarray(rgba, dtype=np.float32).ravel())
    img.file_format = "OPEN_EXR"
    img.pack()
    return img


def _image_block(block, spec, coll, flash_frames: float):
    """One textured quad, a pixel per cell (nearest); per-cell reveal in Cycles/EEVEE via the material,
    per block in Workbench (object colour keyed dim -> mean settled colour at the block's first reveal)."""
    r, k = block.shape
    theme, m = spec.theme, spec.meta
    values = np.asarray(block.values, dtype=np.float32)                                     # [R, K]
    t_on = np.asarray(block.t_on, dtype=np.float32)                                         # [R, K]
    settled = _rgba(theme.cell_colors(block.role, values, block.scale))                     # [R, K, 4]
    t_img = np.clip(t_on, np.float32(-1e9), np.float32(1e9))                                # EXR-safe ±inf
    t_rgba = np.stack([t_img, values, np.zeros_like(t_img), np.ones_like(t_img)], axis=-1)   # [R, K, 4]
    col_img = _float_image(f"{block.id} colours", settled[::-1])                            # image rows bottom-up
    ton_img = _float_image(f"{block.id} t_on", t_rgba[::-1])
    mesh = tag(geometry.build_plane_mesh(block.id, r, k, block.pitch, block.cell))
    mat = tag(image_material(f"LLMReel Image {block.id}", col_img, ton_img, theme.dim, theme.flash,
                             flash_frames))
    mesh.materials.append(mat)
    obj = tag(bpy.data.objects.new(block.id, mesh))
    obj.location = block.origin
    obj["llmreel_image"] = 1
    coll.objects.link(obj)
    mean = tuple(float(x) for x in settled[..., :3].reshape(-1, 3).mean(axis=0))
    first = float(np.min(t_on)) if np.isfinite(np.min(t_on)) else math.inf
    obj.color = (*theme.dim, 1.0)
    if first <= m.frame_start:
        obj.color = (*mean, 1.0)
    elif math.isfinite(first) and first <= m.frame_end:
        for i, v in enumerate(mean):
            animate.key(obj, "color", [m.frame_start, first], [theme.dim[i], v], index=i, interpolation="CONSTANT")
    if block.preview:
        frames, on = animate.on_off_keys(block.preview, m.frame_start - 1)
        animate.key(mat.node_tree, 'nodes["Preview"].outputs[0].default_value', frames, on,
                    interpolation="CONSTANT")
    return obj


def _blocks(spec, coll, image_threshold: int, shape: str) -> None:
    flash_frames = look_flash_frames(spec.theme, spec.meta.fps)
    behind, cells = [], []
    for block in spec.blocks:
        r, k = block.shape
        if r * k > image_threshold:
            obj = _image_block(block, spec, coll, flash_frames)
            if block.visible:
                frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, dtype=np.float64)
                animate.key_mask_hidden(obj, frames, interval_mask(frames, block.visible))
        else:
            obj, hides = _cell_block(block, spec, coll, flash_frames, shape)
            cells.append(block)
            if hides:
                behind.append(block)
        _block_props(obj, block, spec.meta.config)
    _backdrop(behind, spec, coll)
    _plates(cells, spec, coll)


# ---- labels, paths, focus elements -------------------------------------------------------------------
def _labels(spec, coll, language: str, vis, texts) -> None:
    for label in spec.labels:
        color = getattr(spec.theme, label.color, spec.theme.text)
        obj = make_text(f"label {label.id}", pick(label.text, language), label.size, color, coll,
                        location=label.location, align=label.align, pending=texts)
        obj["llmreel_label"] = label.id
        vis.during(obj, label.visible)


def _curve(name: str, point_lists, width: float, color, coll, cyclic: bool = False):
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


def _paths(spec, coll, vis) -> None:
    """Flow paths that grow over the same frames share one curve object (a spline each): every animated
    object costs time on each frame change, so hundreds of paths become a few dozen objects. The growing
    object is shown (and evaluated) only while it grows; a static copy stands in afterwards."""
    theme = spec.theme
    groups: dict = {}
    for path in spec.paths:
        groups.setdefault((path.role, tuple(path.grow), float(path.width)), []).append(path)
    for (role, (a, b), width), paths in groups.items():
        color = theme.pos.get("residual", theme.flow) if role == "residual" else theme.flow
        name = f"path {paths[0].id}" + (f" +{len(paths) - 1}" if len(paths) > 1 else "")
        obj = _curve(name, [p.points for p in paths], width, color, coll)
        obj["llmreel_paths"] = ",".join(p.id for p in paths)
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


def _highlights(spec, coll, vis) -> None:
    for hl in spec.highlights:
        b = spec.block(hl.block)
        ox, oy, oz = b.origin
        p = b.pitch
        x0, x1 = ox + (hl.cols[0] - 0.5) * p, ox + (hl.cols[1] - 0.5) * p
        z0, z1 = oz - (hl.rows[1] - 0.5) * p, oz - (hl.rows[0] - 0.5) * p
        y = oy - b.depth / 2 - 0.3 * p
        obj = _curve(f"highlight {hl.id}", [[(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)]],
                     0.12 * p, spec.theme.accent, coll, cyclic=True)
        vis.during(obj, [hl.frames])


def _flying(spec, coll, vis) -> None:
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


def _value_texts(spec, coll, vis, texts) -> None:
    for vt in spec.value_texts:
        obj = make_text(f"value {vt.id}", vt.text, vt.size, spec.theme.accent, coll, location=vt.location,
                        align="center", pending=texts)
        vis.during(obj, [vt.frames])


# ---- camera, captions, title cards -----------------------------------------------------------------
def _camera(scene, spec, coll):
    cam_data = tag(bpy.data.cameras.new("LLM Reel Camera"))
    cam_data.sensor_width, cam_data.sensor_fit = 36.0, "AUTO"
    lo, hi = _scene_bounds(spec)
    cam_data.clip_end = float(np.linalg.norm(hi - lo)) * 10 + 100
    # A clip start well out from the camera keeps the depth buffer precise across the whole model (cells
    # and the plates behind them are a cell depth apart at thousands of units); the HUD stays beyond it.
    lens = min((k.lens for k in spec.camera), default=50.0)
    cam_data.clip_start = 0.5 * lens / 36.0 * hud_width(spec)
    cam = tag(bpy.data.objects.new("LLM Reel Camera", cam_data))
    target = tag(bpy.data.objects.new("LLM Reel Camera Target", None))
    coll.objects.link(cam)
    coll.objects.link(target)
    keys = sorted(spec.camera, key=lambda k: k.frame)
    if not keys:
        centre = (lo + hi) / 2
        cam.location, target.location = centre + np.array([0, -2.0 * float(np.max(hi - lo)), 0]), centre
        cam_data.lens = 35.0
    else:
        frames = [k.frame for k in keys]
        animate.key_vector(cam, "location", frames, [k.location for k in keys])
        animate.key_vector(target, "location", frames, [k.target for k in keys])
        animate.key(cam_data, "lens", frames, [k.lens for k in keys])
    track = cam.constraints.new("TRACK_TO")
    track.target, track.track_axis, track.up_axis = target, "TRACK_NEGATIVE_Z", "UP_Y"
    cam_data.dof.focus_object = target
    cam_data.dof.aperture_fstop = 2.8
    if scene.camera is not None and not is_ours(scene.camera):
        scene["llmreel_prev_camera"] = scene.camera.name
    scene.camera = cam
    return cam, keys


def hud_width(spec) -> float:
    """How many units the frame's long side spans in the HUD's plane (captions, title cards): the plane
    sits at a quarter of the closest shot's distance to its target, in front of the scene but as far out
    as that allows, so the camera's clip start can sit far out too."""
    keys = spec.camera or []
    near = min((float(np.linalg.norm(np.subtract(k.location, k.target))) for k in keys), default=4.0)
    lens = max((k.lens for k in keys), default=50.0)
    return max(1e-3, 0.25 * near * 36.0 / lens)


def _hud(cam, keys, coll, width: float):
    """An empty in front of the camera whose distance follows the lens (z = -lens/36, keyed with the same
    easing as the lens), so the frame's long side always spans `width` units in the HUD's plane."""
    hud = tag(bpy.data.objects.new("LLM Reel HUD", None))
    hud.parent = cam
    coll.objects.link(hud)
    if keys:
        animate.key(hud, "location", [k.frame for k in keys], [-k.lens / 36.0 * width for k in keys], index=2)
    else:
        hud.location.z = -cam.data.lens / 36.0 * width
    return hud


def _frame_size(spec) -> tuple[float, float]:
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


def _captions(spec, hud, coll, language: str, vis, texts) -> None:
    """Bottom captions on a band of the background colour (legible over busy cells), letterbox style."""
    fw, fh = _frame_size(spec)
    size = 0.03 * min(fw, fh) / 0.5625                 # ~32 px cap height at 1080p
    base = -fh / 2 + 0.045 * fh
    for i, cap in enumerate(spec.captions):
        body = pick(cap.text, language)
        obj = make_text(f"caption {i:03d}", body, size, spec.theme.text, coll,
                        location=(0, base, 0), facing_camera_wall=False, align="center",
                        align_y="BOTTOM", wrap_width=0.8 * fw, parent=hud, pending=texts)
        obj["llmreel_caption"] = i
        top = base + _text_lines(body, size, 0.8 * fw) * size * 1.3 + 0.5 * size
        band = _backing(f"caption band {i:03d}", fw * 1.05, top + fh / 2 + 0.02 * fh,
                        (0, (top - fh / 2 - 0.02 * fh) / 2, -0.002), spec.theme.background, hud, coll)
        for o in (obj, band):
            vis.during(o, [(cap.first_frame, cap.last_frame)])


def _title_cards(spec, hud, coll, language: str, vis, texts) -> None:
    fw, fh = _frame_size(spec)
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


def _chapters(scene, spec, coll) -> None:
    chapters = [{"slug": c.slug, "title": c.title, "first": int(c.first_frame), "last": int(c.last_frame)}
                for c in spec.chapters]
    coll["llmreel_chapters"] = json.dumps(chapters, ensure_ascii=False)
    names = []
    for c in spec.chapters:
        marker = scene.timeline_markers.new(f"▸ {c.slug}", frame=int(c.first_frame))
        names.append(marker.name)
    coll["llmreel_markers"] = json.dumps(names)


def _glare(scene) -> None:
    """Compositor bloom on emission above 1 (only flashing cells), where this Blender's compositor allows;
    never replaces a compositor setup the user made."""
    tree = compat.compositor_tree(scene, create=False)
    if tree is not None and (not is_ours(tree) and len(tree.nodes)):
        return
    try:
        tree = compat.compositor_tree(scene, create=True, name="LLMReel Glow v1")
        if not is_ours(tree) and len(tree.nodes):
            return
        tag(tree)
        tree.nodes.clear()
        rl = tree.nodes.new("CompositorNodeRLayers")
        glare = tree.nodes.new("CompositorNodeGlare")
        _set_glare(glare)
        if compat.compositor_uses_group_output():
            if not any(i.in_out == "OUTPUT" for i in tree.interface.items_tree if i.item_type == "SOCKET"):
                tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
            out = tree.nodes.new("NodeGroupOutput")
        else:
            out = tree.nodes.new("CompositorNodeComposite")
        tree.links.new(rl.outputs["Image"], glare.inputs["Image"])
        tree.links.new(glare.outputs["Image"], out.inputs[0])
    except (RuntimeError, KeyError, AttributeError, TypeError):
        pass                                                        # glow is optional; the render still works


def _set_glare(glare) -> None:
    settings = {"Type": "Bloom", "Threshold": 1.0, "Size": 0.5, "Strength": 0.8}
    for name, value in settings.items():
        sock = glare.inputs.get(name)
        if sock is not None and not sock.is_linked:
            try:
                sock.default_value = value
                continue
            except TypeError:
                pass
        attr = {"Type": "glare_type", "Threshold": "threshold", "Size": "size", "Strength": "mix"}[name]
        if hasattr(glare, attr):
            setattr(glare, attr, {"Type": "BLOOM", "Size": 8, "Strength": 0.0}.get(name, value)
                    if attr in ("glare_type", "size", "mix") else value)


def _empty(name: str, coll):
    obj = tag(bpy.data.objects.new(name, None))
    obj.empty_display_size = 0.05
    coll.objects.link(obj)
    return obj


def _exclude(scene, coll) -> None:
    """Exclude `coll` from every view layer of `scene`."""
    def find(layer_coll):
        if layer_coll.collection == coll:
            return layer_coll
        for child in layer_coll.children:
            hit = find(child)
            if hit is not None:
                return hit
        return None

    for layer in scene.view_layers:
        lc = find(layer.layer_collection)
        if lc is not None:
            lc.exclude = True


# ---- public API ------------------------------------------------------------------------------------
def our_collection(scene=None):
    scene = scene or bpy.context.scene
    for coll in scene.collection.children:
        if is_ours(coll) and coll.get("llmreel_root"):
            return coll
    return None


def build_scene(spec, *, scene=None, language: str | None = None, captions: bool = True,
                image_threshold: int = DEFAULT_IMAGE_THRESHOLD, glow: bool = True, dof: bool = False,
                cell_shape: str = "tile", editable_text: bool = False, text_resolution: int = 0):
    """Realise the whole SceneSpec into `scene` (default: the context scene); replaces a previous build.
    `cell_shape`: "tile" (one quad per cell: light to draw and scrub) or "box" (lit 3D cells, for finals).
    Static texts, bands and outlines shown over the same frames become one mesh (see merge.py) unless
    `editable_text`; `text_resolution` > 0: curve steps per glyph segment (default text.TEXT_RESOLUTION)."""
    if cell_shape not in geometry.SHAPES:
        raise ValueError(f"unknown cell shape {cell_shape!r}: choose one of {', '.join(geometry.SHAPES)}")
    scene = scene or bpy.context.scene
    language = language or spec.meta.language
    clear_scene(scene)
    fonts_before = set(bpy.data.fonts)
    root = tag(bpy.data.collections.new(COLLECTION_NAME))
    root["llmreel_root"] = 1
    scene.collection.children.link(root)
    parts = {}
    for part in ("Blocks", "Labels", "Flow", "Focus", "Camera", "Lights", "Visibility", "Shown"):
        parts[part] = tag(bpy.data.collections.new(f"{COLLECTION_NAME} {part}"))
        root.children.link(parts[part])
    _exclude(scene, parts["Shown"])                      # its objects show through their instancers only
    _setup_scene(scene, spec)
    _world(scene, spec)
    vis = animate.Visibility(parts["Visibility"], parts["Shown"], spec.meta.frame_start, _empty,
                             homes=[parts[p] for p in ("Labels", "Flow", "Focus", "Camera")])
    _blocks(spec, parts["Blocks"], int(image_threshold), cell_shape)
    texts = None if editable_text else []               # texts to merge into meshes, never objects
    _labels(spec, parts["Labels"], language, vis, texts)
    _paths(spec, parts["Flow"], vis)
    _highlights(spec, parts["Focus"], vis)
    _flying(spec, parts["Focus"], vis)
    _value_texts(spec, parts["Focus"], vis, texts)
    cam, keys = _camera(scene, spec, parts["Camera"])
    cam.data.dof.use_dof = bool(dof)
    hud = _hud(cam, keys, parts["Camera"], hud_width(spec))
    if captions:
        _captions(spec, hud, parts["Camera"], language, vis, texts)
    _title_cards(spec, hud, parts["Camera"], language, vis, texts)
    if editable_text and text_resolution > 0:
        built: list = []
        _collect_objects(root, built)
        for obj in built:
            if obj.type == "FONT":
                obj.data.resolution_u = int(text_resolution)
    if not editable_text:
        merge.merge_collections([parts[p] for p in ("Labels", "Focus", "Camera")] + list(vis.groups.values()),
                                texts, int(text_resolution))
    _lights(parts["Lights"], spec)
    _chapters(scene, spec, root)
    root["llmreel_language"] = language
    root["llmreel_story"] = spec.meta.story
    root["llmreel_input"] = spec.meta.input
    if glow:
        _glare(scene)
    for font in set(bpy.data.fonts) - fonts_before:       # Blender's built-in font, loaded for text objects
        tag(font)
    return root


def _collect_objects(coll, out: list) -> None:
    out.extend(coll.objects)
    for child in coll.children:
        _collect_objects(child, out)


def _purge_ours() -> None:
    """Remove tagged data blocks nobody uses any more (repeat: materials free node groups, and so on)."""
    changed = True
    while changed:
        changed = False
        ours = [i for attr in _ID_COLLECTIONS for i in getattr(bpy.data, attr) if is_ours(i)]
        if not ours:
            return
        users = bpy.data.user_map(subset=ours)        # real referrers (a loaded font counts 1 user itself)
        for idb in ours:
            if not users.get(idb):
                getattr(bpy.data, _ID_COLLECTIONS[_kind(idb)]).remove(idb)
                changed = True


def _kind(idb) -> int:
    return {"OBJECT": 0, "MESH": 1, "CURVE": 2, "CAMERA": 3, "LIGHT": 4, "MATERIAL": 5, "NODETREE": 6,
            "IMAGE": 7, "ACTION": 8, "WORLD": 9, "FONT": 10, "COLLECTION": 11}[idb.id_type]


def clear_scene(scene=None) -> None:
    """Remove only what build_scene made in `scene` (objects, data, actions, markers, world, compositor)."""
    scene = scene or bpy.context.scene
    root = our_collection(scene)
    if root is not None:
        for name in json.loads(root.get("llmreel_markers", "[]")):
            marker = scene.timeline_markers.get(name)
            if marker is not None:
                scene.timeline_markers.remove(marker)
        objs: list = []
        _collect_objects(root, objs)
        colls = [root] + list(root.children_recursive)
        for obj in {o for o in objs if is_ours(o)}:
            bpy.data.objects.remove(obj)
        for coll in colls:
            if is_ours(coll):
                bpy.data.collections.remove(coll)
    if scene.world is not None and is_ours(scene.world):
        scene.world = bpy.data.worlds.get(scene.get("llmreel_prev_world", ""))
    if scene.camera is None and scene.get("llmreel_prev_camera"):
        scene.camera = bpy.data.objects.get(scene["llmreel_prev_camera"])
    tree = compat.compositor_tree(scene, create=False)
    if tree is not None and is_ours(tree) and hasattr(scene, "compositing_node_group"):
        scene.compositing_node_group = None
    elif tree is not None and is_ours(tree):
        tree.nodes.clear()
    for key in ("llmreel_prev_world", "llmreel_prev_camera"):
        if key in scene:
            del scene[key]
    _purge_ours()


def save_blend(path) -> None:
    """Pack fonts and images, make 3D views show the colour attribute (scrubbing plays the animation),
    write atomically (temp file in the same folder, then rename)."""
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    for font in bpy.data.fonts:
        if is_ours(font) and font.packed_file is None and font.filepath != "<builtin>":
            font.pack()
    for img in bpy.data.images:
        if is_ours(img) and img.packed_file is None:
            img.pack()
    for screen in bpy.data.screens:
        for area in screen.areas:
            for space in area.spaces:
                if space.type == "VIEW_3D":
                    space.shading.type = "SOLID"
                    space.shading.light = "FLAT"
                    space.shading.color_type = "VERTEX"
                    space.shading.background_type = "WORLD"
    tmp = os.path.join(folder, f".llmreel-{os.getpid()}-{uuid.uuid4().hex[:8]}.blend")   # not pre-created:
    try:                                                                    # Blender would back it up as .blend1
        bpy.ops.wm.save_as_mainfile(filepath=tmp, copy=True, compress=True, check_existing=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cell_index(obj, face_index: int) -> tuple[int, ...]:
    """Trace-tensor index of the cell that face `face_index` of a block object belongs to.
    ValueError for non-block objects, image planes and faces out of range."""
    if obj is None or obj.get("llmreel_block") is None:
        raise ValueError("not an LLM Reel block object")
    rows, cols = (int(x) for x in obj["llmreel_shape"])
    if obj.get("llmreel_image"):
        raise ValueError(f"{obj['llmreel_block']} is an image plane ({rows}×{cols}); cells are pixels")
    nfaces = len(obj.data.polygons)
    if not 0 <= face_index < nfaces:
        raise ValueError(f"face {face_index} outside 0..{nfaces - 1}")
    r, c = geometry.face_to_cell(face_index, cols, _shape(obj))
    row_axis, col_axis = obj.get("llmreel_row_axis", ""), obj.get("llmreel_col_axis", "")
    shown = [(r, row_axis), (c, col_axis)]
    if obj["llmreel_transpose"]:
        shown.reverse()                                   # rows run over the tensor's last axis
    prefix = tuple(int(i) for i in obj["llmreel_index_prefix"] if int(i) >= 0)
    index = prefix + tuple(i for i, axis in shown if axis != "1")    # "1": a 1-D tensor drawn as a row/column
    return index[:-1] + (index[-1] + int(obj.get("llmreel_offset", 0)),)


def cell_info(obj, face_index: int) -> str:
    """Inspector line for face `face_index` of a block object, e.g.
    'h0.attn.q[1,3,5] = qkv[3, head 1 · A + 5] = 0.412'. ValueError for other objects/faces."""
    index = cell_index(obj, face_index)
    shape = _shape(obj)
    cell = face_index // geometry.faces_per_cell(shape)
    value = float(obj.data.attributes["value"].data[cell * geometry.verts_per_cell(shape)].value)
    return inspector.cell_line(obj["llmreel_formal"], obj["llmreel_tensor"], index, value)


def block_values(obj) -> np.ndarray:
    """Per-cell values stored on a block object's mesh (float32 [R, K])."""
    rows, cols = (int(x) for x in obj["llmreel_shape"])
    return get_attribute(obj.data, "value")[::geometry.verts_per_cell(_shape(obj))].reshape(rows, cols)


def _shape(obj) -> str:
    return str(obj.get("llmreel_cell_shape", "box"))

"""Tensor blocks: a cell block per small tensor (one mesh, per-cell attributes, the cell-look Geometry Nodes
modifier while live), an image plane per large one, the dim backdrop and the plates behind cell blocks.

    add_blocks(spec, coll, image_threshold, shape)
"""
from __future__ import annotations

import math
import re

import bpy
import numpy as np

from llmreel.scenes.look import block_phases, interval_mask, static_look

from . import animate, compat, geometry, keys
from .attributes import set_attribute
from .nodes import cell_look_group, cell_material, image_material, tag

DEFAULT_IMAGE_THRESHOLD = 65_536      # cells; bigger blocks become one image-textured plane
LOOK_MODIFIER = "LLM Reel Look"


def _rgba(rgb: np.ndarray) -> np.ndarray:
    return np.concatenate([rgb, np.ones((*rgb.shape[:-1], 1), dtype=np.float32)], axis=-1)


def _clamp_t_on(t_on: np.ndarray, look) -> np.ndarray:
    """t_on as stored (float32, clamped to +-look.t_on_limit: never / always, finite for EXR)."""
    limit = np.float32(look.t_on_limit)
    return np.clip(t_on, -limit, limit)


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
    obj[keys.OFFSET] = last_axis_offset(block, config)
    obj[keys.BLOCK] = block.id
    obj[keys.TENSOR] = block.tensor
    obj[keys.FORMAL] = block.formal
    obj[keys.INDEX_PREFIX] = list(int(i) for i in block.index_prefix) or [-1]
    obj[keys.TRANSPOSE] = int(block.transpose)
    obj[keys.ROLE] = block.role
    obj[keys.SHAPE] = [int(r), int(k)]
    obj[keys.AXES] = f"{block.row_axis}×{block.col_axis}"
    obj[keys.ROW_AXIS], obj[keys.COL_AXIS] = block.row_axis, block.col_axis


def _cell_block(block, spec, coll, shape: str):
    """ONE object per block: cells as faces of one mesh, per-cell attributes on the POINT domain. A block
    whose look never changes stores it and needs nothing more (costs nothing per frame). The others store
    their look of their longest quiet stretch and get the cell-look Geometry Nodes modifier (Scene Time
    driven), switched on by keys only while live, and hide while all their cells are dim (block_phases)."""
    r, k = block.shape
    theme, m, cl = spec.theme, spec.meta, spec.look
    mesh = tag(geometry.build_cell_mesh(block.id, r, k, block.pitch, block.cell, block.depth, shape))
    mesh[keys.PITCH] = float(block.pitch)
    values = np.asarray(block.values, dtype=np.float32).reshape(-1)                        # [N]
    t_on = np.asarray(block.t_on, dtype=np.float32).reshape(-1)                            # [N]
    settled = _rgba(theme.cell_colors(block.role, values, block.scale))                    # [N, 4]
    lit = static_look(block, m.frame_start, m.frame_end)                                   # [N] or None
    phases = None if lit is not None else block_phases(block, m.frame_start, m.frame_end, cl.flash_frames)
    base = lit > 0 if lit is not None else phases["base_lit"]                              # [N]
    look = np.where(base[:, None], settled, np.array([*cl.dim, 1.0], np.float32))          # [N, 4]
    t_store = _clamp_t_on(t_on, cl)
    for name, data, kind in (("value", values, "FLOAT"), ("t_on", t_store, "FLOAT"),
                             ("settled", settled, "FLOAT_COLOR")):
        set_attribute(mesh, name, geometry.per_vertex(data, shape), kind, "POINT")
    shade = np.tile(geometry.vertex_shade(shape), len(values))                              # [V]
    col_v = geometry.per_vertex(look, shape)
    col_v[:, :3] *= shade[:, None]
    set_attribute(mesh, "Col", col_v, "FLOAT_COLOR", "POINT")
    set_attribute(mesh, "shade", shade, "FLOAT", "POINT")
    set_attribute(mesh, "glow", np.zeros(len(mesh.vertices), np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    mesh.materials.append(cell_material(cl))
    obj = tag(bpy.data.objects.new(block.id, mesh))
    obj.location = block.origin
    obj[keys.CELL_SHAPE] = shape
    coll.objects.link(obj)
    frames = np.arange(m.frame_start, m.frame_end + 1, dtype=np.float64)
    shown = interval_mask(frames, block.visible) if block.visible else np.ones(frames.shape, bool)
    if lit is not None:
        animate.key_mask_hidden(obj, frames, shown)      # blocks stay selectable: keyed, not instanced
        return obj, False
    group = cell_look_group()
    mod = obj.modifiers.new(LOOK_MODIFIER, "NODES")
    mod.node_group = group
    for name, value in (("Preview Offset", cl.preview_offset), ("Flash Frames", cl.flash_frames),
                        ("Lit After", cl.lit_after)):
        compat.set_modifier_input(mod, group, name, float(value))
    compat.set_modifier_input(mod, group, "Dim", (*cl.dim, 1.0))
    compat.set_modifier_input(mod, group, "Flash", (*cl.flash, 1.0))
    compat.set_modifier_input(mod, group, "Glow Gain", 0.0)     # render.configure_render sets it per preset
    ident = compat.set_modifier_input(mod, group, "Preview", 0.0)
    if block.preview:
        at, on = animate.on_off_keys(block.preview, m.frame_start - 1)
        animate.key(obj, f'modifiers["{LOOK_MODIFIER}"]["{ident}"]', at, on, interpolation="CONSTANT")
    animate.key_mask_hidden(obj, frames, shown & ~phases["hidden"])
    if not phases["live"].all():
        at, on = animate.mask_keys(frames, phases["live"])
        for prop in ("show_viewport", "show_render"):
            animate.key(obj, f'modifiers["{LOOK_MODIFIER}"].{prop}', at, on, interpolation="CONSTANT")
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
    obj = _tile_object("LLM Reel dim cells", centres, sizes, np.tile(spec.look.dim, (len(centres), 1)), coll,
                       spec.look)
    obj[keys.BACKDROP] = 1
    return obj


def _tile_object(name: str, centres, sizes, colours, coll, look):
    """A static object of flat tiles (geometry.build_tile_mesh), tile i in colours[i] (linear RGB)."""
    mesh = tag(geometry.build_tile_mesh(name, np.asarray(centres, np.float32), np.asarray(sizes, np.float32)))
    rgba = _rgba(np.repeat(np.asarray(colours, np.float32), 4, axis=0))                   # [4N, 4]
    set_attribute(mesh, "Col", rgba, "FLOAT_COLOR", "POINT")
    set_attribute(mesh, "glow", np.zeros(len(mesh.vertices), np.float32), domain="POINT")
    compat.set_active_color(mesh, "Col")
    mesh.materials.append(cell_material(look))
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
            colours.append((np.asarray(spec.look.dim) + np.asarray(theme.background)) / 2)
    obj = _tile_object("LLM Reel block plates", centres, sizes, colours, coll, spec.look)
    obj[keys.PLATES] = 1
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


def _image_block(block, spec, coll):
    """One textured quad, a pixel per cell (nearest); per-cell reveal in Cycles/EEVEE via the material,
    per block in Workbench (object colour keyed dim -> mean settled colour at the block's first reveal)."""
    r, k = block.shape
    theme, m, cl = spec.theme, spec.meta, spec.look
    values = np.asarray(block.values, dtype=np.float32)                                     # [R, K]
    t_on = np.asarray(block.t_on, dtype=np.float32)                                         # [R, K]
    settled = _rgba(theme.cell_colors(block.role, values, block.scale))                     # [R, K, 4]
    t_img = _clamp_t_on(t_on, cl)                                                           # EXR-safe ±inf
    t_rgba = np.stack([t_img, values, np.zeros_like(t_img), np.ones_like(t_img)], axis=-1)   # [R, K, 4]
    col_img = _float_image(f"{block.id} colours", settled[::-1])                            # image rows bottom-up
    ton_img = _float_image(f"{block.id} t_on", t_rgba[::-1])
    mesh = tag(geometry.build_plane_mesh(block.id, r, k, block.pitch, block.cell))
    mat = tag(image_material(f"LLMReel Image {block.id}", col_img, ton_img, cl))
    mesh.materials.append(mat)
    obj = tag(bpy.data.objects.new(block.id, mesh))
    obj.location = block.origin
    obj[keys.IMAGE] = 1
    coll.objects.link(obj)
    mean = tuple(float(x) for x in settled[..., :3].reshape(-1, 3).mean(axis=0))
    first = float(np.min(t_on)) if np.isfinite(np.min(t_on)) else math.inf
    obj.color = (*cl.dim, 1.0)
    if first <= m.frame_start:
        obj.color = (*mean, 1.0)
    elif math.isfinite(first) and first <= m.frame_end:
        for i, v in enumerate(mean):
            animate.key(obj, "color", [m.frame_start, first], [cl.dim[i], v], index=i, interpolation="CONSTANT")
    if block.preview:
        frames, on = animate.on_off_keys(block.preview, m.frame_start - 1)
        animate.key(mat.node_tree, 'nodes["Preview"].outputs[0].default_value', frames, on,
                    interpolation="CONSTANT")
    return obj


def add_blocks(spec, coll, image_threshold: int, shape: str) -> None:
    behind, cells = [], []
    for block in spec.blocks:
        r, k = block.shape
        if r * k > image_threshold:
            obj = _image_block(block, spec, coll)
            if block.visible:
                frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, dtype=np.float64)
                animate.key_mask_hidden(obj, frames, interval_mask(frames, block.visible))
        else:
            obj, hides = _cell_block(block, spec, coll, shape)
            cells.append(block)
            if hides:
                behind.append(block)
        _block_props(obj, block, spec.meta.config)
    _backdrop(behind, spec, coll)
    _plates(cells, spec, coll)

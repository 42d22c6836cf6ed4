"""Tensor blocks: a cell block per small tensor (one mesh, per-cell attributes, the cell-look Geometry Nodes
modifier while live), an image over pooled stand-in tiles per large one (scenes/block_lod.py), and the plates behind cell
blocks (dim, seen through stripes over the gaps, behind the blocks that hide while all dim).

    add_blocks(spec, coll, image_threshold, shape)
"""
from __future__ import annotations

import json
import math
import re

import bpy
import numpy as np

from llmreel.scenes.block_lod import IMAGE_CELLS, MERGE_BLOCKS, merge_groups, merge_images, pooled_image
from llmreel.scenes.look import block_phases, interval_mask, settled_throughout, static_look

from . import animate, compat, geometry, keys
from .attributes import set_attribute
from .nodes import cell_look_group, cell_material, image_material, tag

DEFAULT_IMAGE_THRESHOLD = IMAGE_CELLS  # cells; bigger blocks become an image over stand-in tiles (block_lod)
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


def block_props(block, config: dict) -> dict:
    """What the inspector needs to name a cell of `block` (keys.py), as custom-property values."""
    r, k = block.shape
    return {keys.OFFSET: last_axis_offset(block, config), keys.BLOCK: block.id, keys.TENSOR: block.tensor,
            keys.FORMAL: block.formal, keys.INDEX_PREFIX: list(int(i) for i in block.index_prefix) or [-1],
            keys.TRANSPOSE: int(block.transpose), keys.ROLE: block.role, keys.SHAPE: [int(r), int(k)],
            keys.AXES: f"{block.row_axis}×{block.col_axis}", keys.ROW_AXIS: block.row_axis,
            keys.COL_AXIS: block.col_axis}


def _block_props(obj, members, config: dict, faces) -> None:
    """One block's props on its object; for a merged group (block_lod.merge_groups, merge_images) the ids
    joined by commas under keys.BLOCK, the first block's other props, and every block's props with its
    faces [start, stop) (`faces`: each member's face count) as JSON under keys.MEMBERS (cell_inspector
    reads them)."""
    for name, value in block_props(members[0], config).items():
        obj[name] = value
    if len(members) > 1:
        obj[keys.BLOCK] = ",".join(b.id for b in members)
        rows, start = [], 0
        for b, n in zip(members, faces):
            rows.append({**block_props(b, config), keys.FACES: [start, start + int(n)]})
            start += int(n)
        obj[keys.MEMBERS] = json.dumps(rows)


def _cell_block(members, spec, coll, shape: str):
    """ONE object for a cell block or a merged group of them (block_lod.merge_groups): cells as faces of
    one mesh (each block's cells at its place relative to the first's origin), per-cell attributes on the
    POINT domain (looked)."""
    first = members[0]
    centres = [geometry.cell_centres(*b.shape, b.col_pitch, b.row_pitch) for b in members]
    if len(members) > 1:
        origin = np.asarray(first.origin, np.float32)
        centres = [c + (np.asarray(b.origin, np.float32) - origin) for c, b in zip(centres, members)]
    name = first.id if len(members) == 1 else f"{first.id} +{len(members) - 1}"
    mesh = tag(geometry.build_cells_mesh(name, np.concatenate(centres), (first.cell_x, first.cell_z), first.depth,
                                         shape))
    mesh[keys.PITCH] = float(first.pitch)
    values = np.concatenate([np.asarray(b.values, dtype=np.float32).reshape(-1) for b in members])    # [N]
    t_on = np.concatenate([np.asarray(b.t_on, dtype=np.float32).reshape(-1) for b in members])        # [N]
    settled = np.concatenate([spec.theme.cell_colors(b.role, np.asarray(b.values, np.float32).reshape(-1),
                                                     b.scale) for b in members])                      # [N, 3]
    obj, hides = looked_object(first, spec, coll, mesh, shape, values, t_on, settled, cell_material(spec.look),
                               name=name)
    obj[keys.CELL_SHAPE] = shape
    return obj, hides


def looked_object(block, spec, coll, mesh, shape: str, values, t_on, settled, material, may_hide: bool = True,
                  name: str | None = None):
    """The object of a mesh whose cells (`shape`) show `block`'s look with these per-cell values, reveal
    frames and settled colours ([N], [N], [N, 3]). A block whose look never changes stores it and needs
    nothing more (costs nothing per frame). The others store their look of their longest quiet stretch
    and get the cell-look Geometry Nodes modifier (Scene Time driven), switched on by keys only while
    live, and (`may_hide`) hide while all their cells are dim (block_phases). Returns (object, hides)."""
    theme, m, cl = spec.theme, spec.meta, spec.look
    settled = _rgba(np.asarray(settled, np.float32))                                       # [N, 4]
    cells = _Cells(t_on, block.preview, block.visible if may_hide else [(m.frame_start, m.frame_end)])
    lit = static_look(cells, m.frame_start, m.frame_end)                                   # [N] or None
    phases = None if lit is not None else block_phases(cells, m.frame_start, m.frame_end, cl.flash_frames)
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
    mesh.materials.append(material)
    obj = tag(bpy.data.objects.new(name or block.id, mesh))
    obj.location = block.origin
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


class _Cells:
    """What block_phases and static_look read of a block, for cells of its own (a stand-in grid)."""

    def __init__(self, t_on, preview, visible):
        self.t_on, self.preview, self.visible = t_on, preview, visible


HOLE = 0.999            # a hidden block's dim cell: this share of its cell's edge (the gaps' stripes abut it)


def _gap_stripes(block):
    """The stripes that cover every gap between a block's cells and its rim, on the cells' back plane (a
    cell depth behind a tile's face, at the back of a box): world centres [r + k + 2, 3] and sizes [.., 2].
    They leave open HOLE of a cell's width and height at every cell: r + k + 2 quads rather than a tile per cell."""
    r, k = block.shape
    pc, pr = block.col_pitch, block.row_pitch

    def bands(n, p, cell):          # [n + 1] gaps along an axis, from the first cell's centre: (start, stop)
        half, hole = cell / 2, cell * HOLE / 2
        return (np.concatenate([[-half], np.arange(n) * p + hole]),
                np.concatenate([np.arange(n) * p - hole, [(n - 1) * p + half]]))

    (x0, x1), (d0, d1) = bands(k, pc, block.cell_x), bands(r, pr, block.cell_z)
    width, height = (k - 1) * pc + block.cell_x, (r - 1) * pr + block.cell_z
    cols = np.stack([(x0 + x1) / 2, np.full(k + 1, -(r - 1) * pr / 2)], axis=1)         # (x, z) centres
    rows = np.stack([np.full(r + 1, (k - 1) * pc / 2), -(d0 + d1) / 2], axis=1)
    xz = np.concatenate([cols, rows])
    centres = np.stack([xz[:, 0], np.full(len(xz), block.depth / 2), xz[:, 1]], axis=1) + np.asarray(block.origin)
    sizes = np.concatenate([np.stack([x1 - x0, np.full(k + 1, height)], axis=1),
                            np.stack([np.full(r + 1, width), d1 - d0], axis=1)])
    return centres.astype(np.float32), sizes.astype(np.float32)


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


PLATE_SHADE = 0.6       # a settled block's plate: this share of its block's mean settled colour (_plates)


def _plates(blocks, hiding, spec, coll):
    """One static object: a plate behind each cell block, in a darker shade of the block's colours (weights)
    or between background and dim (blocks that light up), so the gaps between cells show that shade rather
    than the background. Far away, where a cell is a pixel or two, unsmoothed drafts would otherwise
    alias the cell grid into dark moire arcs.
    The blocks that hide while all dim (`hiding`, see block_phases; hidden, they cost nothing per frame)
    show their dim cells through it: their plate is dim, and stripes in the plates' shade cover the gaps
    between their cells (_gap_stripes, on the cells' back plane), so a square of dim shows at every cell.
    Seen head-on that is what a dim tile at every cell over the plate showed (GPT-2: 6.4 M vertices, the
    most of any draw's; the stripes and all the plates: 0.49 M)."""
    if not blocks:
        return None
    theme, m = spec.theme, spec.meta
    gap = (np.asarray(spec.look.dim) + np.asarray(theme.background)) / 2
    hides = {id(b) for b in hiding}
    centres, sizes, colours = [], [], []
    for b in blocks:
        r, k = b.shape
        centres.append([np.asarray(b.origin) + ((k - 1) * b.col_pitch / 2, b.depth, -(r - 1) * b.row_pitch / 2)])
        sizes.append([((k - 1) * b.col_pitch + b.cell_x, (r - 1) * b.row_pitch + b.cell_z)])
        if id(b) in hides:                                     # dim cells through the stripes' holes
            colours.append([spec.look.dim])
        elif not b.preview and np.all(b.t_on <= m.frame_start):                          # settled throughout
            mean = theme.cell_colors(b.role, b.values, b.scale).reshape(-1, 3).mean(axis=0)
            colours.append([PLATE_SHADE * mean])
        else:                                        # between background and dim: the dim grid still reads
            colours.append([gap])
    for b in hiding:
        c, s = _gap_stripes(b)
        centres.append(c)
        sizes.append(s)
        colours.append(np.broadcast_to(gap, (len(c), 3)))
    obj = _tile_object("LLM Reel block plates", np.concatenate(centres), np.concatenate(sizes),
                       np.concatenate(colours), coll, spec.look)
    obj[keys.PLATES] = 1
    return obj


def _image_tiles(block, spec):
    """An image block's pooled image (scenes/block_lod.py) and its stand-in tiles relative to the block's
    origin: centres [n, 3], sizes [n, 2] and texture coordinates [n, 4, 2] (tile corner order). Tiles
    abut: together they cover what the block's cells span."""
    R, K = block.shape
    pi = pooled_image(block, spec.theme)
    r, k = pi.t_on.shape
    hx, hz = block.cell_x / 2, block.cell_z / 2
    x0, x1 = -hx, (K - 1) * block.col_pitch + hx                       # the block's extent, as its cells span
    z0, z1 = -(R - 1) * block.row_pitch - hz, hz
    u = np.minimum(np.arange(k + 1) * pi.fc, K) / K                    # tile edges as texture coordinates
    v = 1 - np.minimum(np.arange(r + 1) * pi.fr, R) / R                # rows run down, v up
    uu, vv = np.meshgrid(u, v)                                         # [r+1, k+1]
    centre = np.stack([(uu[:-1, :-1] + uu[:-1, 1:]) / 2 * (x1 - x0) + x0, np.zeros((r, k)),
                       (vv[:-1, :-1] + vv[1:, :-1]) / 2 * (z1 - z0) + z0], axis=-1).reshape(-1, 3)
    size = np.stack([np.diff(u)[None, :].repeat(r, 0) * (x1 - x0),
                     -np.diff(v)[:, None].repeat(k, 1) * (z1 - z0)], axis=-1).reshape(-1, 2)
    corners = np.stack([np.stack([uu[:-1, :-1], vv[1:, :-1]], -1), np.stack([uu[:-1, 1:], vv[1:, 1:]], -1),
                        np.stack([uu[:-1, 1:], vv[:-1, 1:]], -1), np.stack([uu[:-1, :-1], vv[:-1, :-1]], -1)],
                       axis=2)                                          # [r, k, 4 corners, 2]: tile corner order
    return pi, centre.astype(np.float32), size.astype(np.float32), corners.astype(np.float32).reshape(-1, 4, 2)


def _image_material(block, spec, template, pi):
    """The block's material: a copy of `template` drawing its packed image with its stand-in tiles'
    reveal, its previews keyed; no frame driver when its cells keep one look (settled_throughout)."""
    R, K = block.shape
    img = tag(bpy.data.images.new(f"{block.id} colours", K, R))
    img.pack(data=pi.png, data_len=len(pi.png))
    img.source = "FILE"
    mat = template.copy()                       # one ID copy: building each tree anew slows as the file grows
    mat.name = f"LLMReel Image {block.id}"
    mat.node_tree.nodes["Image Texture"].image = img
    if block.preview:
        frames, on = animate.on_off_keys(block.preview, spec.meta.frame_start - 1)
        animate.key(mat.node_tree, 'nodes["Preview"].outputs[0].default_value', frames, on,
                    interpolation="CONSTANT")
    elif settled_throughout(pi.t_on, spec.meta, spec.look):
        frame = next(n for n in mat.node_tree.nodes if n.label == "frame")
        frame.outputs[0].driver_remove("default_value")     # a driver a block is evaluated every frame
        frame.outputs[0].default_value = float(spec.meta.frame_end)
    return mat


def image_block(members, spec, coll, template):
    """Image blocks (scenes/block_lod.py) as ONE object: each block's pre-coloured 8-bit image, packed, over
    a grid of stand-in tiles that pool its cells (their mean colour and first reveal, with the cell look:
    what Workbench draws); the tiles' material draws the image's pixels with the tiles' reveal (EEVEE,
    Cycles). One block, or a group of blocks that keep one look all story long (block_lod.merge_images):
    each block's tiles at its place relative to the first's origin, in its own material slot. Returns
    (object, each block's tile count)."""
    first = members[0]
    parts = [_image_tiles(b, spec) for b in members]
    origin = np.asarray(first.origin, np.float32)
    centres = np.concatenate([c + (np.asarray(b.origin, np.float32) - origin) for b, (_, c, _, _) in
                              zip(members, parts)])
    name = first.id if len(members) == 1 else f"{first.id} +{len(members) - 1}"
    mesh = tag(geometry.build_tile_mesh(name, centres, np.concatenate([p[2] for p in parts])))
    mesh.uv_layers.new(name="UVMap").data.foreach_set("uv", np.concatenate([p[3] for p in parts]).ravel())
    mats = [_image_material(b, spec, template, p[0]) for b, p in zip(members, parts)]
    obj, _ = looked_object(first, spec, coll, mesh, "tile",
                           np.concatenate([p[0].values.reshape(-1) for p in parts]),
                           np.concatenate([p[0].t_on.reshape(-1) for p in parts]),
                           np.concatenate([p[0].settled.reshape(-1, 3) for p in parts]), mats[0],
                           may_hide=False, name=name)
    tiles = [len(p[1]) for p in parts]
    if len(members) > 1:
        for mat in mats[1:]:
            mesh.materials.append(mat)
        mesh.polygons.foreach_set("material_index", np.repeat(np.arange(len(members), dtype=np.int32), tiles))
    obj[keys.IMAGE] = 1
    obj[keys.CELL_SHAPE] = "tile"
    obj[keys.POOL] = [parts[0][0].fr, parts[0][0].fc]
    return obj, tiles


def add_blocks(spec, coll, image_threshold: int, shape: str, merge_above: int = MERGE_BLOCKS) -> None:
    """Every block: an image over stand-in tiles above `image_threshold` cells, else cells; with more than
    `merge_above` blocks, sibling cell blocks share an object (block_lod.merge_groups), and so do the image
    blocks of a layer that keep one look (block_lod.merge_images)."""
    behind, cells = [], []
    template = None
    groups = {g[0]: g for g in merge_groups(spec.blocks, image_threshold, merge_above)}
    images = {g[0]: g for g in merge_images(spec.blocks, image_threshold, merge_above, spec.meta, spec.look)}
    later = {i for g in images.values() for i in g[1:]}
    for i, block in enumerate(spec.blocks):
        if block.values.size > image_threshold and i not in later:
            template = template or tag(image_material("LLMReel Image template", None, spec.look))
            members = [spec.blocks[j] for j in images.get(i, [i])]
            obj, tiles = image_block(members, spec, coll, template)
            _block_props(obj, members, spec.meta.config, tiles)
        elif i in groups:
            members = [spec.blocks[j] for j in groups[i]]
            obj, hides = _cell_block(members, spec, coll, shape)
            _block_props(obj, members, spec.meta.config,
                         [b.values.size * geometry.faces_per_cell(shape) for b in members])
            cells += members
            if hides:
                behind += members
    if template is not None:
        bpy.data.materials.remove(template)
    _plates(cells, behind, spec, coll)

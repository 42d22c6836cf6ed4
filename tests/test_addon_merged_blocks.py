"""At scale, sibling cell blocks (one tensor's per-head slices) share an object (scenes/block_lod.merge_groups,
blender_addon/blocks.add_blocks): what each block shows at every frame and what the inspector says of its
cells are the same as with an object per block."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from addon_specs import small_spec


def _spec():
    """small_spec with heads 0 and 2 of h0.attn.q beside head 1, each revealed at its own frames."""
    spec = small_spec()
    q1 = spec.block("h0.attn.q[1]")
    q1.preview = [(80.0, 84.0)]
    rng = np.random.default_rng(3)
    for head, dx, start in ((0, -0.6, 30.0), (2, 0.6, 5.0)):
        q = copy.deepcopy(q1)
        q.id, q.formal, q.index_prefix = f"h0.attn.q[{head}]", f"h0.attn.q[{head}]", (head,)
        q.origin = (q1.origin[0] + dx, q1.origin[1], q1.origin[2] - 0.5)
        q.values = rng.normal(0, 1, q1.shape).astype(np.float32)
        q.t_on = (start + 3 * np.arange(q1.values.size, dtype=np.float32)).reshape(q1.shape)
        spec.blocks.append(q)
    return spec


def test_merge_groups_only_at_scale():
    from llmreel.scenes.block_lod import merge_groups

    spec = _spec()
    n = len(spec.blocks)
    assert merge_groups(spec.blocks, limit=n) == [[i] for i in range(n)]
    groups = merge_groups(spec.blocks, limit=0)
    ids = [[spec.blocks[i].id for i in g] for g in groups]
    assert ["h0.attn.q[1]", "h0.attn.q[0]", "h0.attn.q[2]"] in ids
    assert sorted(i for g in groups for i in g) == list(range(n))
    spec.blocks[-1].preview = []                                 # another timing: its own object
    assert ["h0.attn.q[2]"] in [[spec.blocks[i].id for i in g] for g in merge_groups(spec.blocks, limit=0)]
    assert merge_groups(spec.blocks, image_cells=20, limit=n) == [[i] for i, b in enumerate(spec.blocks)
                                                                  if b.values.size <= 20]       # images apart


def _shown_colours(bpy, spec, frames):
    """{block id: float32 [F, N, 3]}: each cell's colour as drawn at each frame: its object's evaluated
    `Col` where the object shows, the dim backdrop's colour where it is hidden."""
    from llmreel.blender_addon import cell_inspector
    from llmreel.blender_addon.animate import is_shown
    from llmreel.blender_addon.attributes import get_attribute

    objs = [o for o in bpy.data.objects if o.get("llmreel_block")]
    out = {b.id: [] for b in spec.blocks}
    sc = bpy.context.scene
    dim = np.asarray(spec.look.dim, np.float32)
    for f in frames:
        sc.frame_set(f)
        dg = bpy.context.evaluated_depsgraph_get()
        for obj in objs:
            ev = obj.evaluated_get(dg)
            mesh = ev.to_mesh()
            col = get_attribute(mesh, "Col")[::4, :3].copy()
            ev.to_mesh_clear()
            start = 0
            for bid in obj["llmreel_block"].split(","):
                b = spec.block(bid)
                cells = col[start:start + b.values.size]
                start += b.values.size
                out[bid].append(cells if is_shown(obj) else np.broadcast_to(dim, cells.shape))
            if len(obj["llmreel_block"].split(",")) > 1:     # the inspector names each member's own cells
                for bid in obj["llmreel_block"].split(","):
                    assert np.array_equal(cell_inspector.block_values(obj, bid), spec.block(bid).values)
    return {k: np.stack(v) for k, v in out.items()}


def _cell_points(bpy, spec):
    """{block id: float32 [V, 3]}: the world positions of each block's cell vertices."""
    out = {}
    for obj in (o for o in bpy.data.objects if o.get("llmreel_block")):
        co = np.empty(len(obj.data.vertices) * 3, np.float32)
        obj.data.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3) + np.asarray(obj.location, np.float32)
        start = 0
        for bid in obj["llmreel_block"].split(","):
            n = spec.block(bid).values.size * 4
            out[bid] = co[start:start + n]
            start += n
    return out


@pytest.mark.bpy
def test_merged_blocks_show_what_separate_ones_do(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector

    spec = _spec()
    frames = list(range(spec.meta.frame_start, spec.meta.frame_end + 1))
    build.build_scene(spec, glow=False)
    apart = _shown_colours(bpy, spec, frames)
    where = _cell_points(bpy, spec)
    lines = {}
    for obj in (o for o in bpy.data.objects if o.get("llmreel_block")):
        for face in range(len(obj.data.polygons)):
            lines[(obj["llmreel_block"], face)] = cell_inspector.cell_info(obj, face)
    build.build_scene(spec, glow=False, merge_above=0)
    merged = [o for o in bpy.data.objects if o.get("llmreel_block") and "," in o["llmreel_block"]]
    assert [o["llmreel_block"] for o in merged] == ["h0.attn.q[1],h0.attn.q[0],h0.attn.q[2]"]
    together = _shown_colours(bpy, spec, frames)
    for bid, points in _cell_points(bpy, spec).items():
        assert np.abs(points - where[bid]).max() < 1e-6, bid
    for bid in apart:
        assert np.abs(apart[bid] - together[bid]).max() <= 1e-5, bid
    lit = together["h0.attn.q[0]"]
    assert (np.abs(lit[0] - lit[-1]).max() > 0.05)               # its cells really change over the story
    obj = merged[0]
    face = 0
    for bid in obj["llmreel_block"].split(","):
        n = spec.block(bid).values.size
        for local in range(n):
            assert cell_inspector.cell_info(obj, face + local) == lines[(bid, local)]
        face += n
    with pytest.raises(ValueError):
        cell_inspector.cell_info(obj, face)


@pytest.mark.parametrize("weights_on", ["always", "first frame"])
def test_static_image_blocks_need_no_frame(bpy_factory, weights_on):
    """An image block whose cells keep one look over the story (weights: there before the story, or
    revealed at its first frame as GPT-2's are) has no frame driver: its frame is the story's last, where
    cell_look gives the look static_look stores for such cells (what the stand-in tiles and a cell block
    of the same values show at every frame: settled), and what cell_look gives at every frame once a
    flash would be over; a block that lights keeps its driver."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.blender_addon.blocks import settled_throughout
    from llmreel.scenes.look import cell_look, static_look

    spec = small_spec()
    if weights_on == "first frame":
        spec.block("wte").t_on[:] = spec.meta.frame_start
    build.build_scene(spec, image_threshold=1, glow=False)
    for bid, static in (("wte", True), ("h0.attn.q[1]", False)):
        obj = next(o for o in bpy.data.objects if o.get("llmreel_block") == bid)
        tree = obj.active_material.node_tree
        drivers = tree.animation_data.drivers if tree.animation_data else []
        assert (len(drivers) == 0) == static, bid
        b = spec.block(bid)
        assert settled_throughout(b.t_on, spec.meta, spec.look) == static
        if static:
            frame = next(n for n in tree.nodes if n.label == "frame").outputs[0].default_value
            settled = spec.theme.cell_colors(b.role, b.values, b.scale).reshape(-1, 3)
            want = cell_look(settled, b.t_on.reshape(-1), frame, spec.look)[0]
            stored = static_look(b, spec.meta.frame_start, spec.meta.frame_end)
            assert np.array_equal(want, np.where(stored[:, None] > 0, settled, np.float32(spec.look.dim)))
            for f in range(int(np.ceil(spec.meta.frame_start + spec.look.flash_frames)), spec.meta.frame_end + 1):
                assert np.array_equal(cell_look(settled, b.t_on.reshape(-1), f, spec.look)[0], want)


def _image_spec():
    """small_spec with two more weight matrices of layer h0 (one revealed before the story, one at its first
    frame, as GPT-2's are), all blocks images at image_threshold=1."""
    spec = small_spec()
    w = spec.block("wte")
    rng = np.random.default_rng(5)
    for name, dz, t in (("c_fc", -0.9, -np.inf), ("c_proj", -1.5, spec.meta.frame_start)):
        b = copy.deepcopy(w)
        b.id = b.formal = b.tensor = f"h0.mlp.{name}.weight"
        b.origin = (w.origin[0] + 0.1, w.origin[1], w.origin[2] + dz)
        b.values = rng.normal(0, 0.6, w.shape).astype(np.float32)
        b.t_on = np.full(w.shape, t, np.float32)
        spec.blocks.append(b)
    return spec


def _image_parts(bpy):
    """{block id: (tile vertices in the world [V, 3], stored Col [V, 4], UVs [4F, 2], material name, its image's
    pixels, its frame value)} of every image block, merged or not."""
    from llmreel.blender_addon.attributes import get_attribute

    out = {}
    for obj in (o for o in bpy.data.objects if o.get("llmreel_image")):
        me = obj.data
        co = get_attribute(me, "position") + np.asarray(obj.location, np.float32)
        col = get_attribute(me, "Col")
        uv = np.empty(len(me.loops) * 2, np.float32)
        me.uv_layers["UVMap"].data.foreach_get("uv", uv)
        slot = np.empty(len(me.polygons), np.int32)
        me.polygons.foreach_get("material_index", slot)
        ids = obj["llmreel_block"].split(",")
        faces = ([m["llmreel_faces"] for m in json.loads(obj["llmreel_members"])] if len(ids) > 1
                 else [[0, len(me.polygons)]])
        for i, (bid, (a, z)) in enumerate(zip(ids, faces)):
            assert (slot[a:z] == i).all()
            mat = me.materials[i]
            tree = mat.node_tree
            drivers = tree.animation_data.drivers if tree.animation_data else []
            frame = next(n for n in tree.nodes if n.label == "frame").outputs[0].default_value
            out[bid] = (co[4 * a:4 * z], col[4 * a:4 * z], uv.reshape(-1, 2)[4 * a:4 * z], mat.name,
                        np.array(tree.nodes["Image Texture"].image.pixels[:]), (len(drivers), frame))
    return out


@pytest.mark.bpy
def test_static_images_of_a_layer_share_an_object(bpy_factory, tmp_path):
    """At scale, the image blocks of one layer that keep one look (block_lod.merge_images) are one object,
    a material slot each: their tiles, stored colours, texture coordinates, images and frames are those of
    an object per block, a Workbench frame is the same to the pixel, and the inspector names each block."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector
    from llmreel.scenes.block_lod import merge_images

    spec = _image_spec()
    n = len(spec.blocks)
    ids = [b.id for b in spec.blocks]
    assert merge_images(spec.blocks, 1, n, spec.meta, spec.look) == []              # not at scale
    groups = [[ids[i] for i in g] for g in merge_images(spec.blocks, 1, 0, spec.meta, spec.look)]
    assert groups == [["wte"], ["h0.mlp.c_fc.weight", "h0.mlp.c_proj.weight"]]     # lighting ones apart

    def frame_png(name):
        sc = bpy.context.scene
        sc.render.engine = "BLENDER_WORKBENCH"
        sc.render.resolution_x, sc.render.resolution_y, sc.render.resolution_percentage = 320, 180, 100
        sc.frame_set(50)
        sc.render.filepath = str(tmp_path / name)
        bpy.ops.render.render(write_still=True)
        img = bpy.data.images.load(str(tmp_path / name))
        px = np.array(img.pixels[:], np.float32)
        bpy.data.images.remove(img)
        return px

    build.build_scene(spec, image_threshold=1, glow=False, merge_above=n)
    apart, apart_px = _image_parts(bpy), frame_png("apart.png")
    build.build_scene(spec, image_threshold=1, glow=False, merge_above=0)
    merged = [o for o in bpy.data.objects if o.get("llmreel_image") and "," in o["llmreel_block"]]
    assert [o["llmreel_block"] for o in merged] == ["h0.mlp.c_fc.weight,h0.mlp.c_proj.weight"]
    assert not merged[0].animation_data and not merged[0].modifiers
    together, together_px = _image_parts(bpy), frame_png("together.png")
    assert sorted(together) == sorted(apart) == sorted(ids)
    for bid in ids:
        for a, b in zip(apart[bid][:3], together[bid][:3]):
            assert np.abs(a - b).max() < 1e-6, bid
        assert apart[bid][3:4] == together[bid][3:4] and np.array_equal(apart[bid][4], together[bid][4])
        assert apart[bid][5] == together[bid][5], bid
    assert together["h0.mlp.c_proj.weight"][5] == (0, spec.meta.frame_end)          # no frame driver
    assert np.array_equal(apart_px, together_px)
    obj = merged[0]
    tiles = json.loads(obj["llmreel_members"])[1]["llmreel_faces"][0]
    with pytest.raises(ValueError, match="h0.mlp.c_proj.weight is an image plane"):
        cell_inspector.cell_info(obj, tiles)

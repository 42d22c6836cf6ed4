"""The cell look on real bpy follows the one rule, scenes/look.cell_look: the Geometry Nodes look group
(evaluated point attributes `Col` and `glow`) and the image-plane shader (rendered with Cycles)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from addon_specs import small_spec

pytestmark = pytest.mark.bpy

# hand-chosen reveal frames of the 3x5 block "h0.attn.q[1]" (flash: 12 frames at 24 fps): always, never,
# in a run, between frames, a hair after a frame (still dim there: lit only once age > lit_after), late
T_ON = np.array([[-np.inf, np.inf, 10.0, 12.0, 12.5],
                 [13.0, 20.0, 20.0002, 20.00005, 26.25],
                 [30.0, 41.0, 47.5, 60.0, 70.0]], np.float32)
PREVIEW = [(50.0, 54.0)]
BLOCK = "h0.attn.q[1]"


def _spec():
    spec = small_spec()
    q = spec.block(BLOCK)
    q.t_on, q.preview = T_ON.copy(), list(PREVIEW)
    return spec


def _want(spec, block, frame: float, preview: bool, image: bool = False):
    """cell_look's colour and glow; `image`: the settled colours as an image block stores them (the value's
    palette step, in 8-bit sRGB)."""
    from llmreel.scenes.block_lod import indices, linear_to_srgb8, palette, srgb8_to_linear
    from llmreel.scenes.look import cell_look

    settled = spec.theme.cell_colors(block.role, block.values, block.scale).reshape(-1, 3)
    if image:
        pal = srgb8_to_linear(linear_to_srgb8(palette(block, spec.theme)))
        settled = pal[indices(block.values, block.scale).reshape(-1)]
    return cell_look(settled, block.t_on.reshape(-1), frame, spec.look, preview)


def _in_preview(block, frame: float) -> bool:
    """A preview (first, last) covers whole frames: subframes of its last frame too."""
    return any(a <= frame < z + 1 for a, z in block.preview)


def test_geometry_nodes_follow_cell_look(bpy_factory):
    """For every frame (and some subframes) where a block's look modifier is live, its evaluated `Col` and
    `glow` equal cell_look's colour and glow (to float rounding)."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.blender_addon.animate import is_shown
    from llmreel.blender_addon.attributes import get_attribute
    from llmreel.blender_addon.blocks import LOOK_MODIFIER
    from llmreel.blender_addon.geometry import verts_per_cell

    spec = _spec()
    build.build_scene(spec, glow=False)
    sc = bpy.context.scene
    objs = {o["llmreel_block"]: o for o in bpy.data.objects if o.get("llmreel_block") is not None}
    times = [(f, 0.0) for f in range(spec.meta.frame_start, spec.meta.frame_end + 1)]
    times += [(12, 0.25), (20, 0.5), (26, 0.25), (47, 0.5), (47, 0.75)]      # between frames
    live = {}
    for b in spec.blocks:
        obj = objs[b.id]
        mod = obj.modifiers.get(LOOK_MODIFIER)
        if mod is None:
            continue
        n = 0
        for f, sub in times:
            sc.frame_set(f, subframe=sub)
            if not (mod.show_viewport and is_shown(obj)):
                continue
            frame = f + sub
            col, glow = _want(spec, b, frame, _in_preview(b, frame))
            ev = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
            mesh = ev.to_mesh()
            try:
                step = verts_per_cell(obj["llmreel_cell_shape"])
                got_col = get_attribute(mesh, "Col")[::step, :3]
                got_glow = get_attribute(mesh, "glow")[::step]
            finally:
                ev.to_mesh_clear()
            assert np.abs(got_col - col).max() <= 1e-5, (b.id, frame, got_col, col)
            assert np.abs(got_glow - glow).max() <= 1e-5, (b.id, frame, got_glow, glow)
            n += 1
        live[b.id] = n
    # the test block is live through its reveals, flashes and preview; something is really compared
    assert live[BLOCK] >= 60, live
    # every phase of the rule occurs among the compared frames: dim, mid-flash, settled, preview
    q = spec.block(BLOCK)
    seen = np.concatenate([_want(spec, q, f, _in_preview(q, f))[1] for f in range(1, 97)])
    assert (seen == 1).any() and ((seen > 0) & (seen < 1)).any() and (seen == 0).any()


def _emission_only(mat, what: str) -> None:
    """Swap the material's output to an Emission (strength 1) of what the look computes for the surface:
    "colour" (its Emission Color) or "strength" (its Emission Strength, 1 + glow_gain * glow, as grey).
    The rendered pixel is then exactly that value."""
    nt = mat.node_tree
    bsdf = next(n for n in nt.nodes if n.type == "BSDF_PRINCIPLED")
    socket = {"colour": "Emission Color", "strength": "Emission Strength"}[what]
    value = bsdf.inputs[socket].links[0].from_socket
    out = next(n for n in nt.nodes if n.type == "OUTPUT_MATERIAL")
    em = nt.nodes.new("ShaderNodeEmission")
    em.inputs["Strength"].default_value = 1.0
    nt.links.new(value, em.inputs["Color"])
    nt.links.new(em.outputs[0], out.inputs["Surface"])


PX = 4          # pixels per cell side (Blender renders at least 4 pixels high)


def _frame_block(bpy, obj, rows: int, cols: int, pitch: float):
    """An orthographic camera looking along +Y at the block, PX x PX pixels per cell, the frame exactly on
    the cell grid (cell (r, c) covers pixel rows PX*r.. from the top, columns PX*c..)."""
    sc = bpy.context.scene
    data = bpy.data.cameras.new("look test camera")
    data.type, data.ortho_scale, data.sensor_fit = "ORTHO", max(cols, rows) * pitch, "AUTO"
    cam = bpy.data.objects.new("look test camera", data)
    sc.collection.objects.link(cam)
    ox, _, oz = obj.location
    cam.location = (ox + (cols - 1) * pitch / 2, -5.0, oz - (rows - 1) * pitch / 2)
    cam.rotation_euler = (math.pi / 2, 0.0, 0.0)
    data.clip_start, data.clip_end = 0.1, 100.0
    sc.camera = cam
    sc.render.resolution_x, sc.render.resolution_y, sc.render.resolution_percentage = PX * cols, PX * rows, 100


def test_image_shader_follows_cell_look(bpy_factory, tmp_path):
    """An image-plane block rendered with Cycles (1 sample, a cell's centre pixels, linear EXR) shows
    cell_look's colour and emission strength (its glow) at frames before, at, during and after its
    reveals and during a preview."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, render

    spec = _spec()
    build.build_scene(spec, image_threshold=1, glow=False)        # every block an image plane
    q = spec.block(BLOCK)
    obj = next(o for o in bpy.data.objects if o.get("llmreel_block") == BLOCK)
    assert obj.get("llmreel_image")
    for o in bpy.data.objects:                                      # only the block in front of the camera
        if o is not obj and o.type != "CAMERA":
            o.hide_render = True
    _frame_block(bpy, obj, *q.shape, q.pitch)
    sc = bpy.context.scene
    sc.render.engine = "CYCLES"
    sc.cycles.samples, sc.cycles.use_denoising, sc.cycles.device = 1, False, "CPU"
    sc.cycles.pixel_filter_type = "BOX"
    sc.cycles.filter_width = 0.01                                   # each pixel samples its own cell only
    sc.render.use_compositing = False
    sc.view_settings.view_transform, sc.view_settings.look = "Standard", "None"
    sc.render.image_settings.file_format = "OPEN_EXR"
    sc.render.image_settings.color_depth = "32"
    frames = [9, 10, 12, 14, 16, 20, 22, 26, 30, 36, 47, 48, 52, 60, 66, 90]
    for what in ("colour", "strength"):
        _emission_only(obj.active_material, what)
        for f in frames:
            sc.frame_set(f)
            sc.render.filepath = str(tmp_path / f"look{what}{f}.exr")
            with render.quiet():
                bpy.ops.render.render(write_still=True)
            img = bpy.data.images.load(sc.render.filepath)
            px = np.array(img.pixels[:], np.float32).reshape(img.size[1], img.size[0], 4)[::-1, :, :3]
            px = px[PX // 2::PX, PX // 2::PX]                        # [rows, cols, 3]: a pixel inside each cell
            bpy.data.images.remove(img)
            col, glow = _want(spec, q, float(f), _in_preview(q, f), image=True)
            want = col if what == "colour" else np.repeat(1 + spec.look.glow_gain * glow[:, None], 3, axis=1)
            want = want.reshape(*q.shape, 3)
            assert np.abs(px - want).max() <= 2e-4, (what, f, np.abs(px - want).max(), px, want)

"""What keeps scrubbing and rendering cheap, checked for correctness: block phases (hidden / live / final),
hidden blocks dim through the plates, visibility through collection instancers, and render-only shot culling."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addon_specs import front_colours, shots, small_spec

pytestmark = pytest.mark.bpy


def _look(t_on, frame, flash, preview):
    """The contract per cell at `frame`: 0 dim, 1 settled, 2 in between (flashing)."""
    age = frame - t_on
    if preview:
        return np.ones_like(t_on, dtype=int)
    return np.where(age < 0, 0, np.where(age >= flash, 1, 2))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-5, 120), st.just(np.inf)), min_size=1, max_size=12),
       st.lists(st.tuples(st.integers(1, 100), st.integers(0, 30)), max_size=2), st.floats(0.5, 12))
def test_phases_partition_and_agree_with_the_look(t_list, previews, flash):
    """Hidden only while every cell is dim; base (modifier off) only while every cell shows the stored
    look; the three phases partition the frames."""
    from llmreel.scenes.look import block_phases
    from llmreel.scenes.spec import Block

    t_on = np.asarray(t_list, dtype=np.float32)
    n = len(t_on)
    preview = [(float(a), float(a + d)) for a, d in previews]
    block = Block(id="b", tensor="x", index_prefix=(), transpose=False, role="activation", title={"en": "b"},
                  formal="", origin=(0.0, 0.0, 0.0), pitch=0.1, cell=0.08, depth=0.02, scale=1.0,
                  row_axis="1", col_axis="T",
                  values=np.zeros((1, n), np.float32), t_on=t_on.reshape(1, n), chapter="", preview=preview)
    ph = block_phases(block, 1, 100, flash)
    masks = np.stack([ph["hidden"], ph["base"], ph["live"]])
    assert (masks.sum(axis=0) == 1).all()
    stored = ph["base_lit"].astype(int)
    for i, f in enumerate(range(1, 101)):
        prev = any(a <= f <= z for a, z in preview)
        look = _look(t_on, f, flash, prev)
        if ph["hidden"][i]:
            assert (look == 0).all()
        if ph["base"][i]:
            assert (look == stored).all(), (f, look, stored)
    if not preview and (np.isfinite(t_on) & (t_on > 1) & (t_on + flash < 90)).all():
        assert ph["base"].any()                                            # a quiet stretch exists: used


def test_one_object_per_block_and_hidden_blocks_dim_through_the_plates(bpy_factory):
    """A block that hides while all dim costs nothing then: the static plates show its dim cells (its plate
    dim, stripes in the plates' shade over the gaps between its cells), with a quad per row and column, not
    a tile per cell."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.blender_addon.geometry import cell_centres
    from llmreel.scenes.look import block_phases

    spec = small_spec()
    build.build_scene(spec)
    blocks = [o for o in bpy.data.objects if o.get("llmreel_block")]
    assert sorted(o["llmreel_block"] for o in blocks) == sorted(b.id for b in spec.blocks)
    weight = next(o for o in blocks if o["llmreel_block"] == "wte")
    assert not weight.modifiers and not weight.animation_data              # never changes: nothing per frame
    dim = np.asarray(spec.look.dim, np.float32)
    gap = (dim + np.asarray(spec.theme.background, np.float32)) / 2
    hiding = [b for b in spec.blocks if b.role != "weight"]
    for b in hiding:
        assert block_phases(b, spec.meta.frame_start, spec.meta.frame_end, spec.look.flash_frames)["hidden"].any()
        r, k = b.shape
        cells = cell_centres(r, k, b.pitch) + np.asarray(b.origin, np.float32)
        assert np.abs(front_colours(bpy, cells) - dim).max() < 1e-6, b.id
        edge = b.cell * 0.498                                             # just inside a cell's dim square
        for d in ((edge, 0, 0), (0, 0, -edge), (-edge, 0, edge)):
            assert np.abs(front_colours(bpy, cells + np.float32(d)) - dim).max() < 1e-6, b.id
        grid = cells.reshape(r, k, 3)
        between = grid[:, :-1].reshape(-1, 3) + np.float32((b.pitch / 2, 0, 0))     # the gaps: the plates' shade
        below = grid[:-1].reshape(-1, 3) + np.float32((0, 0, -b.pitch / 2))
        for points in (between, below):
            assert np.abs(front_colours(bpy, points) - gap).max() < 1e-6, b.id
    plates = next(o for o in bpy.data.objects if o.get("llmreel_plates"))
    cell_blocks = [b for b in spec.blocks if b.values.size]
    stripes = sum(b.shape[0] + b.shape[1] + 2 for b in hiding)
    assert len(plates.data.polygons) == len(cell_blocks) + stripes


def test_a_hidden_block_looks_as_its_cells_drawn_dim(bpy_factory, tmp_path):
    """Workbench: while a block hides, the picture is what its own cells drawn all dim would show (up to
    its cells' edges: they stand a cell depth in front of the dim squares); without the plates, it differs."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.blender_addon.animate import is_shown
    from llmreel.blender_addon.blocks import LOOK_MODIFIER

    spec = small_spec()
    build.build_scene(spec, glow=False)
    sc = bpy.context.scene
    sc.render.engine = "BLENDER_WORKBENCH"
    sc.display.render_aa = "OFF"
    sc.render.resolution_x, sc.render.resolution_y, sc.render.resolution_percentage = 480, 270, 100
    sc.render.use_compositing = False
    obj = next(o for o in bpy.data.objects if o.get("llmreel_block") == "h0.attn.q[1]")
    sc.frame_set(3)
    assert not is_shown(obj)
    (hidden,) = shots(bpy, tmp_path, "hidden", (3,))
    obj.animation_data_clear()
    obj.hide_render = obj.hide_viewport = False
    obj.modifiers[LOOK_MODIFIER].show_render = obj.modifiers[LOOK_MODIFIER].show_viewport = True
    (drawn,) = shots(bpy, tmp_path, "drawn", (3,))
    obj.hide_render = obj.hide_viewport = True
    plates = next(o for o in bpy.data.objects if o.get("llmreel_plates"))
    plates.hide_render = plates.hide_viewport = True
    (bare,) = shots(bpy, tmp_path, "bare", (3,))
    block = np.abs(drawn - bare).max(axis=-1) > 2 / 255                   # where the block draws
    assert block.sum() > 2000
    differ = np.abs(drawn - hidden).max(axis=-1) > 2 / 255
    assert differ[block].mean() < 0.05 and not differ[~block].any()
    assert np.abs(drawn - hidden)[block].mean() < 1 / 255


def test_labels_show_through_keyed_instancers(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import animate, build, merge

    spec = small_spec()
    build.build_scene(spec)
    label = next(l for l in spec.labels if l.visible)
    obj = merge.holder_of(bpy.data.objects, "llmreel_label", label.id)
    assert obj.type == "MESH" and obj.parent is None and not obj.animation_data   # merged; its instancer is keyed
    (a, z), sc = label.visible[0], bpy.context.scene
    for f, want in ((int(a), True), (int(z), True), (int(z) + 1, False)):
        sc.frame_set(f)
        assert animate.is_shown(obj) == want, f
    view = bpy.context.view_layer.layer_collection
    shown = next(c for c in view.children["LLM Reel"].children if c.name == "LLM Reel Shown")
    assert shown.exclude                                                   # its objects draw only as instances


def test_culling_matches_blender_camera_and_changes_no_pixel(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build, culling, merge

    spec = small_spec()
    build.build_scene(spec, glow=False)
    sc = bpy.context.scene
    sc.render.resolution_x, sc.render.resolution_y = 96, 54
    frames = np.array([1, 30, 48, 70, 96], dtype=np.float64)
    pos, axes, _ = culling.camera_frames(sc, frames)
    for i, f in enumerate(frames):                                         # the f-curve camera == Blender's
        sc.frame_set(int(f))
        mw = np.array(sc.camera.matrix_world)
        assert np.allclose(mw[:3, 3], pos[i], atol=1e-5)
        assert np.allclose(mw[:3, 2], -axes[i, 2], atol=1e-5) and np.allclose(mw[:3, 1], axes[i, 1], atol=1e-5)
    sc.render.engine = "BLENDER_WORKBENCH"
    sc.display.render_aa = "OFF"

    before = shots(bpy, tmp_path, "a", (5, 48, 90))
    bpy.ops.object.empty_add(location=(50.0, 0.0, 0.0))                    # a user object: never culled
    far = merge.holder_of(bpy.data.objects, "llmreel_label", spec.labels[0].id)
    far.location.x += 40.0                                                 # far off screen all story long
    n = culling.cull_offscreen(sc)
    assert n >= 1 and far.get(culling.CULLED)
    sc.frame_set(48)
    assert far.hide_render
    far.location.x -= 40.0
    culled_back = [o for o in bpy.data.objects if o.get(culling.CULLED) and o != far]
    far_anim = far.animation_data
    if far_anim:                                                           # undo the far label's keys: it is
        far.animation_data_clear()                                         # back in view for the comparison
    far.hide_render = False
    after = shots(bpy, tmp_path, "b", (5, 48, 90))
    for x, y in zip(before, after):
        assert np.array_equal(x, y)
    assert all(o.type in ("MESH", "FONT", "CURVE") for o in culled_back)

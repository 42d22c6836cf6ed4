"""What keeps scrubbing and rendering cheap, checked for correctness: block phases (hidden / live / final),
the dim backdrop, visibility through collection instancers, and render-only shot culling."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addon_specs import shots, small_spec

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


def test_one_object_per_block_and_backdrop(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec)
    blocks = [o for o in bpy.data.objects if o.get("llmreel_block")]
    assert sorted(o["llmreel_block"] for o in blocks) == sorted(b.id for b in spec.blocks)
    weight = next(o for o in blocks if o["llmreel_block"] == "wte")
    assert not weight.modifiers and not weight.animation_data              # never changes: nothing per frame
    backs = [o for o in bpy.data.objects if o.get("llmreel_backdrop")]
    assert len(backs) == 1 and not backs[0].animation_data and not backs[0].modifiers
    back, dim = backs[0], np.asarray(spec.look.dim, np.float32)
    assert "Col" not in back.data.attributes and "glow" not in back.data.attributes     # one colour, not per vertex
    mat = back.active_material                      # Workbench: the object's colour; Cycles/EEVEE: the emission
    assert np.allclose(back.color[:3], dim) and np.allclose(mat.diffuse_color[:3], dim)
    bsdf = next(n for n in mat.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    assert np.allclose(bsdf.inputs["Emission Color"].links[0].from_socket.default_value[:3], dim)
    assert bsdf.inputs["Emission Strength"].links[0].from_socket.default_value == 1.0


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

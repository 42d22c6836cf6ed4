"""Depth and the presets that pay for it: slabs shaded per face, HDR flashes for the bloom, the gradient
background (present in opaque renders, absent from transparent ones), the depth of field's wiring, the
presets' settings and `--device`. Frame speed goals live in bench/bench_presets.py, not here."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from addon_specs import small_spec
from conftest import assert_one_line_error, run_cli


def test_presets_buy_what_they_say():
    from llmreel.blender_addon.presets import resolve
    from llmreel.core.errors import InputError

    draft, preview, final = (resolve(q) for q in ("draft", "preview", "final"))
    assert (draft.width, draft.height, draft.samples, draft.compositor) == (854, 480, 0, False)
    assert (preview.width, preview.height) == (1280, 720) and (preview.samples >= 1 or preview.smaa)
    assert preview.cell_shape == "box" and preview.compositor and preview.glow_gain == 0    # SMAA, no glare
    assert (final.width, final.height) == (1920, 1080) and final.samples >= 5
    assert final.cell_shape == "box" and final.compositor                                   # slabs, bloom, DOF
    assert final.glow_gain > 0 and final.dof > 0
    assert resolve("final", engine="cycles", device="gpu").device == "gpu"
    assert resolve("final", device="gpu").device == "cpu"         # Workbench draws with OpenGL: no choice
    with pytest.raises(InputError, match="--device"):
        resolve("draft", device="tpu")


def _evaluated(bpy, obj, name):
    from llmreel.blender_addon.attributes import get_attribute

    ev = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = ev.to_mesh()
    try:
        return get_attribute(mesh, name)
    finally:
        ev.to_mesh_clear()


@pytest.mark.bpy
def test_slab_faces_are_shaded_and_flashes_go_above_one_for_the_bloom(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, presets
    from llmreel.blender_addon.geometry import SHADES, verts_per_cell
    from llmreel.blender_addon.render import configure_render

    spec = small_spec()
    build.build_scene(spec, cell_shape="box")
    sc = bpy.context.scene
    objs = {o["llmreel_block"]: o for o in bpy.data.objects if o.get("llmreel_block") is not None}
    n = verts_per_cell("box")
    weights = _evaluated(bpy, objs["wte"], "Col").reshape(-1, n, 4)[..., :3]      # static: stored at build
    for face, shade in enumerate(SHADES["box"]):
        assert np.allclose(weights[:, 4 * face:4 * face + 4], weights[:, :1] * shade, atol=1e-6), face
    assert SHADES["box"][0] == 1.0 and max(SHADES["box"][1:]) < 1.0          # the front keeps the theme colour

    q = objs["h0.attn.q[1]"]                                 # cell 0 lights at frame 10 and flashes after
    sc.frame_set(11)
    settings = replace(presets.resolve("final"), width=64, height=36)
    configure_render(sc, replace(settings, glow_gain=0.0))
    plain = _evaluated(bpy, q, "Col").reshape(-1, n, 4)[0, 0, :3]
    configure_render(sc, settings)
    sc.frame_set(11)
    hdr = _evaluated(bpy, q, "Col").reshape(-1, n, 4)[0, 0, :3]
    glow = _evaluated(bpy, q, "glow").reshape(-1, n)[0, 0]
    assert glow > 0.5 and plain.max() <= 1.0
    assert np.allclose(hdr, plain * (1 + settings.glow_gain * glow), atol=1e-4) and hdr.max() > 1.0


@pytest.mark.bpy
def test_background_has_depth_when_opaque_and_is_absent_when_transparent(bpy_factory, tmp_path):
    """Opaque: the gradient shows (the empty picture is not one flat colour, and lighter than the theme's
    background towards the centre); transparent: every pixel the model leaves empty has alpha 0."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, keys, presets
    from llmreel.blender_addon.render import configure_render, render_frame, load_pixels

    spec = small_spec()
    build.build_scene(spec, captions=False, cell_shape="box")
    sc = bpy.context.scene
    base = replace(presets.resolve("draft", captions=False), width=160, height=90)
    configure_render(sc, base)
    opaque = load_pixels(render_frame(sc, 5, tmp_path / "opaque.png"))
    configure_render(sc, replace(base, transparent=True))
    clear = load_pixels(render_frame(sc, 5, tmp_path / "clear.png"))
    bg_obj = next(o for o in sc.objects if o.get(keys.BACKGROUND))
    assert bg_obj.hide_render
    empty = clear[..., 3] == 0                                               # what the model leaves empty
    assert empty.mean() > 0.5 and empty[0, 0] and empty[-1, -1]
    assert not np.any(clear[empty, 3])                                       # no floor, no gradient
    px = opaque[empty][:, :3]
    assert np.all(opaque[..., 3] == 1.0)
    assert px.max(axis=0).sum() - px.min(axis=0).sum() > 0.02              # not flat
    srgb = np.where(np.asarray(spec.theme.background) <= 0.0031308, 12.92 * np.asarray(spec.theme.background),
                    1.055 * np.asarray(spec.theme.background) ** (1 / 2.4) - 0.055)
    assert np.allclose(opaque[0, 0, :3], srgb, atol=2 / 255)                # the corners: the theme's colour
    assert px.mean(axis=0).sum() > srgb.sum() + 0.01                        # lifted towards the centre


@pytest.mark.bpy
def test_depth_of_field_wiring_follows_the_settings(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, compat, compositor, presets
    from llmreel.blender_addon.render import configure_render

    build.build_scene(small_spec())
    sc = bpy.context.scene
    tree = compat.compositor_tree(sc, create=False)
    out = next(n for n in tree.nodes if n.bl_idname in ("NodeGroupOutput", "CompositorNodeComposite"))
    final = replace(presets.resolve("final"), width=200, height=100)
    configure_render(sc, final)
    assert out.inputs[0].links[0].from_node.name == compositor.DEFOCUS
    assert tuple(tree.nodes[compositor.BLUR].inputs["Size"].default_value) == pytest.approx((final.dof * 0.2,) * 2)
    assert all(layer.use_pass_z for layer in sc.view_layers)
    cam = sc.camera
    target = cam.constraints[0].target
    sc.frame_set(1)
    focus = tree.nodes["Focus Distance"].outputs[0].default_value               # the driver: camera to target
    assert focus == pytest.approx((cam.matrix_world.translation - target.matrix_world.translation).length, rel=1e-4)
    assert tree.nodes[compositor.SMAA].mute and not tree.nodes[compositor.GLARE].mute
    configure_render(sc, replace(final, dof=0.0))
    assert out.inputs[0].links[0].from_node.name == compositor.GLARE
    configure_render(sc, replace(presets.resolve("preview"), width=200, height=100))         # SMAA, no glare
    assert not tree.nodes[compositor.SMAA].mute and tree.nodes[compositor.GLARE].mute


@pytest.mark.bpy
def test_device_gpu_without_a_gpu_says_so_and_renders_on_the_cpu(tmp_path):
    """This machine has no GPU: the real path of `--device gpu` there. A bad device is one line, exit 2."""
    out = tmp_path / "s.png"
    proc = run_cli("still", "--frame", "300", "--engine", "cycles", "--device", "gpu", "--samples", "1",
                   "--resolution", "32x18", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    notes = [l for l in proc.stderr.splitlines() if "--device gpu" in l]
    assert len(notes) == 1 and "no GPU" in notes[0] and "CPU" in notes[0], proc.stderr
    assert out.exists()
    assert_one_line_error(run_cli("still", "--frame", "1", "--device", "tpu", "--out", str(tmp_path / "b.png")))

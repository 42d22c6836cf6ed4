"""Korean text in a draft (Workbench without anti-aliasing, text merged at 2 curve steps): every stroke of
every Hangul glyph is drawn, as a supersampled picture of the same text shows it, with no gap filled in.
Without text.set_strokes whole strokes dropped out ("임베딩" drew as "임베닝"); curve steps were not the cause."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.bpy
BODY = "임베딩 위치 벡터 토큰 잔차 스트림"
W, H, SUPER = 320, 48, 8            # the picture, and the reference's supersampling per side
PX_PER_UNIT = W / 10                # an orthographic camera 10 units wide


def _text_scene(bpy, body: str, size: float, resolution: int, aliased: bool):
    """An empty scene holding `body` merged into a mesh as a build merges it, in front of a camera."""
    from llmreel.blender_addon import merge, text

    bpy.ops.wm.read_factory_settings(use_empty=True)
    sc = bpy.context.scene
    coll = bpy.data.collections.new("texts")
    sc.collection.children.link(coll)
    cam = bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
    sc.collection.objects.link(cam)
    cam.data.type, cam.data.ortho_scale = "ORTHO", W / PX_PER_UNIT
    cam.location, cam.rotation_euler = (5.0, -10.0, 0.0), (np.pi / 2, 0.0, 0.0)
    sc.camera = cam
    pending: list = []
    text.make_text("t", body, size, (1.0, 1.0, 1.0), coll, location=(0.2, 0.0, -0.1), pending=pending)
    merge.merge_collections([coll], pending, resolution, aliased)
    sc.world = bpy.data.worlds.new("black")
    sc.world.color = (0.0, 0.0, 0.0)
    (obj,) = coll.objects
    return sc, obj


def _lit(bpy, tmp_path, sc, scale: int) -> np.ndarray:
    """Which pixels the text covers, drawn at `scale` times W x H by Workbench without anti-aliasing."""
    from llmreel.blender_addon import render
    from llmreel.blender_addon.presets import RenderSettings

    render.configure_render(sc, RenderSettings(width=W * scale, height=H * scale, engine="workbench", samples=0,
                                               denoise=False, captions=True, language="ko"))
    sc.display.shading.light, sc.display.shading.color_type = "FLAT", "OBJECT"
    sc.render.filepath = str(tmp_path / f"text{scale}.png")
    with render.quiet():
        bpy.ops.render.render(write_still=True)
    return render.load_pixels(sc.render.filepath)[..., :3].mean(axis=-1) > 0.5


def _triangles(obj) -> int:
    obj.data.calc_loop_triangles()
    return len(obj.data.loop_triangles)


def strokes(bpy, tmp_path, size: float, resolution: int, aliased: bool) -> tuple[float, float, float]:
    """(recall, stray, glyph height in px) of the draft picture of BODY drawn at `size` (the role size is
    smaller: Korean is drawn text_metrics.KO_SCALE larger than its role's size): the share of pixels
    the text half covers or more (from a supersampled picture at full curve resolution) that are drawn, and
    the share of drawn pixels the text barely touches (< 10%: gaps filled in)."""
    from llmreel.scenes.text_metrics import KO_SCALE

    size = size / KO_SCALE
    ref_scene, _ = _text_scene(bpy, BODY, size, 12, False)
    ref = _lit(bpy, tmp_path, ref_scene, SUPER)
    cover = ref.reshape(H, SUPER, W, SUPER).mean(axis=(1, 3))
    rows = np.flatnonzero(ref.any(axis=1))
    draft_scene, _ = _text_scene(bpy, BODY, size, resolution, aliased)
    lit = _lit(bpy, tmp_path, draft_scene, 1)
    need = cover >= 0.5
    return (float((lit & need).sum() / need.sum()), float((lit & (cover < 0.1)).sum() / lit.sum()),
            (rows[-1] - rows[0] + 1) / SUPER)


@pytest.mark.parametrize("size", [0.8, 1.3])
def test_draft_hangul_keeps_every_stroke(bpy_factory, tmp_path, size):
    recall, stray, height = strokes(bpy_factory, tmp_path, size, 2, aliased=True)
    assert 7 < height < 14, height                          # label and caption sizes at 480p
    assert recall >= 0.99, (recall, height)
    assert stray <= 0.03, (stray, height)


def test_without_thicker_strokes_the_draft_drops_hangul_strokes_at_any_curve_resolution(bpy_factory, tmp_path):
    """The defect the test above guards against, and why curve steps do not fix it."""
    results = {res: strokes(bpy_factory, tmp_path, 0.8, res, aliased=False) for res in (2, 12)}
    for res, (recall, _stray, _height) in results.items():
        assert recall < 0.9, (res, recall)                  # about one pixel in five of the strokes lost
    assert abs(results[2][0] - results[12][0]) < 0.03


def test_thicker_strokes_cost_no_triangles_and_leave_latin_alone(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import text
    from llmreel.scenes.text_metrics import drawn_size

    counts = {}
    for body in (BODY, "Embedding h0.attn"):
        for aliased in (False, True):
            _, obj = _text_scene(bpy, body, 1.0, 2, aliased)
            co = np.array([v.co[:] for v in obj.data.vertices])
            counts[body, aliased] = (_triangles(obj), np.ptp(co, axis=0))
    tri, extent = counts[BODY, True]
    assert tri <= 1.05 * counts[BODY, False][0]
    grown = extent - counts[BODY, False][1]
    assert np.allclose(grown[[0, 2]], 2 * text.ALIASED_CJK_GROW * drawn_size(BODY, 1.0), rtol=0.25), grown
    assert counts["Embedding h0.attn", True][0] == counts["Embedding h0.attn", False][0]
    assert np.array_equal(counts["Embedding h0.attn", True][1], counts["Embedding h0.attn", False][1])


def test_draft_settings_choose_thicker_strokes_and_a_later_render_restores_them(bpy_factory):
    """prepare_scene builds a draft with thicker CJK strokes (its own build: build_id); on text objects
    kept editable, configure_render switches them with the anti-aliasing and back."""
    bpy = bpy_factory
    from llmreel.blender_addon import presets, render, text
    from llmreel.scenes.text_metrics import drawn_size

    draft, final = presets.resolve("draft", language="ko"), presets.resolve("final", language="ko")
    # the preview's SMAA smooths a one-sample raster: strokes it missed stay missing, so it is aliased too
    assert render.aliased(draft) and render.aliased(presets.resolve("preview")) and not render.aliased(final)
    assert render.build_id(b"spec", draft) != render.build_id(b"spec", presets.resolve("draft", samples=5,
                                                                                          language="ko"))
    coll = bpy.context.scene.collection
    ko = text.make_text("ko", "임베딩", 0.5, (1, 1, 1), coll, grow=0.02)
    en = text.make_text("en", "Embedding", 0.5, (1, 1, 1), coll)
    render.configure_render(bpy.context.scene, draft)
    assert ko.data.offset == pytest.approx(0.02 + text.ALIASED_CJK_GROW * drawn_size("임베딩", 0.5))
    assert en.data.offset == 0
    render.configure_render(bpy.context.scene, final)
    assert ko.data.offset == pytest.approx(0.02) and en.data.offset == 0

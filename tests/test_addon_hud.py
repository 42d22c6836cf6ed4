"""The camera and the HUD draw what the spec gives (scenes/hud.py plans it): the keys' interpolation and
handles, the clip start, the HUD plane's depth keys, and every caption and title-card rectangle and text."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from addon_specs import small_spec

pytestmark = pytest.mark.bpy


def _points(idblock, data_path: str, index: int = 0):
    from llmreel.blender_addon import compat

    fc = compat.fcurve_ensure(idblock, data_path, index)
    return list(fc.keyframe_points)


def test_camera_and_hud_plane_follow_spec(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    eases = [("LINEAR", "VECTOR"), ("BEZIER", "AUTO_CLAMPED"), ("CONSTANT", "FREE")]
    spec.camera = [dataclasses.replace(k, interpolation=i, handles=h) for k, (i, h) in zip(spec.camera, eases)]
    spec.hud.clip_start *= 1.5                       # the add-on takes it as given, computes nothing
    spec.hud.depth = [(f, z * 0.5) for f, z in spec.hud.depth]
    build.build_scene(spec, glow=False)
    cam = bpy.context.scene.camera
    target = cam.constraints["Track To"].target
    assert cam.data.clip_start == pytest.approx(spec.hud.clip_start, rel=1e-6)
    hud = next(o for o in bpy.data.objects if o.name.startswith("LLM Reel HUD"))
    series = [(cam, "location", i) for i in range(3)] + [(target, "location", 0), (cam.data, "lens", 0)]
    for idblock, path, index in series:
        kps = _points(idblock, path, index)
        assert [(kp.interpolation, kp.handle_left_type, kp.handle_right_type) for kp in kps] == \
            [(i, h, h) for i, h in eases], (idblock.name, path, index)
    kps = _points(hud, "location", 2)
    assert np.allclose([kp.co[:] for kp in kps], spec.hud.depth, rtol=1e-6, atol=0)
    assert [kp.interpolation for kp in kps] == [i for i, _ in eases]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_captions_and_cards_follow_spec_hud(bpy_factory, language):
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.scenes.text_metrics import drawn_size

    spec = small_spec()
    # moved off what scenes/hud.py plans: the add-on must draw what it is given, not recompute it
    for lay in [c for per_lang in spec.hud.captions for c in per_lang.values()] + spec.hud.cards:
        lay.band.size = (lay.band.size[0] * 1.1, lay.band.size[1] * 0.9)
        lay.band.location = tuple(np.add(lay.band.location, (0.01, 0.02, 0.0)))
        for text in (getattr(lay, "text", None), getattr(lay, "title", None), getattr(lay, "subtitle", None)):
            if text is not None:
                text.size *= 1.2
                text.location = tuple(np.add(text.location, (0.0, 0.01, 0.0)))
    build.build_scene(spec, language=language, editable_text=True, glow=False)
    objs = bpy.data.objects

    def check_band(obj, band):
        co = np.array([v.co[:] for v in obj.data.vertices])
        assert np.allclose(obj.location, band.location, atol=1e-7)
        assert np.allclose(co.max(axis=0)[:2] - co.min(axis=0)[:2], band.size, atol=1e-6)
        assert np.allclose(obj.color[:3], getattr(spec.theme, band.color), atol=1e-7)

    def check_text(obj, text, body):
        cu = obj.data
        assert cu.body == body and cu.size == pytest.approx(drawn_size(body, text.size), rel=1e-6)  # Korean larger
        assert np.allclose(obj.location, text.location, atol=1e-7)
        assert cu.align_x == text.align.upper() and cu.align_y == text.align_y
        assert cu.text_boxes[0].width == pytest.approx(text.wrap, rel=1e-6)
        assert np.allclose(obj.color[:3], getattr(spec.theme, text.color), atol=1e-7)

    for i, cap in enumerate(spec.captions):
        layout = spec.hud.captions[i][language]
        check_band(objs[f"caption band {i:03d}"], layout.band)
        check_text(objs[f"caption {i:03d}"], layout.text, cap.text[language])
    for card, layout in zip(spec.title_cards, spec.hud.cards):
        check_band(objs[f"title band {card.chapter}"], layout.band)
        check_text(objs[f"title {card.chapter}"], layout.title, card.text[language])
        check_text(objs[f"subtitle {card.chapter}"], layout.subtitle, card.subtitle[language])

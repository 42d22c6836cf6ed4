"""spec.hud: caption and title-card layout, numerically what blender_addon/build.py computed itself before
the HUD moved into the SceneSpec (re-derived here from build.py's literal formulas)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from llmreel.core.options import LANGUAGES
from llmreel.scenes.camera import caption_band_top, caption_lines
from llmreel.scenes.hud import card_height, depth_scale, plan_hud
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.spec import Caption, CameraKey, SceneSpec, TitleCard
from llmreel.scenes.text_metrics import wrapped_lines


def _old_hud_width(spec) -> float:
    keys = spec.camera or []
    near = min((float(np.linalg.norm(np.subtract(k.location, k.target))) for k in keys), default=4.0)
    lens = max((k.lens for k in keys), default=50.0)
    return max(1e-3, 0.25 * near * 36.0 / lens)


def _old_frame_size(spec) -> tuple[float, float]:
    ax, ay = spec.meta.aspect
    w = _old_hud_width(spec)
    return (w, w * ay / ax) if ax >= ay else (w * ax / ay, w)


def _old_text_lines(text: str, size: float, wrap: float) -> int:
    """Line counts come from the measured fonts since issue 11 (word wrap, Korean at its size factor)."""
    return wrapped_lines(text, size, wrap)


def _pick(text, language):
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def check_hud_as_build_did(spec: SceneSpec) -> None:
    hud = spec.hud
    assert hud.width == _old_hud_width(spec)
    fw, fh = _old_frame_size(spec)
    assert hud.frame == (fw, fh)
    keys = sorted(spec.camera, key=lambda k: k.frame)
    # farther than DEPTH_SPAN times the nearest key (the whole model, the scale chapter) the HUD steps back too
    assert hud.depth == [(k.frame, -k.lens / 36.0 * hud.width * f) for k, f in zip(keys, depth_scale(keys))]
    lens = min((k.lens for k in spec.camera), default=50.0)
    assert hud.clip_start == 0.5 * lens / 36.0 * hud.width
    size = 0.03 * min(fw, fh) / 0.5625
    base = -fh / 2 + 0.045 * fh
    assert len(hud.captions) == len(spec.captions)
    for cap, per_lang in zip(spec.captions, hud.captions):
        assert set(per_lang) == set(LANGUAGES)
        for language, h in per_lang.items():
            body = _pick(cap.text, language)
            wrap = (0.8 if fw > fh else 0.9) * fw          # a square or tall frame's out to the title-safe margins
            lines = _old_text_lines(body, size, wrap)
            top = base + lines * size * 1.3 + 0.5 * size
            assert h.lines == lines
            assert (h.text.size, h.text.location, h.text.wrap) == (size, (0, base, 0), wrap)
            assert (h.text.align, h.text.align_y, h.text.color) == ("center", "BOTTOM", "text")
            assert h.band.size == (fw * 1.05, top + fh / 2 + 0.02 * fh)
            assert h.band.location == pytest.approx((0, (top - fh / 2 - 0.02 * fh) / 2, -0.002 * min(fw, fh) / 0.5625))
            assert h.band.color == "background"
    unit = min(fw, fh) / 0.5625
    assert len(hud.cards) == len(spec.title_cards)
    for c in hud.cards:
        # a band across the frame's top, card_height of it, behind the title and, under it, the subtitle
        bottom, top = c.band.location[1] - c.band.size[1] / 2, c.band.location[1] + c.band.size[1] / 2
        assert c.band.size[0] >= fw and top >= fh / 2 and c.band.color == "background"
        assert bottom == pytest.approx(fh / 2 - card_height(spec.meta.aspect) * fh, rel=1e-6)
        assert c.band.location[2] == -0.002 * unit and c.band.location[0] == 0
        assert fh / 2 > c.title.location[1] + 0.7 * c.title.size
        assert c.title.location[1] > c.subtitle.location[1] + 0.7 * c.subtitle.size
        assert c.subtitle.location[1] - 0.25 * c.subtitle.size > bottom      # descenders too
        assert c.title.size > 1.5 * c.subtitle.size and (c.title.color, c.subtitle.color) == ("text", "accent")
        assert c.title.align == c.subtitle.align == "center"
        assert c.title.align_y == c.subtitle.align_y == "BOTTOM_BASELINE" and c.title.wrap == 0.0


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_planned_hud_is_what_build_computed(aspect):
    check_hud_as_build_did(plan_scene(aspect=aspect))


def test_hud_of_a_hand_made_scene():
    """Short and long captions (one language missing: English is shown), no camera keys (defaults)."""
    caps = [Caption(1, 10, {"en": "short", "ko": "짧다"}), Caption(11, 20, {"en": "word " * 80}),
            Caption(21, 30, {"en": "", "ko": "한국어 " * 60})]
    cards = [TitleCard("one", {"en": "One", "ko": "하나"}, {"en": "sub", "ko": "부"}, (1.0, 5.0))]
    keys = [CameraKey(1.0, (0.0, -30.0, 2.0), (0.0, 0.0, 1.0), 35.0), CameraKey(9.0, (3.0, -8.0, 0.0), (1.0, 0.0, 0.0), 85.0)]
    for camera in (keys, []):
        spec = plan_scene()
        spec.camera, spec.captions, spec.title_cards = camera, caps, cards
        spec.meta.aspect = (4, 5)
        spec.hud = plan_hud(camera, spec.meta.aspect, caps, cards)
        check_hud_as_build_did(spec)
        assert spec.hud.captions[1]["ko"].lines == spec.hud.captions[1]["en"].lines > 3     # ko falls back
        assert spec.hud.captions[2]["ko"].lines > 1 and spec.hud.captions[2]["en"].lines == 1


@pytest.mark.parametrize("bands", [True, False])
def test_a_band_sits_behind_its_text_by_a_share_of_the_huds_distance(bands):
    """A caption's band (and a transparent still's outline) sits behind its text by the same share of the
    HUD's distance from the camera whatever that distance: GPT-2's whole-model shots put the HUD ~45 times
    farther than a close-up of nano does, and a fixed offset fell inside the depth buffer's precision there
    (the band showed through the caption's letters in its draft video)."""
    caps = [Caption(1, 10, {"en": "short", "ko": "짧다"})]
    shares = []
    for near in (4.0, 180.0):
        keys = [CameraKey(1.0, (0.0, -near, 0.0), (0.0, 0.0, 0.0), 50.0)]
        hud = plan_hud(keys, (16, 9), caps, [], bands=bands)
        c = hud.captions[0]["en"]
        gap = -c.band.location[2] if bands else 2 * c.text.outline_depth
        shares.append(gap / -hud.depth[0][1])
    assert shares[0] == pytest.approx(shares[1]) and shares[0] > 1e-3


@pytest.mark.parametrize("aspect", [(16, 9), (9, 16), (1, 1)])
def test_shot_framing_uses_the_hud_band(aspect):
    """camera.py's band (frame fractions) is the HUD's band, whatever the HUD's width."""
    spec = plan_scene(aspect=f"{aspect[0]}:{aspect[1]}")
    fw, fh = spec.hud.frame
    for cap, per_lang in zip(spec.captions, spec.hud.captions):
        for language, h in per_lang.items():
            assert caption_lines(_pick(cap.text, language), aspect) == h.lines
            band_top = h.band.location[1] + h.band.size[1] / 2                 # HUD units, centre 0
            assert caption_band_top(aspect, h.lines) == pytest.approx((band_top + fh / 2) / fh, abs=1e-12)

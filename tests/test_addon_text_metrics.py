"""scenes/text_metrics.py against Blender: its table is what Blender measures today (a new font or Blender
fails here: rerun `python -m llmreel.blender_addon.font_metrics`), Korean text drawn by the add-on stands
as tall as English capitals, every text of the default story has the ink box the planner computes, and
captions wrap into the lines the HUD plans for them."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.bpy


@pytest.fixture(scope="module")
def default_spec():
    from llmreel.scenes.plan import plan_scene

    return plan_scene()


def _ink(bpy, obj) -> np.ndarray:
    """(x0, x1, y0, y1) of a text object's evaluated geometry, in its own (unrotated) plane."""
    bb = np.array([tuple(c) for c in obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).bound_box])
    return np.array([bb[:, 0].min(), bb[:, 0].max(), bb[:, 1].min(), bb[:, 1].max()])


def _text(bpy, body: str, size: float = 1.0, **options):
    from llmreel.blender_addon.text import make_text

    return make_text("metrics probe", body, size, (1, 1, 1), bpy.context.scene.collection,
                     facing_camera_wall=False, **options)


def test_the_table_is_what_blender_measures(bpy_factory):
    from llmreel.blender_addon.font_metrics import CHARS, measure_all
    from llmreel.scenes import text_metrics

    assert text_metrics.CHARS == CHARS
    m = measure_all()
    for name, f in m.items():
        cap, x_height, hangul, chars = text_metrics.FONTS[name]
        assert abs(cap - f["cap"]) < 2e-4 and abs(x_height - f["x_height"]) < 2e-4, name
        assert (hangul is None) == (f["hangul"] is None), name
        if hangul is not None:
            assert np.allclose(hangul, f["hangul"], atol=2e-4), name
        assert np.allclose(np.array(chars), np.array([f["chars"][c] for c in CHARS]), atol=2e-4), name


def test_korean_text_stands_as_tall_as_english_capitals(bpy_factory, default_spec):
    """The add-on's own text objects at one size: the Hangul syllables of the story's Korean texts are,
    in the median, as tall as an English capital (within 5%, either way)."""
    bpy = bpy_factory
    spec = default_spec
    texts = [l.text.get("ko", "") for l in spec.labels] + [c.text["ko"] for c in spec.captions]
    syllables = sorted({ch for t in texts for ch in t if 0xAC00 <= ord(ch) <= 0xD7A3})
    assert len(syllables) > 50
    cap = _ink(bpy, _text(bpy, "H"))[3]
    heights = []
    for ch in syllables:
        box = _ink(bpy, _text(bpy, ch))
        heights.append(box[3] - box[2])
    ratio = float(np.median(heights)) / cap
    assert 0.95 <= ratio <= 1.05, ratio


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_label_has_the_planned_ink_box(bpy_factory, default_spec, language):
    """Every label and value text of the default story, laid out by the add-on: its ink box is the
    planner's (text_metrics.ink_box) within 10% of its extent (kerning is the only thing left out)."""
    bpy = bpy_factory
    from llmreel.blender_addon.text import configure_text
    from llmreel.scenes.hud import pick
    from llmreel.scenes.text_metrics import ink_box

    spec = default_spec
    items = {(pick(l.text, language), l.size, l.align) for l in spec.labels}
    items |= {(pick(v.text, language), v.size, "center") for v in spec.value_texts}
    faults = []
    probe = _text(bpy, "x")
    for body, size, align in sorted(items):
        configure_text(probe.data, body, size, (1, 1, 1), align=align)
        real = _ink(bpy, probe)
        est = np.array(ink_box(body, size, align))
        ext = np.repeat([real[1] - real[0], real[3] - real[2]], 2)
        if np.any(np.abs(est - real) > 0.1 * np.maximum(ext, 0.5 * size)):
            faults.append(f"{body!r} size {size:.3g} {align}: planned {np.round(est, 4)} real {np.round(real, 4)}")
    assert len(items) > 100
    assert not faults, "\n".join(faults[:20])


def _lines(bpy, probe, body: str, size: float, wrap: float) -> int:
    """How many lines Blender wraps `body` into: its ink height against the same words on one line,
    counted in line advances (measured on two lines of the same font)."""
    from llmreel.blender_addon.text import configure_text

    def height(text, w):
        configure_text(probe.data, text, size, (1, 1, 1), align="center", align_y="BOTTOM", wrap_width=w)
        box = _ink(bpy, probe)
        return box[3] - box[2], box

    one, _ = height(body, 0.0)
    probe_char = "가" if any(0xAC00 <= ord(c) <= 0xD7A3 for c in body) else "H"
    h1, _ = height(probe_char, 0.0)
    h2, _ = height(probe_char + "\n" + probe_char, 0.0)
    wrapped, _ = height(body, wrap)
    return 1 + int(round((wrapped - one) / (h2 - h1)))


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_captions_take_the_planned_lines(bpy_factory, aspect):
    """Each caption of the default story, in English and Korean, wraps in Blender into the lines the HUD
    planned (scenes/hud.py: the caption band's height follows them)."""
    bpy = bpy_factory
    from llmreel.scenes.hud import pick
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(aspect=aspect)
    probe = _text(bpy, "x")
    faults, seen = [], set()
    for cap, per_lang in zip(spec.captions, spec.hud.captions):
        for language, h in per_lang.items():
            body = pick(cap.text, language)
            if body in seen:
                continue
            seen.add(body)
            real = _lines(bpy, probe, body, h.text.size, h.text.wrap)
            if real != h.lines:
                faults.append(f"{language} {body!r}: planned {h.lines} lines, Blender {real}")
    assert len(seen) > 20
    assert not faults, "\n".join(faults[:20])


def test_a_korean_texts_lines_without_hangul_take_its_font(bpy_factory):
    """Blender draws a text in one font: a Korean value text's line of numbers alone ("+ β −0.018 = −0.18"
    under "(−0.0071 − 평균) ×") is in the CJK font at the Korean size, as the planner measures it (was
    measured in Inter at the Korean size, twice as wide)."""
    from llmreel.scenes.text_metrics import ink_box

    bpy = bpy_factory
    for body in ("(−0.0071 − 평균) ×\n17.59 × γ 0.89\n+ β −0.018 = −0.18", "+ β −0.018 = −0.18\n평균 0.0035"):
        real = _ink(bpy, _text(bpy, body, 1.0, align="center"))
        assert np.allclose(ink_box(body, 1.0, "center"), real, atol=0.05), (body, real)


@pytest.mark.parametrize("size", [0.7, 2.5])
def test_korean_lines_are_spaced_as_english_ones(bpy_factory, size):
    """Lines of a text stand one role size apart in either script (Korean is drawn larger to stand as tall
    as English, and Blender spaces lines by the drawn size: a Korean caption's second line fell far below
    its first); the planner's ink box of a two-line text is what Blender draws."""
    from llmreel.scenes.text_metrics import ink_box

    bpy = bpy_factory
    gaps = {}
    for one in ("HHH", "한국어"):
        top, two = _ink(bpy, _text(bpy, one, size)), _ink(bpy, _text(bpy, f"{one}\n{one}", size))
        gaps[one] = two[3] - top[3]                           # how far the first line rose above the last
        assert np.allclose(two[2:], ink_box(f"{one}\n{one}", size)[2:], atol=0.02 * size), one   # its height
    assert gaps["HHH"] == pytest.approx(size, rel=0.02) and gaps["한국어"] == pytest.approx(size, rel=0.02)

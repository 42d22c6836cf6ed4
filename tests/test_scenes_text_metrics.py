"""scenes/text_metrics.py and scenes/fcurve.py without Blender: the Korean size rule in every text role of
the default story, the text estimates' basic shape, and the camera easing's basic properties (Blender
itself is compared in test_addon_text_metrics.py, test_addon_fcurve.py and test_addon_screen_boxes.py)."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.scenes import fcurve, text_metrics as tm
from llmreel.scenes.hud import pick
from llmreel.scenes.plan import plan_scene


def _roles(spec) -> dict[str, list[tuple[str, float, str, float]]]:
    """role -> (English text, its size, Korean text, its size) of every text drawn in that role."""
    roles: dict = {}
    for l in spec.labels:
        roles.setdefault(f"label {l.kind}", []).append((pick(l.text, "en"), l.size, pick(l.text, "ko"), l.size))
    for v in spec.value_texts:
        roles.setdefault("value text", []).append((pick(v.text, "en"), v.size, pick(v.text, "ko"), v.size))
    for c, per in zip(spec.captions, spec.hud.captions):
        roles.setdefault("caption", []).append((pick(c.text, "en"), per["en"].text.size,
                                                pick(c.text, "ko"), per["ko"].text.size))
    for card, hud in zip(spec.title_cards, spec.hud.cards):
        roles.setdefault("card title", []).append((pick(card.text, "en"), hud.title.size,
                                                   pick(card.text, "ko"), hud.title.size))
        roles.setdefault("card subtitle", []).append((pick(card.subtitle, "en"), hud.subtitle.size,
                                                      pick(card.subtitle, "ko"), hud.subtitle.size))
    return roles


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_korean_reads_as_large_as_english_in_every_role(aspect):
    """Issue 11: the Hangul glyph height is at least the Latin cap height of a text of the same role,
    within 5% (and no more than 5% above: as large, not larger)."""
    roles = _roles(plan_scene(aspect=aspect))
    korean = set()
    for role, texts in roles.items():
        for en, s_en, ko, s_ko in texts:
            if not any(0xAC00 <= ord(ch) <= 0xD7A3 for ch in ko):
                continue
            korean.add(role)
            ratio = tm.cap_height(ko, s_ko) / (tm.CAP * s_en)
            assert 0.95 <= ratio <= 1.05, (role, en, ko, ratio)
    assert {"label title", "label section", "caption", "card title", "card subtitle"} <= korean


def test_the_korean_factor_comes_from_the_measured_fonts():
    cap, hangul = tm.FONTS["latin"][0], tm.FONTS["cjk"][2]            # measured: Inter's H, CJK syllables
    assert tm.HANGUL_HEIGHT == hangul[4] - hangul[3]
    assert tm.KO_SCALE == pytest.approx(cap / tm.HANGUL_HEIGHT)
    assert 1.2 < tm.KO_SCALE < 2.5                     # Blender draws Noto Sans CJK far smaller than Inter
    assert tm.drawn_size("Query", 2.0) == 2.0 and tm.drawn_size("쿼리", 2.0) == pytest.approx(2.0 * tm.KO_SCALE)
    assert tm.cap_height("쿼리", 1.0) == pytest.approx(tm.CAP)


def test_text_estimates_have_the_shape_blender_gives():
    w = tm.advance_width("Layer norm", 1.0)
    x0, x1, y0, y1 = tm.ink_box("Layer norm", 1.0)
    assert 0 < x0 < x1 < w and y0 < 0 < y1                          # 'y' descends below the baseline
    assert tm.ink_box("Layer norm", 1.0, "right")[1] == pytest.approx(x1 - w)
    assert tm.ink_box("Layer norm", 1.0, "center")[0] == pytest.approx(x0 - w / 2)
    assert tm.ink_box("HH", 2.0)[3] == pytest.approx(2.0 * tm.CAP)
    assert tm.advance_width("HH", 3.0) == pytest.approx(2 * tm.advance_width("H", 3.0))
    assert tm.wrapped_lines("aa bb cc", 1.0, 0.0) == 1
    one = tm.advance_width("aa bb", 1.0)
    assert tm.wrapped_lines("aa bb aa bb", 1.0, one * 1.01) == 2
    assert tm.wrapped_lines("aa bb aa bb", 1.0, one * 3) == 1


def test_eased_keys_hold_ease_and_do_not_overshoot():
    x = np.array([1.0, 30.0, 45.0, 100.0, 130.0])
    y = np.array([0.0, 2.0, 2.5, 10.0, -1.0])
    n = len(x)
    f = np.linspace(-5, 140, 600)
    v = fcurve.evaluate(x, y, f, ["BEZIER"] * n, ["AUTO_CLAMPED"] * n)
    assert np.allclose(fcurve.evaluate(x, y, x, ["BEZIER"] * n, ["AUTO_CLAMPED"] * n), y)
    assert np.all(v[f <= 1] == 0) and np.all(v[f >= 130] == -1)     # held before and after
    for a, b in zip(range(n - 1), range(1, n)):                        # clamped: never past a neighbour
        m = (f >= x[a]) & (f <= x[b])
        assert v[m].min() >= min(y[a], y[b]) - 1e-9 and v[m].max() <= max(y[a], y[b]) + 1e-9
    left, right = fcurve.handles(x, y, ["AUTO_CLAMPED"] * n)
    assert left[0, 1] == right[0, 1] == y[0] and left[-1, 1] == right[-1, 1] == y[-1]   # eases out and in
    assert left[3, 1] == right[3, 1] == y[3]                                            # level at a peak
    near = fcurve.evaluate(x, y, [1.5, 2.0], ["BEZIER"] * n, ["AUTO_CLAMPED"] * n)
    assert near[1] - near[0] < (y[1] - y[0]) / (x[1] - x[0]) * 0.5     # starts slower than a straight line
    lin = fcurve.evaluate(x, y, [10.0], ["LINEAR"] * n, ["AUTO_CLAMPED"] * n)
    assert lin[0] == pytest.approx(y[0] + (10 - 1) / 29 * (y[1] - y[0]))
    assert fcurve.evaluate(x, y, [10.0], ["CONSTANT"] * n, ["AUTO_CLAMPED"] * n)[0] == y[0]
    with pytest.raises(ValueError):
        fcurve.evaluate(x, y, [10.0], ["ELASTIC"] * n, ["AUTO_CLAMPED"] * n)

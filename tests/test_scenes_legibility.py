"""The pieces level of detail and framing stand on: formula line breaks, multi-line text boxes, numbers that
wait for a title card, block ids as a beat's focus, and the screen projection against camera.project."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.scenes.camera import box_corners, project_many
from llmreel.scenes.cards import after_cards
from llmreel.scenes.geometry import value_text_box
from llmreel.scenes.moments import line_chars, wrap_formula
from llmreel.scenes.screen import NOWHERE, SPARSE_CHUNK, Cameras, box_screen
from llmreel.scenes.spec import CameraKey, TitleCard, ValueText

NUMBER = st.floats(-99, 99, allow_nan=False).map(lambda v: f"{v:.2f}".replace("-", "\u2212"))


@settings(max_examples=200, deadline=None)
@given(terms=st.lists(NUMBER, min_size=1, max_size=9), width=st.sampled_from([18, 34]))
def test_formula_lines_keep_every_term_in_order_and_fit(terms, width):
    text = " × ".join(terms[:-1]) + (" = " if len(terms) > 1 else "") + terms[-1]
    out = wrap_formula(text, width)
    assert re.sub(r"\s+", " ", out) == re.sub(r"\s+", " ", text)           # nothing lost, nothing moved
    for line in out.split("\n"):
        assert len(line) <= width or " " not in line                         # only an unbreakable word overflows


def test_formula_breaks_between_terms_then_before_operators():
    assert wrap_formula("max 0.76   Σ exp 2.14   p = 0.47", 18) == "max 0.76\nΣ exp 2.14\np = 0.47"
    assert wrap_formula("0.0097 + −0.45 = −0.44", 18) == "0.0097 + −0.45\n= −0.44"
    assert wrap_formula("0.0097 + −0.45 = −0.44", 34) == "0.0097 + −0.45 = −0.44"
    assert line_chars((16, 9)) > line_chars((1, 1)) == line_chars((9, 16))


def test_a_multi_line_value_text_grows_upwards_from_its_last_baseline():
    one_lo, one_hi = value_text_box("0.0097 + −0.45", 2.0, (0, 0, 0))
    two_lo, two_hi = value_text_box("0.0097 + −0.45\n= −0.44", 2.0, (0, 0, 0))
    assert two_lo[2] == pytest.approx(value_text_box("= −0.44", 2.0, (0, 0, 0))[0][2])
    assert two_hi[2] == pytest.approx(one_hi[2] + 2.0)                       # one line up: one text size
    assert two_hi[0] - two_lo[0] == pytest.approx(one_hi[0] - one_lo[0])    # as wide as its widest line


def test_numbers_wait_for_the_title_card_over_them():
    card = TitleCard(chapter="x", text={"en": "1. X", "ko": "1. X"}, subtitle={"en": "", "ko": ""}, frames=(10.0, 40.0))
    early = ValueText(id="a", text={"en": "1.00", "ko": "1.00"}, location=(0, 0, 0), size=2.0, frames=(30.0, 90.0))
    later = ValueText(id="b", text={"en": "1.00", "ko": "1.00"}, location=(0, 0, 0), size=2.0, frames=(50.0, 90.0))
    after_cards([early, later], [card])
    assert early.frames == (41.0, 90.0) and later.frames == (50.0, 90.0)


def test_a_number_framed_below_the_card_shows_as_the_camera_arrives():
    """With the camera known, a number waits only where the card's band would cover it: one in the middle
    of the frame shows during the card, one at the top of the frame waits for it to go."""
    card = TitleCard(chapter="x", text={"en": "1. X", "ko": "1. X"}, subtitle={"en": "", "ko": ""}, frames=(10.0, 40.0))
    camera = [CameraKey(1.0, (0.0, -100.0, 0.0), (0.0, 0.0, 0.0), 50.0)]     # the frame ~40 units tall at the wall
    def number(z):
        return ValueText(id=f"z{z}", text={"en": "1.00", "ko": "1.00"}, location=(0.0, 0.0, z), size=2.0,
                         frames=(30.0, 90.0))
    middle, top = number(0.0), number(17.0)
    after_cards([middle, top], [card], camera, (16, 9))
    assert middle.frames == (30.0, 90.0) and top.frames == (41.0, 90.0)


def test_screen_projection_is_the_camera_projection():
    keys = [CameraKey(1.0, (10.0, -80.0, 5.0), (0.0, 0.0, 0.0), 50.0),
            CameraKey(30.0, (-20.0, -60.0, 30.0), (5.0, 0.0, -10.0), 35.0)]
    pts = np.random.default_rng(0).uniform(-20, 20, (50, 3))
    corners = np.array([box_corners(p, p + [3.0, 0.5, 1.0]) for p in pts])
    for aspect in ((16, 9), (9, 16), (1, 1)):
        cams = Cameras(keys, [1.0, 30.0])                                    # at the keys: no easing involved
        got = box_screen(corners, cams, aspect)
        uv = project_many(keys, corners.reshape(-1, 3), aspect).reshape(2, 50, 8, 3)
        want = np.stack([uv[..., 0].min(2), uv[..., 0].max(2), uv[..., 1].min(2), uv[..., 1].max(2),
                         uv[..., 2].min(2)], -1)
        assert np.allclose(got, want, atol=2e-4)


def test_a_beat_may_frame_single_blocks():
    """The attention close-ups frame head 0 (the head their captions quote) by block id."""
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene("attention_only")
    qkv = next(b for b in spec.beats if b.id == "self-attention.qkv")
    assert "h0.attn.q[0]" in qkv.focus and "h0.attn.q[1]" not in qkv.focus
    assert set(qkv.shows) <= set(qkv.focus)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_boxes_measured_only_where_needed_match_the_full_measure(seed):
    rng = np.random.default_rng(seed)
    keys = [CameraKey(1.0, (3.0, -40.0, 2.0), (0.0, 0.0, 0.0), 50.0),
            CameraKey(90.0, (-5.0, -25.0, 6.0), (2.0, 0.0, -1.0), 35.0)]
    cams = Cameras(keys, np.arange(1.0, 91.0))
    lo = rng.uniform(-10, 10, (40, 3))
    corners = np.array([box_corners(a, a + rng.uniform(0.1, 3, 3)) for a in lo])
    need = rng.random((len(cams), len(corners))) < 0.1
    full, sparse = box_screen(corners, cams, "16:9"), box_screen(corners, cams, "16:9", need)
    np.testing.assert_allclose(sparse[need], full[need], atol=1e-5)
    # a box is measured (as the full measure has it) in the chunks of frames where some frame needs it, and
    # reads as nowhere in the others
    chunk = np.arange(len(cams)) // SPARSE_CHUNK
    wanted = np.array([need[chunk == c].any(0) for c in chunk])
    assert np.allclose(sparse[wanted], full[wanted], atol=1e-5)
    assert (sparse[~wanted] == NOWHERE).all()


def test_a_blocks_reveal_frames_are_its_distinct_finite_light_times():
    from llmreel.scenes.plan import plan_scene
    spec = plan_scene()
    for b in spec.blocks:
        t = b.t_on[np.isfinite(b.t_on)]
        assert np.array_equal(b.reveal_frames, np.unique(t))
        a, z = float(np.median(t)) if t.size else 0.0, float(t.max()) if t.size else 1.0
        assert np.array_equal(b.lights_between(a, z), np.unique(t[(t >= a) & (t <= z)]))


def test_a_turned_text_box_is_its_level_box_turned_about_its_anchor():
    """A row tag turned a quarter turn (spec.Label.rotation 90) reads upwards: its ink runs up from the
    anchor and its glyphs' tops face left, so its box is the level one turned about the anchor."""
    (x0, _, z0), (x1, _, z1) = value_text_box("48 numbers", 2.0, (0, 0, 0))
    from llmreel.scenes.geometry import text_box
    lo, hi = text_box("48 numbers", 2.0, (5.0, 0.0, 7.0), "center", 90.0)
    clo, chi = text_box("48 numbers", 2.0, (0.0, 0.0, 0.0), "center")
    assert lo[0] == pytest.approx(5.0 - chi[2]) and hi[0] == pytest.approx(5.0 - clo[2])
    assert lo[2] == pytest.approx(7.0 + clo[0]) and hi[2] == pytest.approx(7.0 + chi[0])
    assert hi[2] - lo[2] == pytest.approx(x1 - x0) and hi[0] - lo[0] == pytest.approx(z1 - z0)

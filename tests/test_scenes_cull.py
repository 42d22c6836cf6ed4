"""scenes/cull.py: the grouped sphere test answers as the one-by-one test does, never rules out a box seen in
the frame, and Parts show their blocks' visibility; screen.heights measured only where needed."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.scenes import cull
from llmreel.scenes.camera import box_corners
from llmreel.scenes.legibility import intervals_mask
from llmreel.scenes.screen import SPARSE_CHUNK, Cameras, box_screen, heights
from llmreel.scenes.spec import CameraKey


def _scene(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    keys = [CameraKey(1.0, (3.0, -60.0, 2.0), (0.0, 0.0, 0.0), 50.0),
            CameraKey(40.0, (-30.0, -20.0, 6.0), (-25.0, 0.0, -1.0), 120.0),
            CameraKey(90.0, (40.0, 5.0, 4.0), (0.0, 0.0, 0.0), 24.0)]      # ends looking along the wall
    cams = Cameras(keys, np.arange(1.0, 91.0))
    lo = rng.uniform(-80, 80, (n, 3)) * (1, 0.1, 1)
    corners = np.array([box_corners(a, a + rng.uniform(0.1, 6, 3)) for a in lo])
    return rng, cams, corners


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["16:9", "9:16", "1:1"]))
def test_grouped_test_is_the_one_by_one_test_and_keeps_every_box_in_frame(seed, aspect):
    _, cams, corners = _scene(seed)
    sph = cull.Spheres(corners)
    assert len(sph.group_radius) > 1                              # the groups are tested, not one set
    grouped = cull.in_view(sph, cams, aspect)
    single = cull.sphere_test(sph.centre, sph.radius, cams, aspect)
    np.testing.assert_array_equal(grouped, single)
    for sides in ((0,), (1,)):                                   # one pair of sides: fewer boxes ruled out
        one = cull.in_view(sph, cams, aspect, sides)
        np.testing.assert_array_equal(one, cull.sphere_test(sph.centre, sph.radius, cams, aspect, sides))
        assert (one >= grouped).all() and (one > grouped).any()
    box = box_screen(corners, cams, aspect)
    seen = (box[..., 4] > 0) & (box[..., 1] > 0) & (box[..., 0] < 1) & (box[..., 3] > 0) & (box[..., 2] < 1)
    assert seen.any() and (~seen).any()
    assert not (seen & ~grouped).any()                            # conservative: nothing seen is ruled out


def test_parts_show_their_blocks_and_cut_long_ones():
    from types import SimpleNamespace as B

    def block(lo, hi, visible):
        return B(bounds=lambda: (np.array(lo, float), np.array(hi, float)), visible=visible)

    blocks = [block((0, 0, 0), (1, 0.3, 1), []), block((2, 0, 0), (3, 0.3, 1), [(5.0, 9.0), (20.0, 20.0)]),
              block((0, 0, -1000), (1, 0.3, 0), [(1.0, 3.0)])]              # 1000 widths long
    frames = np.arange(0.0, 30.0)
    whole, cut = cull.Parts(blocks, pieces=False), cull.Parts(blocks, pieces=True)
    assert len(whole.corners) == 3 and len(cut.corners) == 2 + int(np.ceil(1000 / cull.PIECE))
    for parts in (whole, cut):
        want = np.stack([intervals_mask(b.visible, frames) for b in blocks], 1)[:, parts.owner]
        np.testing.assert_array_equal(parts.shown(frames), want)
    assert cut.same(blocks) and not cut.same(blocks[:2])
    blocks[1].visible = [(5.0, 8.0)]
    assert not cut.same(blocks)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_heights_measured_only_where_needed_match_the_full_measure(seed):
    rng, cams, corners = _scene(seed, 60)
    anchors, lengths = corners[:, 0], rng.uniform(0.1, 2, len(corners))
    turns = np.where(rng.random(len(corners)) < 0.3, 90.0, 0.0)
    need = rng.random((len(cams), len(corners))) < 0.1
    full = heights(anchors, lengths, cams, "16:9", turns)
    sparse = heights(anchors, lengths, cams, "16:9", turns, need=need)
    np.testing.assert_allclose(sparse[need], full[need], rtol=1e-6)
    chunk = np.arange(len(cams)) // SPARSE_CHUNK
    wanted = np.array([need[chunk == c].any(0) for c in chunk])
    assert (sparse[~wanted] == 0).all()


def test_culled_measure_draws_what_the_full_measure_draws():
    """evaluate measures texts and blocks only where they may be in view; measuring every one everywhere
    (look all true) finds the same texts seen, the same faults and the same texts drawn."""
    from dataclasses import replace

    from llmreel.scenes.legibility import Texts, evaluate, seeable
    from llmreel.scenes.plan import plan_scene
    spec = plan_scene(aspect="9:16")
    labels = [replace(l, visible=[]) for l in spec.labels]          # every label shown, as before the plan's LOD
    texts = Texts(labels, spec.value_texts)
    frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, 7, dtype=np.float64)
    args = (texts, spec.blocks, spec.camera, spec.captions, spec.title_cards, spec.meta.aspect, frames)
    out = ~seeable(texts, Cameras(spec.camera, frames), spec.meta.aspect)
    assert out.mean() > 0.05                                          # the close-ups rule some texts out
    culled, full = evaluate(*args), evaluate(*args, look=np.ones((len(frames), len(texts)), dtype=bool))
    assert culled[0].any() and (~culled[0]).any() and not (culled[0] & out).any()
    np.testing.assert_array_equal(culled[0], full[0])                                    # seen
    for rule in full[1]:
        np.testing.assert_array_equal(culled[1][rule], full[1][rule], err_msg=rule)
    np.testing.assert_array_equal(culled[2], full[2])                                    # drawn

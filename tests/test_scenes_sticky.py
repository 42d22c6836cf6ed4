"""Sticky titles (scenes/sticky.py): in the default story's portrait and square plans, where wide blocks are
panned, every title and tensor name that rides along a pan stays within its block's horizontal extent, is
never drawn under half its size, is drawn only inside the title-safe area, and while it rides it holds still
on the safe edge (nothing jitters); its keys are what the add-on reads back; the key simplifier keeps to
its tolerance."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.scenes import sticky
from llmreel.scenes.legibility import SAFE, Texts, block_screen, intervals_mask
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.screen import Cameras, box_screen, slide_values
from llmreel.scenes.spec import SceneSpec

_SPECS: dict = {}


def spec_for(aspect) -> SceneSpec:
    if aspect not in _SPECS:
        _SPECS[aspect] = plan_scene(aspect=aspect)
    return _SPECS[aspect]


def moving_frames(spec):
    """The moving labels, the frames over which any of them is keyed away from where it stands, and the
    frames of the camera's cuts (a key at the same frame as the one before: no motion between them)."""
    moving = [l for l in spec.labels if l.slide]
    lo = min(k[0] for l in moving for k in l.slide[1:])
    hi = max(k[0] for l in moving for k in l.slide[:-1])
    return moving, np.arange(lo, hi + 1, dtype=np.float64)


@pytest.mark.parametrize("aspect", ["9:16", "1:1"])
def test_a_sticky_title_stays_on_its_block_and_in_the_safe_area(aspect):
    spec = spec_for(aspect)
    moving, frames = moving_frames(spec)
    assert len(moving) >= 10
    blocks = {b.id: b for b in spec.blocks}
    cams = Cameras(spec.camera, frames)
    texts = Texts(moving)
    static = box_screen(texts.corners, cams, aspect)                  # where they stand
    moved, cap = texts.screen(cams, aspect)
    blk, _ = block_screen([blocks[l.block] for l in moving], cams, aspect, frames)
    scales = np.stack([slide_values(l.slide, frames)[1] for l in moving], 1)
    # in front of the camera and near the frame (a camera passing close to the wall between two shots
    # projects texts beside it to thousands of frame widths, where a rounding error is a large number)
    near = (static[..., 4] > 0) & (moved[..., 4] > 0) & (blk[..., 4] > 0) & (np.abs(static[..., :4]).max(-1) < 5)
    shifted = near & (np.abs(moved[..., 0] - static[..., 0]) > 1e-4)
    assert shifted.any()
    # within the block's extent (the block with the text where it stands), at half its size at least
    e0, e1 = np.minimum(static[..., 0], blk[..., 0]), np.maximum(static[..., 1], blk[..., 1])
    eps = 2e-3
    out = shifted & ((moved[..., 0] < e0 - eps) | (moved[..., 1] > e1 + eps))
    assert not out.any(), [(moving[i].id, frames[k]) for k, i in zip(*np.nonzero(out))][:5]
    assert scales.min() >= sticky.MIN_SCALE - 1e-6 and scales.max() <= 1 + 1e-9
    # drawn (level of detail) only inside the safe area, and large enough
    drawn = np.stack([intervals_mask(l.visible, frames) for l in moving], 1) & (moved[..., 4] > 0)
    x0, x1, y0, y1 = SAFE
    bad = drawn & ((moved[..., 0] < x0 - 1e-3) | (moved[..., 1] > x1 + 1e-3) | (moved[..., 2] < y0 - 1e-3)
                   | (moved[..., 3] > y1 + 1e-3))
    assert not bad.any()
    from llmreel.scenes.legibility import MIN_CAP
    assert not (drawn & (cap < MIN_CAP)).any()


@pytest.mark.parametrize("aspect", ["9:16", "1:1"])
def test_a_riding_title_holds_still_on_the_safe_edge(aspect):
    """While a title rides (moved, inside the safe area where it may be drawn, and not at the end of its
    block's room), its cut edge sits on the safe edge (+ sticky.PAD) in every frame: it does not drift or jitter as the camera
    moves, and two frames a few apart show it in the same place."""
    spec = spec_for(aspect)
    moving, frames = moving_frames(spec)
    cams = Cameras(spec.camera, frames)
    texts = Texts(moving)
    static = box_screen(texts.corners, cams, aspect)
    moved, _ = texts.screen(cams, aspect)
    blocks = {b.id: b for b in spec.blocks}
    blk, _ = block_screen([blocks[l.block] for l in moving], cams, aspect, frames)
    e0, e1 = np.minimum(static[..., 0], blk[..., 0]), np.maximum(static[..., 1], blk[..., 1])
    near = (static[..., 4] > 0) & (moved[..., 4] > 0) & (blk[..., 4] > 0) & (np.abs(static[..., :4]).max(-1) < 5)
    riding = (near & (np.abs(moved[..., 0] - static[..., 0]) > 0.01) & (moved[..., 1] < e1 - 0.01)
              & (moved[..., 0] > e0 + 0.01) & (moved[..., 0] > SAFE[0]) & (moved[..., 1] < SAFE[1])
              & (moved[..., 2] > SAFE[2]) & (moved[..., 3] < SAFE[3]))      # where it may be drawn
    assert riding.sum() >= 20, riding.sum()
    left = SAFE[0] + sticky.PAD
    right = SAFE[1] - sticky.PAD
    # within a few thousandths of the frame (a pixel or two at 480p); in the output loop's fast sweeps
    # (the camera's distance halving in ten frames) the perspective solve may miss by up to a hundredth
    off = np.minimum(np.abs(moved[..., 0] - left), np.abs(moved[..., 1] - right))[riding]
    assert np.mean(off < 0.004) > 0.99 and off.max() < 0.015, (np.mean(off < 0.004), off.max())
    # the same title 3 frames later, still riding: the same place on screen
    a, b = riding[:-3], riding[3:]
    step = np.abs(moved[3:, :, 0] - moved[:-3, :, 0])[a & b]
    assert np.mean(step < 0.004) > 0.99 and step.max() < 0.015, (np.mean(step < 0.004), step.max())


def test_slide_keys_are_read_as_the_add_on_keys_them():
    """Linear between keys, held past the ends; no keys: where it stands."""
    keys = [(10.0, 0.0, 0.0, 1.0), (20.0, 4.0, -2.0, 0.5)]
    off, s = slide_values(keys, [0, 10, 15, 20, 30])
    assert np.allclose(off[:, 0], [0, 0, 2, 4, 4]) and np.allclose(off[:, 2], [0, 0, -1, -2, -2])
    assert np.allclose(s, [1, 1, 0.75, 0.5, 0.5])
    off, s = slide_values([], [1, 2])
    assert not off.any() and np.all(s == 1)


@pytest.mark.parametrize("seed", range(5))
def test_simplified_keys_follow_the_solution_within_tolerance(seed):
    rng = np.random.default_rng(seed)
    frames = np.arange(0.0, 400.0)
    # a ride: still, a smooth move, a jump (a cut), a hold
    dx = np.r_[np.zeros(100), np.cumsum(rng.uniform(0, 0.2, 150)), np.full(150, -3.0)]
    sc = np.r_[np.ones(120), np.linspace(1, 0.6, 130), np.full(150, 0.8)]
    size = 2.0
    keys = sticky.simplify(frames, dx, sc, size)
    assert keys[0][0] == 0 and keys[-1][0] == 399 and len(keys) < 200
    off, s = slide_values(keys, frames)
    assert np.abs(off[:, 0] - dx).max() <= sticky.TOL_MOVE * size + 1e-9
    assert np.abs(s - sc).max() <= sticky.TOL_SCALE + 1e-9
    assert np.all(off[:, 2] == 0)


def test_slide_survives_the_spec_file(tmp_path):
    spec = spec_for("9:16")
    path = tmp_path / "spec.npz"
    spec.save(path)
    back = SceneSpec.load(path)
    assert [l.slide for l in back.labels] == [[tuple(k) for k in l.slide] for l in spec.labels]
    assert back == spec

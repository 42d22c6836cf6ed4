"""A pan's follow keys (scenes/follow.py): the camera is over each block the caption shows when it starts
lighting, never turning back, including a block its end window holds only near the edge."""
import numpy as np
import pytest

from llmreel.scenes.follow import FOLLOW_MARGIN, follow

FPS = 24
W0 = (np.array([0.0, 0.0, -100.0]), np.array([100.0, 1.0, 0.0]))          # a 100 x 100 window, panned
W1 = (np.array([0.0, 0.0, -1100.0]), np.array([100.0, 1.0, -1000.0]))     # 1000 down over 240 frames


def window_at(u):
    return tuple(a + u * (b - a) for a, b in zip(W0, W1))


def box(z_top, h=20.0):
    return np.array([40.0, 0.0, z_top - h]), np.array([60.0, 0.0, z_top])


@pytest.mark.parametrize("z_top, lights", [(-400.0, 100), (-700.0, 150), (-1080.0, 200)])
def test_each_block_is_in_the_window_when_it_starts_lighting(z_top, lights):
    """Lit at `lights`, the block's centre is inside the window then (by the margin where the end window
    allows it): also for the last one, whose centre the end window holds only 10 units from its edge (the
    pan's last stop then has it at least half in view)."""
    stops = follow(W0, W1, {"b": np.array([float(lights), lights + 5.0])}, {"b": box(z_top)}, 0, 240, FPS)
    assert stops, "no key follows the block"
    frames = [0] + [f for f, _ in stops] + [240]
    us = [0.0] + [u for _, u in stops] + [1.0]
    u = float(np.interp(lights, frames, us))
    lo, hi = window_at(u)
    c = z_top - 10.0
    assert lo[2] - 1e-9 <= c <= hi[2] + 1e-9              # at least half of it in the window
    assert all(b >= a for a, b in zip(us, us[1:])), "the pan turned back"
    if c - W1[0][2] >= FOLLOW_MARGIN * 100:
        assert lo[2] + FOLLOW_MARGIN * 100 <= c + 1e-9


def test_a_block_no_window_of_the_pan_holds_gets_no_key():
    assert follow(W0, W1, {"b": np.array([100.0])}, {"b": box(-2000.0)}, 0, 240, FPS) == []

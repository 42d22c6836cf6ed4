"""look.cell_look: the one rule for a cell's colour and glow over time, and spec.look, its parameters."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.scenes.look import cell_look, flash_frames, plan_look
from llmreel.scenes.themes import THEMES

RNG = np.random.default_rng(7)


def _by_hand(settled, t_on, frame, th, fps, preview=False):
    """The look contract re-derived: dim before t_on, the flash colour at t_on fading linearly to the settled
    colour over the theme's flash seconds; glow 1 at the flash, 0 once settled; a preview shows all settled."""
    flash_len = th.flash_seconds * fps
    age = frame - t_on
    fade = np.ones_like(age) if preview else np.clip(age / flash_len, 0, 1)
    lit = np.ones(age.shape, bool) if preview else age >= 0
    flash = np.asarray(th.flash)
    col = flash + fade[:, None] * (settled - flash)
    col = np.where(lit[:, None], col, np.asarray(th.dim))
    glow = np.where(lit, 1.0 - fade, 0.0)
    return col, glow


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("fps", [12, 30, 60])
def test_cell_look_is_the_flash_rule(theme, fps):
    th = THEMES[theme]
    look = plan_look(th, fps)
    assert look.dim == th.dim and look.flash == th.flash and look.flash_frames == flash_frames(th, fps)
    values = RNG.normal(size=40).astype(np.float32)
    settled = th.cell_colors("activation", values, 1.0)
    t_on = np.concatenate([RNG.uniform(1, 200, 36), [-np.inf, np.inf, 50.0, 50.5]]).astype(np.float32)
    for frame in (1.0, 49.0, 50.0, 50.25, 57.0, 64.0, 65.5, 120.0, 300.0):
        for preview in (False, True):
            col, glow = cell_look(settled, t_on, frame, look, preview)
            assert col.dtype == glow.dtype == np.float32 and col.shape == (40, 3) and glow.shape == (40,)
            want_col, want_glow = _by_hand(settled, t_on.astype(np.float64), frame, th, fps, preview)
            np.testing.assert_allclose(col, want_col, atol=2e-6)
            np.testing.assert_allclose(glow, want_glow, atol=2e-6)


def test_cell_look_phases_and_edges():
    th = THEMES["dark"]
    look = plan_look(th, 30)                                    # 15 flash frames
    settled = np.array([[0.2, 0.4, 0.6]] * 3, np.float32)
    t_on = np.array([10.0, np.inf, -np.inf], np.float32)
    col, glow = cell_look(settled, t_on, 9.0, look)
    assert np.allclose(col[0], th.dim) and glow[0] == 0                  # before its reveal: dim, no glow
    assert np.allclose(col[1], th.dim) and np.allclose(col[2], settled[2]) and glow[2] == 0
    col, glow = cell_look(settled, t_on, 10.0, look)
    assert np.allclose(col[0], th.flash) and glow[0] == 1                # at its reveal: the flash
    col, glow = cell_look(settled, t_on, 17.5, look)
    assert np.allclose(col[0], (np.asarray(th.flash) + settled[0]) / 2) and glow[0] == pytest.approx(0.5)
    col, glow = cell_look(settled, t_on, 25.0, look)
    assert np.allclose(col[0], settled[0]) and glow[0] == 0              # settled after flash_frames
    col, glow = cell_look(settled, t_on, 9.0, look, preview=True)
    assert np.allclose(col, settled) and not glow.any()                 # a preview: everything settled
    col, _ = cell_look(settled, t_on, 9.0, look, preview=np.array([True, False, False]))
    assert np.allclose(col[0], settled[0]) and np.allclose(col[1], th.dim)   # per-cell preview flags
    col, glow = cell_look(settled, np.full(3, 10.0 + 5e-5, np.float32), 10.0, look)
    assert np.allclose(col, th.flash) and (glow == 1).all()             # lit a hair early (lit_after)


def test_cell_look_broadcasts_over_blocks():
    look = plan_look(THEMES["light"], 24)
    settled = RNG.uniform(size=(4, 5, 3)).astype(np.float32)
    t_on = RNG.uniform(0, 40, size=(4, 5)).astype(np.float32)
    col, glow = cell_look(settled, t_on, 20.0, look)
    flat_col, flat_glow = cell_look(settled.reshape(-1, 3), t_on.reshape(-1), 20.0, look)
    assert col.shape == (4, 5, 3) and np.array_equal(col.reshape(-1, 3), flat_col)
    assert np.array_equal(glow.reshape(-1), flat_glow)

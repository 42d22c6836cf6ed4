"""Stills for slides, on the scenes side: `on` light | dark recolours texts, outlines and paths for the slide
(cells keep the theme's colours), and a transparent picture's HUD has no bands, only outlined texts."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from llmreel.core.errors import InputError
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.themes import SLIDES, THEMES, check_slide, contrast, slide_theme

CELL_FIELDS = ("flash", "zero", "pos", "neg", "flash_seconds")      # a value's cell; `dim` follows the slide


def wcag_contrast(a, b) -> float:
    """WCAG 2 contrast of two linear RGB colours, written out here independently of themes.contrast."""
    la, lb = (float(np.dot([0.2126, 0.7152, 0.0722], c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.fixture(scope="module")
def slides():
    return {on: plan_scene(fps=12, on=on, bands=False) for on in SLIDES}


def test_contrast_is_wcag():
    assert contrast((1, 1, 1), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast((0.2, 0.5, 0.9), (0.2, 0.5, 0.9)) == pytest.approx(1.0)
    assert contrast((0.4, 0.07, 0.0), (1, 1, 1)) == pytest.approx(wcag_contrast((0.4, 0.07, 0.0), (1, 1, 1)))


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("on", sorted(SLIDES))
def test_slide_theme_texts_read_on_the_slide_and_cells_keep_their_colours(theme, on):
    base = THEMES[theme]
    th = slide_theme(base, on)
    backdrop = (1.0, 1.0, 1.0) if on == "light" else (0.0, 0.0, 0.0)
    assert th.background == backdrop
    for name in ("text", "text_dim", "accent"):
        assert wcag_contrast(getattr(th, name), backdrop) >= 4.5, (theme, on, name)
    assert wcag_contrast(th.outline, th.text) >= 4.5                   # an outline sets the text apart
    for name in ("flow", "flow_residual"):                              # graphics: WCAG's 3:1 for non-text
        assert wcag_contrast(getattr(th, name), backdrop) >= 3.0, (theme, on, name)
    for name in CELL_FIELDS:
        assert getattr(th, name) == getattr(base, name), name
    # cells not yet computed (and the plates behind blocks, between dim and background) sit on the slide
    # as a faint grid, never as a dark box on white or a bright one on black
    assert 1.1 <= wcag_contrast(th.dim, backdrop) <= 1.6, (theme, on)
    assert slide_theme(base, None) is base


def test_every_text_of_a_slide_spec_reads_on_its_slide(slides):
    for on, spec in slides.items():
        backdrop = SLIDES[on]["background"]
        th = spec.theme
        used = {label.color for label in spec.labels} | {"accent"}      # value texts are accent
        for hud in [c for per_lang in spec.hud.captions for c in per_lang.values()]:
            used.add(hud.text.color)
        for card in spec.hud.cards:
            used |= {card.title.color, card.subtitle.color}
        assert used <= {"text", "text_dim", "accent"}
        for name in used:
            assert wcag_contrast(getattr(th, name), backdrop) >= 4.5, (on, name)


def test_slide_spec_keeps_the_cells_of_the_default(slides):
    default = plan_scene(fps=12)
    for spec in slides.values():
        for name in CELL_FIELDS:
            assert getattr(spec.theme, name) == getattr(default.theme, name)
        assert (spec.look.flash, spec.look.flash_frames) == (default.look.flash, default.look.flash_frames)
        assert spec.look.dim == spec.theme.dim
        assert [b.id for b in spec.blocks] == [b.id for b in default.blocks]
        assert all(np.array_equal(a.values, b.values) for a, b in zip(spec.blocks, default.blocks))
        assert spec.flying == default.flying


def test_transparent_hud_has_no_bands_and_outlined_texts(slides):
    default = plan_scene(fps=12)
    spec = slides["light"]
    layouts = [c for per_lang in spec.hud.captions for c in per_lang.values()] + spec.hud.cards
    texts = [t for lay in layouts for t in (getattr(lay, n, None) for n in ("text", "title", "subtitle")) if t]
    assert layouts and all(lay.band.color == "" for lay in layouts)
    assert all(t.outline == "outline" and 0 < t.outline_width < 0.2 * t.size and t.outline_depth > 0
               for t in texts)
    # an outline sits between its text and where the band was: in front of anything behind the HUD
    for lay, old in zip(spec.hud.cards, default.hud.cards):
        assert 0 < lay.title.outline_depth < -old.band.location[2]
    # the same places and sizes as with bands: only the bands go and the outlines come
    for lay, old in zip(layouts, [c for per_lang in default.hud.captions for c in per_lang.values()]
                        + default.hud.cards):
        assert lay.band.size == old.band.size
        for n in ("text", "title", "subtitle"):
            if hasattr(lay, n):
                new, was = getattr(lay, n), getattr(old, n)
                assert dataclasses.replace(new, outline="", outline_width=0.0, outline_depth=0.0) == was


def test_default_plan_draws_bands_and_no_outlines():
    spec = plan_scene(fps=12)
    assert spec.theme == THEMES["dark"]
    for per_lang in spec.hud.captions:
        for c in per_lang.values():
            assert c.band.color == "background" and c.text.outline == "" and c.text.outline_width == 0


def test_slide_spec_round_trips(slides, tmp_path):
    from llmreel.scenes.spec import SceneSpec

    spec = slides["dark"]
    spec.save(tmp_path / "s.npz")
    assert SceneSpec.load(tmp_path / "s.npz") == spec


@pytest.mark.parametrize("bad", ["beige", "Light", ""])
def test_bad_slide_is_input_error(bad):
    with pytest.raises(InputError, match="accepted: light, dark"):
        check_slide(bad)
    with pytest.raises(InputError):
        plan_scene(fps=12, on=bad)

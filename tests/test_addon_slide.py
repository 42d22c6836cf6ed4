"""Stills for slides, as Blender draws them: outlined HUD texts without bands, and every text of a `--on light`
still composited over white (`--on dark`: over black) at least 4.5:1 (WCAG), measured from rendered pixels."""
from __future__ import annotations

import numpy as np
import pytest

from addon_specs import shots, small_spec

pytestmark = pytest.mark.bpy
MARK = (1.0, 0.0, 1.0)              # fill texts recoloured to this for the mask render


def _unbanded(spec):
    from llmreel.scenes.hud import plan_hud

    spec.hud = plan_hud(spec.camera, spec.meta.aspect, spec.captions, spec.title_cards, bands=False)
    return spec


def _extent(obj) -> np.ndarray:
    """(min, max) of the tessellated text's vertices in its own space, [2, 3] (as merge.py tessellates)."""
    me = obj.to_mesh()
    try:
        co = np.array([v.co[:] for v in me.vertices])
    finally:
        obj.to_mesh_clear()
    return np.stack([co.min(axis=0), co.max(axis=0)])


def test_unbanded_hud_draws_grown_outlines_behind_and_no_bands(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, keys

    spec = _unbanded(small_spec())
    build.build_scene(spec, glow=False, editable_text=True)
    objs = bpy.data.objects
    assert not [o.name for o in objs if "band" in o.name]
    pairs = [(f"caption {i:03d}", spec.hud.captions[i]["en"].text) for i in range(len(spec.captions))]
    pairs += [(f"{kind} {c.chapter}", getattr(lay, kind)) for c, lay in zip(spec.title_cards, spec.hud.cards)
              for kind in ("title", "subtitle")]
    for name, text in pairs:
        fill, outline = objs[name], objs[f"{name} outline"]
        assert outline.get(keys.OUTLINE) == 1 and fill.get(keys.OUTLINE) is None
        assert outline.data.body == fill.data.body and outline.parent == fill.parent
        assert np.allclose(outline.color[:3], spec.theme.outline)
        assert np.allclose(fill.color[:3], getattr(spec.theme, text.color))
        assert outline.location.z == pytest.approx(fill.location.z - text.outline_depth, abs=1e-9)
        a, b = _extent(fill), _extent(outline)
        grown = np.concatenate([a[0, :2] - b[0, :2], b[1, :2] - a[1, :2]])     # left, bottom, right, top
        assert np.allclose(grown, text.outline_width, rtol=0.5)   # sharp corners reach further, (name, grown / text.outline_width)


def test_unbanded_outlines_survive_merging(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build, keys, merge

    spec = _unbanded(small_spec())
    frames = (5, 35)                                                    # caption 1; the title card
    build.build_scene(spec, glow=False, editable_text=True)
    sc = bpy.context.scene
    sc.render.engine, sc.display.render_aa = "BLENDER_WORKBENCH", "OFF"
    sc.render.resolution_x, sc.render.resolution_y = 480, 270
    want = shots(bpy, tmp_path, "text", frames)
    build.build_scene(spec, glow=False)
    sc.render.resolution_x, sc.render.resolution_y = 480, 270
    records = merge.built_items(bpy.data.objects)
    assert sum(1 for r in records if r.get(keys.OUTLINE) == 1) == len(spec.captions) + 2 * len(spec.title_cards)
    got = shots(bpy, tmp_path, "mesh", frames)
    for f, a, b in zip(frames, want, got):
        assert np.array_equal(a, b), (f, int((a != b).any(axis=-1).sum()))


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def relative_luminance(srgb: np.ndarray) -> np.ndarray:
    return srgb_to_linear(srgb) @ np.array([0.2126, 0.7152, 0.0722])


def text_contrasts(bpy, spec, tmp_path, frames, backdrop: float) -> tuple[np.ndarray, int]:
    """Render `frames` transparent (a still for a slide), then again with every text's fill recoloured to
    MARK: the text pixels are where the second render shows MARK. Composite the first over the `backdrop`
    grey (0 black, 1 white) and return each text pixel's WCAG contrast against it, and how many frames
    held text."""
    from llmreel.blender_addon import build, keys, render
    from llmreel.blender_addon.nodes import flat_material
    from llmreel.blender_addon.presets import RenderSettings

    build.build_scene(spec, captions=True, glow=False, editable_text=True)
    sc = bpy.context.scene
    settings = RenderSettings(width=480, height=270, engine="workbench", samples=0, denoise=False,
                              captions=True, language="en", transparent=True, compositor=False)
    render.configure_render(sc, settings)
    stills = shots(bpy, tmp_path, "still", frames)
    mark = flat_material(MARK)
    for obj in bpy.data.objects:
        if obj.type == "FONT" and obj.get(keys.OUTLINE) is None:
            obj.data.materials[0] = mark
            obj.color = (*MARK, 1.0)
    masks = shots(bpy, tmp_path, "mask", frames)
    out, with_text = [], 0
    for still, mask in zip(stills, masks):
        text = (np.abs(mask[..., :3] - MARK).max(axis=-1) < 1 / 255) & (mask[..., 3] == 1)
        assert np.all(still[text, 3] == 1)                              # text is opaque where it shows
        over = still[..., :3] * still[..., 3:] + backdrop * (1 - still[..., 3:])
        lum = relative_luminance(over[text])
        out.append((np.maximum(lum, backdrop) + 0.05) / (np.minimum(lum, backdrop) + 0.05))
        with_text += bool(text.sum())
    return np.concatenate(out), with_text


@pytest.mark.slow
@pytest.mark.parametrize("on", ["light", "dark"])
def test_every_text_of_a_slide_still_reads_on_the_slide(bpy_factory, tmp_path, on):
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(fps=12, on=on, bands=False)
    frames = [c.first_frame + int(0.5 * (c.last_frame - c.first_frame)) for c in spec.chapters[::3]]
    frames += [int(sum(spec.title_cards[1].frames) / 2)]                  # a title card over the scene
    ratios, with_text = text_contrasts(bpy_factory, spec, tmp_path, frames, 1.0 if on == "light" else 0.0)
    assert with_text == len(frames) and ratios.size > 500
    print(f"--on {on}: {ratios.size} text pixels in {len(frames)} frames, contrast min {ratios.min():.2f}, "
          f"median {np.median(ratios):.2f}")
    assert ratios.min() >= 4.5

"""Static texts, bands and outlines merged into one mesh per visibility group (merge.py): the same
picture as real text objects, far fewer objects, every text still findable."""
from __future__ import annotations

import numpy as np
import pytest

from addon_specs import shots, small_spec

FRAMES = (5, 25, 35, 50)          # caption 1 + both labels; highlight; title card; value text + caption 2


def _render(bpy, tmp_path, tag: str) -> list[np.ndarray]:
    sc = bpy.context.scene
    sc.render.engine = "BLENDER_WORKBENCH"
    sc.display.render_aa = "OFF"
    sc.render.resolution_x, sc.render.resolution_y, sc.render.resolution_percentage = 480, 270, 100
    return shots(bpy, tmp_path, tag, FRAMES)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_merged_build_draws_what_text_objects_draw(bpy_factory, tmp_path, language):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec, glow=False, language=language, editable_text=True)
    n_editable = len(bpy.data.objects)
    fonts = [o for o in bpy.data.objects if o.type == "FONT"]
    assert len(fonts) == len(spec.labels) + len(spec.captions) + len(spec.value_texts) + 2 * len(spec.title_cards)
    want = _render(bpy, tmp_path, "text")
    build.build_scene(spec, glow=False, language=language)
    assert sorted(o.name for o in bpy.data.objects if o.type == "FONT") == \
        [f"caption {i:03d}" for i in range(len(spec.captions))]           # captions stay retypable texts
    assert len(bpy.data.objects) <= n_editable - 2                         # the title card's three are one
    got = _render(bpy, tmp_path, "mesh")
    for f, a, b in zip(FRAMES, want, got):
        assert a.std() > 0.02, f                                            # something is drawn
        assert np.array_equal(a, b), (f, int((a != b).any(axis=-1).sum()))  # the same tessellation, placed alike


def test_merged_meshes_keep_materials_and_resolution(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, merge

    spec = small_spec()
    build.build_scene(spec)
    full = {o.name: len(o.data.polygons) for o in bpy.data.objects if merge.TEXTS_KEY in o}
    card = next(o for o in bpy.data.objects if merge.TEXTS_KEY in o and o.name.startswith("subtitle"))
    colours = {tuple(round(c, 3) for c in m.diffuse_color[:3]) for m in card.data.materials}
    th = spec.theme
    assert {tuple(round(c, 3) for c in th.text), tuple(round(c, 3) for c in th.accent)} <= colours
    used = {card.data.materials[i].name for i in {p.material_index for p in card.data.polygons}}
    assert len(used) == len(card.data.materials)                          # every face keeps its own colour
    build.build_scene(spec, text_resolution=2)
    coarse = {o.name: len(o.data.polygons) for o in bpy.data.objects if merge.TEXTS_KEY in o}
    assert coarse.keys() == full.keys()
    texts = [n for n in full if n.startswith(("label", "caption", "title", "subtitle"))]
    assert texts and all(coarse[n] < full[n] for n in texts)
    assert all(not o.data.validate() for o in bpy.data.objects if merge.TEXTS_KEY in o)  # nothing to fix


def test_merging_leaves_no_data_behind(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec)
    counts = {k: len(getattr(bpy.data, k)) for k in ("objects", "meshes", "curves", "fonts", "materials")}
    for _ in range(3):
        build.build_scene(spec)
    assert {k: len(getattr(bpy.data, k)) for k in counts} == counts
    assert not [c for c in bpy.data.curves if c.users == 0] and not [m for m in bpy.data.meshes if m.users == 0]
    assert not bpy.data.curves.get("LLMReel text scratch")


def test_flat_colours_as_attributes_draw_the_same(bpy_factory, tmp_path, monkeypatch):
    """Blender 4.2's Workbench draws meshes without a colour attribute grey, so there every flat-coloured
    mesh carries its colours as an attribute too. Forced on here (5.0 needs none): the same picture."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, compat

    spec = small_spec()
    build.build_scene(spec, glow=False)
    want = _render(bpy, tmp_path, "material")
    monkeypatch.setattr(compat, "WORKBENCH_NEEDS_COLOR_ATTRIBUTE", True)
    for editable in (False, True):
        build.build_scene(spec, glow=False, editable_text=editable)
        flat = [o for o in bpy.data.objects if o.type == "MESH" and not o.get("llmreel_block")
                and not o.get("llmreel_plates")]
        assert flat and all(o.data.color_attributes.active_color_name == "Col" for o in flat)
        got = _render(bpy, tmp_path, f"attribute{editable}")
        for f, a, b in zip(FRAMES, want, got):
            assert np.array_equal(a, b), (editable, f, int((a != b).any(axis=-1).sum()))

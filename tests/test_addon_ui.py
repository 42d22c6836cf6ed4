"""Registration, operators (poll, success and error paths), chapter list and cell inspector on real bpy."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.bpy


@pytest.fixture
def addon(bpy_factory):
    import llmreel.blender_addon as addon

    addon.register()
    yield bpy_factory
    addon.unregister()


def test_register_unregister_50_times(bpy_factory):
    bpy = bpy_factory
    import llmreel.blender_addon as addon

    for _ in range(50):
        addon.register()
        assert hasattr(bpy.types.Scene, "llmreel") and hasattr(bpy.types, "LLMREEL_PT_main")
        assert bpy.ops.llmreel.build.poll()
        addon.unregister()
        assert not hasattr(bpy.types.Scene, "llmreel") and not hasattr(bpy.types, "LLMREEL_PT_main")
    assert not hasattr(bpy.types, "LLMREEL_OT_build")


def test_polls_without_a_build(addon):
    bpy = addon
    assert bpy.ops.llmreel.build.poll()
    assert not bpy.ops.llmreel.rebuild.poll()
    assert not bpy.ops.llmreel.clear.poll()
    assert not bpy.ops.llmreel.jump_chapter.poll()


def test_build_error_is_reported_not_raised(addon):
    bpy = addon
    bpy.context.scene.llmreel.input_letters = "XYZ!"
    with pytest.raises(RuntimeError, match="(?i)input|letter"):      # operator reported ERROR + CANCELLED
        bpy.ops.llmreel.build()
    assert not [c for c in bpy.data.collections if c.get("llmreel")]
    bpy.context.scene.llmreel.input_letters = "CBABBC"
    bpy.context.scene.llmreel.weights_file = "/nonexistent/weights.safetensors"
    with pytest.raises(RuntimeError):
        bpy.ops.llmreel.build()
    assert not [c for c in bpy.data.collections if c.get("llmreel")]


def test_build_chapters_inspector_clear(addon):
    bpy = addon
    from llmreel.blender_addon import merge, ui_panel
    from llmreel.blender_addon.props import current_chapter

    sc = bpy.context.scene
    assert bpy.ops.llmreel.build() == {"FINISHED"}
    settings = sc.llmreel
    assert len(settings.chapters) >= 3 and bpy.ops.llmreel.rebuild.poll() and bpy.ops.llmreel.clear.poll()
    third = settings.chapters[2]
    settings.chapter_index = 2                                         # clicking a chapter in the list
    assert sc.frame_current == third.first_frame
    assert current_chapter(settings, sc.frame_current).slug == third.slug
    assert bpy.ops.llmreel.jump_chapter(index=1) == {"FINISHED"}
    assert sc.frame_current == settings.chapters[1].first_frame
    with pytest.raises(RuntimeError, match="chapter"):
        bpy.ops.llmreel.jump_chapter(index=999)

    obj = next(o for o in bpy.data.objects if o.get("llmreel_tensor") == "h0.attn.q")
    for p in obj.data.polygons:
        p.select = False
    obj.data.polygons[1].select = True                                 # cell 1 (one tile per cell)
    text = ui_panel.inspector_text(obj)
    assert text.startswith("h0.attn.q[") and "qkv" in text and "=" in text
    assert "select a cell" in ui_panel.inspector_text(bpy.data.objects.new("x", None)).lower()
    label = next(r for r in merge.built_items(bpy.data.objects) if r.get("llmreel_label"))
    text = ui_panel.inspector_text(bpy.data.objects[label["merged_into"]])   # a merged text mesh says so
    assert "Editable text" in text and "merged" in text

    assert bpy.ops.llmreel.clear() == {"FINISHED"}
    assert not [o for o in bpy.data.objects if o.get("llmreel")] and len(settings.chapters) == 0


def test_render_headless_saves_the_file_and_gives_the_command(addon, tmp_path):
    bpy = addon
    from addon_specs import small_spec
    from llmreel.blender_addon.blend_story import caption_objects, read_story
    from llmreel.blender_addon.build import build_scene

    sc = bpy.context.scene
    build_scene(small_spec(), scene=sc)
    with pytest.raises(RuntimeError, match="save the file first"):      # never saved, no path given
        bpy.ops.llmreel.render_headless()
    path = tmp_path / "my scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    caption_objects(sc)[1].data.body = "Retyped in the panel"
    assert bpy.ops.llmreel.render_headless(quality="draft") == {"FINISHED"}
    assert sc.llmreel.headless_command == f"llmreel render '{path}' --quality draft"
    bpy.ops.wm.open_mainfile(filepath=str(path))                          # the save holds the edit
    story = read_story(bpy.context.scene)
    assert [c.text["en"] for c in story.captions] == ["A tiny GPT sorts letters.", "Retyped in the panel"]
    assert [(c.slug, c.first_frame, c.last_frame) for c in story.chapters] == [("intro", 1, 30), ("one", 31, 96)]
    assert all(f.packed_file is not None for f in bpy.data.fonts if f.get("llmreel") and f.filepath != "<builtin>")

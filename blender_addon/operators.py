"""Thin operators: each calls the same Python API a script would, and reports errors in Blender's UI."""
from __future__ import annotations

import bpy
from bpy.props import IntProperty

from . import build
from .props import fill_chapters


def plan_from_settings(settings, *, on: str | None = None, bands: bool = True):
    """SceneSpec for the panel's settings, via the scenes planner (no bpy inside); `on` and `bands` as for
    plan_scene (a still for a light or dark slide, a transparent one without bands)."""
    from llmreel.scenes.plan import plan_scene
    from llmreel.core.options import parse_aspect

    return plan_scene(bpy.path.abspath(settings.story_file) or None,
                      input=settings.input_letters.strip() or None,
                      weights=bpy.path.abspath(settings.weights_file) or None,
                      language=settings.language, theme=settings.theme, pace=settings.pace,
                      aspect=parse_aspect(settings.aspect), on=on, bands=bands)


class _Guarded:
    """execute() -> run(); user-facing errors become a report + CANCELLED, never a traceback."""
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        try:
            return self.run(context)
        except (ValueError, OSError, KeyError, ImportError, RuntimeError) as exc:
            self.report({"ERROR"}, f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc))
            return {"CANCELLED"}


def _object_mode(context) -> bool:
    return context.scene is not None and (context.mode == "OBJECT" if hasattr(context, "mode") else True)


class _BuildBase(_Guarded):
    @classmethod
    def poll(cls, context):
        return _object_mode(context) and hasattr(context.scene, "llmreel")

    def run(self, context):
        settings = context.scene.llmreel
        spec = plan_from_settings(settings)
        root = build.build_scene(spec, scene=context.scene, language=settings.language,
                                 captions=settings.captions, editable_text=settings.editable_text)
        fill_chapters(settings, root)
        self.report({"INFO"}, f"LLM Reel: {len(spec.blocks)} blocks, frames {spec.meta.frame_start}-"
                              f"{spec.meta.frame_end}")
        return {"FINISHED"}


class LLMREEL_OT_build(_BuildBase, bpy.types.Operator):
    """Plan the explainer from the panel's settings and build it into this scene (replaces a previous build)"""
    bl_idname = "llmreel.build"
    bl_label = "Build"


class LLMREEL_OT_rebuild(_BuildBase, bpy.types.Operator):
    """Rebuild the existing LLM Reel scene with the current settings"""
    bl_idname = "llmreel.rebuild"
    bl_label = "Rebuild"

    @classmethod
    def poll(cls, context):
        return _BuildBase.poll.__func__(cls, context) and build.our_collection(context.scene) is not None


class LLMREEL_OT_clear(_Guarded, bpy.types.Operator):
    """Remove everything LLM Reel built in this scene (your own objects stay)"""
    bl_idname = "llmreel.clear"
    bl_label = "Clear"

    @classmethod
    def poll(cls, context):
        return _object_mode(context) and build.our_collection(context.scene) is not None

    def run(self, context):
        build.clear_scene(context.scene)
        if hasattr(context.scene, "llmreel"):
            context.scene.llmreel.chapters.clear()
        return {"FINISHED"}


class LLMREEL_OT_jump_chapter(_Guarded, bpy.types.Operator):
    """Move the timeline to the start of a chapter"""
    bl_idname = "llmreel.jump_chapter"
    bl_label = "Go to Chapter"
    index: IntProperty(default=0)

    @classmethod
    def poll(cls, context):
        return context.scene is not None and hasattr(context.scene, "llmreel") and len(context.scene.llmreel.chapters) > 0

    def run(self, context):
        chapters = context.scene.llmreel.chapters
        if not 0 <= self.index < len(chapters):
            raise ValueError(f"chapter {self.index} does not exist; 0..{len(chapters) - 1} are available")
        context.scene.frame_set(chapters[self.index].first_frame)
        return {"FINISHED"}


CLASSES = (LLMREEL_OT_build, LLMREEL_OT_rebuild, LLMREEL_OT_clear, LLMREEL_OT_jump_chapter)

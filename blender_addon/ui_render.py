"""Render still / Render animation buttons for the "LLM Reel" sidebar tab.

They call the same rendering module as `llmreel still` / `llmreel render` (render.py): `configure_render`
with a preset from presets.py, `render_still` / `render_sequence` (frames sealed and written whole) and
`assemble_mp4` (Blender's FFmpeg). They render the scene as it is now, tweaks included, into the folder of
the scene's Output path (Properties > Output), and block Blender until done. A still for a slide (on a
light or dark slide, or transparent) is planned again from the panel's settings, as `llmreel still --on
--transparent` plans it, and built into a scene of its own that is removed afterwards.
"""
from __future__ import annotations

import shlex
import time
from pathlib import Path

import bpy
from bpy.props import BoolProperty, EnumProperty, StringProperty

from llmreel.core.options import LANGUAGES, parse_aspect

from . import frames as fr
from . import keys, render
from .blend_story import caption_objects
from .build import build_scene, clear_scene
from .scene_io import pack_ours
from .operators import plan_from_settings
from .presets import resolve

QUALITIES = (("draft", "Draft", "Workbench, fast"), ("preview", "Preview", "Workbench, anti-aliased"),
             ("final", "Final", "Cycles on the CPU, denoised"))
SLIDES = (("scene", "As Built", "The scene as it is now, tweaks included"),
          ("light", "Light Slide", "Planned again for a white slide: dark texts with light outlines, dark paths"),
          ("dark", "Dark Slide", "Planned again for a black slide: light texts with dark outlines"))


def output_folder(scene) -> Path:
    """The folder of the scene's output path ('//' = next to the .blend; the temp folder when unsaved)."""
    raw = scene.render.filepath or "//"
    path = Path(bpy.path.abspath(raw))
    if not raw.endswith(("/", "\\")) and path.suffix:
        path = path.parent
    if str(path).startswith("//") or not path.is_absolute():
        path = Path(bpy.app.tempdir or "/tmp") / "llmreel"
    return path


def panel_settings(scene, quality: str, resolution: str = "", transparent: bool = False):
    """RenderSettings for the panel: the preset at the scene's aspect, captions and language as built."""
    r = scene.render
    aspect = (r.resolution_x, r.resolution_y) if r.resolution_x and r.resolution_y else (16, 9)
    root = next((c for c in bpy.data.collections if c.get(keys.ROOT)), None)
    language = (root.get(keys.LANGUAGE) if root else None) or "en"
    return resolve(quality, aspect=parse_aspect(f"{aspect[0]}:{aspect[1]}"), resolution=resolution or None,
                   language=language if language in LANGUAGES else "en", captions=True, transparent=transparent)


def slide_still(scene, settings, on: str | None, out: Path) -> Path:
    """`scene`'s current frame as a still for a slide: the panel's story planned again for the slide `on`
    (None: the theme as is) and, when `settings.transparent`, without opaque bands (captions and titles
    outlined), built into a scene of its own, rendered and removed. The user's scene is left as it was
    (tweaks made to it do not show)."""
    spec = plan_from_settings(scene.llmreel, on=on, bands=not settings.transparent)
    temp = bpy.data.scenes.new("LLM Reel slide still")
    try:
        build_scene(spec, scene=temp, language=settings.language, captions=scene.llmreel.captions,
                    cell_shape=settings.cell_shape, text_resolution=int(settings.text_resolution),
                    aliased=render.aliased(settings))
        render.configure_render(temp, settings)
        return render.render_still(temp, scene.frame_current, out, panel_key(settings))
    finally:
        clear_scene(temp)
        bpy.data.scenes.remove(temp)


def panel_key(settings) -> str:
    """A render key that no later render reuses: the scene may have been tweaked since."""
    return fr.render_key("panel", settings, extra=f"{time.time()}")


class _RenderOp:
    bl_options = {"REGISTER"}
    quality: EnumProperty(name="Quality", items=QUALITIES, default="draft")
    resolution: StringProperty(name="Resolution", default="", description="WIDTHxHEIGHT; empty = the preset's")

    @classmethod
    def poll(cls, context):
        return context.scene is not None and context.scene.camera is not None

    def execute(self, context):
        try:
            return self.run(context)
        except (OSError, RuntimeError, ValueError) as exc:     # InputError is a ValueError
            self.report({"ERROR"}, str(exc))
        return {"CANCELLED"}


class LLMREEL_OT_render_still(_RenderOp, bpy.types.Operator):
    """Render the current frame to a PNG in the output folder (for a slide: planned again for it)"""
    bl_idname = "llmreel.render_still"
    bl_label = "Render Still"
    transparent: BoolProperty(name="Transparent", default=False,
                              description="Transparent background; captions and titles outlined, no opaque bands")
    slide: EnumProperty(name="Slide", items=SLIDES, default="scene")

    def run(self, context):
        scene = context.scene
        settings = panel_settings(scene, self.quality, self.resolution, self.transparent)
        name = f"llmreel_still_{scene.frame_current:05d}" + ("" if self.slide == "scene" else f"_on_{self.slide}")
        out = output_folder(scene) / f"{name}.png"
        t0 = time.monotonic()
        if self.slide == "scene" and not self.transparent:
            render.configure_render(scene, settings)
            render.render_still(scene, scene.frame_current, out, panel_key(settings))
        else:
            slide_still(scene, settings, None if self.slide == "scene" else self.slide, out)
        self.report({"INFO"}, f"LLM Reel: still {settings.width}x{settings.height} in "
                              f"{time.monotonic() - t0:.1f} s -> {out}")
        return {"FINISHED"}


class LLMREEL_OT_render_animation(_RenderOp, bpy.types.Operator):
    """Render the scene's frame range to PNG frames and an MP4 in the output folder"""
    bl_idname = "llmreel.render_animation"
    bl_label = "Render Animation"

    def run(self, context):
        scene = context.scene
        settings = panel_settings(scene, self.quality, self.resolution)
        if settings.width % 2 or settings.height % 2:
            raise ValueError(f"{settings.width}x{settings.height}: H.264 needs even width and height")
        folder = output_folder(scene)
        frames_dir = folder / "llmreel_frames"
        frames_dir.mkdir(parents=True, exist_ok=True)
        render.configure_render(scene, settings)
        frames = list(range(scene.frame_start, scene.frame_end + 1))
        done: list[int] = []
        wm = context.window_manager
        wm.progress_begin(0, len(frames))

        def sealed(f: int, _png: bytes) -> None:
            done.append(f)
            wm.progress_update(len(done))

        t0 = time.monotonic()
        try:
            render.render_sequence(scene, frames, frames_dir, panel_key(settings), sealed)
        finally:
            wm.progress_end()
        if sorted(done) != frames:
            raise RuntimeError(f"only {len(done)} of {len(frames)} frames were rendered")
        mp4 = render.assemble_mp4([fr.frame_path(frames_dir, f) for f in frames], scene.render.fps,
                                  (settings.width, settings.height), folder / "llmreel.mp4")
        self.report({"INFO"}, f"LLM Reel: {len(frames)} frames in {time.monotonic() - t0:.1f} s -> {mp4}")
        return {"FINISHED"}


def headless_command(path: str, quality: str) -> str:
    """The shell command that renders the saved file `path` headless through the llmreel pipeline."""
    return f"llmreel render {shlex.quote(path)} --quality {quality}"


class LLMREEL_OT_render_headless(bpy.types.Operator):
    """Save this file and show (and copy) the command that renders it headless with llmreel: here in a
    shell, or on another machine (presets, resume, workers, MP4 with captions and chapters files)"""
    bl_idname = "llmreel.render_headless"
    bl_label = "Render Headless..."
    bl_options = {"REGISTER"}
    quality: EnumProperty(name="Quality", items=QUALITIES, default="preview")
    filepath: StringProperty(subtype="FILE_PATH", default="")

    @classmethod
    def poll(cls, context):
        return context.scene is not None and context.scene.camera is not None and hasattr(context.scene, "llmreel")

    def invoke(self, context, event):
        if bpy.data.filepath:
            return self.execute(context)
        self.filepath = "scene.blend"                    # never saved: ask where
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        path = bpy.data.filepath or bpy.path.abspath(self.filepath)
        if not path:
            self.report({"ERROR"}, "save the file first (File > Save As), then Render Headless")
            return {"CANCELLED"}
        path = str(Path(path).with_suffix(".blend").absolute())
        pack_ours()
        try:
            bpy.ops.wm.save_as_mainfile(filepath=path, check_existing=False)
        except RuntimeError as exc:
            self.report({"ERROR"}, f"could not save {path}: {exc}")
            return {"CANCELLED"}
        cmd = headless_command(path, self.quality)
        context.scene.llmreel.headless_command = cmd
        context.window_manager.clipboard = cmd
        self.report({"INFO"}, f"saved; command copied: {cmd}")
        return {"FINISHED"}


class LLMREEL_PT_render(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "LLM Reel"
    bl_label = "Render"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        scene = context.scene
        layout.prop(scene.render, "filepath", text="Output")
        layout.label(text=f"Frames {scene.frame_start}-{scene.frame_end} at {scene.render.fps} fps")
        for quality, label, _ in QUALITIES:
            row = layout.row(align=True)
            op = row.operator(LLMREEL_OT_render_still.bl_idname, text=f"Still ({label})", icon="RENDER_STILL")
            op.quality = quality
            op = row.operator(LLMREEL_OT_render_animation.bl_idname, text=f"Animation ({label})",
                              icon="RENDER_ANIMATION")
            op.quality = quality
        layout.label(text="Still for a slide (transparent, final):")
        row = layout.row(align=True)
        for slide, label, _ in SLIDES[1:]:
            op = row.operator(LLMREEL_OT_render_still.bl_idname, text=f"On {label}", icon="IMAGE_RGB_ALPHA")
            op.quality, op.slide, op.transparent = "final", slide, True
        layout.separator()
        layout.label(text="Headless (a shell, or another machine):")
        row = layout.row(align=True)
        for quality, label, _ in QUALITIES:
            row.operator(LLMREEL_OT_render_headless.bl_idname, text=label, icon="CONSOLE").quality = quality
        if hasattr(scene, "llmreel") and scene.llmreel.headless_command:
            layout.prop(scene.llmreel, "headless_command", text="")
        captions = caption_objects(scene)
        if captions:                    # retype here: they live in hidden collections (shown by instancers)
            box = layout.box()
            box.label(text="Captions (saved with the file; the headless SRT reads them):")
            for obj in captions:
                box.prop(obj.data, "body", text="")


CLASSES = (LLMREEL_OT_render_still, LLMREEL_OT_render_animation, LLMREEL_OT_render_headless, LLMREEL_PT_render)

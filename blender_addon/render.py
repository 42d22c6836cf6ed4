"""Render configuration and single-frame rendering on a bpy scene (used by the CLI's workers and the
panel's Render buttons alike).

`configure_render(scene, settings)` sets the engine, size, samples, film and PNG output from a
`RenderSettings` (or its dict); `render_frame(scene, frame, path)` renders one frame to a PNG.
The look itself (materials, Workbench shading, colour management) belongs to `build.py`.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import bpy

from . import compat, keys

# Workbench anti-aliasing samples -> the enum Blender takes.
_WORKBENCH_AA = ((0, "OFF"), (1, "FXAA"), (5, "5"), (8, "8"), (11, "11"), (16, "16"), (32, "32"))


def workbench_aa(samples: int) -> str:
    """The largest Workbench anti-aliasing level not above `samples` ('OFF' for 0)."""
    best = "OFF"
    for n, ident in _WORKBENCH_AA:
        if samples >= n:
            best = ident
    return best


def configure_render(scene: bpy.types.Scene, settings, *, threads: int | None = None) -> None:
    """Apply render settings (a RenderSettings or its dict) to `scene`; `threads` None = all cores."""
    s = settings if isinstance(settings, dict) else settings.key_fields()
    r = scene.render
    compat.set_engine(scene, s["engine"])
    r.resolution_x, r.resolution_y, r.resolution_percentage = int(s["width"]), int(s["height"]), 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0
    r.film_transparent = bool(s.get("transparent", False))
    r.threads_mode = "FIXED" if threads else "AUTO"
    if threads:
        r.threads = max(1, int(threads))
    r.use_sequencer = False
    r.use_compositing = bool(s.get("compositor", True))    # the add-on's glow lives in the compositor
    simplify_text(scene, int(s.get("text_resolution", 0)))
    # Deterministic files: no dates, times or host names in the PNG metadata, no burnt-in stamp.
    r.use_stamp = False
    for name in ("use_stamp_date", "use_stamp_time", "use_stamp_render_time", "use_stamp_memory",
                 "use_stamp_hostname", "use_stamp_frame_range"):
        if hasattr(r, name):
            setattr(r, name, False)
    compat.set_image_output(scene, "PNG", "RGBA" if s.get("transparent") else "RGB", "8")
    r.image_settings.compression = 15
    r.use_file_extension = False
    samples = int(s["samples"])
    if s["engine"] == "workbench":
        scene.display.render_aa = workbench_aa(samples)
    elif s["engine"] == "cycles":
        c = scene.cycles
        c.device = "CPU"
        c.samples = max(1, samples)
        c.use_adaptive_sampling = False           # same noise pattern for every chunk and worker
        c.seed = 0
        c.use_animated_seed = False
        c.use_denoising = bool(s.get("denoise"))
        if c.use_denoising:
            c.denoiser = "OPENIMAGEDENOISE"
    else:
        eevee = scene.eevee
        if hasattr(eevee, "taa_render_samples"):
            eevee.taa_render_samples = max(1, samples)


_STOP = {"requested": False}


def _on_sigint(signum, frame):
    if _STOP["requested"]:          # a second Ctrl-C: stop right now
        raise KeyboardInterrupt
    _STOP["requested"] = True


def catch_sigint() -> None:
    """Route Ctrl-C to a flag that `check_interrupt` turns into KeyboardInterrupt between frames.
    Blender replaces the SIGINT handler, and a KeyboardInterrupt raised inside a render engine's Python
    callback would be swallowed, so a plain handler cannot stop a headless render."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


def check_interrupt() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed since the last check."""
    if _STOP["requested"]:
        _STOP["requested"] = False
        raise KeyboardInterrupt


def simplify_text(scene: bpy.types.Scene, resolution: int) -> None:
    """Set every text curve in `scene` to `resolution` steps per segment (fewer triangles for drafts);
    0 restores the resolution each had when first simplified."""
    for obj in scene.objects:
        if obj.type != "FONT":
            continue
        cu = obj.data
        if keys.RESOLUTION_U not in cu:
            cu[keys.RESOLUTION_U] = cu.resolution_u
        cu.resolution_u = resolution if resolution > 0 else int(cu[keys.RESOLUTION_U])


@contextlib.contextmanager
def quiet():
    """Silence Blender's per-frame chatter ('Fra:', 'Saved:') written straight to fds 1 and 2."""
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "wb") as null:
            for fd in (1, 2):
                os.dup2(null.fileno(), fd)
            yield
    finally:
        for fd, keep in zip((1, 2), saved):
            os.dup2(keep, fd)
            os.close(keep)


def render_frame(scene: bpy.types.Scene, frame: int, path: str | os.PathLike) -> Path:
    """Render `frame` of `scene` (already configured) to the PNG `path`, returning it."""
    path = Path(path)
    scene.frame_set(int(frame))
    scene.render.filepath = str(path)
    with bpy.context.temp_override(scene=scene):
        bpy.ops.render.render(write_still=True, scene=scene.name)
    catch_sigint()
    if not path.exists():
        raise RuntimeError(f"Blender wrote no image for frame {frame} at {path}")
    return path


def label_with_stamp(scene: bpy.types.Scene, text: str | None, font_size: int = 20) -> None:
    """Burn `text` into the top-left band of the rendered picture (Blender's stamp note) or, with None,
    turn burnt-in stamps off. Used to label contact-sheet tiles."""
    r = scene.render
    r.use_stamp = text is not None
    if text is None:
        return
    for prop in r.bl_rna.properties:
        if prop.identifier.startswith("use_stamp_") and prop.identifier not in ("use_stamp_note",
                                                                               "use_stamp_labels"):
            setattr(r, prop.identifier, False)
    r.use_stamp_note = True
    r.use_stamp_labels = False
    r.stamp_note_text = text
    r.stamp_font_size = font_size
    r.stamp_foreground = (1.0, 1.0, 1.0, 1.0)
    r.stamp_background = (0.0, 0.0, 0.0, 0.65)


def load_pixels(path: str | os.PathLike):
    """float32 [H, W, 4] of an image file, top row first, values as stored (0..1)."""
    import numpy as np

    img = bpy.data.images.load(str(path), check_existing=False)
    try:
        w, h = img.size
        px = np.empty(w * h * 4, dtype=np.float32)
        img.pixels.foreach_get(px)
    finally:
        bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1].copy()           # Blender stores the bottom row first


def save_pixels(pixels, path: str | os.PathLike) -> Path:
    """Write float [H, W, 4] (top row first, 0..1) as an 8-bit RGBA PNG."""
    import numpy as np

    h, w = pixels.shape[:2]
    img = bpy.data.images.new("llmreel-pixels", w, h, alpha=True)
    try:
        img.pixels.foreach_set(np.ascontiguousarray(pixels[::-1], dtype=np.float32).ravel())
        img.filepath_raw = str(path)
        img.file_format = "PNG"
        img.save()
    finally:
        bpy.data.images.remove(img)
    return Path(path)


def render_frames(scene: bpy.types.Scene, first: int, last: int, pattern: str | os.PathLike, on_written) -> None:
    """Render frames first..last as one animation job (the depsgraph is reused between frames, several
    times faster than one render per frame) to `pattern` ('#####' = frame number). After each frame is
    on disk `on_written(frame, path)` runs; its errors are re-raised here once the job ends (Blender
    would only print them)."""
    errors: list[BaseException] = []

    def written(sc, *_args):
        if sc != scene:
            return
        f = sc.frame_current
        try:
            on_written(f, Path(sc.render.frame_path(frame=f)))
        except BaseException as exc:        # noqa: BLE001 - re-raised below, outside Blender's handler
            errors.append(exc)

    old = scene.frame_start, scene.frame_end, scene.render.filepath
    scene.frame_start, scene.frame_end = int(first), int(last)
    scene.render.filepath = str(pattern)
    bpy.app.handlers.render_write.append(written)
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(animation=True, scene=scene.name)
    finally:
        bpy.app.handlers.render_write.remove(written)
        scene.frame_start, scene.frame_end, scene.render.filepath = old
        catch_sigint()
    if errors:
        raise errors[0]

"""Rendering on the Blender side: the one module the panel's Render buttons and the `llmreel` command line
(render, still, contact-sheet, its Dask workers) all call.

    configure_render(scene, settings)                       a presets.RenderSettings applied to a scene
    prepare_scene(spec, settings) -> scene                  built once per process, configured
    render_still(scene, frame, out, key)                    one sealed PNG (frames.py: key, checks)
    render_sequence(scene, frames, folder, key, on_frame)   sealed frame files, as animation jobs
    render_chunk(spec, settings, key, frames, folder, ...)  a worker's job: skip done frames, render the rest
    assemble_mp4(frame_files, fps, size, out, audio)        the MP4, through Blender's own FFmpeg

Every file is written whole (a temporary sibling, then a rename), so a stopped render leaves only sealed
frames. The look itself (materials, Workbench shading, colour management) belongs to build.py.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Callable

import bpy
import numpy as np

from llmreel.core.files import atomic_output, temp_sibling
from llmreel.scenes.spec import SceneSpec

from . import compat, keys
from . import frames as fr
from .build import build_scene
from .culling import cull_offscreen
from .presets import RenderSettings
from .render_look import gpu_backend, say_notes, set_depth_look
from .text import set_strokes

# Workbench anti-aliasing samples -> the enum Blender takes.
_WORKBENCH_AA = ((0, "OFF"), (1, "FXAA"), (5, "5"), (8, "8"), (11, "11"), (16, "16"), (32, "32"))
BATCH = 24                  # frames per animation job: the depsgraph is reused within one


# ---- settings on a scene ---------------------------------------------------------------------------
def workbench_aa(samples: int) -> str:
    """The largest Workbench anti-aliasing level not above `samples` ('OFF' for 0)."""
    best = "OFF"
    for n, ident in _WORKBENCH_AA:
        if samples >= n:
            best = ident
    return best


def configure_render(scene: bpy.types.Scene, settings: RenderSettings, *, threads: int | None = None) -> None:
    """Apply `settings` to `scene`; `threads` None = all cores."""
    s = settings
    r = scene.render
    compat.set_engine(scene, s.engine)
    r.resolution_x, r.resolution_y, r.resolution_percentage = int(s.width), int(s.height), 100
    r.pixel_aspect_x = r.pixel_aspect_y = 1.0
    r.film_transparent = bool(s.transparent)
    r.use_sequencer = False
    r.use_compositing = bool(s.compositor)              # the add-on's glow lives in the compositor
    simplify_text(scene, int(s.text_resolution), aliased(s))
    set_depth_look(scene, s)
    configure_output(scene, threads)
    set_samples(scene, s)


def configure_output(scene: bpy.types.Scene, threads: int | None = None) -> None:
    """What every render writes, whatever its look: deterministic 8-bit PNG frames (no dates, times or
    host names in the metadata, no burnt-in stamp; alpha when the film is transparent), `threads`."""
    r = scene.render
    r.threads_mode = "FIXED" if threads else "AUTO"
    if threads:
        r.threads = max(1, int(threads))
    r.use_stamp = False
    for name in ("use_stamp_date", "use_stamp_time", "use_stamp_render_time", "use_stamp_memory",
                 "use_stamp_hostname", "use_stamp_frame_range"):
        if hasattr(r, name):
            setattr(r, name, False)
    compat.set_image_output(scene, "PNG", "RGBA" if r.film_transparent else "RGB", "8")
    r.image_settings.compression = 15
    r.use_file_extension = False


def set_samples(scene: bpy.types.Scene, s: RenderSettings) -> None:
    """The engine's samples (Workbench: anti-aliasing), and for Cycles the device and a fixed noise."""
    samples = int(s.samples)
    if s.engine == "workbench":
        scene.display.render_aa = workbench_aa(samples)
    elif s.engine == "cycles":
        c = scene.cycles
        c.device = "GPU" if s.device == "gpu" and gpu_backend() else "CPU"
        c.samples = max(1, samples)
        c.use_adaptive_sampling = False           # same noise pattern for every chunk and worker
        c.seed = 0
        c.use_animated_seed = False
        c.use_denoising = bool(s.denoise)
        if c.use_denoising:
            c.denoiser = "OPENIMAGEDENOISE"
    else:
        eevee = scene.eevee
        if hasattr(eevee, "taa_render_samples"):
            eevee.taa_render_samples = max(1, samples)


def aliased(settings: RenderSettings) -> bool:
    """Rasterised with one sample per pixel (Workbench at 0 samples: the draft, and the preview, whose SMAA
    smooths edges afterwards but cannot bring back a stroke the raster missed): thin strokes drop out."""
    return settings.engine == "workbench" and int(settings.samples) == 0


def simplify_text(scene: bpy.types.Scene, resolution: int, aliased: bool = False) -> None:
    """Set every text curve in `scene` to `resolution` steps per segment (fewer triangles for drafts);
    0 restores the resolution each had when first simplified. `aliased`: strokes for a picture without
    anti-aliasing (text.set_strokes). Merged texts keep what their build chose."""
    for obj in scene.objects:
        if obj.type != "FONT":
            continue
        cu = obj.data
        if keys.RESOLUTION_U not in cu:
            cu[keys.RESOLUTION_U] = cu.resolution_u
        cu.resolution_u = resolution if resolution > 0 else int(cu[keys.RESOLUTION_U])
        set_strokes(cu, aliased)


# ---- Ctrl-C and Blender's chatter ------------------------------------------------------------------
_STOP = {"requested": False}


def _on_sigint(signum, frame):
    if _STOP["requested"]:          # a second Ctrl-C: stop right now
        raise KeyboardInterrupt
    _STOP["requested"] = True


def catch_sigint() -> None:
    """Route Ctrl-C to a flag that `check_interrupt` turns into KeyboardInterrupt between frames.
    Blender replaces the SIGINT handler, and a KeyboardInterrupt raised inside a render engine's Python
    callback would be swallowed, so a plain handler cannot stop a headless render."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


def check_interrupt() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed since the last check."""
    if _STOP["requested"]:
        _STOP["requested"] = False
        raise KeyboardInterrupt


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


# ---- the scene of a spec, built once per process ---------------------------------------------------
_BUILT: dict[str, str] = {}          # build_id -> scene name: survives between chunks and render settings


def load_spec(spec):
    """A SceneSpec from itself, a path, or the bytes of its .npz file."""
    if isinstance(spec, SceneSpec):
        return spec
    if isinstance(spec, (bytes, bytearray)):
        with tempfile.TemporaryDirectory(prefix="llmreel-spec-") as d:
            p = Path(d) / "spec.npz"
            p.write_bytes(spec)
            return SceneSpec.load(p)
    return SceneSpec.load(spec)


def build_id(spec, settings: RenderSettings) -> str:
    """What a built scene depends on: the spec's content and the build options (not the render settings,
    which `configure_render` changes on the built scene)."""
    from .blend_source import SpecSource

    if isinstance(spec, SpecSource):
        digest = spec.sha                           # the file's own sha256: the same key as its bytes give
    elif isinstance(spec, (bytes, bytearray)):
        digest = hashlib.sha256(spec).hexdigest()
    elif isinstance(spec, (str, os.PathLike)):
        digest = hashlib.sha256(Path(spec).read_bytes()).hexdigest()
    else:
        digest = spec.digest()
    return (f"{digest}|{settings.language}|{bool(settings.captions)}|{settings.cell_shape}"
            f"|{int(settings.text_resolution)}|{aliased(settings)}")


def prepare_scene(spec, settings: RenderSettings, threads: int | None = None, cull: bool = False):
    """The bpy scene for `spec` (a SceneSpec, its .npz path or bytes, or a blend_source.SpecSource naming that
    file), built once per process (and per language/captions choice), configured for `settings`. `cull`: hide objects while off camera (Workbench
    renders only: same pixels, less work; never for a scene that is saved). A blend_file.BlendSource
    instead of a spec: that saved file, loaded and rendered as it is (blend_file.prepare_blend)."""
    from .blend_source import BlendSource, SpecSource, local_path

    if isinstance(spec, BlendSource):
        from .blend_file import prepare_blend

        return prepare_blend(spec, settings, threads, cull)
    cull = cull and settings.engine == "workbench"
    ident = build_id(spec, settings) + (f"|culled {settings.width}x{settings.height}" if cull else "")
    name = _BUILT.get(ident)
    fresh = name is None or name not in bpy.data.scenes
    if fresh:                                   # a SpecSource: its file on a shared disk, or the copy sent here
        spec = load_spec(local_path(spec) if isinstance(spec, SpecSource) else spec)
        with quiet():
            bpy.ops.wm.read_factory_settings(use_empty=True)
        scene = bpy.context.scene
        build_scene(spec, scene=scene, language=settings.language, captions=settings.captions,
                    cell_shape=settings.cell_shape, text_resolution=int(settings.text_resolution),
                    aliased=aliased(settings))
        _BUILT.clear()
        _BUILT[ident] = scene.name
    scene = bpy.data.scenes[_BUILT[ident]]
    with quiet():                       # Cycles announces its (absent) GPU back-ends on first use
        configure_render(scene, settings, threads=threads)
    say_notes()
    if fresh and cull:                  # after configuring: the view's shape comes from the resolution
        cull_offscreen(scene)
    catch_sigint()
    return scene


# ---- frames ----------------------------------------------------------------------------------------
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


def render_still(scene: bpy.types.Scene, frame: int, out: str | os.PathLike, key: str) -> Path:
    """Render `frame` to the PNG `out`, sealed with `key` (frames.seal_frame) and written whole."""
    out = Path(out).absolute()                  # Blender reads a relative path from the .blend's folder
    raw = temp_sibling(out, "render")
    try:
        with quiet():
            render_frame(scene, frame, raw)
        fr.seal_frame(raw, out, key)
    finally:
        raw.unlink(missing_ok=True)
    return out


def render_sequence(scene: bpy.types.Scene, frames: list[int], folder: str | os.PathLike, key: str,
                    on_frame: Callable[[int, bytes], None] | None = None, batch: int = BATCH) -> None:
    """Render `frames` of `scene` (configured) into `folder` as frame files (frames.frame_path) sealed with
    `key`, as animation jobs of at most `batch` consecutive frames; `on_frame(frame, png bytes)` runs
    after each is sealed. Ctrl-C takes effect between jobs."""
    folder = Path(folder).absolute()
    pattern = folder / f".frame_#####.r{os.getpid()}.tmp.png"        # frames.remove_stale clears these

    def written(f: int, raw: Path) -> None:
        data = fr.seal_frame(raw, fr.frame_path(folder, f), key)
        if on_frame:
            on_frame(f, data)

    for a, b in fr.batches(frames, batch):
        with quiet():
            render_frames(scene, a, b, pattern, written)
        check_interrupt()


def render_chunk(spec, settings: RenderSettings, key: str, frames: list[int], frames_dir: str, token: str = "",
                 threads: int | None = None, on_frame: Callable[[int], None] | None = None,
                 batch: int = BATCH) -> list[tuple[int, bytes | None]]:
    """One render worker's job (in the CLI's process, or on a local or remote Dask worker): render `frames`
    (absolute spec frames) of `spec` under `key`; returns (frame, png bytes or None) per frame rendered
    here. It needs no shared disk: when `frames_dir` is visible (the run's `token` file is there) frames
    land in it directly (None), and frames already valid there are skipped, so a retried chunk only
    renders what its lost worker had not finished; otherwise they are rendered to a private folder and
    returned as bytes for the client to write."""
    size = (int(settings.width), int(settings.height))
    shared = bool(token) and (Path(frames_dir) / token).exists()
    todo = fr.missing_frames(frames_dir, frames, key, size) if shared else list(frames)
    if not todo:
        return []
    scene = prepare_scene(spec, settings, threads, cull=True)
    out: list[tuple[int, bytes | None]] = []

    def done(f: int, data: bytes) -> None:
        out.append((f, None if shared else data))
        if on_frame:
            on_frame(f)

    with tempfile.TemporaryDirectory(prefix="llmreel-frames-") as private:
        render_sequence(scene, todo, frames_dir if shared else private, key, done, batch)
    return out


# ---- video -----------------------------------------------------------------------------------------
def assemble_mp4(frame_files: list[str | os.PathLike], fps: int, size: tuple[int, int],
                 out: str | os.PathLike, audio: str | os.PathLike | None = None) -> Path:
    """Encode the PNG frames (in order) to H.264 MP4 at `out` via Blender's sequencer, muxing `audio`
    (AAC) when given; written to a temporary name and renamed, so `out` is never half a video."""
    out = Path(out).absolute()
    files = [Path(f) for f in frame_files]
    if not files:
        raise ValueError("no frames to encode")
    if len({f.parent for f in files}) != 1:
        raise ValueError("frames must share one folder")
    scene = bpy.data.scenes.new("llmreel-encode")
    try:
        ed = scene.sequence_editor_create()
        strips = ed.strips if hasattr(ed, "strips") else ed.sequences
        strip = strips.new_image("frames", str(files[0]), channel=1, frame_start=1)
        for f in files[1:]:
            strip.elements.append(f.name)
        if audio:
            strips.new_sound("audio", str(audio), channel=2, frame_start=1)
        scene.frame_start, scene.frame_end = 1, len(files)
        r = scene.render
        r.fps, r.fps_base = int(fps), 1.0
        r.resolution_x, r.resolution_y, r.resolution_percentage = size[0], size[1], 100
        r.use_sequencer, r.use_compositing = True, False
        # The frames are finished display pictures: pass them through untouched. A new scene's default
        # view transform (AgX) would tone-map them a second time, and byte frames would go through float.
        scene.view_settings.view_transform, scene.view_settings.look = "Standard", "None"
        scene.view_settings.exposure, scene.view_settings.gamma = 0.0, 1.0
        compat.set_video_output(scene, "MPEG4", "H264", "HIGH", audio=bool(audio))
        ff = r.ffmpeg
        ff.ffmpeg_preset = "GOOD"
        ff.gopsize = max(1, int(fps))
        if audio:
            ff.audio_codec, ff.audio_bitrate = "AAC", 192
        r.use_file_extension = False
        with atomic_output(out) as tmp:
            r.filepath = str(tmp)
            with quiet(), bpy.context.temp_override(scene=scene):
                bpy.ops.render.render(animation=True, scene=scene.name)
            if not tmp.exists() or tmp.stat().st_size == 0:
                raise RuntimeError(f"Blender's FFmpeg wrote no video at {tmp}")
    finally:
        bpy.data.scenes.remove(scene)
    return out


# ---- contact-sheet tiles ---------------------------------------------------------------------------
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



"""One render worker's job: rebuild the scene from a serialised SceneSpec and render a chunk of frames.

The same function runs in the CLI's own process (one worker), in local Dask worker processes and on
remote Dask workers. It needs no shared disk: when the frames folder is visible (the run's token file is
there) frames land in it directly, each sealed and renamed as soon as it is done; otherwise they are
rendered to a private temporary folder and returned as bytes for the client to write.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from llmreel.render_scripts import frames as fr

# Per-process cache: the scene built from a spec survives between chunks and between render settings.
_BUILT: dict[str, str] = {}


def load_spec(spec):
    """A SceneSpec from itself, a path, or the bytes of its .npz file."""
    from llmreel.scenes.spec import SceneSpec

    if isinstance(spec, SceneSpec):
        return spec
    if isinstance(spec, (bytes, bytearray)):
        with tempfile.TemporaryDirectory(prefix="llmreel-spec-") as d:
            p = Path(d) / "spec.npz"
            p.write_bytes(spec)
            return SceneSpec.load(p)
    return SceneSpec.load(spec)


def build_id(spec, settings: dict) -> str:
    """What a built scene depends on: the spec's content and the build options (not the render settings,
    which `configure_render` changes on the built scene)."""
    import hashlib

    if isinstance(spec, (bytes, bytearray)):
        digest = hashlib.sha256(spec).hexdigest()
    elif isinstance(spec, (str, os.PathLike)):
        digest = hashlib.sha256(Path(spec).read_bytes()).hexdigest()
    else:
        digest = fr.spec_digest(spec)
    return (f"{digest}|{settings['language']}|{bool(settings['captions'])}|{settings.get('cell_shape', 'tile')}"
            f"|{int(settings.get('text_resolution', 0))}")


def prepare_scene(spec, settings: dict, key: str = "", threads: int | None = None, cull: bool = False):
    """The bpy scene for `spec`, built once per process (and per language/captions choice), configured
    for `settings`. `cull`: hide objects while off camera (Workbench renders only: same pixels, less work;
    never for a scene that is saved)."""
    import bpy

    from llmreel.blender_addon.build import build_scene
    from llmreel.blender_addon.culling import cull_offscreen
    from llmreel.blender_addon.render import catch_sigint, configure_render, quiet

    cull = cull and settings["engine"] == "workbench"
    ident = build_id(spec, settings) + (f"|culled {settings['width']}x{settings['height']}" if cull else "")
    name = _BUILT.get(ident)
    fresh = name is None or name not in bpy.data.scenes
    if fresh:
        spec = load_spec(spec)
        with quiet():
            bpy.ops.wm.read_factory_settings(use_empty=True)
        scene = bpy.context.scene
        build_scene(spec, scene=scene, language=settings["language"], captions=settings["captions"],
                    cell_shape=settings.get("cell_shape", "tile"),
                    text_resolution=int(settings.get("text_resolution", 0)))
        _BUILT.clear()
        _BUILT[ident] = scene.name
    scene = bpy.data.scenes[_BUILT[ident]]
    with quiet():                       # Cycles announces its (absent) GPU back-ends on first use
        configure_render(scene, settings, threads=threads)
    if fresh and cull:                  # after configuring: the view's shape comes from the resolution
        cull_offscreen(scene)
    catch_sigint()
    return scene


def render_chunk(spec, settings: dict, key: str, frames: list[int], frames_dir: str, token: str = "",
                 threads: int | None = None,
                 on_frame: Callable[[int], None] | None = None,
                 batch: int = 24) -> list[tuple[int, bytes | None]]:
    """Render `frames` (absolute spec frames) under `key`; returns (frame, png bytes or None) per frame
    rendered here — None when it was written straight into the shared `frames_dir`. Frames already valid
    there are skipped, so a retried chunk only renders what its lost worker had not finished. Frames render as
    animation jobs of at most `batch` frames; Ctrl-C takes effect between jobs."""
    from llmreel.blender_addon.render import check_interrupt, quiet, render_frames

    size = (int(settings["width"]), int(settings["height"]))
    shared = bool(token) and (Path(frames_dir) / token).exists()
    todo = fr.missing_frames(frames_dir, frames, key, size) if shared else list(frames)
    if not todo:
        return []
    scene = prepare_scene(spec, settings, key, threads, cull=True)
    out: list[tuple[int, bytes | None]] = []
    with tempfile.TemporaryDirectory(prefix="llmreel-frames-") as private:
        target = Path(frames_dir if shared else private)
        pattern = target / f".frame_#####.r{os.getpid()}.tmp.png"

        def written(f: int, raw: Path) -> None:
            data = fr.seal_frame(raw, fr.frame_path(target, f), key)
            out.append((f, None if shared else data))
            if on_frame:
                on_frame(f)

        for a, b in batches(todo, batch):
            with quiet():
                render_frames(scene, a, b, pattern, written)
            check_interrupt()
    return out


def batches(frames: list[int], size: int) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of the sorted `frames`, each at most `size` long."""
    runs: list[tuple[int, int]] = []
    for f in sorted(frames):
        if runs and f == runs[-1][1] + 1 and f - runs[-1][0] < size:
            runs[-1] = (runs[-1][0], f)
        else:
            runs.append((f, f))
    return runs

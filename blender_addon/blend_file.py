"""A saved .blend as a render's source: opened with Python auto-run off, checked, rendered as it is.

    open_blend(path) -> scene                   the file loaded (InputError: not a .blend, damaged, too new,
                                                no camera), with its scripts and drivers' Python never run
    file_settings(scene) -> RenderSettings      the file's own resolution, engine and samples as settings
    prepare_blend(source, settings, ...)        a render worker's scene: loaded once per process, configured
    BlendSource(path, sha, preset)              what travels to workers (blend_source.py, no bpy)

Without a preset the file renders with its own look (resolution, engine, samples, compositor, colour
management); only the output is set (render.configure_output: sealed 8-bit PNG frames). With one,
render.configure_render applies it as to a built story. Culling (culling.py) follows the file's real
camera keys while the camera is still the add-on's rig, and is off otherwise.
"""
from __future__ import annotations

import os
from pathlib import Path

import bpy

from llmreel.core.errors import InputError

from . import compat, render
from .blend_source import BlendSource, file_sha, local_path
from .culling import cull_offscreen, rig_as_built
from .presets import RenderSettings

ACCEPTED = "accepted: a .blend file saved by Blender {} or older"


def _version(v) -> str:
    return ".".join(str(x) for x in tuple(v)[:2])


def load(path: str | os.PathLike) -> bpy.types.Scene:
    """Open the .blend with Python auto-run off (its scripts, and drivers' Python expressions, never run);
    RuntimeError from Blender when it cannot read the file."""
    bpy.context.preferences.filepaths.use_scripts_auto_execute = False
    render._BUILT.clear()                                   # a built story's scene goes with the old file
    with render.quiet():
        bpy.ops.wm.open_mainfile(filepath=str(Path(path).absolute()), load_ui=False, use_scripts=False)
    _LOADED.clear()
    _LOADED["unchanged"] = file_sha(path)                  # loaded and not yet configured
    return bpy.context.scene


def open_blend(path: str | os.PathLike, what: str = "FILE") -> bpy.types.Scene:
    """The file's scene, loaded and checked: InputError (one line) for a file Blender cannot read as a
    .blend (not one, truncated, damaged), one saved by a newer Blender than this one, or a scene without
    a camera to render from."""
    accepted = ACCEPTED.format(_version(bpy.app.version))
    try:
        scene = load(path)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        reason = reason.split(": ", 1)[-1] if "Missing DNA" not in reason else "truncated or damaged"
        raise InputError(f"{what} {path}: not a readable .blend ({reason}); {accepted}") from None
    if tuple(bpy.data.version) > tuple(bpy.app.version_file):
        raise InputError(f"{what} {path}: saved by Blender {_version(bpy.data.version)}, newer than this "
                         f"Blender {_version(bpy.app.version)}; {accepted} (save it from an older Blender or "
                         f"install a newer bpy)")
    if scene is None or scene.camera is None or scene.camera.type != "CAMERA":
        raise InputError(f"{what} {path}: its scene {scene.name!r} has no active camera to render from; "
                         f"set one in Blender (Scene properties > Camera) and save")
    return scene


# ---- the file's own settings -----------------------------------------------------------------------
ENGINE_NAMES = {"BLENDER_WORKBENCH": "workbench", "CYCLES": "cycles", "BLENDER_EEVEE": "eevee",
                "BLENDER_EEVEE_NEXT": "eevee"}
_AA = {"OFF": 0, "FXAA": 1}


def file_settings(scene, language: str = "en") -> RenderSettings:
    """The file's own picture as RenderSettings: its size (percentage applied), engine (lower case: an engine
    other than Workbench, EEVEE and Cycles keeps its id) and samples."""
    r = scene.render
    engine = ENGINE_NAMES.get(r.engine, r.engine.lower())   # another engine: the caller refuses it
    width = max(1, r.resolution_x * r.resolution_percentage // 100)
    height = max(1, r.resolution_y * r.resolution_percentage // 100)
    if engine == "workbench":
        aa = scene.display.render_aa
        samples = _AA[aa] if aa in _AA else int(aa)
    elif engine == "cycles":
        samples = int(scene.cycles.samples)
    else:
        samples = int(getattr(scene.eevee, "taa_render_samples", 16))
    denoise = engine == "cycles" and bool(scene.cycles.use_denoising)
    return RenderSettings(width=width, height=height, engine=engine, samples=samples, denoise=denoise,
                          captions=True, language=language, transparent=bool(r.film_transparent),
                          compositor=bool(r.use_compositing))


def configure_own(scene, settings: RenderSettings, threads: int | None = None) -> None:
    """The file's own look with `settings`' size, engine and samples (the file's unless overridden)."""
    own = file_settings(scene, settings.language)
    r = scene.render
    if settings.engine != own.engine:
        compat.set_engine(scene, settings.engine)
    if (settings.width, settings.height) != (own.width, own.height):
        r.resolution_x, r.resolution_y, r.resolution_percentage = int(settings.width), int(settings.height), 100
    if (settings.engine, settings.samples) != (own.engine, own.samples):
        render.set_samples(scene, settings)
    render.configure_output(scene, threads)


# ---- a worker's scene ------------------------------------------------------------------------------
_LOADED: dict[str, object] = {}           # ident -> the scene name, while that file stays loaded


def prepare_blend(source: BlendSource, settings: RenderSettings, threads: int | None = None,
                  cull: bool = False) -> bpy.types.Scene:
    """The file's scene, loaded once per process (and per settings), configured for `settings`; `cull`
    (Workbench only, never saved): culling from the file's camera keys when its camera is the add-on's rig."""
    ident = f"{source.sha}|{settings}|{source.preset}|{cull}"
    name = _LOADED.get(ident)
    if name is None or name not in bpy.data.scenes or bpy.data.filepath == "":
        fresh = _LOADED.get("unchanged") == source.sha and bpy.data.filepath != ""   # e.g. the client's checks
        scene = bpy.context.scene if fresh else load(local_path(source))
        _LOADED.clear()
        if source.preset:
            with render.quiet():
                render.configure_render(scene, settings, threads=threads)
        else:
            configure_own(scene, settings, threads)
        if cull and settings.engine == "workbench" and rig_as_built(scene):
            cull_offscreen(scene, strict=True)
        _LOADED[ident] = scene.name
    scene = bpy.data.scenes[_LOADED[ident]]
    render.configure_output(scene, threads)
    render.catch_sigint()
    return scene

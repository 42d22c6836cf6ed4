"""`llmreel render`, `llmreel still`, `llmreel contact-sheet`: argument parsing and the run's outline.

Every destination is tested first (core.files: nothing is left behind), then every argument and input file
(story, audio) is checked and the story planned, all BEFORE anything renders: bad input costs one line and
exit status 2 and leaves nothing new. bpy is imported only to check --audio or to render; Dask only to render.
"""
from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon import presets
from llmreel.core.errors import InputError
from llmreel.core.files import check_input_file, check_output_file, check_output_folder, write_text_atomic
from llmreel.core.options import LANGUAGES, check_fps, parse_aspect
from llmreel.render_scripts import video
from llmreel.render_scripts.cmd_plan import add_look_args
from llmreel.render_scripts.model_args import add_model_args, model_kwargs
from llmreel.render_scripts.render_run import Part, check_run_outputs, import_bpy, run_chunks, run_render


def is_blend(story: str | None) -> bool:
    """A saved .blend given where a story goes: rendered as it is (cmd_blend.py)."""
    return bool(story) and str(story).lower().endswith(".blend")


# ---- argument checks (pure) ------------------------------------------------------------------------
def parse_frames(text: str) -> tuple[int, int]:
    """'10-50' -> (10, 50), 1-based inclusive; '7' -> (7, 7)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text or "")
    if not m:
        raise InputError(f"bad --frames {text!r}: expected A-B (1-based, inclusive), e.g. 1-120")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if a < 1 or b < a:
        raise InputError(f"bad --frames {text!r}: need 1 <= A <= B")
    return a, b


def check_scheduler(address: str | None) -> str | None:
    if address is None:
        return None
    if not re.fullmatch(r"(tcp|tls)://[^\s:/]+:\d{1,5}", address):
        raise InputError(f"bad --scheduler {address!r}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    return address


def check_audio(path: str | None) -> Path | None:
    """The --audio file if Blender's FFmpeg (which muxes it) reads sound from it; InputError otherwise.
    Imports bpy: Blender's audio library `aud` ships in the bpy wheel."""
    if path is None:
        return None
    p = check_input_file(path, "--audio", video.AUDIO_SUFFIXES)
    import_bpy()                        # makes `aud` importable
    import aud

    accepted = f"accepted: sound that FFmpeg decodes, in a {' '.join(video.AUDIO_SUFFIXES)} file"
    try:
        sound = aud.Sound(str(p))
        rate, channels = sound.specs        # reading the specs opens the file and its first stream
        length = sound.length               # in samples; 0 or less: no sound in it
    except aud.error as exc:
        raise InputError(f"--audio {path}: not audio ({exc}); {accepted}") from None
    if rate <= 0 or channels <= 0 or length <= 0:
        raise InputError(f"--audio {path}: holds no sound; {accepted}")
    return p


def part_frames(spec, chapter: str | None, frames: str | None) -> tuple[int, int, str]:
    """(first, last, name suffix) of the part to render: a chapter, a frame range, or the whole story."""
    lo, hi = spec.meta.frame_start, spec.meta.frame_end
    if chapter and frames:
        raise InputError("give --chapter or --frames, not both")
    if chapter:
        ch = find_chapter(spec, chapter)
        return ch.first_frame, ch.last_frame, f"-{ch.slug}"
    if frames:
        a, b = parse_frames(frames)
        if b > hi or a < lo:
            raise InputError(f"--frames {frames}: this story has frames {lo}-{hi}")
        return a, b, f"-f{a}-{b}"
    return lo, hi, ""


def find_chapter(spec, name: str):
    for ch in spec.chapters:
        if name in (ch.slug, str(spec.chapters.index(ch) + 1)) or name.lower() == ch.title.get("en", "").lower():
            return ch
    raise InputError(f"unknown chapter {name!r}; chapters: {', '.join(c.slug for c in spec.chapters)}")


# ---- shared setup ----------------------------------------------------------------------------------
def add_scene_args(p: argparse.ArgumentParser, quality: str, captions: bool = True, slide: bool = False) -> None:
    """The options every scene command shares; `slide`: also --on and --transparent (cmd_plan.add_look_args)."""
    p.add_argument("story", nargs="?", default=None,
                   help="story name or .toml file (default: sort_explainer, or gpt2_text for a text model), or a "
                        "saved .blend to render as it is")
    p.add_argument("--input", default=None, help="six letters to sort, e.g. CBABBC")
    add_model_args(p)
    p.add_argument("--quality", default=None, help=f"preset: {' | '.join(presets.PRESETS)} (default {quality}; "
                   "for a .blend: the file's own settings)")
    p.set_defaults(quality_default=quality)
    p.add_argument("--resolution", default=None, help="WIDTHxHEIGHT, overrides the preset")
    p.add_argument("--engine", default=None, help="workbench | cycles | eevee")
    p.add_argument("--samples", type=int, default=None, help="render samples (Workbench: anti-aliasing)")
    p.add_argument("--device", default="cpu",
                   help="cpu | gpu: what Cycles computes on; with gpu and no GPU found, one line on stderr says "
                        "so and Cycles renders on the CPU (Workbench and EEVEE always draw with OpenGL)")
    p.add_argument("--aspect", default=None, help="W:H, e.g. 16:9 or 9:16")
    p.add_argument("--lang", default="en", help=f"caption and label language: {' | '.join(LANGUAGES)}")
    add_look_args(p, slide)
    p.add_argument("--captions", action=argparse.BooleanOptionalAction, default=captions,
                   help="burn captions into the picture (default: %(default)s)")


@dataclass
class Job:
    spec: object
    settings: presets.RenderSettings
    key: str


def plan_job(args, *, transparent: bool = False, on: str | None = None, fps: int | str | None = None) -> Job:
    """Check the scene arguments, plan the story and compute the render key (no bpy). `on`: the slide
    background a still is for; `transparent` pictures get outlined texts instead of opaque bands. `fps`:
    the video's (default the preset's), or "story" for pictures: a still planned at the story's own fps
    shows the very frame `plan --check` names (a beat's length rounds to whole frames at each fps)."""
    from llmreel.scenes.plan import plan_scene
    from llmreel.scenes.themes import check_slide, get_theme

    args.quality = args.quality or args.quality_default
    get_theme(args.theme)                         # bad --theme or --on: one line, before planning
    check_slide(on, "--on")
    aspect = parse_aspect(args.aspect, "--aspect") if args.aspect else None
    settings = presets.resolve(args.quality, aspect=aspect or (16, 9), resolution=args.resolution,
                               engine=args.engine, samples=args.samples, language=args.lang,
                               captions=args.captions, transparent=transparent, device=args.device)
    fps = None if fps == "story" else fps or presets.preset_fps(args.quality)
    spec = plan_scene(args.story, input=args.input, fps=fps, aspect=aspect, language=args.lang, theme=args.theme,
                      on=on, bands=not transparent, **model_kwargs(args))
    if aspect is None and not args.resolution:   # the story may choose its own aspect
        settings = presets.resolve(args.quality, aspect=tuple(spec.meta.aspect), resolution=None,
                                   engine=args.engine, samples=args.samples, language=args.lang,
                                   captions=args.captions, transparent=transparent, device=args.device)
    import importlib.metadata as md

    try:
        bpy_version = md.version("bpy")
    except md.PackageNotFoundError:
        bpy_version = "?"
    key = fr.render_key(spec.digest(), settings, extra=f"bpy {bpy_version}")
    return Job(spec, settings, key)


def base_name(args, spec) -> str:
    name = f"{spec.meta.story}-{spec.meta.input[:40]}-{args.quality}"   # a long prompt: its start
    if args.lang != "en":
        name += f"-{args.lang}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


# ---- render ------------------------------------------------------------------------------------------
def check_run_args(args) -> tuple[str | None, Path, Path | None]:
    """The checks every render makes first: --fps, --workers, --scheduler, --out, --audio."""
    if args.fps is not None:
        check_fps(args.fps, "--fps")
    if args.workers < 1:
        raise InputError(f"bad --workers {args.workers}: expected 1 or more")
    return check_scheduler(args.scheduler), check_output_folder(args.out), check_audio(args.audio)


def check_even(width: int, height: int) -> None:
    if width % 2 or height % 2:
        raise InputError(f"bad resolution {width}x{height}: H.264 video needs even width and height")


def cmd_render(args) -> int:
    if is_blend(args.story):
        from llmreel.render_scripts.cmd_blend import render_blend

        return render_blend(args)
    t0 = time.monotonic()
    _scheduler, out_dir, audio = check_run_args(args)
    job = plan_job(args, fps=args.fps)
    first, last, suffix = part_frames(job.spec, args.chapter, args.frames)
    check_even(job.settings.width, job.settings.height)
    part = Part(first, last, suffix, base_name(args, job.spec))
    frames_dir = check_run_outputs(out_dir, part, output_files(out_dir, part.name, suffix))

    def render_todo(todo, folder, token, on_frame):
        run_chunks(args, job.spec, spec_source(job.spec, Path(folder), args.scheduler), job.settings, job.key,
                   todo, folder, token, on_frame)

    def finish():
        return finish_outputs(args, job, out_dir, part.name, suffix, frames_dir, part.frames, audio)

    return run_render(args, part, frames_dir, (job.settings.width, job.settings.height), job.key,
                      job.settings.engine, job.spec.meta.fps, render_todo, finish, t0)


def spec_source(spec, folder: Path, scheduler: str | None):
    """The spec saved beside the frames as scene.npz, and the small record of it that travels to render
    workers (blend_source.SpecSource): local workers read the file, a cluster's get a copy sent once."""
    from llmreel.blender_addon.blend_source import SpecSource, file_sha

    path = (folder / "scene.npz").absolute()
    spec.save(path)
    sha = file_sha(path)
    return SpecSource(str(path), sha, upload=f"llmreel-{sha[:16]}.npz" if scheduler else "")


def finish_outputs(args, job, out_dir: Path, name: str, suffix: str, frames_dir: Path, wanted: list[int],
                   audio: Path | None) -> list[tuple[str, Path]]:
    """SRT, chapters, MP4 (from the complete frame set) and the .blend."""
    from llmreel.blender_addon.render import assemble_mp4, prepare_scene

    spec, lang, fps = job.spec, job.settings.language, job.spec.meta.fps
    first, last = wanted[0], wanted[-1]
    srt, chapters, mp4, blend = output_files(out_dir, name, suffix).values()
    write_text_atomic(srt, video.srt_text(spec.captions, fps, first, last, lang))
    write_text_atomic(chapters, video.chapters_text(spec.chapters, fps, first, last, lang))
    assemble_mp4([fr.frame_path(frames_dir, f) for f in wanted], fps,
                 (job.settings.width, job.settings.height), mp4, audio)
    # the .blend gets full-resolution text (texts are merged into meshes at build time)
    scene = prepare_scene(spec, replace(job.settings, text_resolution=0))
    save_blend(scene, blend)
    return [("video", mp4), ("frames", frames_dir), ("captions", srt), ("chapters", chapters), ("blend", blend)]


def output_files(out_dir: Path, name: str, suffix: str) -> dict[str, Path]:
    """The files a render writes beside its frames folder (checked before it starts, written at its end)."""
    return {"captions": out_dir / f"{name}{suffix}.srt", "chapters": out_dir / f"{name}{suffix}.chapters.txt",
            "video": out_dir / f"{name}{suffix}.mp4", "blend": out_dir / f"{name}.blend"}


def save_blend(scene, path: Path) -> None:
    """Save the built scene as a .blend for tweaking in Blender (the add-on's save writes it atomically)."""
    from llmreel.blender_addon.build import save_blend as addon_save
    from llmreel.blender_addon.render import quiet

    with quiet():
        addon_save(str(path))


# ---- still -----------------------------------------------------------------------------------------
def still_frame(spec, chapter: str | None, at: float | None, frame: int | None, seconds: float | None = None) -> int:
    """Absolute frame for a still: --at fraction of the chapter (or story), --frame N counted from the
    chapter's first frame (1 = first) or, without --chapter, from the story's, or --time seconds from the
    chapter's (or story's) start, the same moment at any fps (the frame check names its faults so)."""
    if sum(x is not None for x in (at, frame, seconds)) > 1:
        raise InputError("give one of --at, --frame, --time")
    if chapter:
        ch = find_chapter(spec, chapter)
        lo, hi = ch.first_frame, ch.last_frame
    else:
        lo, hi = spec.meta.frame_start, spec.meta.frame_end
    if seconds is not None:
        f = lo + int(round(seconds * spec.meta.fps))
        if not (seconds >= 0 and f <= hi):
            raise InputError(f"--time {seconds:g}: expected 0..{(hi - lo) / spec.meta.fps:.1f} seconds"
                             + (f" into chapter {chapter}" if chapter else " into the story"))
        return f
    if frame is not None:
        f = lo + frame - 1
        if not lo <= f <= hi:
            raise InputError(f"--frame {frame}: expected 1..{hi - lo + 1}" + (f" in chapter {chapter}" if chapter else ""))
        return f
    at = 0.5 if at is None else check_at(at)
    return lo + int(round(at * (hi - lo)))


def check_still_args(args) -> None:
    """A still names its moment (before any work): a chapter, a frame or a time; --at within 0..1."""
    if args.chapter is None and args.frame is None and args.time is None:
        raise InputError("give --chapter NAME (with --at, --frame or --time), --frame N or --time SECONDS")
    check_at(args.at)


def check_at(at: float | None) -> float | None:
    if at is not None and not 0.0 <= at <= 1.0:
        raise InputError(f"bad --at {at}: expected a fraction 0..1 of the chapter")
    return at


def cmd_still(args) -> int:
    if is_blend(args.story):
        from llmreel.render_scripts.cmd_blend import still_blend

        return still_blend(args)
    t0 = time.monotonic()
    out = check_output_file(args.out, "--out", (".png",))
    check_still_args(args)
    job = plan_job(args, transparent=args.transparent, on=args.on, fps="story")
    f = still_frame(job.spec, args.chapter, args.at, args.frame, args.time)
    render_still(job, f, out)
    print(f"llmreel still: frame {f} at {job.settings.width}x{job.settings.height} "
          f"({job.settings.engine}) in {time.monotonic() - t0:.1f} s -> {out}")
    return 0


def render_still(job: Job, frame: int, out: Path) -> Path:
    from llmreel.blender_addon import render

    return render.render_still(render.prepare_scene(job.spec, job.settings), frame, out, job.key)


# ---- contact sheet ---------------------------------------------------------------------------------
def cmd_contact_sheet(args) -> int:
    from llmreel.render_scripts.contact import render_contact_sheet

    if is_blend(args.story):
        from llmreel.render_scripts.cmd_blend import contact_sheet_blend

        return contact_sheet_blend(args)
    t0 = time.monotonic()
    out = check_output_file(args.out, "--out", (".png",))
    if args.columns < 1:
        raise InputError(f"bad --columns {args.columns}: expected 1 or more")
    check_at(args.at)
    job = plan_job(args, fps="story")
    n = render_contact_sheet(job, out, columns=args.columns, at=0.6 if args.at is None else args.at)
    print(f"llmreel contact-sheet: {n} chapters in {time.monotonic() - t0:.1f} s -> {out}")
    return 0


# ---- registration ----------------------------------------------------------------------------------
def register(sub) -> None:
    p = sub.add_parser("render", help="render the explainer video (MP4, frames, SRT, chapters, .blend)")
    add_scene_args(p, "draft")
    p.add_argument("--out", default="out", help="output folder (default ./out)")
    p.add_argument("--fps", type=int, default=None, help="frames per second (overrides the preset)")
    p.add_argument("--chapter", default=None, help="render only this chapter (slug, number or title)")
    p.add_argument("--frames", default=None, help="render only frames A-B (1-based, inclusive)")
    p.add_argument("--audio", default=None, help="narration or music file to mux into the MP4")
    p.add_argument("--workers", type=int, default=1, help="worker processes (>1: a local Dask cluster)")
    p.add_argument("--scheduler", default=None, help="tcp://HOST:PORT of an existing Dask scheduler")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("still", help="render one frame as a PNG (slides, posters)")
    add_scene_args(p, "final", captions=False, slide=True)
    p.add_argument("--chapter", default=None, help="chapter (slug, number or title)")
    p.add_argument("--at", type=float, default=None, help="position in the chapter, 0..1 (default 0.5)")
    p.add_argument("--frame", type=int, default=None, help="frame N, counted from the chapter's first (1-based)")
    p.add_argument("--time", type=float, default=None, metavar="SECONDS",
                   help="seconds from the chapter's start (or the story's), as `plan --check` names each fault")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_still)

    p = sub.add_parser("contact-sheet", help="a labelled grid with one frame per chapter")
    add_scene_args(p, "draft")
    p.add_argument("--columns", type=int, default=3, help="tiles per row (default 3)")
    p.add_argument("--at", type=float, default=None, help="position in each chapter, 0..1 (default 0.6)")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_contact_sheet)

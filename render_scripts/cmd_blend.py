"""`llmreel render|still|contact-sheet FILE.blend`: a saved .blend rendered as it is, tweaks included, through
the same pipeline as a story (cmd_render.py): presets and overrides, sealed frames and resume (the key holds
the file's sha256), `--frames` and `--chapter`, MP4 + SRT + chapters, `--workers` and `--scheduler` (each
worker loads the file: from the same path on a shared disk, or from a copy sent once to it).

The file is opened with Python auto-run off (blend_file.py) and checked before any work: a file that is not
a readable .blend, is saved by a newer Blender or has no camera costs one line and exit status 2. Without
`--quality` it renders with its own resolution, frame range and engine (`--resolution`, `--engine`,
`--samples` override them); a preset applies as to a story. The story is the file's: its captions and
chapter markers as they are now (blend_story.py) make the SRT and chapter files; options that would change
the story (`--input`, `--lang`, `--aspect`, ...) are refused.
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon import presets
from llmreel.blender_addon.blend_source import BlendSource, file_sha
from llmreel.core.errors import InputError
from llmreel.core.files import check_input_file, check_output_file, write_text_atomic
from llmreel.core.options import check_device, parse_resolution
from llmreel.render_scripts import video
from llmreel.render_scripts.cmd_render import (check_at, check_even, check_run_args, check_still_args, part_frames,
                                               still_frame)
from llmreel.render_scripts.render_run import Part, check_run_outputs, import_bpy, run_chunks, run_render

# (argument attribute, flag, the value it has when not given): options that plan a story
STORY_OPTIONS = (("input", "--input", None), ("model", "--model", None), ("text", "--text", None),
                 ("config", "--config", None), ("generate", "--generate", None), ("lang", "--lang", "en"), ("aspect", "--aspect", None),
                 ("fps", "--fps", None), ("pace", "--pace", None), ("theme", "--theme", None),
                 ("on", "--on", None), ("transparent", "--transparent", False))
DEFAULT_SAMPLES = {"workbench": 0, "cycles": 16, "eevee": 16}


def refuse_story_options(args, command: str) -> None:
    """InputError for the first option given that would plan a story: a .blend is its own story."""
    for attr, flag, unset in STORY_OPTIONS:
        if getattr(args, attr, unset) != unset:
            raise InputError(f"{flag} changes the story, which a .blend carries as saved: change it in Blender "
                             f"and save, or render a story with {flag}")
    if command != "still" and getattr(args, "captions", True) is False:     # a still's default is False
        raise InputError("--no-captions: a .blend's captions are part of the file; hide them in Blender and "
                         "save, or render a story with --no-captions")


@dataclass
class BlendJob:
    path: Path
    scene: object                   # the file's scene, loaded in this process
    story: object                   # blend_story.BlendStory, or None (not built by llmreel)
    source: object                  # blend_file.BlendSource: what render workers load
    settings: presets.RenderSettings
    key: str

    def view(self, chapter: str | None):
        """What part_frames / still_frame read of a spec: the frame range and the chapters (a --chapter
        for a file without any: InputError)."""
        if chapter and not (self.story and self.story.chapters):
            raise InputError(f"--chapter {chapter}: {self.path.name} has no chapters (timeline markers of an "
                             f"llmreel-built scene); give --frames A-B")
        sc = self.scene
        return SimpleNamespace(meta=SimpleNamespace(frame_start=sc.frame_start, frame_end=sc.frame_end,
                                                    fps=sc.render.fps / sc.render.fps_base),
                               chapters=self.story.chapters if self.story else [])


def blend_settings(args, scene, language: str) -> tuple[presets.RenderSettings, bool]:
    """(settings, from a preset?): `--quality` at the file's aspect, else the file's own picture; either
    with --resolution, --engine, --samples applied."""
    from llmreel.blender_addon.blend_file import file_settings

    r = scene.render
    if args.quality is not None:
        # the file's aspect as a small ratio: a draft's 854x480 is 16:9 (a preview 1280x720, not 1282x720)
        ratio = Fraction(r.resolution_x * r.pixel_aspect_x / (r.resolution_y * r.pixel_aspect_y)).limit_denominator(20)
        aspect = (ratio.numerator, ratio.denominator)
        return presets.resolve(args.quality, aspect=aspect, resolution=args.resolution,
                               engine=args.engine, samples=args.samples, language=language, captions=True,
                               device=args.device), True
    own = file_settings(scene, language)
    engine = (args.engine or own.engine).lower()
    if engine not in presets.ENGINES:
        raise InputError(f"{'--engine' if args.engine else 'the file renders with'} {engine!r}: accepted "
                         f"{', '.join(presets.ENGINES)} (give --engine)")
    samples = args.samples if args.samples is not None else \
        own.samples if engine == own.engine else DEFAULT_SAMPLES[engine]
    if not 0 <= samples <= 4096:
        raise InputError(f"bad samples {samples}: expected 0..4096")
    w, h = parse_resolution(args.resolution, "--resolution") if args.resolution else (own.width, own.height)
    check_device(args.device, "--device")
    return replace(own, width=w, height=h, engine=engine, samples=samples,
                   device=args.device if engine == "cycles" else "cpu"), False


def open_job(args, command: str) -> BlendJob:
    """Every check of a .blend render, in the order a user would fix them; the file loaded."""
    refuse_story_options(args, command)
    path = check_input_file(args.story, "FILE", (".blend",)).absolute()
    bpy = import_bpy()
    from llmreel.blender_addon import blend_file, blend_story

    scene = blend_file.open_blend(path, "FILE")
    story = blend_story.read_story(scene)
    settings, preset = blend_settings(args, scene, story.language if story else "en")
    sha = file_sha(path)
    source = BlendSource(str(path), sha, preset)
    key = fr.render_key(sha, settings, extra=f"bpy {bpy.app.version_string}|blend|{'preset' if preset else 'own'}")
    return BlendJob(path, scene, story, source, settings, key)


def base_name(args, job: BlendJob) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", job.path.stem + (f"-{args.quality}" if args.quality else ""))


def story_note(command: str, job: BlendJob) -> None:
    if job.story is None:
        print(f"llmreel {command}: {job.path.name} was not built by llmreel: no captions or chapters file",
              file=sys.stderr, flush=True)


# ---- render ----------------------------------------------------------------------------------------
def render_blend(args) -> int:
    t0 = time.monotonic()
    import_bpy()                         # before --audio's check imports it (worker processes' sys.path)
    _scheduler, out_dir, audio = check_run_args(args)
    job = open_job(args, "render")
    first, last, suffix = part_frames(job.view(args.chapter), args.chapter, args.frames)
    s = job.settings
    check_even(s.width, s.height)
    part = Part(first, last, suffix, base_name(args, job))
    outputs = {"video": out_dir / f"{part.name}{suffix}.mp4"}
    if job.story is not None:
        outputs.update(captions=out_dir / f"{part.name}{suffix}.srt",
                       chapters=out_dir / f"{part.name}{suffix}.chapters.txt")
    frames_dir = check_run_outputs(out_dir, part, outputs)
    story_note("render", job)
    r = job.scene.render
    fps = r.fps / (r.fps_base or 1.0)
    remote = replace(job.source, upload=f"llmreel-{job.source.sha[:16]}.blend") if args.scheduler else job.source

    def render_todo(todo, folder, token, on_frame):
        run_chunks(args, job.source, remote, s, job.key, todo, folder, token, on_frame)

    def finish():
        from llmreel.blender_addon.render import assemble_mp4

        done = []
        if job.story is not None:
            lang = job.story.language
            write_text_atomic(outputs["captions"], video.srt_text(job.story.captions, fps, first, last, lang))
            write_text_atomic(outputs["chapters"], video.chapters_text(job.story.chapters, fps, first, last, lang))
            done = [("captions", outputs["captions"]), ("chapters", outputs["chapters"])]
        assemble_mp4([fr.frame_path(frames_dir, f) for f in part.frames], r.fps, (s.width, s.height),
                     outputs["video"], audio)
        return [("video", outputs["video"]), ("frames", frames_dir)] + done

    return run_render(args, part, frames_dir, (s.width, s.height), job.key, s.engine, fps, render_todo, finish, t0)


# ---- still and contact sheet -----------------------------------------------------------------------
def still_blend(args) -> int:
    from llmreel.blender_addon import render

    t0 = time.monotonic()
    out = check_output_file(args.out, "--out", (".png",))
    check_still_args(args)
    job = open_job(args, "still")
    f = still_frame(job.view(args.chapter), args.chapter, args.at, args.frame, args.time)
    render.render_still(render.prepare_scene(job.source, job.settings), f, out, job.key)
    s = job.settings
    print(f"llmreel still: frame {f} of {job.path.name} at {s.width}x{s.height} ({s.engine}) in "
          f"{time.monotonic() - t0:.1f} s -> {out}")
    return 0


def contact_sheet_blend(args) -> int:
    from llmreel.blender_addon.render import prepare_scene
    from llmreel.render_scripts.contact import contact_sheet

    t0 = time.monotonic()
    out = check_output_file(args.out, "--out", (".png",))
    if args.columns < 1:
        raise InputError(f"bad --columns {args.columns}: expected 1 or more")
    check_at(args.at)
    job = open_job(args, "contact-sheet")
    if job.story is None or not job.story.chapters:
        raise InputError(f"FILE {job.path}: has no chapters (timeline markers in an llmreel-built scene); "
                         f"accepted: a .blend built by llmreel")
    world = job.scene.world
    background = tuple(world.color) if world is not None else (0.0, 0.0, 0.0)
    scene = prepare_scene(job.source, job.settings)
    n = contact_sheet(scene, job.story.chapters, job.story.language, background, out, columns=args.columns,
                      at=0.6 if args.at is None else args.at)
    print(f"llmreel contact-sheet: {n} chapters of {job.path.name} in {time.monotonic() - t0:.1f} s -> {out}")
    return 0

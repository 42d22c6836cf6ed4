"""The video and its side files: MP4 assembly through Blender's own FFmpeg, SRT captions, chapter list.

Times in the side files are relative to the first frame of the rendered part, so a `--chapter` or
`--frames` render gets captions and chapters that match its own MP4.
"""
from __future__ import annotations

import os
from pathlib import Path

AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".m4a", ".aac", ".opus")


# ---- text side files (pure) ------------------------------------------------------------------------
def srt_time(seconds: float) -> str:
    """SubRip time stamp: 0:01:02,500 -> '00:01:02,500'."""
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def chapter_time(seconds: float) -> str:
    """Chapter stamp as video sites take it: '0:00', '1:05', '1:02:03'."""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _text(d: dict, lang: str) -> str:
    return d.get(lang) or d.get("en") or next(iter(d.values()), "")


def srt_text(captions, fps: float, first: int, last: int, lang: str = "en") -> str:
    """SubRip document for captions overlapping frames first..last (inclusive), clipped to them."""
    items = []
    for cap in sorted(captions, key=lambda c: c.first_frame):
        a, b = max(cap.first_frame, first), min(cap.last_frame, last)
        if a > b:
            continue
        start, end = (a - first) / fps, (b - first + 1) / fps
        items.append(f"{len(items) + 1}\n{srt_time(start)} --> {srt_time(end)}\n{_text(cap.text, lang).strip()}\n")
    return "\n".join(items)


def chapters_text(chapters, fps: float, first: int, last: int, lang: str = "en") -> str:
    """'0:00 Introduction' lines for chapters overlapping first..last; the first always at 0:00."""
    lines = []
    for ch in sorted(chapters, key=lambda c: c.first_frame):
        if ch.last_frame < first or ch.first_frame > last:
            continue
        start = max(ch.first_frame, first)
        lines.append(f"{chapter_time((start - first) / fps)} {_text(ch.title, lang)}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    from llmreel.render_scripts.frames import write_atomic

    write_atomic(path, text.encode("utf-8"))


# ---- MP4 -------------------------------------------------------------------------------------------
def assemble_mp4(frame_files: list[str | os.PathLike], fps: int, size: tuple[int, int],
                 out: str | os.PathLike, audio: str | os.PathLike | None = None) -> Path:
    """Encode the PNG frames (in order) to H.264 MP4 at `out` via Blender's sequencer, muxing `audio`
    (AAC) when given; written to a temporary name and renamed, so `out` is never half a video."""
    import bpy

    from llmreel.blender_addon import compat
    from llmreel.blender_addon.render import quiet

    out = Path(out)
    files = [Path(f) for f in frame_files]
    if not files:
        raise ValueError("no frames to encode")
    if len({f.parent for f in files}) != 1:
        raise ValueError("frames must share one folder")
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.mp4")
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
        r.filepath = str(tmp)
        r.use_file_extension = False
        with quiet(), bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(animation=True, scene=scene.name)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Blender's FFmpeg wrote no video at {tmp}")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        bpy.data.scenes.remove(scene)
    return out

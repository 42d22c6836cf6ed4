"""The video's side files: SRT captions and the chapter list (pure text, no bpy); the audio types the MP4
can carry. The MP4 itself is made by the add-on's render module (`blender_addon.render.assemble_mp4`).

Times in the side files are relative to the first frame of the rendered part, so a `--chapter` or
`--frames` render gets captions and chapters that match its own MP4.
"""
from __future__ import annotations

from llmreel.scenes.hud import pick

AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".m4a", ".aac", ".opus")


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


def srt_text(captions, fps: float, first: int, last: int, lang: str = "en") -> str:
    """SubRip document for captions overlapping frames first..last (inclusive), clipped to them."""
    items = []
    for cap in sorted(captions, key=lambda c: c.first_frame):
        a, b = max(cap.first_frame, first), min(cap.last_frame, last)
        if a > b:
            continue
        start, end = (a - first) / fps, (b - first + 1) / fps
        items.append(f"{len(items) + 1}\n{srt_time(start)} --> {srt_time(end)}\n{pick(cap.text, lang).strip()}\n")
    return "\n".join(items)


def chapters_text(chapters, fps: float, first: int, last: int, lang: str = "en") -> str:
    """'0:00 Introduction' lines for chapters overlapping first..last; the first always at 0:00."""
    lines = []
    for ch in sorted(chapters, key=lambda c: c.first_frame):
        if ch.last_frame < first or ch.first_frame > last:
            continue
        start = max(ch.first_frame, first)
        lines.append(f"{chapter_time((start - first) / fps)} {pick(ch.title, lang)}")
    return "\n".join(lines) + ("\n" if lines else "")


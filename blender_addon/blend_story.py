"""The story a .blend carries, read back as it is in the file (edits included), for the headless render's
SRT and chapter files and its `--chapter`:

    read_story(scene) -> BlendStory | None      None: the file was not built by llmreel

Chapters are the scene's timeline markers in frame order (a build adds one per chapter, named '▸ slug'),
each running to the next marker or the scene's end; a marker the user moved or added counts, and a
chapter keeps the title stored at build time while its marker keeps the slug. Captions are the caption
text objects (`llmreel_caption`; the build never merges them) with the body they have now, shown over the
frames their visibility keys (their own and their instancer's `hide_render`) show them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from llmreel.scenes.spec import Caption, Chapter

from . import compat, keys
from .scene_io import collect_objects, our_collection

MARKER_PREFIX = "▸ "                 # scene_io.mark_chapters names markers '▸ slug'


@dataclass
class BlendStory:
    language: str
    chapters: list[Chapter] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)


def _hidden(obj, frames: np.ndarray) -> np.ndarray:
    """bool [F]: obj's hide_render at each frame (keyed, or its static value)."""
    ad = obj.animation_data
    fc = next((c for c in compat.action_fcurves(ad.action if ad else None) if c.data_path == "hide_render"), None)
    if fc is None:
        return np.full(len(frames), bool(obj.hide_render))
    return np.array([fc.evaluate(float(f)) >= 0.5 for f in frames])


def shown_mask(obj, frames: np.ndarray) -> np.ndarray:
    """bool [F]: `obj` renders at each frame: not hidden itself, nor its parents, nor the collection
    instancers it is shown through (animate.Visibility)."""
    shown = ~_hidden(obj, frames)
    up = obj.parent
    while up is not None:
        shown &= ~_hidden(up, frames)
        up = up.parent
    for coll in obj.users_collection:
        for inst in coll.users_dupli_group:
            shown &= shown_mask(inst, frames)
    return shown


def runs(frames: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frames of each run of True in `mask` over consecutive integer `frames`."""
    out, start = [], None
    for f, on in zip(frames.tolist(), mask.tolist()):
        if on and start is None:
            start = f
        if not on and start is not None:
            out.append((start, f - 1))
            start = None
    if start is not None:
        out.append((start, int(frames[-1])))
    return out


def read_chapters(scene, root, language: str) -> list[Chapter]:
    """One chapter per marker, to the next marker (or the scene's end), clipped to the scene's frames."""
    titles = {c["slug"]: c["title"] for c in json.loads(root.get(keys.CHAPTERS, "[]"))}
    markers = sorted(scene.timeline_markers, key=lambda m: (m.frame, m.name))
    out = []
    for i, m in enumerate(markers):
        slug = (m.name[len(MARKER_PREFIX):] if m.name.startswith(MARKER_PREFIX) else m.name).strip()
        first = max(m.frame, scene.frame_start)
        last = min(markers[i + 1].frame - 1 if i + 1 < len(markers) else scene.frame_end, scene.frame_end)
        if last < first:                 # outside the scene's frames, or two markers on one frame
            continue
        title = titles.get(slug) or {language: slug}
        out.append(Chapter(slug=slug, title=title, first_frame=int(first), last_frame=int(last)))
    return out


def caption_objects(scene) -> list:
    """The caption text objects of the scene's build (not their outlines), in caption order."""
    root = our_collection(scene)
    objs: list = []
    if root is not None:
        collect_objects(root, objs)
    return sorted({o for o in objs if o.type == "FONT" and keys.CAPTION in o and keys.OUTLINE not in o},
                  key=lambda o: (int(o[keys.CAPTION]), o.name))


def read_captions(scene, language: str) -> list[Caption]:
    frames = np.arange(scene.frame_start, scene.frame_end + 1)
    out = []
    for obj in caption_objects(scene):
        body = obj.data.body.strip()
        if not body or not len(frames):
            continue
        for a, b in runs(frames, shown_mask(obj, frames)):
            out.append(Caption(first_frame=a, last_frame=b, text={language: body}))
    return sorted(out, key=lambda c: c.first_frame)


def read_story(scene) -> BlendStory | None:
    """The chapters and captions of an llmreel-built scene as they are now; None for any other scene."""
    root = our_collection(scene)
    if root is None:
        return None
    language = str(root.get(keys.LANGUAGE) or "en")
    return BlendStory(language, read_chapters(scene, root, language), read_captions(scene, language))

"""The story's cut of the canonical beats: which beats, their overrides from the story file (seconds,
caption templates, focus, shot), their captions filled in, and their frames."""
from __future__ import annotations

import copy
import math
from dataclasses import replace

from llmreel.model.config import GPTConfig
from llmreel.scenes.captions import fill_caption
from llmreel.scenes.captions_text import quoted
from llmreel.scenes.inputs import text_of
from llmreel.scenes.story import Story
from llmreel.scenes.storyboard import DEFAULT_LOOP_SPEEDUP, FRAME_START, SCALE, BeatPlan, Shot, min_frames


def override_shot(shot: Shot, over: dict) -> Shot:
    """A beat's shot with a story's overrides (story.SHOT_KEYS): `yaw` (degrees from straight on, camera
    to the right when > 0), `pitch` (degrees above the subject), `orbit` (degrees the yaw turns over the
    beat), `lens` (mm), `fill` (of the safe area), `framing`."""
    side = math.tan(math.radians(over["yaw"])) if "yaw" in over else shot.side
    kw: dict = {"side": side, "fixed_angle": shot.fixed_angle or "yaw" in over or "orbit" in over}
    if "pitch" in over:
        kw["rise"] = math.tan(math.radians(over["pitch"])) * math.hypot(side, 1.0)
    if "orbit" in over:
        kw["drift"] = math.tan(math.atan(side) + math.radians(over["orbit"])) - side
    for key in ("lens", "fill", "framing"):
        if key in over:
            kw[key] = over[key]
    return replace(shot, **kw)


def select_beats(story: Story, beats: list[BeatPlan], pace: float) -> list[BeatPlan]:
    """The story's cut of the canonical beats with its overrides, seconds paced; dropped beats' steps
    move on to the next beat kept (never to the scale chapter's, which reveal no tensor)."""
    cuts = {c.slug: c for c in story.chapters}
    kept: list[BeatPlan] = []
    pending = []
    for b in beats:
        cut = cuts.get(b.chapter)
        base = b.base
        if cut is None or (cut.beats is not None and base not in cut.beats):
            pending += b.steps
            continue
        b = copy.copy(b)
        if b.chapter != SCALE:          # the scale chapter computes nothing: steps pass it by
            b.steps = pending + b.steps
            pending = []
        secs = cut.seconds.get(base, b.seconds)
        if b.fast:
            first = cut.loop_seconds if cut.loop_seconds is not None else secs
            speed = cut.loop_speedup if cut.loop_speedup is not None else DEFAULT_LOOP_SPEEDUP
            secs = first * speed ** (b.pass_index - 2)
        b.seconds = secs * pace * cut.pace
        b.templates = {**b.templates, **cut.captions.get(base, {})}
        b.subtitle = dict(cut.subtitle)
        if base in cut.focus:
            b.focus = list(cut.focus[base])
        if base in cut.shots:
            b.shot = override_shot(b.shot, cut.shots[base])
        kept.append(b)
    cut = cuts.get("transformer")
    return together(kept) if cut is not None and cut.together else kept


def together(beats: list[BeatPlan]) -> list[BeatPlan]:
    """The later transformer blocks' beats ("blocks.1", "blocks.2", ...) as one quick beat: every step of
    each block in turn, in the short slots of a fed-back pass; the caption and shot of the first; what the
    caption shows, each block's output on the residual stream."""
    later = [b for b in beats if b.chapter == "transformer" and b.base == "blocks" and b.steps]
    if len(later) < 2:
        return beats
    one = copy.copy(later[0])
    one.name, one.fast = "blocks", True
    one.steps = [s for b in later for s in b.steps]
    one.focus = sorted({t for b in later for t in b.focus})
    one.shows = [f"h{b.layer}.mlp.resid" for b in later]         # the stream each block hands on
    gone = {id(b) for b in later}
    return [one if b is later[0] else b for b in beats if b is later[0] or id(b) not in gone]


def beat_fields(b: BeatPlan, base: dict[str, str], cfg: GPTConfig, seq: list[int], n_in: int,
                name=None) -> dict[str, str]:
    """Caption fields of one beat: the story's (captions.caption_context), {layer} {pass} {col} {letter} and
    the beat's own (BeatPlan.fields); with `name` (a text model's token id -> text) also {next_q}: the token
    this pass picks, quoted."""
    f = dict(base)
    f["layer"] = str(b.layer)
    f["pass"] = str(b.pass_index)
    f["col"] = str(n_in + b.pass_index - 2)
    nxt = seq[n_in + b.pass_index - 1] if n_in + b.pass_index - 1 < len(seq) else seq[-1]
    f["letter"] = text_of(cfg, [nxt])
    f["last_layer"] = str(cfg.n_layer - 1)
    if name is not None and b.pass_index:
        f["next_q"] = quoted(name(nxt))
    f.update(b.fields)
    return f


def write_captions(beats: list[BeatPlan], base: dict[str, str], cfg: GPTConfig, seq: list[int], n_in: int,
                   name=None) -> None:
    for b in beats:
        b.caption = fill_caption(b.templates, beat_fields(b, base, cfg, seq, n_in, name), f"{b.chapter}.{b.base}")


def assign_frames(beats: list[BeatPlan], fps: int) -> None:
    frame = FRAME_START
    for b in beats:
        n = max(int(round(b.seconds * fps)), min_frames(b, fps))
        b.first_frame, b.last_frame = frame, frame + n - 1
        frame += n

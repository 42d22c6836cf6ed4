"""plan_scene: story + input + model -> SceneSpec (everything a render needs), and its summary.

The model runs here: greedy generation sorts the input (one pass per output letter); the layout and
values come from the LAST pass's trace (T = n_in + n_out - 1 columns). Causality makes its first columns
equal to the earlier passes' values, so chapters 1-8 reveal columns 0..n_in-1 as "the first pass" and
chapter 9 reveals one new column per later pass. Each kind of element is planned in its own module:
beats (beats.py, timeline.py), blocks, labels, paths, focus moments, shots, title cards, the labels' level
of detail (legibility.py), HUD, cell look.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from llmreel.core.options import check_fps, check_language, check_pace, parse_aspect
from llmreel.model.checkpoint import Model
from llmreel.model.config import GPTConfig
from llmreel.model.findings_cache import cached_find
from llmreel.model.gpt import generate as generate_tokens
from llmreel.model.steps_removed import steps_removed
from llmreel.model.trace import Trace
from llmreel.scenes.beats import canonical_beats
from llmreel.scenes.beats_findings import film_findings, has_findings
from llmreel.scenes.blocks import plan_blocks
from llmreel.scenes.captions import caption_context
from llmreel.scenes.captions_text import text_fields
from llmreel.scenes.cards import after_cards, plan_chapters
from llmreel.scenes.geometry import label_bounds
from llmreel.scenes.hud import plan_hud
from llmreel.core.errors import InputError
from llmreel.scenes.inputs import Run, as_model, prepare
from llmreel.scenes.labels import in_front_of_paths, plan_labels
from llmreel.scenes.legibility import plan_lod
from llmreel.scenes.layout import layout, merged_tensors
from llmreel.scenes.look import plan_look
from llmreel.scenes.moments import Moments, focus_moments, line_chars
from llmreel.scenes.moments_text import text_moments
from llmreel.scenes.paths import climbs, gelu_curves, plan_paths
from llmreel.scenes.reveal import Schedule
from llmreel.scenes.scale import plan_exhibit
from llmreel.scenes.scale import fields as scale_fields
from llmreel.scenes.shots import plan_camera, spec_beats
from llmreel.scenes.sticky import plan_sticky
from llmreel.scenes.spec import Block, Caption, Meta, SceneSpec
from llmreel.scenes.story import TEXT_STORY, Story, load_story
from llmreel.scenes.storyboard import FRAME_START, SCALE, BeatPlan
from llmreel.scenes.term_order import check_story
from llmreel.scenes.themes import get_theme, slide_theme
from llmreel.scenes.timeline import assign_frames, select_beats, write_captions


@dataclass
class Timeline:
    """A story's beats with their captions filled and frames assigned, and the run they were written from."""
    beats: list[BeatPlan]
    trace: Trace                   # the last pass's
    fps: int
    run: Run                       # the model and the prompt: ids, how they read, tokens to generate
    output: str

    @property
    def config(self) -> GPTConfig:
        return self.run.model.config

    @property
    def n_in(self) -> int:
        return len(self.run.ids)

    @property
    def input_text(self) -> str:
        return self.run.input_text


def story_and_model(story=None, weights=None, config=None) -> tuple[Story, Model]:
    """The story and the model it runs on. No story: the one written for the model's kind (the sort story
    for the letter model, gpt2_text for a text model); a story written for the other kind is refused in one
    line naming the right one."""
    if story is None:
        model = as_model(weights, config)
        return load_story(TEXT_STORY if not model.is_letters else None), model
    st = story if isinstance(story, Story) else load_story(story)
    model = as_model(weights if weights is not None else (st.weights or None), config)
    if st.model == "text" and model.is_letters:
        raise InputError(f"story {st.name} is written for a text (GPT-2-family) model; name one with --model PATH "
                         f"(a GPT-2 folder) or --config gpt2 (seeded random weights), or drop the story for the "
                         f"letter model's")
    if st.model == "letters" and not model.is_letters:
        raise InputError(f"story {st.name} is written for the letter-sorting model; for this text model use "
                         f"story {TEXT_STORY.stem} (chosen by default for a text model)")
    return st, model


def plan_timeline(story=None, *, input=None, text=None, generate=None, fps=None, pace=None, weights=None,
                  config=None) -> Timeline:
    """The model run on the story's input, and the story's beats: cut, captions written, frames assigned
    (plan_run's first half; the arguments as there)."""
    st, model = story_and_model(story, weights, config)
    fps = st.fps if fps is None else check_fps(fps)
    pace = st.pace if pace is None else check_pace(pace)
    cfg, params = model.config, model.params
    if input is None and text is None and model.is_letters:
        input = st.input
    elif input is None and text is None and st.model == "any":
        text = "<|endoftext|>"              # a story that shows nothing of the run: one token will do
    run = prepare(model, input, text, generate)
    ids, input_text, n_in, n_out = run.ids, run.input_text, len(run.ids), run.n_new
    seq, traces = generate_tokens(params, cfg, ids, n_out)
    trace = traces[-1]                                                        # T = n_in + n_out - 1
    output = run.text_of(seq[n_in:])
    film = film_findings(cached_find((cfg, params)), trace, seq) if has_findings(cfg, n_in, n_out) else None
    canonical = canonical_beats(cfg, n_in, n_out, film)
    beats = select_beats(st, canonical, 1.0 * pace)
    if not beats:                       # e.g. only a finding's beats, in a chapter where no finding passes
        raise InputError(f"story {st.name}: its cut shows no beat for this model and input; accepted: at least "
                         f"one beat that is always shown (finding, check and how beats appear only with findings)")
    fields = {**caption_context(trace, n_in, output, input_text, model.n_params, steps_removed(model.params, cfg)),
              **scale_fields()}
    name = None
    if not model.is_letters:                       # a text model: its tokens named by their text
        name = model.token_text
        fields.update(text_fields(trace, n_in, name, output))
        text_moments(beats)
    write_captions(beats, fields, cfg, seq, n_in, name)
    check_story(beats, {b.id: b.templates for b in canonical}, st.name)   # overrides define terms first
    assign_frames(beats, fps)
    return Timeline(beats, trace, fps, run, output)


def focus_one_column(beats: list[BeatPlan], blocks: list[Block], stream) -> None:
    """In a folded layout (layout.py) a beat's focus leaves out the residual blocks standing a column away
    from the rest of it (the final layer norm's input, at the bottom of the last layer's column): the stream
    runs beside every column, and framing both would hold two columns of empty wall."""
    up = climbs(stream)
    if not up:
        return
    column = {b.tensor: sum(x < b.bounds()[0][0] for x in up) for b in blocks}
    stream_blocks = {b.tensor for b in blocks if b.role == "residual"}
    for beat in beats:
        others = {column[t] for t in beat.focus if t in column and t not in stream_blocks}
        if others:
            beat.focus = [t for t in beat.focus if t not in stream_blocks or column[t] in others]


def plan_scene(story=None, **kwargs) -> SceneSpec:
    """Everything a render needs, as a SceneSpec (plan_run's keywords)."""
    return plan_run(story, **kwargs)[0]


def plan_run(story=None, *, input=None, text=None, generate=None, fps=None, aspect=None, weights=None,
             language=None, theme=None, pace=None, config=None, on=None, bands=True) -> tuple[SceneSpec, Run]:
    """(SceneSpec, the Run it was planned from). `story`: a Story, a shipped name, a path or None (default
    story); the keyword arguments override the story's values. `input`: letters for the sort model (or a
    list of token ids); `text`: the prompt of a text (GPT-2-family) model, which writes `generate` new
    tokens (default 1); `weights`: a path (weights file or Hugging Face folder), (config, params) or a
    Model; `config`: with no weights, a preset name / GPTConfig run with seeded random weights (e.g.
    "gpt2" for a size check), with a file its shape when the file does not say.
    A still for a slide: `on` "light" | "dark" colours texts, outlines and paths for that slide
    (themes.slide_theme); `bands` False (a transparent picture) outlines captions and title cards instead
    of setting them on opaque bands."""
    st, model = story_and_model(story, weights, config)
    aspect = st.aspect if aspect is None else parse_aspect(aspect)
    theme_obj = copy.deepcopy(slide_theme(get_theme(st.theme if theme is None else theme), on))
    language = st.language if language is None else language
    check_language(language)
    tl = plan_timeline(st, input=input, text=text, generate=generate, fps=fps, pace=pace, weights=model)
    beats, trace, fps, cfg, run, output = tl.beats, tl.trace, tl.fps, tl.config, tl.run, tl.output
    model, n_in, input_text = run.model, tl.n_in, tl.input_text
    frame_end = beats[-1].last_frame
    merged = set(merged_tensors(cfg))
    sched = Schedule(trace, merged, weight_time=float(FRAME_START))
    for b in beats:
        sched.run_beat(b, fps)

    # the elements, each from its own module; the scale chapter's models (scale.py) stand apart, above
    wall = [b for b in beats if b.chapter != SCALE]
    blocks, labels, paths, sbeats, size = [], [], [], [], 1.0
    token_text = None if model.is_letters else model.token_text
    if wall:
        # layout folds the sorting model for a wide frame; a text model's story passes its (many) layers by
        # quickly, its layer norms laid out for the frame's shape
        fold = aspect[0] / aspect[1]
        lay = layout(cfg, len(trace.tokens), letters=model.is_letters, fold=fold)
        size = lay.sizes.title
        blocks = plan_blocks(lay, trace, sched.times, wall)
        focus_one_column(wall, blocks, lay.stream)
        labels = plan_labels(lay, {b.id: b for b in blocks}, trace, cfg, n_in, frame_end, token_text)
        tags = {l.block: (lo[2], hi[2], bool(l.rotation)) for l in labels if l.id.endswith(":rows")
                for lo, hi in [label_bounds(l)]}                      # row tags (left of their blocks)
        paths = plan_paths(blocks, trace, merged, fps, width=0.12 * size, n_in=n_in, stream=lay.stream, tags=tags)
        paths += gelu_curves(lay, {b.id: b for b in blocks}, width=0.2 * size, n_in=n_in)
    curves = [p for p in paths if p.id.startswith("curve")]          # GELU's, beside its block
    m = focus_moments(wall, Moments(trace, {b.id: b for b in blocks}, theme_obj, size, fps, n_in, input_text,
                                    output, frame_end, line_chars(aspect), [p for p in paths if p.role == "residual"],
                                    token_text, curves, aspect,
                                    titles={l.block: l.size for l in labels if l.kind == "title"}))
    labels += m.labels
    in_front_of_paths(labels, m.values, paths)
    if wall:
        sbeats = spec_beats(wall, blocks)
    ex = plan_exhibit([b for b in beats if b.chapter == SCALE], theme_obj, aspect,
                      [b.bounds() for b in blocks])
    chapters, cards = plan_chapters(sbeats + ex.beats, beats, fps)
    opened = {c.frames[0]: c.frames[1] for c in cards}          # a card opens the beat starting with it
    camera = plan_camera(sbeats, [b.shot for b in wall], blocks, labels, m.values, aspect, fps,
                         {b.id: opened[b.first_frame] for b in sbeats if b.first_frame in opened},
                         curves) + ex.camera
    after_cards(m.values, cards, camera, aspect)
    plan_sticky(labels, blocks, camera, aspect, FRAME_START, frame_end)      # titles ride along pans
    sbeats += ex.beats
    labels += ex.labels
    caps = [Caption(first_frame=b.first_frame, last_frame=b.last_frame, text=dict(b.caption)) for b in sbeats]
    plan_lod(labels, m.values, blocks + ex.solids, camera, caps, cards, aspect, FRAME_START, frame_end, fps)
    meta = Meta(story=st.name, input=input_text, output=output, fps=fps, frame_start=FRAME_START,
                frame_end=frame_end, aspect=tuple(aspect), language=language, theme=theme_obj.name,
                weights=model.name, weights_sha256=model.sha256, config=cfg.to_dict())
    spec = SceneSpec(meta=meta, theme=theme_obj, blocks=blocks, labels=labels, paths=paths,
                     highlights=m.highlights, flying=m.flying, value_texts=m.values, camera=camera,
                     chapters=chapters, captions=caps, title_cards=cards,
                     hud=plan_hud(camera, aspect, caps, cards, bands), look=plan_look(theme_obj, fps),
                     solids=ex.solids)
    return spec, run


def plan_summary(spec: SceneSpec, run: Run | None = None) -> dict:
    """The `llmreel plan --json` document; with the Run, also `model` (name, config, parameter count) and
    `tokens` (the prompt's [{id, text}])."""
    about = {} if run is None else {"model": run.model.summary(), "tokens": run.tokens()}
    return {
        **about,
        "fps": spec.meta.fps,
        "frame_start": spec.meta.frame_start,
        "frame_end": spec.meta.frame_end,
        "chapters": [{
            "name": c.slug,
            "title": {"en": c.title["en"], "ko": c.title["ko"]},
            "first_frame": c.first_frame,
            "last_frame": c.last_frame,
            "captions": [{"first_frame": k.first_frame, "last_frame": k.last_frame,
                          "en": k.text["en"], "ko": k.text["ko"]}
                         for k in spec.captions if c.first_frame <= k.first_frame <= c.last_frame],
        } for c in spec.chapters],
        "counts": {
            "blocks": len(spec.blocks),
            "cells": int(sum(b.values.size for b in spec.blocks)),
            "labels": len(spec.labels),
            "captions": len(spec.captions),
            "solids": len(spec.solids),            # models drawn to scale (the scale chapter)
            "slabs": int(sum(len(s.boxes) for s in spec.solids)),
        },
    }

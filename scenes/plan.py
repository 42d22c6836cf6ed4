"""plan_scene: story + input + model -> SceneSpec (everything a render needs), and its summary.

The model runs here: greedy generation sorts the input (one pass per output letter); the layout and
values come from the LAST pass's trace (T = n_in + n_out - 1 columns). Causality makes its first columns
equal to the earlier passes' values, so chapters 1-8 reveal columns 0..n_in-1 as "the first pass" and
chapter 9 reveals one new column per later pass.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from llmreel.model.config import GPTConfig, get_config, n_params
from llmreel.core.errors import InputError
from llmreel.model.gpt import SORT_LENGTH, generate
from llmreel.model.tokenizer import VOCAB, decode, encode
from llmreel.model.weights import DEFAULT_WEIGHTS, init_params, load_weights, weights_sha256
from llmreel.scenes import captions as cap
from llmreel.scenes.cards import clear_title_cards
from llmreel.scenes.camera import caption_lines, frame_box, safe_area
from llmreel.scenes.hud import plan_hud
from llmreel.scenes.look import plan_look
from llmreel.scenes.geometry import label_bounds, union, value_text_bounds, view
from llmreel.scenes.layout import DEPTH, CELL, PITCH, Layout, Slot, layout, merged_tensors, text_width
from llmreel.scenes.moments import focus_moments
from llmreel.scenes.reveal import Schedule, token_axis
from llmreel.scenes.spec import (Block, CameraKey, Caption, Beat, Chapter, FlowPath, Label, Meta, SceneSpec,
                                 TitleCard)
from llmreel.core.options import check_fps, check_language, check_pace, parse_aspect
from llmreel.scenes.story import Story, load_story
from llmreel.scenes.storyboard import (CHAPTERS, DEFAULT_LOOP_SPEEDUP, BeatPlan, canonical_beats, min_frames)
from llmreel.scenes.themes import get_theme

FRAME_START = 1
LENS = 50.0


# ---- model ------------------------------------------------------------------------------------------

def _model(weights, config) -> tuple[GPTConfig, dict, str, str]:
    """(config, params, weights name, sha256). Shipped weights when present, else seeded random init."""
    if isinstance(weights, tuple):
        cfg, params = weights
        cfg = get_config(cfg) if isinstance(cfg, str) else cfg
        return cfg, params, "in-memory", ""
    if weights:
        path = Path(weights)
        cfg, params = load_weights(path, config)
        return cfg, params, path.name, weights_sha256(path)
    if config is not None:
        cfg = get_config(config) if isinstance(config, str) else config
        return cfg, init_params(cfg, 0), f"random-init:seed0:{_config_name(cfg)}", ""
    if Path(DEFAULT_WEIGHTS).is_file():
        cfg, params = load_weights(DEFAULT_WEIGHTS)
        return cfg, params, Path(DEFAULT_WEIGHTS).name, weights_sha256(DEFAULT_WEIGHTS)
    cfg = get_config("nano-sort")                   # before training has produced the shipped file
    return cfg, init_params(cfg, 0), "random-init:seed0:nano-sort", ""


def _config_name(cfg: GPTConfig) -> str:
    from llmreel.model.config import PRESETS
    return next((k for k, v in PRESETS.items() if v == cfg), "custom")


def _tokens(cfg: GPTConfig, input) -> tuple[list[int], str]:
    if isinstance(input, str):
        if cfg.vocab_size == len(VOCAB):
            ids = encode(input, length=SORT_LENGTH)
            return ids, decode(ids)
        ids = encode(input)
        return ids, decode(ids)
    ids = [int(t) for t in input]
    if not ids or min(ids) < 0 or max(ids) >= cfg.vocab_size:
        raise InputError(f"input token ids must lie in 0..{cfg.vocab_size - 1}")
    return ids, " ".join(map(str, ids))


def _text_of(cfg: GPTConfig, ids) -> str:
    return decode(ids) if cfg.vocab_size == len(VOCAB) else " ".join(map(str, ids))


# ---- beats and frames ---------------------------------------------------------------------------------

def _select_beats(story: Story, beats: list[BeatPlan], pace: float, fps: int) -> list[BeatPlan]:
    """The story's cut of the canonical beats, with seconds (paced); dropped beats' steps move on."""
    cuts = {c.slug: c for c in story.chapters}
    kept: list[BeatPlan] = []
    pending = []
    for b in beats:
        cut = cuts.get(b.chapter)
        base = b.name.split(".")[0]
        if cut is None or (cut.beats is not None and base not in cut.beats):
            pending += b.steps
            continue
        b = copy.copy(b)
        b.steps = pending + b.steps
        pending = []
        secs = cut.seconds.get(base, b.seconds)
        if b.fast:
            first = cut.loop_seconds if cut.loop_seconds is not None else secs
            speed = cut.loop_speedup if cut.loop_speedup is not None else DEFAULT_LOOP_SPEEDUP
            secs = first * speed ** (b.pass_index - 2)
        b.seconds = secs * pace * cut.pace
        kept.append(b)
    return kept


def _beat_fields(b: BeatPlan, base: dict[str, str], cfg: GPTConfig, seq: list[int], n_in: int) -> dict[str, str]:
    f = dict(base)
    f["layer"] = str(b.layer)
    f["pass"] = str(b.pass_index)
    col = n_in + b.pass_index - 2
    f["col"] = str(col)
    nxt = seq[n_in + b.pass_index - 1] if n_in + b.pass_index - 1 < len(seq) else seq[-1]
    f["letter"] = _text_of(cfg, [nxt])
    return f


def _assign_frames(beats: list[BeatPlan], fps: int) -> None:
    frame = FRAME_START
    for b in beats:
        n = max(int(round(b.seconds * fps)), min_frames(b, fps))
        b.first_frame, b.last_frame = frame, frame + n - 1
        frame += n


# ---- blocks --------------------------------------------------------------------------------------------

def _scale(data: np.ndarray, tensor: str) -> float:
    if tensor.endswith("probs"):
        return 1.0
    flat = data.reshape(-1)
    if flat.size > 200_000:                                       # big tensors: a strided sample
        flat = flat[:: flat.size // 200_000]
    flat = np.abs(flat[np.isfinite(flat)])
    if flat.size == 0:
        return 1.0
    s = float(np.quantile(flat, 0.98))
    return s if s > 1e-12 else float(flat.max() or 1.0)


def _blocks(lay: Layout, trace, times: dict[str, np.ndarray], beats: list[BeatPlan]) -> list[Block]:
    chapter_of: dict[str, str] = {}
    for b in beats:
        for s in b.steps:
            for t in s.tensors:
                chapter_of.setdefault(t, b.chapter)
    scales: dict[str, float] = {}
    blocks = []
    for s in lay.slots:
        t = trace.tensors[s.tensor]
        if s.tensor not in scales:
            scales[s.tensor] = _scale(t.data, s.tensor)
        values = view(t.data, s.index_prefix, s.axis_range, s.transpose)       # [R, K]
        if t.role == "weight":
            values = np.asarray(values, dtype=np.float32)                     # a view: no copy of big tables
            t_on = np.broadcast_to(np.float32(times[s.tensor].flat[0]), values.shape)
        else:
            values = np.ascontiguousarray(values, dtype=np.float32)
            t_on = np.ascontiguousarray(view(times[s.tensor], s.index_prefix, s.axis_range, s.transpose),
                                        dtype=np.float32)
        assert values.shape == (s.rows, s.cols), (s.id, values.shape, (s.rows, s.cols))
        blocks.append(Block(
            id=s.id, tensor=s.tensor, index_prefix=tuple(s.index_prefix), transpose=s.transpose, role=s.role,
            title=dict(s.title), formal=s.formal, row_axis=s.row_axis, col_axis=s.col_axis,
            origin=tuple(float(v) for v in s.origin), pitch=PITCH, cell=CELL, depth=DEPTH,
            scale=scales[s.tensor], values=values, t_on=t_on, chapter=chapter_of.get(s.tensor, ""),
            axis_range=tuple(s.axis_range),
        ))
    return blocks


def _overview(blocks: list[Block], beats: list[BeatPlan], fps: int, trace) -> None:
    """Intro overview: whole blocks light one after another in compute order, then all reset."""
    ov = next((b for b in beats if b.id == "introduction.overview"), None)
    if ov is None:
        return
    acts = [b for b in blocks if b.role != "weight"]
    shown = {b.tensor for b in acts}
    order = {name: i for i, name in enumerate(n for n in trace.tensors if n in shown)}   # trace = compute order
    n = max(1, len(order) - 1)
    first = ov.first_frame + min(fps // 2, (ov.last_frame - ov.first_frame) // 6)
    end = ov.last_frame - min(fps, (ov.last_frame - ov.first_frame) // 5)
    for b in acts:
        start = first + (end - 1 - first) * order[b.tensor] / n
        b.preview = [(float(round(start, 3)), float(end))]


# ---- labels and paths ----------------------------------------------------------------------------------

def _labels(lay: Layout, blocks: dict[str, Block], trace, cfg: GPTConfig, n_in: int, frame_end: int) -> list[Label]:
    labels = [l for s in lay.slots for l in s.labels] + list(lay.section_labels)     # the plan's own layout
    size = min(0.9 * PITCH / 0.6, 0.9 * lay.sizes.title)
    toks = list(trace.tokens)
    preds = np.argmax(trace["probs"], axis=-1)                               # [T] next-token guess per column
    for bid, ids, tensor in (("embed.tok", toks, "embed.tok"), ("embed.out", toks, "embed.out"),
                             ("probs", [int(p) for p in preds], "probs")):
        b = blocks.get(bid)
        if b is None:
            continue
        R = b.shape[0]
        for j, tok in enumerate(ids):
            col_t = b.t_on[:, j]
            when = float(np.nanmin(col_t)) if tensor == "probs" else (
                FRAME_START if j < n_in else float(np.nanmin(col_t)))
            if not np.isfinite(when):
                continue                                                   # never reached in this cut
            text = _text_of(cfg, [tok])
            s = size / max(1, len(text))
            z = b.origin[2] - (R - 1) * b.pitch - 0.5 * b.pitch - 1.95 * lay.sizes.title
            if tensor == "probs":
                z = b.origin[2] - (R - 1) * b.pitch - 0.5 * b.pitch - 1.95 * lay.sizes.title
            labels.append(Label(id=f"token:{bid}:{j}", kind="value", text={"en": text, "ko": text},
                                location=(b.origin[0] + j * b.pitch, b.origin[1] - b.depth / 2 - 0.02, z),
                                size=float(s), align="center", color="accent" if tensor == "probs" else "text",
                                block=bid, visible=[] if when <= FRAME_START else [(when, float(frame_end))]))
    if cfg.vocab_size <= 16:                                                  # the vocabulary table
        wte = blocks.get("wte.weight")
        if wte is not None:
            z = wte.origin[2] - (wte.shape[0] - 1) * wte.pitch - 0.5 * wte.pitch - 1.95 * lay.sizes.title
            for v in range(cfg.vocab_size):
                text = _text_of(cfg, [v])
                labels.append(Label(id=f"vocab:wte.weight:{v}", kind="value", text={"en": text, "ko": text},
                                    location=(wte.origin[0] + v * wte.pitch, wte.origin[1] - wte.depth / 2 - 0.02, z),
                                    size=float(size), align="center", color="accent", block="wte.weight"))
        for bid in ("logits", "probs"):
            b = blocks.get(bid)
            if b is None:
                continue
            x = b.origin[0] + (b.shape[1] - 0.5) * b.pitch + 0.25 * lay.sizes.title
            for v in range(cfg.vocab_size):
                text = _text_of(cfg, [v])
                labels.append(Label(id=f"vocab:{bid}:{v}", kind="value", text={"en": text, "ko": text},
                                    location=(x, b.origin[1] - b.depth / 2 - 0.02, b.origin[2] - v * b.pitch - 0.35 * size),
                                    size=float(size), align="left", color="text_dim", block=bid))
    return labels


def _answer_label(lay: Layout, blocks: dict[str, Block], beats: list[BeatPlan], input_text: str, output: str,
                  frame_end: int) -> list[Label]:
    """The sorted answer under the output, from the answer beat to the end."""
    ans = next((b for b in beats if b.id == "output.answer"), None)
    b = blocks.get("probs")
    if ans is None or b is None:
        return []
    t = lay.sizes.title
    z = b.origin[2] - (b.shape[0] - 1) * b.pitch - 0.5 * b.pitch - 2.2 * t - 1.6 * t
    text = f"{input_text} \u2192 {output}"
    x = b.origin[0] + (b.shape[1] - 1) * b.pitch / 2
    return [Label(id="answer", kind="value", text={"en": text, "ko": text}, location=(x, b.origin[1] - b.depth / 2 - 0.02, z),
                  size=float(1.4 * t), align="center", color="accent", block="probs",
                  visible=[(float(ans.first_frame), float(frame_end))])]


def _gelu_curves(lay: Layout, blocks: dict[str, Block], width: float, n_in: int) -> list[FlowPath]:
    """GELU's curve (and its axes) drawn in the space reserved beside each MLP, growing with the GELU."""
    from llmreel.model.functional import gelu

    out = []
    for sid, (x0, z0, x1, z1) in lay.spaces.items():
        if not sid.startswith("gelu_curve:"):
            continue
        layer = sid.split(":", 1)[1]
        b = blocks.get(f"{layer}.mlp.gelu")
        if b is None:
            continue
        first = b.t_on[:, :n_in]                                              # the first pass
        lit = first[np.isfinite(first)]
        if lit.size == 0:
            continue
        xs = np.linspace(-4.0, 3.0, 57)                                       # input range shown
        ys = gelu(xs)                                                         # the model's own GELU
        m = 0.12 * (x1 - x0)
        def to_world(u, v):                                                   # curve units -> wall
            return (x0 + m + (u + 4.0) / 7.0 * (x1 - x0 - 2 * m), -0.05 - b.depth,
                    z1 + m + (v + 0.5) / 3.5 * (z0 - z1 - 2 * m))
        grow = (float(lit.min()), float(lit.max()))
        out.append(FlowPath(id=f"curve:{layer}.mlp.gelu", role="op", width=width,
                            points=[tuple(map(float, to_world(u, v))) for u, v in zip(xs, ys)], grow=grow))
        out.append(FlowPath(id=f"curve-axis:{layer}.mlp.gelu:x", role="op", width=0.5 * width,
                            points=[to_world(-4.0, 0.0), to_world(3.0, 0.0)], grow=grow))
        out.append(FlowPath(id=f"curve-axis:{layer}.mlp.gelu:y", role="op", width=0.5 * width,
                            points=[to_world(0.0, -0.5), to_world(0.0, 3.0)], grow=grow))
    return out


def _edge(b: Block, toward: np.ndarray) -> np.ndarray:
    lo, hi = b.bounds()
    c = (lo + hi) / 2
    c[1] = lo[1]
    d = toward - c
    if abs(d[0]) * (hi[2] - lo[2]) > abs(d[2]) * (hi[0] - lo[0]):          # leaves through a side
        c[0] = hi[0] if d[0] > 0 else lo[0]
    else:
        c[2] = lo[2] if d[2] < 0 else hi[2]
    return c


def _paths(blocks: list[Block], trace, merged: set[str], fps: int, width: float, n_in: int) -> list[FlowPath]:
    by_tensor: dict[str, list[Block]] = {}
    for b in blocks:
        by_tensor.setdefault(b.tensor, []).append(b)

    def sources(name):
        out = []
        for src in trace.tensors[name].op.inputs:
            if src in merged:
                out += sources(src)
            else:
                out.append(src)
        return out

    def matching(b: Block, cands: list[Block]) -> list[Block]:
        """The input blocks feeding block b: the same head, and for split weights the same part."""
        if not b.index_prefix or not cands:
            return cands[:1] if all(c.axis_range == (0, 0) for c in cands) else cands
        same = [c for c in cands if c.index_prefix == b.index_prefix]
        if same:
            return same
        head = f"[{b.index_prefix[0]}]"
        part = "." + b.tensor.rsplit(".", 1)[-1] + head               # e.g. ".q[1]"
        return [c for c in cands if c.id.endswith(part)] or [c for c in cands if c.id.endswith(head)]

    paths = []
    for b in blocks:
        if b.role == "weight":
            continue
        finite = b.t_on[np.isfinite(b.t_on)]
        if finite.size == 0:
            continue
        grow = (float(max(FRAME_START, finite.min() - 0.3 * fps)), float(finite.min()))
        for src in dict.fromkeys(sources(b.tensor)):
            for c in matching(b, by_tensor.get(src, [])):
                lo, hi = b.bounds()
                s = _edge(c, (lo + hi) / 2)
                e = _edge(b, s)
                pts = [tuple(map(float, s))]
                if abs(s[0] - e[0]) > 1e-6 and abs(s[2] - e[2]) > 1e-6:
                    pts.append((float(s[0]), float(s[1]), float(e[2])))
                pts.append(tuple(map(float, e)))
                paths.append(FlowPath(id=f"path:{c.id}->{b.id}", role="op", points=pts, width=width, grow=grow))
    res = [b for b in blocks if b.role == "residual"]
    if res:
        top, bottom = res[0], res[-1]
        x = top.origin[0] + (top.shape[1] - 1) * top.pitch / 2
        y = top.origin[1] - top.depth / 2 - 0.05
        z0 = top.bounds()[1][2]
        z1 = bottom.bounds()[0][2]
        t0 = top.t_on[np.isfinite(top.t_on)]
        t1 = bottom.t_on[:, :n_in][np.isfinite(bottom.t_on[:, :n_in])]     # grows with the first pass
        grow = (float(t0.min()) if t0.size else float(FRAME_START), float(t1.max()) if t1.size else float(FRAME_START))
        paths.insert(0, FlowPath(id="path:residual", role="residual", points=[(x, y, z0), (x, y, z1)],
                                 width=2.5 * width, grow=grow))
    return paths


# ---- camera --------------------------------------------------------------------------------------------

def block_boxes(spec_blocks: list[Block], labels: list[Label]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Block id -> world box of the block with its name tag and dimension labels."""
    boxes = {b.id: b.bounds() for b in spec_blocks}
    for l in labels:
        if l.block in boxes:
            boxes[l.block] = union([boxes[l.block], label_bounds(l)])
    return boxes


def focus_bounds(spec_blocks: list[Block], labels: list[Label], value_texts, focus: list[str], frames,
                 boxes: dict | None = None) -> tuple:
    """World box of the focus blocks with their labels and the value texts shown during `frames`."""
    boxes = block_boxes(spec_blocks, labels) if boxes is None else boxes
    found = [boxes[i] for i in focus if i in boxes]
    for v in value_texts:
        if v.frames[0] <= frames[1] and v.frames[1] >= frames[0]:
            found.append(value_text_bounds(v))
    return union(found)


def shot_safe_area(beat: Beat, aspect) -> tuple[float, float, float, float]:
    """Where the beat's subject may sit: clear of the frame edges and of its caption band (the
    longest of its languages, as every language is rendered from the same camera)."""
    lines = max((caption_lines(t, aspect) for t in beat.caption.values() if t), default=0)
    return safe_area(aspect, lines)


PAN_MIN = 8            # a focus taller than this many safe-area-shaped windows of its width pans ...
PAN_WINDOWS = 4        # ... from a top window to a bottom one, each 1/PAN_WINDOWS of its height


def shot_boxes(lo, hi, aspect, safe) -> list[tuple[np.ndarray, np.ndarray]]:
    """What a beat's two camera keys frame: the focus box whole (for both keys), or, when the focus is
    much taller than the safe area's shape (the whole model in the output loop), a top and a bottom
    window of it, so the shot pans down the model with the data instead of showing a thin strip."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    x0, x1, y0, y1 = safe
    ax, ay = aspect
    ratio = (y1 - y0) * ay / ((x1 - x0) * ax)                        # safe area height / width
    width, height = hi[0] - lo[0], hi[2] - lo[2]
    if height < PAN_MIN * ratio * width:
        return [(lo, hi), (lo, hi)]
    win = height / PAN_WINDOWS
    top = (np.array([lo[0], lo[1], hi[2] - win]), hi)
    bottom = (lo, np.array([hi[0], hi[1], lo[2] + win]))
    return [top, bottom]


def _camera(beats: list[Beat], blocks, labels, value_texts, aspect, fps: int) -> list[CameraKey]:
    keys: list[CameraKey] = []
    boxes = block_boxes(blocks, labels)
    for i, beat in enumerate(beats):
        lo, hi = focus_bounds(blocks, labels, value_texts, beat.focus, (beat.first_frame, beat.last_frame), boxes)
        safe = shot_safe_area(beat, aspect)
        side = (0.22, -0.12, 0.16)[i % 3]
        drift = 0.07 if side < 0 else -0.07                # a slow orbit while the shot holds
        n = beat.last_frame - beat.first_frame
        arrive = beat.first_frame if i == 0 else beat.first_frame + min(int(round(1.2 * fps)), n // 3)
        for frame, s, (blo, bhi) in zip((arrive, beat.last_frame), (side, side + drift),
                                        shot_boxes(lo, hi, aspect, safe)):
            loc, tgt = frame_box(blo, bhi, aspect, lens=LENS, direction=(s, -1.0, 0.10), safe=safe)
            keys.append(CameraKey(float(frame), loc, tgt, LENS))
    return keys


# ---- the whole plan ------------------------------------------------------------------------------------

def plan_scene(story=None, *, input=None, fps=None, aspect=None, weights=None, language=None,
               theme=None, pace=None, config=None) -> SceneSpec:
    """Everything a render needs, as a SceneSpec. `story`: a Story, a shipped name, a path or None
    (default story); the keyword arguments override the story's values. `input`: letters (or a list of
    token ids for a non-letter vocabulary); `weights`: a path, or (config, params); `config`: with no
    weights, a preset name / GPTConfig run with seeded random weights (e.g. "gpt2" for a size check)."""
    st = story if isinstance(story, Story) else load_story(story)
    fps = st.fps if fps is None else check_fps(fps)
    aspect = st.aspect if aspect is None else parse_aspect(aspect)
    pace = st.pace if pace is None else check_pace(pace)
    theme_obj = copy.deepcopy(get_theme(st.theme if theme is None else theme))
    language = st.language if language is None else language
    check_language(language)
    cfg, params, wname, wsha = _model(weights if weights is not None else (st.weights or None), config)
    ids, input_text = _tokens(cfg, st.input if input is None else input)
    n_in = len(ids)
    n_out = n_in if cfg.vocab_size == len(VOCAB) else max(1, min(6, cfg.block_size - n_in + 1))
    if n_in + n_out - 1 > cfg.block_size:
        raise InputError(f"{n_in} input tokens leave no room to generate {n_out} in block size {cfg.block_size}")
    seq, traces = generate(params, cfg, ids, n_out)
    trace = traces[-1]                                                        # T = n_in + n_out - 1
    output = _text_of(cfg, seq[n_in:])
    T = len(trace.tokens)

    lay = layout(cfg, T)
    merged = set(merged_tensors(cfg))
    beats = _select_beats(st, canonical_beats(cfg, n_in, n_out), 1.0 * pace, fps)
    base = cap.caption_context(trace, n_in, output, input_text, n_params(cfg))
    cuts = {c.slug: c for c in st.chapters}
    for b in beats:
        key = f"{b.chapter}.{b.name.split('.')[0]}"
        if b.fast and b.pass_index > 2:
            key = "output.loop_more"                  # later passes: a shorter caption
        b.caption = cap.beat_caption(key, _beat_fields(b, base, cfg, seq, n_in),
                                     cuts[b.chapter].captions.get(b.name.split(".")[0]))
    _assign_frames(beats, fps)
    frame_end = beats[-1].last_frame

    sched = Schedule(trace, merged, weight_time=float(FRAME_START))
    for b in beats:
        sched.run_beat(b, fps)
    blocks = _blocks(lay, trace, sched.times, beats)
    _overview(blocks, beats, fps, trace)
    by_id = {b.id: b for b in blocks}
    labels = _labels(lay, by_id, trace, cfg, n_in, frame_end)
    labels += _answer_label(lay, by_id, beats, input_text, output, frame_end)
    paths = _paths(blocks, trace, merged, fps, width=0.12 * lay.sizes.title, n_in=n_in)
    paths += _gelu_curves(lay, by_id, width=0.2 * lay.sizes.title, n_in=n_in)
    highlights, flying, value_texts = focus_moments(beats, trace, by_id, theme_obj, lay.sizes.title, n_in, fps)

    slots_of: dict[str, list[str]] = {}
    for b in blocks:
        slots_of.setdefault(b.tensor, []).append(b.id)
    spec_beats: list[Beat] = []
    for b in beats:
        focus = [x.id for x in blocks] if "*" in b.focus else [i for t in b.focus for i in slots_of.get(t, [])]
        spec_beats.append(Beat(id=b.id, first_frame=b.first_frame, last_frame=b.last_frame,
                               caption=dict(b.caption), focus=focus))
    camera = _camera(spec_beats, blocks, labels, value_texts, aspect, fps)

    titles = {slug: (t, sub) for slug, t, sub in CHAPTERS}
    chapters, cards = [], []
    for num, (slug, _, _) in enumerate(CHAPTERS, start=1):
        mine = [b for b in spec_beats if b.id.startswith(slug + ".")]
        if not mine:
            continue
        (ten, tko), (sen, sko) = titles[slug]
        tensors = list(dict.fromkeys(t for b in beats if b.chapter == slug for s in b.steps for t in s.tensors))
        ch = Chapter(slug=slug, title={"en": ten, "ko": tko}, first_frame=mine[0].first_frame,
                     last_frame=mine[-1].last_frame, beats=mine, tensors=tensors)
        chapters.append(ch)
        card_len = min(int(round(2.5 * fps)), (ch.last_frame - ch.first_frame + 1) // 2)
        cards.append(TitleCard(chapter=slug, text={"en": f"{num}. {ten}", "ko": f"{num}. {tko}"},
                               subtitle={"en": sen, "ko": sko},
                               frames=(float(ch.first_frame), float(ch.first_frame + card_len - 1))))
    clear_title_cards(labels, cards, camera, aspect, float(FRAME_START), float(frame_end))
    caps = [Caption(first_frame=b.first_frame, last_frame=b.last_frame, text=dict(b.caption)) for b in spec_beats]
    meta = Meta(story=st.name, input=input_text, output=output, fps=fps, frame_start=FRAME_START,
                frame_end=frame_end, aspect=tuple(aspect), language=language, theme=theme_obj.name,
                weights=wname, weights_sha256=wsha, config=cfg.to_dict())
    return SceneSpec(meta=meta, theme=theme_obj, blocks=blocks, labels=labels, paths=paths,
                     highlights=highlights, flying=flying, value_texts=value_texts, camera=camera,
                     chapters=chapters, captions=caps, title_cards=cards,
                     hud=plan_hud(camera, aspect, caps, cards), look=plan_look(theme_obj, fps))


def plan_summary(spec: SceneSpec) -> dict:
    """The `llmreel plan --json` document."""
    fps = spec.meta.fps
    return {
        "fps": fps,
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
        },
    }

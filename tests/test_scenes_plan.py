"""plan_scene on the default story: reveal order, chapters, sweeps, captions, values, camera, round trip."""
from __future__ import annotations

import re

import numpy as np
import pytest

from llmreel.model.gpt import generate
from llmreel.model.opgraph import max_over_deps
from llmreel.scenes.camera import fill_fraction
from llmreel.scenes.geometry import view
from llmreel.scenes.layout import merged_tensors
from llmreel.scenes.camera import box_corners, caption_band_top, project
from llmreel.scenes.inputs import load_model as _model
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.shots import focus_bounds, shot_safe_area
from llmreel.scenes.reading import reading_seconds
from llmreel.scenes.reveal import token_axis
from llmreel.scenes.spec import SceneSpec
from llmreel.scenes.storyboard import CHAPTER_SLUGS, MIN_SWEEP_SECONDS

N_IN = 6


@pytest.fixture(scope="module")
def spec() -> SceneSpec:
    return plan_scene()


@pytest.fixture(scope="module")
def traces(spec):
    cfg, params, _, _ = _model(None, None)
    ids = [ord(ch) - ord("A") for ch in spec.meta.input]
    _, traces = generate(params, cfg, ids, N_IN)
    return traces


def tensor_times(spec: SceneSpec, trace) -> dict[str, np.ndarray]:
    """Reassemble each shown tensor's reveal times (tensor-shaped, NaN where no block shows a cell)."""
    out: dict[str, np.ndarray] = {}
    for b in spec.blocks:
        arr = out.setdefault(b.tensor, np.full(trace[b.tensor].shape, np.nan))
        view(arr, b.index_prefix, b.axis_range, b.transpose)[...] = b.t_on
    return out


def test_blocks_show_the_last_pass_values(spec, traces):
    trace = traces[-1]
    assert len(trace.tokens) == 2 * N_IN - 1
    for b in spec.blocks:
        want = view(trace[b.tensor], b.index_prefix, b.axis_range, b.transpose)
        assert b.values.dtype == np.float32 and b.t_on.dtype == np.float32
        assert b.values.shape == b.t_on.shape == want.shape
        assert np.array_equal(b.values, want.astype(np.float32)), b.id


def test_every_cell_shown_exactly_once_or_merged(spec, traces):
    trace = traces[-1]
    times = tensor_times(spec, trace)
    merged = set(merged_tensors(trace.config))
    assert set(times) | merged == set(trace.names())
    assert not set(times) & merged
    for name, arr in times.items():
        assert not np.isnan(arr).any(), f"{name}: some cells are in no block"
    counts: dict[str, int] = {}
    for b in spec.blocks:
        counts[b.tensor] = counts.get(b.tensor, 0) + b.values.size
    for name, n in counts.items():
        assert n == trace[name].size, f"{name} shown {n} times for {trace[name].size} cells"


def test_causality_first_columns_equal_earlier_passes(traces):
    last = traces[-1]
    for p, tr in enumerate(traces[:-1]):
        T = len(tr.tokens)
        for name in tr.names("activation") + tr.names("aggregate"):
            ax = [i for i, a in enumerate(last.tensors[name].axes) if a in ("T", "Tk")]
            sl = tuple(slice(0, T) if i in ax else slice(None) for i in range(last[name].ndim))
            np.testing.assert_allclose(last[name][sl], tr[name], rtol=1e-5, atol=1e-5, err_msg=f"pass {p} {name}")


def test_every_cell_after_everything_it_depends_on(spec, traces):
    trace = traces[-1]
    times = tensor_times(spec, trace)
    merged = set(merged_tensors(trace.config))
    full = dict(times)
    checked = 0
    for name, t in trace.tensors.items():
        if t.role == "weight":
            assert np.all(times[name] == spec.meta.frame_start), name
            continue
        dep = max_over_deps(trace, name, full)
        if name in merged:                          # not shown: as early as its inputs allow
            full[name] = dep
            continue
        on = times[name]
        lit = np.isfinite(on)
        assert np.all(np.isfinite(dep[lit]) | (dep[lit] == -np.inf)), f"{name}: lit before a dependency ever is"
        has = lit & np.isfinite(dep)
        assert np.all(on[has] >= dep[has] + 1.0 - 1e-3), f"{name}: a cell lights < 1 frame after its inputs"
        checked += int(lit.sum())
    assert checked > 10_000


def test_chapters_contiguous_positive_and_complete(spec):
    ch = spec.chapters
    assert [c.slug for c in ch] == [c for c in CHAPTER_SLUGS if c != "scale"]
    assert ch[0].first_frame == spec.meta.frame_start == 1 and ch[-1].last_frame == spec.meta.frame_end
    for a, b in zip(ch, ch[1:]):
        assert b.first_frame == a.last_frame + 1
    for c in ch:
        assert c.first_frame <= c.last_frame and c.beats
        assert c.beats[0].first_frame == c.first_frame and c.beats[-1].last_frame == c.last_frame
        for a, b in zip(c.beats, c.beats[1:]):
            assert b.first_frame == a.last_frame + 1 and a.first_frame <= a.last_frame
    seconds = (spec.meta.frame_end - spec.meta.frame_start + 1) / spec.meta.fps
    assert 120 <= seconds < 360, seconds                # issue 12: the default film stays under 6 minutes


def test_chapter_tensors_reveal_inside_their_chapter(spec, traces):
    trace = traces[-1]
    times = tensor_times(spec, trace)
    for c in spec.chapters:
        assert c.tensors or c.slug in ("introduction", "output")
        for name in c.tensors:
            on = times[name]
            ax = token_axis(trace.tensors[name].axes)
            cols = np.arange(on.shape[ax]).reshape([-1 if i == ax else 1 for i in range(on.ndim)])
            mine = np.broadcast_to(cols < N_IN, on.shape) if c.slug != "output" else np.broadcast_to(cols >= N_IN, on.shape)
            inside = (on >= c.first_frame) & (on <= c.last_frame)
            if c.slug == "output":
                assert np.all(inside[mine]), name
            else:
                assert inside.any(), name
                # every first-pass cell of a chapter-1..8 tensor lights in the chapter that owns it
                owner = next(x for x in spec.chapters if name in x.tensors and x.slug != "output")
                if owner is c:
                    assert np.all(inside[mine] | (on[mine] < c.first_frame)), name
    # every first-pass activation cell lights in chapters 1-8; every later column in chapter 9
    out = spec.chapter("output")
    for name, on in times.items():
        if trace.tensors[name].role == "weight":
            continue
        ax = token_axis(trace.tensors[name].axes)
        cols = np.arange(on.shape[ax]).reshape([-1 if i == ax else 1 for i in range(on.ndim)])
        first = np.broadcast_to(cols < N_IN, on.shape)
        assert np.all(on[first] < out.first_frame), name
        assert np.all((on[~first] >= out.first_frame) & (on[~first] <= out.last_frame)), name


def test_each_op_sweeps_at_least_0_3_seconds(spec, traces):
    trace = traces[-1]
    times = tensor_times(spec, trace)
    need = MIN_SWEEP_SECONDS * spec.meta.fps
    for c in spec.chapters:
        if c.slug == "output":
            continue
        for beat in c.beats:
            for name in c.tensors:
                on = times[name]
                sel = on[(on >= beat.first_frame) & (on <= beat.last_frame)]
                if sel.size > 1:
                    assert sel.max() - sel.min() >= need, (beat.id, name, sel.max() - sel.min())


def test_loop_passes_get_faster_and_reveal_only_the_new_column(spec):
    loops = [b for b in spec.chapter("output").beats if ".loop." in b.id]
    assert len(loops) == N_IN - 1
    lengths = [b.last_frame - b.first_frame for b in loops]
    assert all(b <= a for a, b in zip(lengths, lengths[1:])) and lengths[-1] < lengths[0]
    emb = spec.block("embed.out")
    for j, b in enumerate(loops):
        col = N_IN + j
        lit = (emb.t_on >= b.first_frame) & (emb.t_on <= b.last_frame)
        assert lit[:, col].all() and not np.delete(lit, col, axis=1).any()


@pytest.mark.parametrize("letters", ["CBABBC", "AACBBA"])
def test_each_pass_lands_its_letter_after_the_input(letters):
    """The first pick and every fed-back pass end on the answer so far, one letter longer each pass
    ("CBABBC -> A", "CBABBC -> AB", ...), shown at the pass's last frame beside the probabilities' row of the
    letter picked (else under or over the block), inside the frame there."""
    spec = plan_scene(input=letters)
    out = spec.meta.output
    passes = [b for b in spec.chapter("output").beats if b.id == "output.pick" or ".loop." in b.id]
    assert len(passes) == N_IN
    probs = spec.block("probs")
    for p, beat in enumerate(passes, 1):
        shown = [v for v in spec.value_texts if v.frames[0] <= beat.last_frame <= v.frames[1]
                 and v.frames[0] >= beat.first_frame]
        rows = [v for v in shown if v.text["en"] == f"{letters} \u2192 {out[:p]}"]
        assert len(rows) == 1 and rows[0].text["ko"] == rows[0].text["en"], (beat.id, [v.text for v in shown])
        v = rows[0]
        lo, hi = probs.bounds()                          # beside the row, else under or over the block
        assert lo[2] - 3 * v.size < v.location[2] < hi[2] + 3 * v.size, (beat.id, v.location, lo, hi)
        key = spec.camera_keys(beat)[-1]
        x, y, depth = project(key, np.array([v.location]), spec.meta.aspect)[0]
        assert depth > 0 and 0 < x < 1 and 0 < y < 1, beat.id


def test_captions_both_languages_and_long_enough(spec):
    fps = spec.meta.fps
    assert len(spec.captions) == sum(len(c.beats) for c in spec.chapters)
    for k in spec.captions:
        assert k.text["en"].strip() and k.text["ko"].strip()
        assert re.search("[\uac00-\ud7a3]", k.text["ko"]), k.text["ko"]
        frames = k.last_frame - k.first_frame + 1
        for lang, text in k.text.items():
            assert frames >= reading_seconds(text, lang) * fps, (text, frames)   # test_scenes_reading: any story
    assert any("CBABBC" in k.text["en"] for k in spec.captions)
    assert any(spec.meta.output in k.text["ko"] for k in spec.captions)
    assert len(spec.title_cards) == len(spec.chapters)


def test_captions_follow_the_input():
    other = plan_scene(input="AACBBA")
    assert other.meta.input == "AACBBA"
    texts = [t for k in other.captions for t in k.text.values()] + [v.text for v in other.value_texts]
    assert not any("CBABBC" in t for t in texts)
    assert any("AACBBA" in t for t in texts)


_NUM = re.compile(r"[\u2212-]?\d+\.\d+")


def test_value_texts_are_the_trace_values(spec, traces):
    trace = traces[-1]
    assert len(spec.value_texts) >= 8
    for v in spec.value_texts:
        assert set(v.text) == {"en", "ko"}, v
        for text in v.text.values():                   # every language shows the same numbers
            _check_value_text(v.id, text, trace)


def _check_value_text(vid: str, text: str, trace) -> None:
    _, beat, srcs = vid.split(":", 2)
    if not srcs:                                       # a text with no number in it (the sorted answer)
        assert not _NUM.findall(text), text
        return
    wanted = []
    for src in srcs.split(";"):
        name, idx = re.fullmatch(r"(.+)\[([\d,]+)\]", src).groups()
        wanted.append(float(trace[name][tuple(int(i) for i in idx.split(","))]))
    shown = _NUM.findall(text)
    if "%" in text:                                    # a share as a whole percentage (beats_findings)
        shown = re.findall(r"(\d+)%", text)
        assert [int(s) for s in shown] == [int(np.floor(100 * w + 0.5)) for w in wanted], (text, wanted)
        return
    assert len(shown) == len(wanted), text
    for s, w in zip(shown, wanted):
        decimals = len(s.split(".")[1])
        assert abs(float(s.replace("\u2212", "-")) - w) <= 0.5 * 10 ** -decimals + 1e-6, (text, w)
        assert decimals == 2 or abs(w) < 0.1, (s, w)
    assert "-" not in text                             # a real minus sign, never a hyphen


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_every_shot_frames_its_focus(aspect, spec):
    """Each beat has two camera keys (more when a pan holds on its numbers or follows what lights) inside its frames. At each,
    the subject is centred in the safe area (clear of the caption band, a title card's band and the margins) and either whole
    inside it or overflowing it along the way the camera pans; the whole model is panned unless it is folded (layout.py)."""
    s = spec if aspect == "16:9" else plan_scene(aspect=aspect)
    panned = 0
    for beat in s.beats:
        keys = s.camera_keys(beat)
        assert len(keys) >= 2 and [k.frame for k in keys] == sorted(k.frame for k in keys), beat.id
        flo, fhi = focus_bounds(s.blocks, s.labels, s.value_texts, beat.focus, (beat.first_frame, beat.last_frame))
        x0, x1, y0, y1 = shot_safe_area(beat, s.meta.aspect)
        assert y0 > caption_band_top(s.meta.aspect, 1), (aspect, beat.id)   # a caption band is there
        moved = False
        card = next((c.frames[1] for c in s.title_cards if c.frames[0] == beat.first_frame), -1.0)
        for key in keys:
            # while a title card opens the beat its shot is framed below the card's band
            x0, x1, y0, y1 = shot_safe_area(beat, s.meta.aspect, card=key.frame < card)
            uv = project(key, box_corners(flo, fhi), s.meta.aspect)
            if np.any(uv[:, 2] <= 0):                             # reaches behind the camera: a pan along it
                moved = True
                continue
            lo, hi = uv[:, :2].min(0), uv[:, :2].max(0)
            # the subject, clipped to the safe area, spans nearly all of its width or height
            w = min(hi[0], x1) - max(lo[0], x0)
            h = min(hi[1], y1) - max(lo[1], y0)
            assert w >= 0.85 * (x1 - x0) or h >= 0.85 * (y1 - y0), (aspect, beat.id, w, h)
            moved |= not (lo[0] >= x0 - 1e-6 and hi[0] <= x1 + 1e-6 and lo[1] >= y0 - 1e-6 and hi[1] <= y1 + 1e-6)
        panned += moved
        if beat.shot == "establishing" and len(beat.focus) == len(s.blocks):
            folded = fhi[0] - flo[0] > 0.5 * (fhi[2] - flo[2])          # as wide as tall: may be seen whole
            assert moved or folded, (aspect, beat.id)
    assert panned >= 5


def test_round_trip_is_exact(spec, tmp_path):
    p = tmp_path / "spec.npz"
    spec.save(p)
    back = SceneSpec.load(p)
    assert back == spec
    assert back.blocks[0].axis_range == spec.blocks[0].axis_range
    assert isinstance(back.blocks[0].index_prefix, tuple)
    # the HUD, the cell look and the camera keys' interpolation travel typed and whole
    assert back.hud == spec.hud and back.look == spec.look
    assert type(back.hud.captions[0]["ko"].band).__name__ == "HudBand" and isinstance(back.hud.frame, tuple)
    assert isinstance(back.hud.depth[0], tuple) and isinstance(back.look.dim, tuple)
    assert [(k.interpolation, k.handles) for k in back.camera] == [("BEZIER", "AUTO_CLAMPED")] * len(spec.camera)
    assert back.digest() == spec.digest()


def test_digest_is_content_not_file(spec, tmp_path):
    """digest() is the render key's spec part: the content (the same after a save and load), not the file
    bytes, and any change of content changes it."""
    import copy

    spec.save(tmp_path / "a.npz")
    assert SceneSpec.load(tmp_path / "a.npz").digest() == spec.digest()
    other = copy.deepcopy(spec)
    assert other.digest() == spec.digest()
    other.blocks[0].t_on = other.blocks[0].t_on.copy()
    other.blocks[0].t_on[0, 0] += 1
    assert other.digest() != spec.digest()
    other = copy.deepcopy(spec)
    other.look.flash_frames += 1
    assert other.digest() != spec.digest()


def test_overview_lights_whole_blocks_in_compute_order_then_resets(spec, traces):
    ov = next(b for b in spec.chapter("introduction").beats if b.id == "introduction.overview")
    acts = [b for b in spec.blocks if b.role != "weight"]
    inside = {b.id: [(a, z) for a, z in b.preview if ov.first_frame <= a <= ov.last_frame] for b in acts}
    assert all(len(p) == 1 for p in inside.values())
    assert not any(b.preview for b in spec.blocks if b.role == "weight")
    starts = {}
    for b in acts:
        (a, z), = inside[b.id]
        assert ov.first_frame <= a < z < ov.last_frame            # lit inside the beat, reset before it ends
        starts.setdefault(b.tensor, a)
    order = [n for n in traces[-1].tensors if n in starts]          # the trace is in compute order
    assert [starts[n] for n in order] == sorted(starts.values())
    assert starts["embed.tok"] < starts["h0.attn.q"] < starts["h2.mlp.resid"] < starts["probs"]


def test_sweeps_go_column_by_column(spec):
    """Columns (tokens) light in order; layer norm first shows column 0, Q/K/V, the scores and softmax
    first the last input column (the token whose attention chapter 4 follows), then the rest in order."""
    focus_first = {"h0.ln_1": 0, "h0.ln_1.mean": 0, "h0.ln_1.rstd": 0,
                   **{f"h0.attn.{n}": N_IN - 1 for n in ("q", "k", "v", "scores", "max", "expsum", "probs")}}
    for b in spec.blocks:
        if b.role == "weight" or b.chapter in ("", "output"):
            continue
        assert b.transpose or b.shape[0] == 1, b.id                    # columns are tokens
        t = b.t_on[:, :N_IN].astype(np.float64)
        cmin, cmax = t.min(axis=0), t.max(axis=0)                      # [N_IN]
        order = list(range(N_IN))
        if b.tensor in focus_first:
            f = focus_first[b.tensor]
            assert cmax[f] < np.delete(cmin, f).min(), b.id
            order.remove(f)
        assert np.all(np.diff(cmin[order]) >= 0), b.id
        assert np.all(cmax[order][:-1] <= cmin[order][1:] + 1e-3), b.id   # a column ends before the next


def test_flow_paths_reach_every_computed_block(spec):
    into = {p.id.split("->", 1)[1] for p in spec.paths if p.id.startswith("path:") and p.role == "op"}
    for b in spec.blocks:
        if b.role != "weight":
            assert b.id in into, b.id
    res = [p for p in spec.paths if p.role == "residual"]
    assert res[0].points[0][2] > res[0].points[-1][2]                     # from the top, down
    for a, b in zip(res, res[1:]):              # folded: a piece per column, each on from where the last ended
        assert a.points[-1] == b.points[0] and a.grow[1] == b.grow[0]
    for p in spec.paths:
        assert len(p.points) >= 2 and p.grow[0] <= p.grow[1] and np.isfinite(p.grow).all()


def test_labels_and_title_cards(spec):
    kinds = {l.kind for l in spec.labels}
    assert {"title", "formal", "dim", "section", "value"} <= kinds
    for l in spec.labels:
        assert l.text["en"] and l.text["ko"] and l.size > 0
        assert all(np.isfinite(v).all() for v in l.visible)
    tokens = [l for l in spec.labels if l.id.startswith("token:embed.tok:")]
    assert "".join(l.text["en"] for l in tokens) == spec.meta.input + spec.meta.output[:-1]
    for card, ch in zip(spec.title_cards, spec.chapters):
        assert card.chapter == ch.slug and ch.first_frame == card.frames[0] <= card.frames[1] <= ch.last_frame


def test_gelu_curve_is_drawn_beside_each_mlp_clear_of_blocks(spec):
    from llmreel.model.functional import gelu

    curves = [p for p in spec.paths if p.id.startswith("curve:")]
    assert [c.id for c in curves] == [f"curve:h{i}.mlp.gelu" for i in range(3)]
    boxes = [b.bounds() for b in spec.blocks]
    for c in curves:
        pts = np.asarray(c.points)
        lo, hi = pts.min(0), pts.max(0)
        assert not any(lo[0] < bh[0] and bl[0] < hi[0] and lo[2] < bh[2] and bl[2] < hi[2] for bl, bh in boxes)
        # the drawn shape is GELU's: map back to curve units and compare
        u = (pts[:, 0] - pts[0, 0]) / (pts[-1, 0] - pts[0, 0]) * 7.0 - 4.0
        v = gelu(u)
        z = pts[:, 2]
        np.testing.assert_allclose((z - z.min()) / np.ptp(z), (v - v.min()) / np.ptp(v), atol=1e-6)
        g = spec.block(c.id.split(":", 1)[1])
        assert c.grow == (g.t_on.min(), g.t_on[:, :N_IN].max())          # grows with the first pass
        gelu_beat = next(b for b in spec.chapter("mlp").beats if b.id == "mlp.gelu") if c.id.startswith("curve:h0") else None
        if gelu_beat:
            assert gelu_beat.first_frame <= c.grow[0] < c.grow[1] <= gelu_beat.last_frame


def test_name_tags_legible_at_1080p_in_detail_shots(spec):
    """In every shot about a part of the model (not the whole-model overviews), each focus block's name
    tag is at least 12 px tall on a 1920x1080 frame; shots of a whole transformer block show its
    section heading at that size instead."""
    from llmreel.scenes.camera import project

    beats = [b for c in spec.chapters for b in c.beats]
    whole = len(spec.blocks)
    detail = 0
    for i, beat in enumerate(beats):
        if len(beat.focus) == whole:
            continue
        detail += 1
        ids = set(beat.focus)
        kind = "section" if beat.id.startswith("transformer.") else "title"
        assert any(l.block in ids and l.kind == kind for l in spec.labels), beat.id
        for key in spec.camera_keys(beat):
            for l in spec.labels:
                if l.block in ids and l.kind == kind:
                    p = np.array([l.location, np.add(l.location, (0, 0, l.size))])
                    uv = project(key, p, spec.meta.aspect)
                    assert abs(uv[1, 1] - uv[0, 1]) * 1080 >= 12, (beat.id, l.id)
    assert detail >= 20


def test_value_format():
    from llmreel.scenes.captions import fmt

    assert fmt(0.41) == "0.41" and fmt(-1.2) == "\u22121.20" and fmt(-0.0123) == "\u22120.012"
    assert fmt(0.00456) == "0.0046" and fmt(0.0) == "0.00" and fmt(-1e-9) == "0.00" and fmt(20.257) == "20.26"


def test_other_model_sizes_plan_too():
    """A wider, non-letter model (random weights, token-id input): complete, ordered, non-overlapping."""
    from llmreel.model.config import GPTConfig
    from llmreel.model.weights import init_params

    cfg = GPTConfig(n_layer=2, n_head=4, n_embd=32, vocab_size=20, block_size=24)
    ids = [3, 17, 5, 5, 0, 9, 12, 1, 4, 4]
    s = plan_scene(input=ids, weights=(cfg, init_params(cfg, 1)))
    assert s.meta.config["n_embd"] == 32 and s.meta.input == " ".join(map(str, ids))
    T = len(ids) + 5
    _, traces = generate(init_params(cfg, 1), cfg, ids, 6)
    trace = traces[-1]
    assert s.block("embed.out").shape == (32, T) == (32, len(trace.tokens))
    r = np.array([[*b.bounds()[0][[0, 2]], *b.bounds()[1][[0, 2]]] for b in s.blocks])
    hit = ((r[:, None, 0] < r[None, :, 2]) & (r[None, :, 0] < r[:, None, 2])
           & (r[:, None, 1] < r[None, :, 3]) & (r[None, :, 1] < r[:, None, 3]))
    np.fill_diagonal(hit, False)
    assert not hit.any()
    times = tensor_times(s, trace)
    for name, t in trace.tensors.items():
        if t.role == "weight":
            continue
        dep = max_over_deps(trace, name, times)
        if name not in times:
            times[name] = dep
            continue
        lit = np.isfinite(times[name]) & np.isfinite(dep)
        assert np.all(times[name][lit] >= dep[lit] + 1 - 1e-3), name
        assert np.isfinite(times[name]).all(), name             # the full story lights every cell


def test_value_texts_legible_beside_their_cells_and_framed(spec):
    """Each value text is at least 18 px in cap height (0.7 em) on a 1920x1080 frame at its shot's keys while
    it shows,
    lies in that shot's framed bounds, and its box overlaps no block's cells nor another text shown
    at the same time."""
    from llmreel.scenes.camera import project
    from llmreel.scenes.geometry import value_text_bounds

    beats = [b for c in spec.chapters for b in c.beats]
    index = {b.id: i for i, b in enumerate(beats)}
    boxes = [b.bounds() for b in spec.blocks]
    for v in spec.value_texts:
        i = index[v.id.split(":")[1]]
        beat = beats[i]
        assert beat.first_frame <= v.frames[0] <= v.frames[1] <= beat.last_frame, v.id
        tl, th = value_text_bounds(v)
        flo, fhi = focus_bounds(spec.blocks, spec.labels, spec.value_texts, beat.focus,
                                (beat.first_frame, beat.last_frame))
        assert np.all(tl >= flo - 1e-9) and np.all(th <= fhi + 1e-9), v.id
        for key in [k for k in spec.camera_keys(beat) if v.frames[0] <= k.frame <= v.frames[1]]:
            uv = project(key, np.array([v.location, np.add(v.location, (0, 0, 0.7 * v.size))]), spec.meta.aspect)
            assert abs(uv[1, 1] - uv[0, 1]) * 1080 >= 18, (v.id, v.text)
        for b, (bl, bh) in zip(spec.blocks, boxes):
            assert not (tl[0] < bh[0] and bl[0] < th[0] and tl[2] < bh[2] and bl[2] < th[2]), (v.text, b.id)
        for w in spec.value_texts:
            if w is not v and w.frames[0] <= v.frames[1] and v.frames[0] <= w.frames[1]:
                wl, wh = value_text_bounds(w)
                assert not (tl[0] < wh[0] and wl[0] < th[0] and tl[2] < wh[2] and wl[2] < th[2]), (v.text, w.text)


def test_a_path_within_one_column_of_blocks_goes_round_the_blocks_between(spec):
    """Softmax's stack (logits, max, exp sum, probabilities), layer norm's and each head's: a path from one
    block of a column to another never runs across the blocks between them."""
    from llmreel.scenes.paths import _crossed
    by_id = {b.id: b for b in spec.blocks}
    checked = 0
    for p in spec.paths:
        if p.role != "op" or not p.id.startswith("path:"):
            continue
        src, dst = (by_id[i] for i in p.id[len("path:"):].split("->"))
        (sl, sh), (dl, dh) = src.bounds(), dst.bounds()
        if sl[0] < dh[0] and dl[0] < sh[0]:
            checked += 1
            assert not _crossed(p.points, (src, dst), spec.blocks, p.width), p.id
    assert checked >= 20


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_the_outputs_paths_run_across_no_block_and_enter_clear_of_column_tags(aspect):
    """The output's softmax, stacked (a tall frame) or side by side under the logits (a wide one): no path
    into or out of its blocks runs across another block (a bus under the logits carries their numbers to
    the max and exp sum rows), and a path dropping straight into a block's top runs down a side column,
    not the middle, where the block's column tag stands."""
    from llmreel.scenes.paths import _crossed
    spec = plan_scene(aspect=aspect)
    by_id = {b.id: b for b in spec.blocks}
    out = {"logits", "logits.max", "logits.expsum", "probs"}
    checked = 0
    for p in spec.paths:
        if p.role != "op" or not p.id.startswith("path:"):
            continue
        src, dst = (by_id[i] for i in p.id[len("path:"):].split("->"))
        if {src.id, dst.id} <= out | {"lm_head.weight", "ln_f"} and dst.id in out:
            checked += 1
            assert not _crossed(p.points, (src, dst), spec.blocks, p.width), p.id
        (x0, _, z0), (x1, _, z1) = p.points[-2:]
        lo, hi = dst.bounds()
        if abs(x0 - x1) < 1e-9 and abs(z1 - hi[2]) < 1e-9 and z0 > z1 and dst.shape[1] > 2:
            assert abs(x1 - (lo[0] + hi[0]) / 2) > dst.pitch, p.id
    assert checked == 8


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_the_gelu_close_up_holds_its_curve(aspect):
    """GELU's curve, drawn beside its block, is part of what the GELU beat's shot frames: whole inside the
    frame once it has grown (the beat's last frame), in every aspect (before: cut by the right edge in
    9:16 and 1:1, the shot framed on the blocks and the number alone)."""
    from llmreel.scenes.geometry import union
    from llmreel.scenes.paths import tube_boxes
    from llmreel.scenes.screen import Cameras, box_screen
    spec = plan_scene(aspect=aspect)
    beat = next(b for b in spec.beats if b.id == "mlp.gelu")
    curve = [p for p in spec.paths if p.id.startswith("curve") and ":h0.mlp.gelu" in p.id]
    assert len(curve) == 3                              # the curve and its two axes
    lo, hi = union(tube_boxes(curve))
    f = float(beat.last_frame)
    x0, x1, y0, y1, front = box_screen(np.array([box_corners(lo, hi)]), Cameras(spec.camera, [f]),
                                       tuple(int(v) for v in aspect.split(":")))[0, 0, :5]
    assert front > 0 and 0 <= x0 and x1 <= 1 and 0 <= y0 and y1 <= 1, (x0, x1, y0, y1)


def test_op_paths_run_behind_every_block_and_the_stream_in_front(spec):
    """A path from one op to the next passes behind the wall of blocks (behind their cells and the plates
    behind them), so where it passes a block on its way it goes behind it, not across its cells; the
    residual stream, the film's luminous spine, runs in front of them (its centre line)."""
    back = max(b.bounds()[1][1] + b.depth for b in spec.blocks)         # the plates stand a depth behind
    front = min(b.bounds()[0][1] for b in spec.blocks)
    ops = [p for p in spec.paths if p.role == "op" and p.id.startswith("path:")]
    assert len(ops) > 50
    for p in ops:
        assert min(y for _, y, _ in p.points) - p.width / 2 > back, p.id
    for p in spec.paths:
        if p.role == "residual":
            assert max(y for _, y, _ in p.points) < front, p.id


@pytest.mark.parametrize("aspect,text", [("16:9", False), ("9:16", False), ("1:1", False), ("16:9", True),
                                         ("9:16", True)])
def test_a_path_into_a_blocks_side_passes_clear_of_its_row_tag(aspect, text):
    """A path entering a block's left side runs clear of the block's row tag turned up that edge (the green
    line ran through '16 numbers' of the value and its bias), or level beside a block too short for that
    (through GPT-2's '64 numbers' beside a head's key, `text`: the tiny GPT-2's): it enters at the first row
    instead where the tag stands over the middle (where the tag is as tall as the block, there is no room);
    and a path whose two ends are level stays straight."""
    from tiny_gpt2 import tiny_model

    from llmreel.scenes.geometry import label_bounds

    spec = plan_scene(weights=tiny_model(), text="The cat sat on the", aspect=aspect) if text else plan_scene(aspect=aspect)
    by_id = {b.id: b for b in spec.blocks}
    tags = {l.block: label_bounds(l) for l in spec.labels if l.id.endswith(":rows") and (text or l.rotation)}
    checked = 0
    for p in spec.paths:
        if p.role != "op" or not p.id.startswith("path:"):
            continue
        dst = by_id[p.id.split("->")[1]]
        (x0, _, z0), (x1, _, z1) = p.points[-2:]
        if dst.id not in tags or abs(z0 - z1) > 1e-9 or x0 >= x1 or abs(x1 - dst.bounds()[0][0]) > 1e-6:
            continue                                   # not a run into the block's left side
        lo, hi = tags[dst.id]
        if lo[2] - 2 * p.width <= dst.origin[2] <= hi[2] + 2 * p.width:
            continue                                   # a tag as tall as the block (an 11 x 11 score grid)
        checked += 1
        assert not (lo[2] - p.width < z1 < hi[2] + p.width and x0 < hi[0]), p.id
    assert checked >= 10
    if not text:            # (a text model's head in a tall frame stands each weight over its result)
        level = [p for p in spec.paths if p.id == "path:h0.attn.c_attn.weight.v[0]->h0.attn.v[0]"]
        assert level and len({round(z, 6) for _, _, z in level[0].points}) == 1      # weights -> value: straight


def test_the_streams_tip_keeps_pace_with_the_first_pass(spec):
    """Folded, the stream is drawn a column at a time: each piece (the climb to a column and its run down it)
    has grown by the time the first pass's last number in that column's residual blocks lights, and starts
    growing only once the column before is done, so the tip is never in a later column than the data."""
    pieces = [p for p in spec.paths if p.role == "residual"]
    assert len(pieces) == 4
    res = [b for b in spec.blocks if b.role == "residual"]
    n_in = len(spec.meta.input)
    for p in pieces[:3]:
        x = p.points[-1][0]
        mine = [b for b in res if abs(b.bounds()[0][0] + b.bounds()[1][0] - 2 * x) < 1e-2]
        assert mine, p.id
        first = mine[0].t_on[:, :n_in]
        assert p.grow[1] == float(mine[-1].t_on[:, :n_in][np.isfinite(mine[-1].t_on[:, :n_in])].max()), p.id
        assert p.grow[0] <= np.nanmin(np.where(np.isfinite(first), first, np.nan)), p.id


def test_a_block_fed_from_an_earlier_column_takes_the_stream_beside_it(spec):
    """Folded (16:9), a layer's first layer norm and the final one read the stream where it runs down their own
    column: each such path starts on the stream's route, level with its block, and crosses no other block
    (drawn from the residual block a column away, it ran across the model)."""
    from llmreel.scenes.paths import _crossed
    by_id = {b.id: b for b in spec.blocks}
    route = np.asarray([q for p in spec.paths if p.role == "residual" for q in p.points])
    down = [(a, b) for a, b in zip(route[:-1], route[1:]) if abs(a[0] - b[0]) < 1e-9 and b[2] < a[2]]
    climbs = [a[0] for a, b in zip(route[:-1], route[1:]) if abs(a[0] - b[0]) < 1e-9 and b[2] > a[2]]
    taps = 0
    for p in spec.paths:
        if p.role != "op" or not p.id.startswith("path:"):
            continue
        src, dst = (by_id[i] for i in p.id[len("path:"):].split("->"))
        xs = sorted((src.bounds()[0][0], dst.bounds()[0][0]))
        if src.role != "residual" or not any(xs[0] < x < xs[1] for x in climbs):
            continue
        taps += 1
        x, _, z = p.points[0]
        assert any(abs(x - a[0]) < 1e-6 and b[2] <= z <= a[2] for a, b in down), p.id
        lo, hi = dst.bounds()
        assert lo[2] <= z <= hi[2] and not _crossed(p.points, (dst,), spec.blocks, p.width), p.id
    assert taps == 3 * 3 + 2       # the layer norms of layers 1 and 2 and the final one (mean, 1/spread, norm); h1, h2.attn.resid


@pytest.mark.parametrize("letters", ["CBABBC", "AACBBA", "CCCAAA", "ABCABC"])
def test_a_caption_quotes_the_numbers_its_focus_moment_shows(letters):
    """Caption and picture agree on numbers: where a beat's caption quotes numbers and its focus moments
    show some, they share at least one (the caption once named GELU's cell nearest -1 while the picture
    showed the first bent one, computed apart)."""
    import re

    spec = plan_scene(input=letters)
    number = r"[−-]?\d+\.\d+"
    for b in spec.beats:
        shown = {n for v in spec.value_texts if b.first_frame <= v.frames[0] <= b.last_frame
                 for n in re.findall(number, v.text["en"])}
        quoted = set(re.findall(number, b.caption["en"]))
        assert not (shown and quoted) or shown & quoted, (b.id, shown, quoted)


def test_the_layer_norms_numbers_stand_beside_it_past_the_stream(spec):
    """In a wide frame the layer norm's numbers ('mean … 1/spread …', then the formula) stand right of the
    residual stream, beside the whole group rather than over it, in short lines, and the camera holds the
    numbers and every block of the group in one frame while they show."""
    from llmreel.scenes.frame_check import in_frame
    from llmreel.scenes.geometry import value_text_bounds
    from llmreel.scenes.paths import tube_boxes
    beat = next(b for b in spec.beats if b.id == "layer-norm.column")
    values = [v for v in spec.value_texts if v.id.startswith(f"value:{beat.id}:")]
    assert len(values) == 2
    tubes = tube_boxes([p for p in spec.paths if p.role == "residual"])
    group = [i for i in beat.focus if i.startswith("h0.ln_1")]
    assert len(group) == 5
    for v in values:
        lo, hi = value_text_bounds(v)
        beside = [t for t in tubes if t[0][2] <= lo[2] and hi[2] <= t[1][2]]     # the stream at its height
        assert any(t[1][0] < lo[0] for t in beside), v.text["en"]                # past it
        assert not any(t[0][0] < hi[0] and lo[0] < t[1][0] for t in beside), v.text["en"]     # not across it
        assert all(len(line) <= 18 for line in v.text["en"].split("\n")), v.text["en"]
        mid = (v.frames[0] + v.frames[1]) / 2
        assert in_frame(spec, group, tuple(spec.meta.aspect), mid) == set(group), v.text["en"]

"""Layout: every tensor placed, nothing overlapping, Bycroft's arrangement, for nano and GPT-2 sizes."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.model.config import GPTConfig, get_config
from llmreel.model.gpt import forward
from llmreel.model.weights import init_params, param_spec
from llmreel.scenes.layout import MERGED, OUTPUT_PITCH, layout, merged_tensors
from llmreel.scenes.packer import CELL, PITCH, Slot, slot_title, text_width


def rects(slots: list[Slot]) -> np.ndarray:
    """[N, 4] (x0, z0, x1, z1) of each block's cells in the wall plane."""
    out = [(s.origin[0] - h, s.origin[2] - (s.rows - 1) * s.row_pitch - h,
            s.origin[0] + (s.cols - 1) * s.col_pitch + h, s.origin[2] + h) for s in slots for h in [CELL * s.pitch / 2]]
    return np.asarray(out, dtype=np.float64)


def overlapping_pairs(r: np.ndarray, q: np.ndarray | None = None) -> list[tuple[int, int]]:
    q = r if q is None else q
    hit = ((r[:, None, 0] < q[None, :, 2]) & (q[None, :, 0] < r[:, None, 2])
           & (r[:, None, 1] < q[None, :, 3]) & (q[None, :, 1] < r[:, None, 3]))
    if q is r:
        np.fill_diagonal(hit, False)
    return [tuple(map(int, p)) for p in np.argwhere(hit)]


def label_rects(slots: list[Slot], sizes) -> tuple[np.ndarray, list[str]]:
    """[N, 4] (x0, z0, x1, z1) of each label's ink in the wall plane (every language, turned tags turned)."""
    from llmreel.scenes.geometry import label_bounds
    out, owner = [], []
    for s in slots:
        for l in s.labels:
            lo, hi = label_bounds(l)
            out.append((lo[0], lo[2], hi[0], hi[2]))
            owner.append(s.id)
    return np.asarray(out), owner


def contract_names(config: GPTConfig, T: int) -> set[str]:
    tiny = GPTConfig(config.n_layer, 1, 4, 3, max(T, 2))
    names = forward(init_params(tiny, 0), tiny, [0] * T).names()
    return set(names)


NANO = get_config("nano-sort")


@pytest.mark.parametrize("config,T,fold", [(NANO, 11, 0.0), (NANO, 11, 16 / 9), (NANO, 11, 1.0), (NANO, 1, 16 / 9),
                                           (get_config("gpt2"), 32, 16 / 9)])
def test_no_two_blocks_overlap(config, T, fold):
    lay = layout(config, T, fold=fold)
    assert overlapping_pairs(rects(lay.slots)) == []


@pytest.mark.parametrize("fold", [0.0, 1.0, 16 / 9])
def test_labels_overlap_no_block_and_no_other_label(fold):
    lay = layout(NANO, 11, fold=fold)
    blocks = rects(lay.slots)
    labels, owner = label_rects(lay.slots, lay.sizes)
    assert overlapping_pairs(labels, blocks) == []
    clash = [(a, b) for a, b in overlapping_pairs(labels) if owner[a] != owner[b]]
    assert clash == []


@settings(max_examples=25, deadline=None)
@given(n_layer=st.integers(1, 3), n_head=st.integers(1, 4), head_dim=st.integers(1, 8),
       vocab=st.integers(2, 12), T=st.integers(1, 12), fold=st.sampled_from([0.0, 1.0, 16 / 9]))
def test_no_overlaps_for_any_small_config(n_layer, n_head, head_dim, vocab, T, fold):
    config = GPTConfig(n_layer, n_head, n_head * head_dim, vocab, max(T, 2))
    lay = layout(config, T, fold=fold)
    assert overlapping_pairs(rects(lay.slots)) == []
    labels, owner = label_rects(lay.slots, lay.sizes)
    assert overlapping_pairs(labels, rects(lay.slots)) == []
    names = {s.tensor for s in lay.slots} | set(merged_tensors(config))
    assert names == contract_names(config, T) | set(param_spec(config)) - {"__none__"}


@pytest.mark.parametrize("config,T", [(NANO, 11), (get_config("gpt2"), 32)])
def test_every_contract_tensor_is_laid_out_or_listed_as_merged(config, T):
    lay = layout(config, T)
    shown = {s.tensor for s in lay.slots}
    merged = set(merged_tensors(config))
    assert MERGED and all(isinstance(v, str) and v for v in MERGED.values())
    assert not shown & merged
    assert shown | merged == contract_names(config, T) | set(param_spec(config))
    # the per-head slices of c_attn cover its 3C outputs exactly once
    C = config.n_embd
    for i in range(config.n_layer):
        for name in (f"h{i}.attn.c_attn.weight", f"h{i}.attn.c_attn.bias"):
            cover = np.zeros(3 * C, dtype=int)
            for s in lay.slots_of(name):
                cover[s.axis_range[0]:s.axis_range[1]] += 1
            assert np.all(cover == 1), name


def test_arrangement_follows_bycroft():
    lay = layout(NANO, 11)
    by = {s.id: s for s in lay.slots}
    res = [s for s in lay.slots if s.role == "residual"]
    others = [s for s in lay.slots if s.role != "residual"]
    # the residual stream: one column down the right edge, top to bottom in compute order
    assert len({s.origin[0] for s in res}) == 1
    assert min(s.origin[0] for s in res) > max(s.origin[0] + (s.cols - 1) * s.pitch for s in others)
    z = [by[n].origin[2] for n in ["embed.out"] + [f"h{i}.{p}.resid" for i in range(3) for p in ("attn", "mlp")]]
    assert z == sorted(z, reverse=True)
    assert by["embed.out"].origin[2] > by["h0.ln_1"].origin[2] > by["h2.mlp.resid"].origin[2] > by["probs"].origin[2]
    # tokens are columns: [T, C] tensors are C rows x T columns
    assert (by["h0.ln_1"].rows, by["h0.ln_1"].cols) == (48, 11) and by["h0.ln_1"].transpose
    # heads side by side, the same height
    q = [by[f"h0.attn.q[{h}]"] for h in range(3)]
    assert len({s.origin[2] for s in q}) == 1 and q[0].origin[0] < q[1].origin[0] < q[2].origin[0]
    # weights to the left of the op that uses them
    for w, out in [("h0.attn.c_attn.weight.q[1]", "h0.attn.q[1]"), ("h0.attn.c_proj.weight", "h0.attn.proj"),
                   ("h0.mlp.c_fc.weight", "h0.mlp.fc"), ("lm_head.weight", "logits"), ("h1.ln_2.weight", "h1.ln_2")]:
        assert by[w].origin[0] + by[w].cols * by[w].pitch <= by[out].origin[0], (w, out)
    # aggregates: thin rows right above what they summarise
    for agg, of in [("h0.ln_1.mean", "h0.ln_1"), ("h0.attn.max[0]", "h0.attn.probs[0]"), ("logits.expsum", "probs")]:
        a, b = by[agg], by[of]
        assert a.rows == 1 and a.cols == b.cols and a.origin[0] == pytest.approx(b.origin[0]) and a.origin[2] > b.origin[2]


def _layer_of(slot_id: str) -> int | None:
    head = slot_id.split(".")[0]
    return int(head[1:]) if head[1:].isdigit() else None


def test_a_few_layers_fold_side_by_side_and_the_stream_climbs_between_them():
    """Folded for a wide frame, nano's three layers stand side by side as columns in order, then the final
    layer norm and the output: the whole model about twice as wide as tall (one column: five times taller
    than wide; a square frame's, with the output under the last layer, 1.2-2 times: its layer norms stand
    as wide as tall). The stream's route runs
    along the wall's axes, down through every residual block's centre in compute order, and climbs between
    columns where no block or label stands; GPT-2's twelve layers keep one column."""
    flat, lay, square = layout(NANO, 11), layout(NANO, 11, fold=16 / 9), layout(NANO, 11, fold=1.0)
    def extent(l):
        r = rects(l.slots)
        return r[:, 2].max() - r[:, 0].min(), r[:, 3].max() - r[:, 1].min()
    (fw, fh), (w, h), (sw, sh) = extent(flat), extent(lay), extent(square)
    assert fh > 4 * fw and 1.8 < w / h < 3.0 and 1.2 < sw / sh < 2.0
    cols = {}                                            # column -> x range of its blocks
    for s, r in zip(lay.slots, rects(lay.slots)):
        i = _layer_of(s.id)
        key = 0 if s.id.startswith(("wte", "wpe", "embed")) else 3 if i is None else i
        lo, hi = cols.get(key, (np.inf, -np.inf))
        cols[key] = (min(lo, r[0]), max(hi, r[2]))
    assert [cols[k] for k in sorted(cols)] == sorted(cols.values())                  # left to right in order
    assert all(a[1] < b[0] for a, b in zip(sorted(cols.values()), sorted(cols.values())[1:]))   # apart
    route = np.asarray(lay.stream)
    steps = np.diff(route, axis=0)
    assert np.all((np.abs(steps[:, 0]) < 1e-9) ^ (np.abs(steps[:, 1]) < 1e-9))      # along an axis, never still
    res = [s for s in lay.slots if s.role == "residual"]
    at = []                                              # the route's first segment through each residual block
    for s in res:
        x = s.origin[0] + (s.cols - 1) * s.pitch / 2
        zt, zb = s.origin[2] + s.pitch / 2, s.origin[2] + s.pitch / 2 - s.rows * s.pitch
        hit = [k for k, (a, b) in enumerate(zip(route[:-1], route[1:]))
               if abs(a[0] - x) < 1e-6 and abs(b[0] - x) < 1e-6 and min(a[1], b[1]) <= zb and max(a[1], b[1]) >= zt]
        assert hit, s.id
        at.append(hit[0])
    assert at == sorted(at) and len(set(at)) == 3                                   # one run down each column
    climbs = [(a, b) for a, b in zip(route[:-1], route[1:]) if abs(a[0] - b[0]) < 1e-9 and b[1] > a[1]]
    assert len(climbs) == 3                              # to layer 1, layer 2 and the output
    labels, _ = label_rects(lay.slots, lay.sizes)
    for a, b in climbs:
        tube = np.array([[a[0] - 1, a[1], a[0] + 1, b[1]]])
        assert overlapping_pairs(tube, rects(lay.slots)) == [] and overlapping_pairs(tube, labels) == []
    assert len(layout(get_config("gpt2"), 16, letters=False, fold=16 / 9).stream) == 2


def test_a_wide_frames_layer_norm_stands_as_wide_as_tall():
    """Folded for a wide or square frame, each layer norm's mean and 1 / spread rows stand beside its
    normalised block, between it and the stream, level with its top, and its scale and shift columns level
    with its rows: the group with its labels about as wide as tall, so one medium shot holds it whole and
    legible. A tall frame's one column keeps the rows over the block (test_arrangement_follows_bycroft)."""
    for fold in (16 / 9, 1.0):
        lay = layout(NANO, 11, fold=fold)
        by = {s.id: s for s in lay.slots}
        for name in ("h0.ln_1", "h1.ln_2", "ln_f"):
            out, mean, rstd = by[name], by[f"{name}.mean"], by[f"{name}.rstd"]
            right = out.origin[0] + (out.cols - 1) * out.pitch
            assert right < mean.origin[0] == pytest.approx(rstd.origin[0]), name
            assert mean.origin[2] == pytest.approx(out.origin[2]) and rstd.origin[2] < mean.origin[2], name
            for w in ("weight", "bias"):
                # (within a line: the column tags "1" and "11 positions" differ in height)
                assert by[f"{name}.{w}"].origin[2] == pytest.approx(out.origin[2], abs=0.5 * lay.sizes.title)
            group = [by[i] for i in (name, f"{name}.mean", f"{name}.rstd", f"{name}.weight", f"{name}.bias")]
            r = np.concatenate([rects(group), label_rects(group, lay.sizes)[0]])
            w, h = r[:, 2].max() - r[:, 0].min(), r[:, 3].max() - r[:, 1].min()
            assert 0.8 < w / h < 1.6, (name, fold, w, h)


@pytest.mark.parametrize("fold, gpt2, tiny", [(16 / 9, True, True), (1.0, True, False), (9 / 16, False, False)])
def test_a_text_models_layer_norm_takes_the_shape_nearer_its_frames(fold, gpt2, tiny):
    """A text model's layer norm stands its mean and 1 / spread beside its block (True) or over it, whichever
    group is nearer the frame's shape: GPT-2's 768-row block under the rows (0.4 as wide as tall) had left a
    square frame's shot of the group showing the rows and titles over the block's first sliver."""
    small = GPTConfig(n_layer=2, n_head=2, n_embd=16, vocab_size=50257, block_size=64)   # tests/tiny_gpt2
    for config, T, beside in ((get_config("gpt2"), 16, gpt2), (small, 5, tiny)):
        lay = layout(config, T, letters=False, fold=fold)
        by = {s.id: s for s in lay.slots}
        for name in ("h0.ln_1", "h1.ln_2", "ln_f"):
            (o, m), title = rects([by[name], by[f"{name}.mean"]]), lay.sizes.title
            assert (m[0] > o[2] and abs(m[3] - o[3]) < title) == beside, (config.n_embd, name)   # level, right
            assert (m[1] > o[3] and abs(m[0] - o[0]) < title) == (not beside), (config.n_embd, name)    # over


def test_a_wide_frames_softmax_steps_stand_side_by_side_under_the_logits():
    """Where the output has a column of its own (a wide frame), its max, exp sum and probabilities stand in
    one row under the weights and logits, in compute order, the probabilities right under the logits: a
    group as wide as the frame, not a tall strip. A square or tall frame keeps them stacked under the
    logits (test_arrangement_follows_bycroft)."""
    by = {s.id: s for s in layout(NANO, 11, fold=16 / 9).slots}
    logits, mx, es, probs = (by[i] for i in ("logits", "logits.max", "logits.expsum", "probs"))
    assert probs.origin[0] == pytest.approx(logits.origin[0]) and probs.origin[2] < logits.origin[2]
    assert mx.origin[2] == pytest.approx(es.origin[2]) == pytest.approx(probs.origin[2])
    assert mx.origin[0] < es.origin[0] < probs.origin[0]
    assert by["lm_head.weight"].origin[0] < logits.origin[0]
    for fold in (1.0, 9 / 16):
        by = {s.id: s for s in layout(NANO, 11, fold=fold).slots}
        col = [by[i] for i in ("logits", "logits.max", "logits.expsum", "probs")]
        assert len({round(s.origin[0], 6) for s in col}) == 1, fold
        assert [s.origin[2] for s in col] == sorted((s.origin[2] for s in col), reverse=True), fold


def test_labels_scale_with_their_blocks():
    lay = layout(NANO, 11)
    by = {s.id: s for s in lay.slots}
    assert slot_title(by["h0.mlp.c_fc.weight"], lay.sizes) > slot_title(by["h0.ln_1.mean"], lay.sizes)
    kinds = {l.kind for s in lay.slots for l in s.labels}
    assert kinds == {"title", "formal", "dim"}
    assert all(l.block == s.id for s in lay.slots for l in s.labels)
    dims = {l.text["en"] for s in lay.slots for l in s.labels if l.kind == "dim"}
    assert dims == {"1", "3 letters", "11 positions", "16 numbers", "48 numbers", "192 numbers"}   # words
    ko = {l.text["ko"] for s in lay.slots for l in s.labels if l.kind == "dim"}
    assert {"위치 11개", "수 48개", "글자 3개"} <= ko


def test_axis_tags_fit_beside_their_blocks():
    """Row tags are turned up the block's left edge where the block is tall enough (else level, left of
    it; a weight matrix's beside its bias: right of it, between the two, clear of every other text and
    block), column tags stand over the block, under its tensor name: no tag under a block (where the caption
    band sits), none wider than its slot, none over another text of its block."""
    from llmreel.scenes.geometry import label_bounds
    lay = layout(NANO, 11)
    turned = 0
    others = [(l.id, label_bounds(l)) for s in lay.slots for l in s.labels]
    boxes = [(s.id, (s.origin[0] - s.pitch / 2, s.origin[2] - s.rows * s.row_pitch + s.pitch / 2),
              (s.origin[0] + s.cols * s.col_pitch - s.pitch / 2, s.origin[2] + s.pitch / 2)) for s in lay.slots]
    right = [s for s in lay.slots if s.tag_right]
    assert {s.id for s in right} >= {"h0.attn.c_proj.weight", "h0.mlp.c_fc.weight", "h0.mlp.c_proj.weight"}
    for s in right:
        tag = next(l for l in s.labels if l.id.endswith(":rows"))
        lo, hi = label_bounds(tag)
        assert tag.rotation == 90.0 and lo[0] > s.origin[0] + (s.cols - 0.5) * s.col_pitch, s.id
        for oid, (olo, ohi) in others:
            if oid != tag.id:
                assert not (lo[0] < ohi[0] and olo[0] < hi[0] and lo[2] < ohi[2] and olo[2] < hi[2]), (tag.id, oid)
        for bid, blo, bhi in boxes:
            assert not (lo[0] < bhi[0] and blo[0] < hi[0] and lo[2] < bhi[1] and blo[1] < hi[2]), (tag.id, bid)
    for s in (s for s in lay.slots if not s.tag_right):
        tags = {l.id.rsplit(":", 1)[1]: l for l in s.labels}
        top = s.origin[2] + s.pitch / 2
        bottom = top - s.rows * s.pitch
        left = s.origin[0] - s.pitch / 2
        rlo, rhi = label_bounds(tags["rows"])
        clo, chi = label_bounds(tags["cols"])
        flo, _ = label_bounds(tags["formal"])
        assert top < clo[2] and chi[2] < flo[2], s.id                                   # over the block, under the name
        assert rhi[0] < left, s.id                                                     # left of the block
        if tags["rows"].rotation:
            turned += 1
            assert tags["rows"].rotation == 90.0 and rlo[2] >= bottom - 1e-9 and rhi[2] <= top + 1e-9, s.id
            assert rhi[2] - rlo[2] > rhi[0] - rlo[0]                                   # reads upwards
    assert turned + len(right) >= len(lay.slots) // 2
    # the words cost almost no width: the model's span of blocks was 475.9 with letters (C, T) beside them
    xs = [s.origin[0] for s in lay.slots]
    assert max(xs) - min(xs) < 475.9 * 1.005
    sections = [l.text["en"] for l in lay.section_labels]
    assert all(l.kind == "section" and l.block for l in lay.section_labels)
    assert sections[0] == "Embedding" and "Transformer block 2" in sections and sections[-1] == "Output"


def test_a_letter_models_output_blocks_have_larger_cells():
    """A vocabulary of three letters makes the output's blocks three rows tall: their cells are drawn
    OUTPUT_PITCH apart (the weights too, so a logit's row lines up with its row of weights), every other
    block and a text model's output at PITCH; the blocks built from the layout carry it, cells scaled alike."""
    from llmreel.model.config import get_config
    from llmreel.scenes.plan import plan_scene

    lay = layout(NANO, 11)
    big = {s.id for s in lay.slots if s.pitch != PITCH}
    assert big == {"lm_head.weight", "logits", "logits.max", "logits.expsum", "probs"}
    by = {s.id: s for s in lay.slots}
    assert all(by[i].pitch == OUTPUT_PITCH > PITCH for i in big)
    assert abs(by["lm_head.weight"].origin[2] - by["logits"].origin[2]) < 0.2 * OUTPUT_PITCH     # rows side by side
    assert all(s.pitch == PITCH for s in layout(get_config("gpt2"), 16, letters=False).slots)
    spec = plan_scene()
    probs = spec.block("probs")
    assert probs.pitch == OUTPUT_PITCH and probs.cell == pytest.approx(CELL * OUTPUT_PITCH / PITCH)


def test_a_long_vocabulary_is_drawn_vocab_span_mlp_widths_long():
    """GPT-2's 50,257 tokens: the token table, head, logits and probabilities drawn VOCAB_SPAN MLP widths
    along their vocabulary axis (cells finer than a pixel: images), every other axis and block at its
    pitch but a text model's positions (TOKEN_STEP); the token table's title its neighbours' (it stood 3,000
    units tall, the layer norm 8,600 units under the embedding; then 368 over the logits' 192-wide column);
    a block's last cell inside its box, its cells as fine as its rows; a letter model untouched."""
    from llmreel.model.config import get_config
    from llmreel.scenes.geometry import cell_point
    from llmreel.scenes.layout import TOKEN_STEP, VOCAB_SPAN
    from llmreel.scenes.packer import Sizes
    from llmreel.scenes.spec import Block

    cfg = get_config("gpt2")
    lay = layout(cfg, 16, letters=False, fold=16 / 9)
    span = VOCAB_SPAN * 4 * cfg.n_embd * PITCH
    by = {s.id: s for s in lay.slots}
    assert np.isclose(by["wte.weight"].width, span) and by["wte.weight"].height == cfg.n_embd * PITCH
    for i in ("lm_head.weight", "logits", "probs"):
        assert np.isclose(by[i].height, span), i
    sz = Sizes.for_config(cfg, letters=False)
    assert by["lm_head.weight"].width == cfg.n_embd * PITCH and by["logits"].width == 16 * TOKEN_STEP * sz.title
    vocab = {s.id for s in lay.slots if "vocab" in (s.row_axis, s.col_axis)}
    tokens = {s.id for s in lay.slots if {s.row_axis, s.col_axis} & {"T", "Tk", "1"}}
    assert all(s.row_step == s.col_step == 0.0 for s in lay.slots if s.id not in vocab | tokens)
    # its title as its neighbours': the vocabulary's axis, drawn shorter, does not count
    assert slot_title(by["wte.weight"], sz) == slot_title(by["lm_head.weight"], sz) == sz.title
    emb = [by[i] for i in ("wte.weight", "wpe.weight", "embed.tok")]
    assert max(s.origin[2] for s in emb) - min(s.origin[2] for s in emb) < 0.2 * span     # one row, a title apart
    s = by["logits"]
    b = Block(id=s.id, tensor=s.tensor, index_prefix=(), transpose=False, role="activation", title={}, formal="",
              row_axis=s.row_axis, col_axis=s.col_axis, origin=s.origin, pitch=s.pitch, cell=CELL, depth=0.3,
              scale=1.0, values=np.zeros((s.rows, s.cols), np.float32), t_on=np.zeros((s.rows, s.cols), np.float32),
              row_step=s.row_step, col_step=s.col_step)
    lo, hi = b.bounds()
    x, _, z = cell_point(b, s.rows - 1, s.cols - 1)
    assert lo[0] < x < hi[0] and lo[2] < z < hi[2] and np.isclose(hi[2] - lo[2], span - s.row_step + b.cell_z)
    assert np.isclose(b.cell_z, CELL * s.row_step / PITCH) and np.isclose(b.cell_x, CELL * s.col_step / PITCH)
    assert all(s.row_step == s.col_step == 0.0 for s in layout(NANO, 11).slots)


@pytest.mark.parametrize("name", ["gpt2", "gpt2-medium"])
def test_a_text_models_positions_stand_a_quarter_title_apart(name):
    """GPT-2's 16 positions under a 48-unit title: every token axis drawn TOKEN_STEP titles a step (a 768-tall
    column 192 wide, not a hairline 16 wide), a head's scores square, one number per position (a mean, a max)
    a row as tall as a step, a bias or a layer norm's scale a column as wide; every block's rectangle still
    its own (no two overlap); where a quarter title is under PITCH (a 16-wide model, letters) nothing moves."""
    from llmreel.scenes.layout import TOKEN_STEP
    from llmreel.scenes.packer import Sizes

    cfg = get_config(name)
    lay = layout(cfg, 16, letters=False)
    step = TOKEN_STEP * Sizes.for_config(cfg, letters=False).title
    assert step > 4 * PITCH
    by = {s.id: s for s in lay.slots}
    for s in lay.slots:
        assert (s.col_pitch == step) == (s.col_axis in ("T", "Tk", "1")), s.id
        assert (s.row_pitch == step) == (s.row_axis in ("T", "Tk") or (s.row_axis, s.col_axis) == ("1", "T")), s.id
    assert by["h0.attn.scores[0]"].width == by["h0.attn.scores[0]"].height == 16 * step
    assert by["h0.ln_1.mean"].height == by["h0.ln_1.weight"].width == step
    rects = [(s.origin[0], s.origin[0] + s.width, s.origin[2] - s.height, s.origin[2]) for s in lay.slots]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert min(a[1], b[1]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[2], b[2])
    tiny = GPTConfig(n_layer=2, n_head=2, n_embd=16, vocab_size=50257, block_size=64)
    assert all(s.col_step == 0.0 for s in layout(tiny, 5, letters=False).slots if s.col_axis == "T")


@pytest.mark.parametrize("name", ["gpt2", "gpt2-medium"])
def test_a_tall_frames_head_stands_in_one_column(name):
    """In a 9:16 frame each of a text model's heads is one column, in the order of use: each weight over its
    bias and result, drawn as wide as the result (768 columns in 16 positions' width), the scores under the
    keys, the probabilities over the values; no two blocks overlap. A wide frame keeps the rows side by side."""
    cfg = get_config(name)
    tall, wide = layout(cfg, 16, letters=False, fold=9 / 16), layout(cfg, 16, letters=False, fold=16 / 9)
    assert overlapping_pairs(rects(tall.slots)) == []
    for h in (0, cfg.n_head - 1):
        by = {s.id: s for s in tall.slots}
        box = lambda sid: (by[sid].origin[0] - by[sid].col_pitch / 2, by[sid].origin[0] - by[sid].col_pitch / 2  # noqa: E731
                           + by[sid].width, by[sid].origin[2] + by[sid].row_pitch / 2)
        order = [f"h0.attn.c_attn.weight.q[{h}]", f"h0.attn.q[{h}]", f"h0.attn.c_attn.weight.k[{h}]",
                 f"h0.attn.k[{h}]", f"h0.attn.scores[{h}]", f"h0.attn.probs[{h}]", f"h0.attn.c_attn.weight.v[{h}]",
                 f"h0.attn.v[{h}]"]
        tops = [box(sid)[2] for sid in order]
        assert tops == sorted(tops, reverse=True), h                          # top down, in that order
        for part in "qkv":
            w, r = by[f"h0.attn.c_attn.weight.{part}[{h}]"], by[f"h0.attn.{part}[{h}]"]
            assert np.isclose(w.width, r.width) and np.isclose(box(w.id)[1], box(r.id)[1])   # as wide, aligned
            bias = by[f"h0.attn.c_attn.bias.{part}[{h}]"]
            assert abs(box(bias.id)[2] - box(r.id)[2]) < r.height and box(bias.id)[1] < box(r.id)[0]   # left
        right = max(box(sid)[1] for sid in order)
        assert all(box(sid)[0] >= right - 1.5 * by[order[4]].width for sid in order)          # one column
    wb = {s.id: s for s in wide.slots}
    q, w = wb["h0.attn.q[0]"], wb["h0.attn.c_attn.weight.q[0]"]
    assert w.col_step == 0.0 and abs(q.origin[2] - w.origin[2]) < q.height and w.origin[0] < q.origin[0]   # a row

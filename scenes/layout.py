"""Where every tensor block sits on the wall (XZ plane, data flowing from the top down).

Tokens are COLUMNS, as in Bycroft's LLM Visualization: a [T, C] tensor is a block of C rows x T
columns. The residual stream runs down the right edge (x >= 0); each section's other blocks grow to
the left of it, weights to the left of the op that uses them, aggregates as thin rows above what they
summarise (in a frame that is not tall, a layer norm's mean and 1 / spread rows beside its block instead,
so the group is as wide as tall), attention heads side by side (in a tall frame a text model's head stands in
one column: each weight over its result, drawn as wide, the scores under the keys, the values last).

For a frame that is not tall, a letter model of a few layers folds like a newspaper: its layers stand side by side
as columns (layer 0's under the embedding), the stream running down each column and climbing beside it to
the top of the next; the final layer norm and the output stand under the last layer (a square frame) or in a
column of their own (a wide one), so the whole model is about as wide as the frame; a deeper model, or a
tall (9:16) frame, keeps one column.

Placement is a tiny box packer (packer.py: horizontal / vertical stacks with gaps): every block *and its
labels* own a rectangle, and stacks never overlap rectangles, so no two blocks or name tags overlap for any
config. Everything here is geometry from the config, T and the frame's shape alone: no values, no times.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from llmreel.model.config import GPTConfig
from llmreel.scenes.block_titles import SECTION_TITLES, block_title as _title
from llmreel.scenes.packer import PITCH, Placed, Sizes, Slot, mark_tags_right, node_size, place
from llmreel.scenes.spec import Label

# Contract tensors that get no block of their own, and the blocks that show their values instead.
# (The one place this is listed; tests check that every other trace tensor is laid out.)
MERGED: dict[str, str] = {
    "h{i}.attn.qkv": "h{i}.attn.q / h{i}.attn.k / h{i}.attn.v (the same numbers, split into heads), "
                     "with c_attn.weight and c_attn.bias split the same way",
}

SMALL_VOCAB = 16   # a vocabulary this small (letters) makes the output's blocks a few rows tall ...
OUTPUT_PITCH = 2.0 # ... so their cells are drawn this far apart (the picked letter's row reads from afar)
FOLD_MAX = 4       # a model of 2..FOLD_MAX layers stands its layers side by side (module doc), ...
FOLD_GAP = 11.0    # ... section gaps apart, the stream climbing FOLD_CLIMB of the way across: the numbers
FOLD_CLIMB = 0.9   # written right of a column's stream keep their room
WIDE_FRAME = 1.5   # a frame this much wider than tall gives the output a column of its own
VOCAB_SPAN = 2.0   # a vocabulary longer than this many MLP widths (4C) is drawn that long, its cells finer
                   # than a pixel (an image): GPT-2's 50,257 tokens would stand 16 times the MLP's length
HEADS_APART = 12   # gaps between heads side by side; a head in one column (_head_stack) keeps this many
STACKED_APART = 12 # more right of its query, key and value: their numbers stand there
TOKEN_STEP = 0.25  # a text model's positions stand this many title sizes apart where that is more than PITCH
                   # (GPT-2 small: 12): a 768-tall column of 16 tokens is 192 wide, not a hairline 16 under
                   # its 48-unit title, and a head's 16x16 scores as wide as its title


def merged_tensors(config: GPTConfig) -> list[str]:
    """The MERGED entries expanded for a config's layers."""
    return [pat.format(i=i) for pat in MERGED for i in range(config.n_layer)]


# ---- the model as stacks of slots ------------------------------------------------------------------

def _act(name: str, key: str, rows: int, cols: int, row_axis: str, col_axis: str = "T",
         role: str = "activation", prefix: tuple[int, ...] = (), transpose: bool = True, sid: str | None = None,
         formal: str | None = None) -> tuple:
    return ("leaf", Slot(sid or name, name, prefix, (0, 0), transpose, role, _title(key), formal or name,
                         row_axis, col_axis, rows, cols))


def _weight(name: str, key: str, rows: int, cols: int, row_axis: str, col_axis: str,
            axis_range: tuple[int, int] = (0, 0), sid: str | None = None, formal: str | None = None) -> tuple:
    # Weights are stored [in, out] (out = in @ W): shown transposed, out along rows, in along columns,
    # so an output cell lines up with the row of weights that made it. 1-D biases become a column.
    return ("leaf", Slot(sid or name, name, (), axis_range, True, "weight", _title(key), formal or name,
                         row_axis, col_axis, rows, cols))


def _layernorm_stack(name: str, C: int, T: int, sz: Sizes, wide: bool = False) -> tuple:
    """Scale and shift columns left of the normalised block; its mean and 1 / spread rows over it, or, for
    a frame that is not tall (`wide`), stacked beside it on the stream's side: the group about as wide as
    tall, so one shot holds it whole with its titles legible."""
    w = _weight(f"{name}.weight", "ln.weight", C, 1, "C", "1")
    b = _weight(f"{name}.bias", "ln.bias", C, 1, "C", "1")
    aggs = [_act(f"{name}.mean", "ln.mean", 1, T, "1", role="aggregate", transpose=False),
            _act(f"{name}.rstd", "ln.rstd", 1, T, "1", role="aggregate", transpose=False)]
    out = _act(name, "ln", C, T, "C")
    if wide:
        return ("h", [w, b, out, ("v", aggs, sz.gap)], sz.gap)
    return ("h", [w, b, ("v", aggs + [out], sz.gap)], sz.gap)


def _norms_beside(C: int, T: int, sz: Sizes, fold: float) -> bool:
    """Whether a text model's layer norm, as wide as its frame is per tall (`fold`), stands its mean and
    1 / spread beside its block rather than over it: whichever group (labels and all) is nearer the frame's
    shape. GPT-2's 768-row block under the rows made a group 0.45 as wide as tall; a square frame's shot of
    its top showed the rows and titles over a sliver of the block the caption is about."""
    (bw, bh), (ow, oh) = (node_size(_layernorm_stack("h0.ln_1", C, T, sz, w), sz) for w in (True, False))
    return abs(math.log(bw / bh / fold)) < abs(math.log(ow / oh / fold))


def _head_stack(i: int, h: int, config: GPTConfig, T: int, sz: Sizes, stacked: bool = False) -> tuple:
    """Head h's query, key and value (weights, bias, result) beside its scores and probabilities; `stacked`
    (a text model in a tall frame): each weight over its bias and result, its C columns drawn as
    wide as the result's T (a 768-wide weight beside a 64-row result had made a strip no tall frame fills),
    and the scores and probabilities in the same column."""
    C, A = config.n_embd, config.head_dim
    step = _step(sz)
    rows = []
    for j, part in enumerate("qkv"):
        rng = (j * C + h * A, j * C + (h + 1) * A)
        wname, bname = f"h{i}.attn.c_attn.weight", f"h{i}.attn.c_attn.bias"
        w = _weight(wname, f"{part}.weight", A, C, "A", "C", rng, sid=f"{wname}.{part}[{h}]",
                    formal=f"{wname}[:, {rng[0]}:{rng[1]}]")
        b = _weight(bname, f"{part}.bias", A, 1, "A", "1", rng, sid=f"{bname}.{part}[{h}]",
                    formal=f"{bname}[{rng[0]}:{rng[1]}]")
        r = _act(f"h{i}.attn.{part}", f"attn.{part}", A, T, "A", "T" if part == "q" else "Tk", prefix=(h,),
                 sid=f"h{i}.attn.{part}[{h}]", formal=f"h{i}.attn.{part}[{h}]")
        if not stacked:
            rows.append(("h", [w, b, r], sz.gap))
            continue
        if step and T * step < C * PITCH:
            w[1].col_step = T * step / C
        rows.append(("v", [w, ("h", [b, r], sz.gap)], sz.gap))
    # scores/probs [T, Tk] per head shown transposed: key positions down the rows, queries as columns; the
    # attention column stands right of q, k and v (as in llm-viz), so a shot holds the query, the keys and
    # the scores they make together.
    att = [_act(f"h{i}.attn.scores", "attn.scores", T, T, "Tk", prefix=(h,), sid=f"h{i}.attn.scores[{h}]",
                formal=f"h{i}.attn.scores[{h}]")]
    for agg in ("max", "expsum"):
        att.append(_act(f"h{i}.attn.{agg}", f"attn.{agg}", 1, T, "1", role="aggregate", prefix=(h,),
                        transpose=False, sid=f"h{i}.attn.{agg}[{h}]", formal=f"h{i}.attn.{agg}[{h}]"))
    att.append(_act(f"h{i}.attn.probs", "attn.probs", T, T, "Tk", prefix=(h,), sid=f"h{i}.attn.probs[{h}]",
                    formal=f"h{i}.attn.probs[{h}]"))
    if stacked:                 # one column, in the order of use: the scores right under the keys they
        return ("v", rows[:2] + att + rows[2:], sz.gap)          # take, the probabilities over the values
    return ("h", [("v", rows, sz.gap), ("v", att, sz.gap)], sz.gap)


def _leaves(node) -> list[tuple]:
    """The leaf nodes (blocks) of a stack, in order."""
    if node[0] == "leaf":
        return [node]
    return [leaf for child in node[1] for leaf in _leaves(child)] if node[0] in ("h", "v") else []


def _sections(config: GPTConfig, T: int, sz: Sizes, wide: bool = False, tall: bool = False,
              wide_output: bool = False) -> list[tuple[str, tuple, tuple | None]]:
    """(section name, left content, residual block or None), top to bottom; `wide`: the layer norms' mean
    and 1 / spread beside their block (a folded layout: as wide as tall), `tall`: a text model's heads each
    in one column (_head_stack), `wide_output`: the output in a column of its own."""
    C, V, B = config.n_embd, config.vocab_size, config.block_size
    res = lambda name, key: _act(name, key, C, T, "C", role="residual")  # noqa: E731
    out = [("embedding", ("h", [
        _weight("wte.weight", "wte.weight", C, V, "C", "vocab"),
        _weight("wpe.weight", "wpe.weight", C, B, "C", "block"),
        _act("embed.tok", "embed.tok", C, T, "C"),
        _act("embed.pos", "embed.pos", C, T, "C"),
    ], 2 * sz.gap), res("embed.out", "embed.out"))]
    for i in range(config.n_layer):
        p = f"h{i}"
        out.append((f"{p}.ln_1", _layernorm_stack(f"{p}.ln_1", C, T, sz, wide), None))
        stacked = tall and not sz.letters           # a text model's heads in a tall frame
        heads = ("h", [_head_stack(i, h, config, T, sz, stacked) for h in range(config.n_head)],
                 (HEADS_APART + stacked * STACKED_APART) * sz.gap)
        out.append((f"{p}.attn", ("h", [heads, _act(f"{p}.attn.y", "attn.y", C, T, "C")], 2 * sz.gap), None))
        out.append((f"{p}.attn.proj", ("h", [
            _weight(f"{p}.attn.c_proj.weight", "attn.c_proj.weight", C, C, "C", "C"),
            _weight(f"{p}.attn.c_proj.bias", "attn.c_proj.bias", C, 1, "C", "1"),
            _act(f"{p}.attn.proj", "attn.proj", C, T, "C"),
        ], sz.gap), res(f"{p}.attn.resid", "attn.resid")))
        out.append((f"{p}.ln_2", _layernorm_stack(f"{p}.ln_2", C, T, sz, wide), None))
        out.append((f"{p}.mlp.fc", ("h", [
            _weight(f"{p}.mlp.c_fc.weight", "mlp.c_fc.weight", 4 * C, C, "4C", "C"),
            _weight(f"{p}.mlp.c_fc.bias", "mlp.c_fc.bias", 4 * C, 1, "4C", "1"),
            _act(f"{p}.mlp.fc", "mlp.fc", 4 * C, T, "4C"),
            _act(f"{p}.mlp.gelu", "mlp.gelu", 4 * C, T, "4C"),
            ("space", f"gelu_curve:{p}", max(8 * sz.title, 0.9 * C * PITCH), max(8 * sz.title, 0.9 * C * PITCH)),
        ], sz.gap), None))
        out.append((f"{p}.mlp.proj", ("h", [
            _weight(f"{p}.mlp.c_proj.weight", "mlp.c_proj.weight", C, 4 * C, "C", "4C"),
            _weight(f"{p}.mlp.c_proj.bias", "mlp.c_proj.bias", C, 1, "C", "1"),
            _act(f"{p}.mlp.proj", "mlp.proj", C, T, "C"),
        ], sz.gap), res(f"{p}.mlp.resid", "mlp.resid")))
    out.append(("ln_f", _layernorm_stack("ln_f", C, T, sz, wide), None))
    softmax = [_act("logits.max", "logits.max", 1, T, "1", role="aggregate", transpose=False),
               _act("logits.expsum", "logits.expsum", 1, T, "1", role="aggregate", transpose=False),
               _act("probs", "probs", V, T, "vocab")]
    logits = _act("logits", "logits", V, T, "vocab")
    head = _weight("lm_head.weight", "lm_head.weight", V, C, "vocab", "C")
    if wide_output and V <= SMALL_VOCAB:     # a column of its own (a wide frame), blocks a few rows tall:
        # softmax's steps side by side under the weights and logits, the probabilities right under the
        # logits: a group as wide as the frame, not a tall strip
        output = ("v", [("h", [head, logits], sz.gap), ("h", softmax, sz.gap)], sz.gap)
    else:
        output = ("h", [head, ("v", [logits] + softmax, sz.gap)], sz.gap)
    if V <= SMALL_VOCAB:            # a few letters: the output's blocks a few rows tall, their cells drawn larger
        for leaf in _leaves(output):
            leaf[1].pitch = OUTPUT_PITCH
        if wide_output:             # the weights' rows level with the logits', their columns no wider than
            head[1].pitch, head[1].row_step = PITCH, OUTPUT_PITCH     # the model's: one shot reads the row
    step = VOCAB_SPAN * 4 * C * PITCH / V
    if step < PITCH:                # a long vocabulary: its axis drawn VOCAB_SPAN MLP widths long
        for leaf in _leaves(output) + _leaves(out[0][1]):
            slot = leaf[1]
            if slot.row_axis == "vocab":
                slot.row_step = step
            if slot.col_axis == "vocab":
                slot.col_step = step
    out.append(("output", output, None))
    _token_step(out, sz)
    return out


def _step(sz: Sizes) -> float:
    """A text model's distance between positions (TOKEN_STEP title sizes), 0 where that is not over PITCH
    (letters, a 16-wide model: positions at the cells' pitch)."""
    step = TOKEN_STEP * sz.title
    return 0.0 if sz.letters or step <= PITCH else step


def _token_step(sections, sz: Sizes) -> None:
    """Stand a text model's positions TOKEN_STEP title sizes apart (in place), and the rows of what is one
    number per position (a layer norm's mean, softmax's max) as tall: their cells as wide as tall; a bias or
    a layer norm's scale (one column) as wide as a position, not a hairline beside a 768-tall block."""
    step = _step(sz)
    if not step:
        return
    for _, content, resid in sections:
        for _, slot in _leaves(content) + (_leaves(resid) if resid else []):
            if slot.col_axis in ("T", "Tk", "1"):
                slot.col_step = step
            if slot.row_axis in ("T", "Tk") or slot.row_axis == "1" and slot.col_axis == "T":
                slot.row_step = step


@dataclass
class Layout:
    slots: list[Slot]
    sections: dict[str, tuple[float, float]]       # section -> (top z, bottom z)
    section_labels: list[Label]                     # section headings (block: the first block they head)
    spaces: dict[str, tuple[float, float, float, float]]   # id -> (x0, z_top, x1, z_bottom) reserved areas
    sizes: Sizes
    residual_x: float                               # x of the residual column's cell 0
    T: int
    stream: list[tuple[float, float]] = field(default_factory=list)   # the stream's route (x, z), top to end

    def slots_of(self, tensor: str) -> list[Slot]:
        return [s for s in self.slots if s.tensor == tensor]


def _column(name: str, last: int) -> int:
    """A section's column in a folded layout: the embedding over layer 0's, each layer its own, the final layer
    norm and the output column `last` (under the last layer's, or beside it, level with the layers' tops)."""
    i = _layer(name)
    return 0 if name == "embedding" else last if i is None else i


def _layer(name: str) -> int | None:
    """The layer a section belongs to ("h2.attn" -> 2), None for the embedding and the output."""
    head = name.split(".")[0]
    return int(head[1:]) if head[0] == "h" and head[1:].isdigit() else None


def layout(config: GPTConfig, T: int, letters: bool = True, fold: float = 0.0) -> Layout:
    """Place every block of a T-token trace of `config` (see module doc); `letters`: its tokens are letters;
    `fold`: the frame's width / height, at least 1 for a letter model of a few layers to stand them side by
    side (at least WIDE_FRAME for the output to take a column of its own, and a text model's layer norms
    their mean and 1 / spread beside their block)."""
    sz = Sizes.for_config(config, letters)
    out = Placed()
    sections: dict[str, tuple[float, float]] = {}
    top = 0.0
    gap_r = 3 * sz.gap                                  # between a section's content and the stream
    folded = letters and fold >= 1.0 and 2 <= config.n_layer <= FOLD_MAX     # a text model passes its layers
    # a text model's layer norm in a frame of its shape (GPT-2's 768 rows tall, in a wide or square frame):
    # its block beside its scales from the top, so a shot of the group's top (where it is named) shows the
    # block under its title, not two rows over it
    norms = folded or (not letters and fold > 0 and _norms_beside(config.n_embd, T, sz, fold))
    sections_list = _sections(config, T, sz, wide=norms, tall=0 < fold < 1,
                              wide_output=folded and fold >= WIDE_FRAME)
    for _, content, _ in sections_list:
        mark_tags_right(content)
    layer_h: dict[str, float] = {}                     # "h{i}" -> height of its sections
    for name, content, _ in sections_list:
        if name.startswith("h"):
            key = name.split(".")[0]
            layer_h[key] = layer_h.get(key, 0.0) + node_size(content, sz)[1] + sz.section_gap
    rw = max(node_size(r, sz)[0] for _, _, r in sections_list if r is not None)
    last = config.n_layer if fold >= WIDE_FRAME else config.n_layer - 1     # the output's column
    column = [_column(name, last) if folded else 0 for name, _, _ in sections_list]
    widths = {}                                          # column -> its widest section
    for c, (_, content, _) in zip(column, sections_list):
        widths[c] = max(widths.get(c, 0.0), node_size(content, sz)[0])
    col, x_off, layers_top = 0, 0.0, None
    stream: list[tuple[float, float]] = []              # (x, z) of the stream's centre line
    for c, (name, content, resid) in zip(column, sections_list):
        if c != col:                                     # the next column: the stream climbs beside it
            bottom = stream[-1][1] - sz.section_gap
            x_up = x_off + rw + FOLD_CLIMB * FOLD_GAP * sz.section_gap
            step = rw + FOLD_GAP * sz.section_gap + gap_r + widths[c]
            col, x_off, top = c, x_off + step, layers_top
            stream += [(stream[-1][0], bottom), (x_up, bottom), (x_up, top + sz.section_gap),
                       (stream[-1][0] + step, top + sz.section_gap)]
        i = _layer(name)
        if i is not None and layers_top is None:
            layers_top = top
        heading = None
        if name in SECTION_TITLES:
            heading = SECTION_TITLES[name]
        elif name.endswith(".ln_1"):
            heading = (f"Transformer block {i}", f"트랜스포머 블록 {i}")
        if heading:
            hsize = 1.8 * sz.title
            if name.endswith(".ln_1"):                 # legible when a shot frames the whole block
                hsize = max(hsize, 0.022 * layer_h[name.split(".")[0]])
            node = ("text", f"section:{name}", {"en": heading[0], "ko": heading[1]}, hsize)
            place(node, x_off - gap_r, top, sz, out)
            top -= node_size(node, sz)[1] + sz.gap
        h = node_size(content, sz)[1]
        first_slot = len(out.slots)
        place(content, x_off - gap_r, top, sz, out)
        if heading:                                     # the heading annotates its section's first block
            out.labels[-1].block = out.slots[first_slot].id
        if resid is not None:
            rh = node_size(resid, sz)[1]
            place(resid, x_off + node_size(resid, sz)[0], top, sz, out)
            slot = out.slots[-1]
            x = slot.origin[0] + (slot.cols - 1) * slot.col_pitch / 2
            z0, z1 = slot.origin[2] + slot.row_pitch / 2, slot.origin[2] + slot.row_pitch / 2 - slot.height
            stream += [(x, z0)] if not stream else []
            stream.append((x, z1))
            h = max(h, rh)
        sections[name] = (top, top - h)
        top -= h + sz.section_gap
    if stream[-1][1] == layers_top + sz.section_gap:    # a column of its own for the output: the stream runs
        stream.append((stream[-1][0], top + sz.section_gap))     # down beside it
    res_x = next(s.origin[0] for s in out.slots if s.tensor == "embed.out")
    return Layout(slots=out.slots, sections=sections, section_labels=out.labels, spaces=out.spaces, sizes=sz,
                  residual_x=res_x, T=T, stream=_straight(stream))


def _straight(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The route without the points inside a straight run (the stream's x rounded: blocks' centres and the
    columns' steps add up differently)."""
    points = [(round(x, 6), round(z, 6)) for x, z in points]
    keep = points[:1]
    for p, q in zip(points[1:], points[2:] + [None]):
        if q is None or not (keep[-1][0] == p[0] == q[0] or keep[-1][1] == p[1] == q[1]):
            keep.append(p)
    return keep

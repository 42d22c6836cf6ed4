"""Focus moments: highlight frames, flying cells and value texts, all with REAL values from the trace.

A ValueText's id names its sources in order: "value:<beat>:<tensor>[i,j];<tensor>[k];..." and its text
shows exactly those values (two decimals, real minus sign) in that order, so a test can check every
number on screen against the trace.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.captions import fmt
from llmreel.scenes.geometry import block_cell, cell_point, value_text_box
from llmreel.scenes.layout import text_width
from llmreel.scenes.spec import Block, FlyingCell, Highlight, ValueText, Theme
from llmreel.scenes.storyboard import BeatPlan

VALUE_SIZE = 2.0        # value texts, times the base tag size: >= 18 px cap height at 1080p (16:9) in their shots


def _src(name: str, index) -> str:
    return f"{name}[{','.join(str(int(i)) for i in index)}]"


def _find(blocks: dict[str, Block], tensor: str, index) -> Block | None:
    for b in blocks.values():
        if b.tensor != tensor:
            continue
        try:
            block_cell(b, index)
            return b
        except IndexError:
            continue
    return None


class _Moments:
    def __init__(self, trace, blocks: dict[str, Block], theme: Theme, size: float, fps: int):
        self.trace, self.blocks, self.theme, self.size, self.fps = trace, blocks, theme, size, fps
        self.highlights: list[Highlight] = []
        self.flying: list[FlyingCell] = []
        self.values: list[ValueText] = []

    def window(self, beat: BeatPlan, a: float = 0.15, b: float = 0.98) -> tuple[float, float]:
        n = beat.last_frame - beat.first_frame
        return float(beat.first_frame + round(a * n)), float(beat.first_frame + round(b * n))

    def highlight(self, beat: BeatPlan, block_id: str, rows, cols, frames=None) -> None:
        b = self.blocks.get(block_id)
        if b is None:
            return
        R, K = b.shape
        rows = (max(0, rows[0]), min(R, rows[1]))
        cols = (max(0, cols[0]), min(K, cols[1]))
        if rows[0] >= rows[1] or cols[0] >= cols[1]:
            return
        self.highlights.append(Highlight(id=f"hl:{beat.id}:{block_id}:{len(self.highlights)}", block=block_id,
                                         rows=rows, cols=cols, frames=frames or self.window(beat)))

    def column(self, beat: BeatPlan, block_id: str, col: int, frames=None) -> None:
        b = self.blocks.get(block_id)
        if b is not None:
            self.highlight(beat, block_id, (0, b.shape[0]), (col, col + 1), frames)

    def value(self, beat: BeatPlan, fmt_text: str, sources: list[tuple[str, tuple]], anchor: tuple[str, tuple],
              frames=None) -> None:
        """Text `fmt_text` with {} filled by the sources' values, placed right of the anchor block."""
        b = _find(self.blocks, *anchor)
        if b is None or any(s[0] not in self.trace for s in sources):
            return
        vals = [fmt(self.trace[name][tuple(idx)], small="probs" not in name) for name, idx in sources]
        text = fmt_text.format(*vals)
        size = VALUE_SIZE * self.size
        loc = self.place(text, size, b, block_cell(b, anchor[1]))
        self.values.append(ValueText(id=f"value:{beat.id}:" + ";".join(_src(n, i) for n, i in sources),
                                     text=text, location=loc, size=float(size),
                                     frames=frames or self.window(beat, 0.25)))

    def place(self, text: str, size: float, b: Block, cell: tuple[int, int]) -> tuple[float, float, float]:
        """Where a value text about `cell` of block b goes: beside the block at the cell's height (right,
        then left), else under or over the block; the first spot whose text box keeps clear of every
        block (its cells and a tag's height around them) and of the texts placed before it."""
        lo, hi = b.bounds()
        w = text_width(text, size)
        gap = 1.0 * self.size
        z = float(np.clip(cell_point(b, *cell)[2] - 0.3 * size, lo[2] + 0.3 * size, hi[2] - 0.85 * size))
        y = float(lo[1] - 0.05)
        spots = [(hi[0] + gap + w / 2, z), (lo[0] - 2.5 * gap - w / 2, z),
                 ((lo[0] + hi[0]) / 2, lo[2] - 2.5 * gap - 0.85 * size),
                 ((lo[0] + hi[0]) / 2, hi[2] + 3.0 * gap + 0.3 * size)]
        pad = np.array([0.5 * self.size, 0.0, 1.2 * self.size])
        obstacles = [(bl - pad, bh + pad) for bl, bh in (o.bounds() for o in self.blocks.values())]
        obstacles += [value_text_box(v.text, v.size, v.location) for v in self.values]
        for x, zz in spots:
            tl, th = value_text_box(text, size, (x, y, zz))
            if not any(tl[0] < oh[0] and ol[0] < th[0] and tl[2] < oh[2] and ol[2] < th[2] for ol, oh in obstacles):
                return float(x), y, float(zz)
        return float(spots[0][0]), y, float(spots[0][1])

    def fly(self, beat: BeatPlan, src: tuple[str, tuple], dst_block: str, dst_cell: tuple[float, float]) -> None:
        a = _find(self.blocks, *src)
        d = self.blocks.get(dst_block)
        if a is None or d is None:
            return
        r, c = block_cell(a, src[1])
        v = float(self.trace[src[0]][tuple(src[1])])
        color = tuple(float(x) for x in self.theme.cell_colors(a.role, np.array([v]), a.scale)[0])
        f0, f1 = self.window(beat, 0.2, 0.6)
        self.flying.append(FlyingCell(id=f"fly:{beat.id}:{len(self.flying)}", value=v, color=color,
                                      start=cell_point(a, r, c), end=cell_point(d, *dst_cell),
                                      frames=(f0, f1), hold=float(round(0.3 * (beat.last_frame - f1)))))


def focus_moments(beats: list[BeatPlan], trace, blocks: dict[str, Block], theme: Theme, size: float,
                  n_in: int, fps: int) -> tuple[list[Highlight], list[FlyingCell], list[ValueText]]:
    m = _Moments(trace, blocks, theme, size, fps)
    cfg = trace.config
    C, A = cfg.n_embd, cfg.head_dim
    toks = list(trace.tokens)
    t = n_in - 1                                                        # the column that predicts
    for beat in beats:
        key = beat.id
        if key == "embedding.token":
            m.column(beat, "wte.weight", toks[0])
            m.column(beat, "embed.tok", 0)
            m.fly(beat, ("wte.weight", (toks[0], 0)), "embed.tok", (0, 0))
            m.value(beat, "{}", [("wte.weight", (toks[0], 0))], ("embed.tok", (0, 0)))
        elif key == "embedding.position":
            m.column(beat, "wpe.weight", 0)
            m.column(beat, "embed.pos", 0)
            m.fly(beat, ("wpe.weight", (0, 0)), "embed.pos", (0, 0))
        elif key == "embedding.sum":
            for bid in ("embed.tok", "embed.pos", "embed.out"):
                m.column(beat, bid, 0)
            m.value(beat, "{} + {} = {}", [("embed.tok", (0, 0)), ("embed.pos", (0, 0)), ("embed.out", (0, 0))],
                    ("embed.out", (0, 0)))
        elif key == "layer-norm.column":
            for bid in ("embed.out", "h0.ln_1.mean", "h0.ln_1.rstd", "h0.ln_1"):
                m.column(beat, bid, 0)
            m.value(beat, "mean {}   1/std {}", [("h0.ln_1.mean", (0,)), ("h0.ln_1.rstd", (0,))],
                    ("h0.ln_1.rstd", (0,)), frames=m.window(beat, 0.2, 0.55))
            m.value(beat, "({} − mean) × {} × γ {} + β {} = {}",
                    [("embed.out", (0, 0)), ("h0.ln_1.rstd", (0,)), ("h0.ln_1.weight", (0,)),
                     ("h0.ln_1.bias", (0,)), ("h0.ln_1", (0, 0))], ("h0.ln_1", (0, 0)),
                    frames=m.window(beat, 0.58, 0.98))
        elif key == "self-attention.qkv":
            W, B = "h0.attn.c_attn.weight", "h0.attn.c_attn.bias"
            m.highlight(beat, f"{W}.q[0]", (0, 1), (0, C))
            m.column(beat, "h0.ln_1", t)
            m.highlight(beat, "h0.attn.q[0]", (0, 1), (t, t + 1))
            m.fly(beat, ("h0.ln_1", (t, 0)), "h0.attn.q[0]", (0, t))          # input x weight, element 0
            m.fly(beat, (W, (0, 0)), "h0.attn.q[0]", (0, t))
            m.value(beat, "{} × {} + {} × {} + … + {} = {}",
                    [("h0.ln_1", (t, 0)), (W, (0, 0)), ("h0.ln_1", (t, 1)), (W, (1, 0)), (B, (0,)),
                     ("h0.attn.q", (0, t, 0))], ("h0.attn.q", (0, t, 0)))
        elif key == "self-attention.scores":
            m.column(beat, "h0.attn.q[0]", t)
            m.highlight(beat, "h0.attn.k[0]", (0, A), (0, t + 1))
            m.highlight(beat, "h0.attn.scores[0]", (0, t + 1), (t, t + 1))
            m.value(beat, "q·k / √A = {}", [("h0.attn.scores", (0, t, 0))], ("h0.attn.scores", (0, t, 0)))
        elif key == "self-attention.softmax":
            row = trace["h0.attn.probs"][0, t, : t + 1]
            s = int(np.argmax(row))
            m.highlight(beat, "h0.attn.probs[0]", (0, t + 1), (t, t + 1))
            m.value(beat, "max {}   Σ exp {}   p = {}",
                    [("h0.attn.max", (0, t)), ("h0.attn.expsum", (0, t)), ("h0.attn.probs", (0, t, s))],
                    ("h0.attn.probs", (0, t, s)))
        elif key == "self-attention.mix":
            m.column(beat, "h0.attn.y", t)
        elif key == "projection.residual":
            for bid in ("embed.out", "h0.attn.proj", "h0.attn.resid"):
                m.column(beat, bid, 0)
            m.value(beat, "{} + {} = {}", [("embed.out", (0, 0)), ("h0.attn.proj", (0, 0)),
                                            ("h0.attn.resid", (0, 0))], ("h0.attn.resid", (0, 0)))
        elif key == "mlp.gelu":
            gi = int(np.argmin(np.abs(trace["h0.mlp.fc"][0] + 1.0)))
            m.highlight(beat, "h0.mlp.fc", (gi, gi + 1), (0, 1))
            m.fly(beat, ("h0.mlp.fc", (0, gi)), "h0.mlp.gelu", (gi, 0))
            m.value(beat, "GELU({}) = {}", [("h0.mlp.fc", (0, gi)), ("h0.mlp.gelu", (0, gi))],
                    ("h0.mlp.gelu", (0, gi)))
        elif key == "softmax.probs":
            m.column(beat, "probs", t)
            V = min(cfg.vocab_size, 3)
            names = "   ".join(f"{chr(65 + v)} {{}}" if cfg.vocab_size == 3 else f"#{v} {{}}" for v in range(V))
            m.value(beat, names, [("probs", (t, v)) for v in range(V)], ("probs", (t, 0)))
        elif key == "output.pick":
            best = int(np.argmax(trace["probs"][t]))
            m.highlight(beat, "probs", (best, best + 1), (t, t + 1))
            emb = blocks.get("embed.tok")
            if t + 1 < len(toks) and emb is not None:
                # to where the fed-back token's letter appears, under the token-vector block
                below = emb.shape[0] - 0.5 + 2.1 * size / emb.pitch
                m.fly(beat, ("probs", (t, best)), "embed.tok", (below, t + 1))
            m.value(beat, "argmax p = {}", [("probs", (t, best))], ("probs", (t, best)))
        elif beat.fast:
            col = n_in + beat.pass_index - 2
            for bid in ("embed.out", "probs"):
                m.column(beat, bid, col)
        elif key == "output.answer":
            b = blocks.get("probs")
            if b is not None:
                m.highlight(beat, "probs", (0, b.shape[0]), (n_in - 1, b.shape[1]))
    return m.highlights, m.flying, m.values

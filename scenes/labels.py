"""Labels: the layout's name tags and section headings, token letters under the token blocks (shown from
the frame their column is computed) and the vocabulary beside the embedding table and the output."""
from __future__ import annotations

import numpy as np

from llmreel.model.config import GPTConfig
from llmreel.scenes.captions_text import quoted
from llmreel.scenes.inputs import text_of
from llmreel.scenes.layout import Layout
from llmreel.scenes.packer import PITCH
from llmreel.scenes.spec import Block, Label
from llmreel.scenes.storyboard import FRAME_START


def plan_labels(lay: Layout, blocks: dict[str, Block], trace, cfg: GPTConfig, n_in: int, frame_end: int,
                token_name=None) -> list[Label]:
    """The layout's labels and the tokens under the token blocks: letters, or with `token_name` (a text
    model's id -> text) each token's text."""
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
            if tensor == "probs" and j < n_in - 1:
                continue          # a guess no pass uses (the answer starts at the input's last column)
            col_t = b.t_on[:, j]
            when = float(np.nanmin(col_t)) if tensor == "probs" else (
                FRAME_START if j < n_in else float(np.nanmin(col_t)))
            if not np.isfinite(when):
                continue                                                   # never reached in this cut
            text = token_name(tok).strip() or quoted(token_name(tok)) if token_name else text_of(cfg, [tok])
            s = min(size * b.pitch / PITCH, 0.9 * lay.sizes.title) / max(1, len(text))   # letters of larger cells larger
            z = b.origin[2] - (R - 1) * b.row_pitch - 0.5 * b.pitch - 1.95 * lay.sizes.title
            labels.append(Label(id=f"token:{bid}:{j}", kind="value", text={"en": text, "ko": text},
                                location=(b.origin[0] + j * b.col_pitch, b.origin[1] - b.depth / 2 - 0.02, z),
                                size=float(s), align="center", color="accent" if tensor == "probs" else "text",
                                block=bid, visible=[] if when <= FRAME_START else [(when, float(frame_end))]))
    if cfg.vocab_size <= 16:                                                  # the vocabulary table
        wte = blocks.get("wte.weight")
        if wte is not None:
            z = wte.origin[2] - (wte.shape[0] - 1) * wte.pitch - 0.5 * wte.pitch - 1.95 * lay.sizes.title
            for v in range(cfg.vocab_size):
                text = text_of(cfg, [v])
                labels.append(Label(id=f"vocab:wte.weight:{v}", kind="value", text={"en": text, "ko": text},
                                    location=(wte.origin[0] + v * wte.pitch, wte.origin[1] - wte.depth / 2 - 0.02, z),
                                    size=float(size), align="center", color="accent", block="wte.weight"))
        for bid in ("logits", "probs"):
            b = blocks.get(bid)
            if b is None:
                continue
            x = b.origin[0] + (b.shape[1] - 0.5) * b.pitch + 0.25 * lay.sizes.title
            for v in range(cfg.vocab_size):
                text = text_of(cfg, [v])
                labels.append(Label(id=f"vocab:{bid}:{v}", kind="value", text={"en": text, "ko": text},
                                    location=(x, b.origin[1] - b.depth / 2 - 0.02, b.origin[2] - v * b.pitch - 0.35 * size),
                                    size=float(size), align="left", color="text_dim", block=bid))
    return labels


def in_front_of_paths(labels: list[Label], values, paths) -> None:
    """Move (in place) every text just in front of the flow paths' tubes, so that a path passing a label
    runs behind its letters instead of through them."""
    if not paths:
        return
    front = min(float(np.min(np.asarray(p.points)[:, 1])) - p.width / 2 for p in paths) - 0.05
    for t in [*labels, *values]:
        x, y, z = t.location
        if y > front:
            t.location = (x, front, z)

"""The scale chapter: nano-gpt, GPT-2 small, GPT-2 XL and GPT-3 side by side at true relative size.

Structure only: every weight matrix is one shaded slab of rows x columns squares at one pitch for all four
models, so the area a model covers on screen is its parameter count (biases and layer-norm scales, under
0.1% of any of them, are left out; a tied output head is the token table itself). A model is laid out in
its own units (one unit = its width C in cells): a row of token and position tables (a table longer than
the model is wide is folded into pages), then its layers in a grid (each layer: query, key, value and
projection squares over the MLP's expand and project slabs), as many columns as bring the model nearest
the frame's shape. The models stand on one floor line, smallest on the left, each `scale`d so that one
unit is C cells of one shared pitch, and named by a label under each with its parameter count (computed
by model/config.py: n_params). The camera starts on nano-gpt and pulls back, keyed per frame at a
constant speed in log-distance about a fixed point, until GPT-3 fills the frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from llmreel.core.errors import InputError
from llmreel.model.config import PRESETS, TIED_HEAD, GPTConfig, n_params
from llmreel.scenes.camera import frame_box, safe_area
from llmreel.scenes.geometry import label_bounds, union
from llmreel.scenes.shots import shot_safe_area
from llmreel.scenes.spec import Beat, CameraKey, Label, Solid, Theme
from llmreel.scenes.storyboard import SCALE, BeatPlan

# (solid id suffix, preset, name)
MODELS = (("nano", "nano-sort", "nano-gpt"), ("gpt2", "gpt2", "GPT-2 small"), ("gpt2-xl", "gpt2-xl", "GPT-2 XL"),
          ("gpt3", "gpt3", "GPT-3"))
GAP = 0.08                      # between a layer's slabs, in units of C
LAYER_GAP = 0.5                 # between layers and between the table row and the layers
THICK = 0.12                    # slab thickness
MODEL_GAP = 0.8                 # between two models, times the width of the smaller (left) one
NAME = 0.095                    # a model's name size, times its larger side (at most LONG times the other)
LONG = 1.3
COUNT = 0.8                     # its parameter count's size, times the name's
LENS = 50.0
DIRECTION = (0.10, -1.0, 0.07)  # from the models towards the camera: a little right and above
MOVE = 0.45                     # share of a pull-back beat the camera travels; it holds on the model after
SHADES = {"attention": 1.0, "mlp": 0.72, "table": 0.5}   # each kind's colour: the weight colour's share


def solid_id(key: str) -> str:
    return f"{SCALE}:{key}"


def count_en(n: int) -> str:
    """85,728; 124M; 1.56B; 175B: exact under a million, else three significant digits."""
    if n < 1_000_000:
        return f"{n:,}"
    for unit, suffix in ((10 ** 12, "T"), (10 ** 9, "B"), (10 ** 6, "M")):
        if n >= unit:
            v = n / unit
            return f"{v:.{max(0, 3 - len(str(int(v))))}f}{suffix}"
    raise AssertionError(n)


def count_ko(n: int) -> str:
    """8만 5,728; 1억 2,400만; 15억 6,000만; 1,750억: Korean units of 만 and 억 (three significant digits
    from a million up)."""
    if n >= 1_000_000:
        n = round(n, 3 - len(str(n)))
    parts = [f"{n // 10 ** 8:,}억" if n >= 10 ** 8 else "", f"{n // 10 ** 4 % 10 ** 4:,}만" if n // 10 ** 4 % 10 ** 4 else "",
             f"{n % 10 ** 4:,}" if n % 10 ** 4 else ""]
    return " ".join(p for p in parts if p) or "0"


def counted_ko(n: int) -> str:
    """The count with its counter 개: spaced after a unit word (1억 2,400만 개), not after digits (85,728개)."""
    text = count_ko(n)
    return text + (" 개" if text[-1] in "만억" else "개")


def model_params(preset: str) -> int:
    return n_params(PRESETS[preset], tied=preset in TIED_HEAD)


def fields() -> dict[str, str]:
    """Caption fields of the scale beats: per model {<key>_params} (en) and {<key>_params_ko}, layers
    {<key>_layers} and width {<key>_width}; {ratio} / {ratio_ko}: GPT-3's parameters over nano-gpt's."""
    out: dict[str, str] = {}
    for key, preset, _ in MODELS:
        k = key.replace("-", "_")
        n, cfg = model_params(preset), PRESETS[preset]
        out[f"{k}_params"], out[f"{k}_params_ko"] = count_en(n), counted_ko(n)
        out[f"{k}_layers"], out[f"{k}_width"] = str(cfg.n_layer), f"{cfg.n_embd:,}"
    ratio = model_params("gpt3") / model_params("nano-sort")
    out["ratio"] = f"{ratio / 1e6:.3g} million" if ratio >= 1e6 else f"{ratio:,.0f}"
    out["ratio_ko"] = count_ko(int(round(ratio))) + (" 배" if count_ko(int(round(ratio)))[-1] in "만억" else "배")
    return out


# ---- one model in its own units -----------------------------------------------------------------------

def _layer(x: float, top: float) -> list[tuple[str, float, float, float, float]]:
    """A layer's slabs (kind, x0, z0, x1, z1), its tile's top-left at (x, top): Q K V and the projection
    (C x C each), then the MLP's expand (C x 4C) and project (4C x C, drawn on its side)."""
    out = [("attention", x + i * (1 + GAP), top - 1, x + i * (1 + GAP) + 1, top) for i in range(4)]
    mid = x + 1.5 * GAP
    for row in (1, 2):
        z1 = top - row * (1 + GAP)
        out.append(("mlp", mid, z1 - 1, mid + 4, z1))
    return out


TILE_W, TILE_H = 4 + 3 * GAP, 3 + 2 * GAP


def _tables(cfg: GPTConfig, width: float, top: float) -> tuple[list, float]:
    """The token table (C x V, folded into pages no wider than the model) and the position table beside it:
    (slabs, their bottom)."""
    C = cfg.n_embd
    wte, wpe = cfg.vocab_size / C, cfg.block_size / C
    room = max(width - GAP - wpe, 0.25 * width)
    pages = max(1, math.ceil(wte / room - 1e-9))
    page = wte / pages
    out = [("table", 0.0, top - 1 - i * (1 + GAP), page, top - i * (1 + GAP)) for i in range(pages)]
    out.append(("table", page + GAP, top - 1, page + GAP + wpe, top))
    return out, top - pages - (pages - 1) * GAP


def model_slabs(cfg: GPTConfig, tied: bool, cols: int) -> list[tuple[str, float, float, float, float]]:
    """Every slab of a model with `cols` layers a row, its bottom-left corner at (0, 0)."""
    grid_w = cols * TILE_W + (cols - 1) * LAYER_GAP
    out, bottom = _tables(cfg, grid_w, 0.0)
    top = bottom - LAYER_GAP
    for i in range(cfg.n_layer):
        r, c = divmod(i, cols)
        out += _layer(c * (TILE_W + LAYER_GAP), top - r * (TILE_H + LAYER_GAP))
    rows = -(-cfg.n_layer // cols)
    bottom = top - rows * TILE_H - (rows - 1) * LAYER_GAP
    if not tied:                                        # the sort model's own output head (C x V)
        out.append(("table", 0.0, bottom - LAYER_GAP - 1, cfg.vocab_size / cfg.n_embd, bottom - LAYER_GAP))
        bottom -= LAYER_GAP + 1
    return [(k, x0, z0 - bottom, x1, z1 - bottom) for k, x0, z0, x1, z1 in out]


def _extent(slabs) -> tuple[float, float]:
    a = np.array([s[1:] for s in slabs])
    return float(a[:, 2].max() - a[:, 0].min()), float(a[:, 3].max() - a[:, 1].min())


def fit_slabs(cfg: GPTConfig, tied: bool, shape: float) -> list:
    """The model's slabs with the number of layers a row that brings its width / height nearest `shape`."""
    best = min((model_slabs(cfg, tied, c) for c in range(1, cfg.n_layer + 1)),
               key=lambda s: abs(math.log(_extent(s)[0] / _extent(s)[1] / shape)))
    return best


def frame_shape(aspect) -> float:
    """Width / height of the safe area above a two-line caption band: the shape a model should fill."""
    x0, x1, y0, y1 = safe_area(aspect, 2)
    return aspect[0] / aspect[1] * (x1 - x0) / (y1 - y0)


# ---- the exhibit ----------------------------------------------------------------------------------------

@dataclass
class Exhibit:
    solids: list[Solid]
    labels: list[Label]
    beats: list[Beat]
    camera: list[CameraKey]


def plan_solids(theme: Theme, aspect, origin=(0.0, 0.0, 0.0), nano_width: float = 1.0) -> tuple[list[Solid], list[Label]]:
    """The four models side by side on a floor at `origin` (nano-gpt's bottom-left corner), nano-gpt
    `nano_width` world units wide, and a name and parameter count under each."""
    base = theme.cell_colors("weight", np.array(1.0), 1.0)
    solids, labels = [], []
    x, per_cell = float(origin[0]), None
    for key, preset, name in MODELS:
        cfg, tied = PRESETS[preset], preset in TIED_HEAD
        slabs = fit_slabs(cfg, tied, frame_shape(aspect))
        w, h = _extent(slabs)
        per_cell = per_cell or nano_width / (w * cfg.n_embd)         # world units per cell, one for all
        scale = per_cell * cfg.n_embd
        boxes = np.array([(x0, -THICK / 2, z0, x1, THICK / 2, z1) for _, x0, z0, x1, z1 in slabs], np.float32)
        colors = np.array([base * SHADES[k] + np.asarray(theme.background) * (1 - SHADES[k]) for k, *_ in slabs], np.float32)
        sid = solid_id(key)
        solids.append(Solid(id=sid, title={"en": name, "ko": name}, origin=(x, float(origin[1]), float(origin[2])),
                            scale=float(scale), boxes=boxes, colors=colors))
        size = NAME * min(max(w, h), LONG * min(w, h)) * scale
        y = float(origin[1]) - THICK / 2 * scale - 0.01 * size
        n = model_params(preset)
        labels.append(Label(id=f"{sid}:title", kind="title", text={"en": name, "ko": name},
                            location=(x, y, float(origin[2]) - 1.25 * size), size=float(size), block=sid))
        labels.append(Label(id=f"{sid}:count", kind="formal", color="text_dim", block=sid,
                            text={"en": f"{count_en(n)} parameters", "ko": f"파라미터 {counted_ko(n)}"},
                            location=(x, y, float(origin[2]) - 2.45 * size), size=float(COUNT * size)))
        x += w * scale * (1 + MODEL_GAP)
    return solids, labels


def subject(solids: list[Solid], labels: list[Label], upto: int) -> tuple[np.ndarray, np.ndarray]:
    """World box of the first `upto` + 1 models and their labels."""
    ids = {s.id for s in solids[:upto + 1]}
    return union([s.bounds() for s in solids[:upto + 1]] + [label_bounds(l) for l in labels if l.block in ids])


def pull_back(a: CameraKey, b: CameraKey, first: int, last: int) -> list[CameraKey]:
    """Keys every frame from `a` (at `first`) to `b` (at `last`): the distance eased in log space and the
    target moving in step with it, so the camera runs straight out along one line (every point where that
    line meets the floor's plane stays put on screen) at a speed a viewer reads as constant."""
    la, ta, lb, tb = (np.asarray(v, np.float64) for v in (a.location, a.target, b.location, b.target))
    da, db = float(np.linalg.norm(la - ta)), float(np.linalg.norm(lb - tb))
    d_hat = (la - ta) / da
    keys = []
    for f in range(first, last + 1):
        s = (f - first) / max(1, last - first)
        e = s * s * (3 - 2 * s)                                          # smoothstep: eases in and out
        d = da * (db / da) ** e
        t = ta + (tb - ta) * ((d - da) / (db - da) if db != da else e)
        keys.append(CameraKey(float(f), tuple(float(v) for v in t + d_hat * d), tuple(float(v) for v in t), LENS,
                              interpolation="LINEAR"))
    return keys


def place(theme: Theme, aspect, wall: list) -> tuple[tuple[float, float, float], float]:
    """(origin, nano-gpt's width) of the exhibit: at the world's origin, or with a wall of blocks (their
    world boxes `wall`) centred over it so high that no shot of the wall sees it nor its own shots the
    wall, nano-gpt a thousandth of that height wide at least (float32 keeps it sharp there)."""
    if not wall:
        return (0.0, 0.0, 0.0), 1.0
    lo = np.min([b[0] for b in wall], axis=0)
    hi = np.max([b[1] for b in wall], axis=0)
    height = float(hi[2] - lo[2])
    nano = max(1.0, height / 1000.0)
    solids, _ = plan_solids(theme, aspect, (0.0, 0.0, 0.0), nano)
    a, z = np.min([s.bounds()[0] for s in solids], 0), np.max([s.bounds()[1] for s in solids], 0)
    size = float(np.max(z - a))
    return (float((lo[0] + hi[0]) / 2 - (z[0] - a[0]) / 2), 0.0, float(hi[2] + max(height, size))), nano


def plan_exhibit(beats: list[BeatPlan], theme: Theme, aspect, wall: list = ()) -> Exhibit:
    """The scale chapter's solids, labels, spec beats and camera keys (nothing without scale beats), placed
    apart from the wall of blocks `wall` (their world boxes). Beat i frames models 0..i (model i filling
    the frame); the first holds on nano-gpt, each later one pulls back from the last framing."""
    if not beats:
        return Exhibit([], [], [], [])
    solids, labels = plan_solids(theme, aspect, *place(theme, aspect, list(wall)))
    by_key = {solid_id(key): i for i, (key, _, _) in enumerate(MODELS)}
    out_beats, keys = [], []
    prev = None
    for b in beats:
        if len(b.focus) != 1 or b.focus[0] not in by_key:
            raise InputError(f"beat {b.id} focus = {b.focus!r}; accepted: one of the models to scale, "
                             f"{', '.join(by_key)}")
        i = by_key[b.focus[0]]
        beat = Beat(id=b.id, first_frame=b.first_frame, last_frame=b.last_frame, caption=dict(b.caption),
                    focus=[solids[i].id], shot=b.shot.kind_for(1, False), shows=[solids[i].id])
        lo, hi = subject(solids, labels, i)
        loc, tgt = frame_box(lo, hi, aspect, lens=LENS, direction=DIRECTION, safe=shot_safe_area(beat, aspect))
        here = CameraKey(float(b.first_frame), loc, tgt, LENS)
        if prev is None:
            beat.arrive = b.first_frame
            keys += [here, CameraKey(float(b.last_frame), loc, tgt, LENS)]
        else:
            beat.arrive = b.first_frame + max(1, round(MOVE * (b.last_frame - b.first_frame)))
            keys += pull_back(CameraKey(0.0, prev.location, prev.target, LENS), here, b.first_frame, beat.arrive)
            keys.append(CameraKey(float(b.last_frame), loc, tgt, LENS))
        prev = here
        out_beats.append(beat)
    return Exhibit(solids, labels, out_beats, keys)

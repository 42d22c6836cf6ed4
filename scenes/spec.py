"""SceneSpec: the plain-data description of the whole explainer that Blender realises.

`scenes/` computes it (layout + storyboard) from a story file, an input and a model; `blender_addon/`
turns it into geometry; render workers load it from disk and rebuild the same scene without recomputing.

Conventions (world units, Blender axes: Z up):
- The layout is a vertical wall in the XZ plane, facing -Y; the camera looks from -Y towards +Y.
  Data flows from the top (high Z) downwards.
- A block is a 2D grid of cells. Cell (r, c) has its centre at
  x = origin[0] + c * col_pitch, y = origin[1], z = origin[2] - r * row_pitch (both `pitch`, except along
  a vocabulary axis drawn shorter: `row_step`, `col_step`); it is a box of `cell` x `cell` (in X and Z)
  and `depth` (in Y).
- Times are frames at `meta.fps`, 1-based and inclusive. `t_on` is the (possibly fractional) frame at
  which a cell lights; `np.inf` means never in this story. Intervals are (first_frame, last_frame).
- Colours are linear RGB floats in 0..1 (what Blender's colour attributes and shaders take).
- Text is a dict language -> string with at least "en" and "ko".
- Everything the add-on draws is here, decided by scenes/: `hud` places captions and title cards on the
  camera's HUD plane (scenes/hud.py), `look` is how a cell looks over time (scenes/look.cell_look), each
  CameraKey says how it is keyed.

Save/load: one `.npz` (readable with allow_pickle=False) holding a JSON document under `__spec__` and
every numpy array under its own key. `SceneSpec.load(p)` returns an object equal to the one saved.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from llmreel.core.errors import InputError
from llmreel.core.files import atomic_output
from llmreel.scenes.spec_codec import decode, encode, equal

SPEC_VERSION = 9                     # 2: hud, look, CameraKey interpolation; 3: text outlines, path colours;
                                     # 4: Beat.shot, Beat.shows; 5: solids, Beat.arrive, Hud.scale;
                                     # 6: Highlight.leader; 7: Label.rotation; 8: Label.slide;
                                     # 9: ValueText.text per language

Vec3 = tuple[float, float, float]
RGB = tuple[float, float, float]
Interval = tuple[float, float]


@dataclass
class Theme:
    name: str
    background: RGB                 # world / film colour
    dim: RGB                        # a cell before it is computed
    flash: RGB                      # the colour a cell flashes at the moment it is computed
    text: RGB
    text_dim: RGB
    accent: RGB                     # highlight frames, focus
    flow: RGB                       # flow paths between operations
    flow_residual: RGB              # the residual stream's flow path
    outline: RGB                    # around texts drawn without a band (HudText.outline)
    # Value -> shade per role: colour = zero + |s| * (pos - zero) for s = clamp(v / scale, -1, 1) >= 0,
    # neg instead of pos for s < 0. Keys: weight, activation, aggregate, residual.
    zero: dict[str, RGB] = field(default_factory=dict)
    pos: dict[str, RGB] = field(default_factory=dict)
    neg: dict[str, RGB] = field(default_factory=dict)
    flash_seconds: float = 0.5      # flash -> settled colour fade

    def cell_colors(self, role: str, values: np.ndarray, scale: float) -> np.ndarray:
        """Settled colour of each cell, float32 [..., 3]: the symmetric value -> shade map above."""
        s = np.clip(np.asarray(values, dtype=np.float32) / np.float32(scale if scale > 0 else 1.0), -1.0, 1.0)
        zero, pos, neg = (np.asarray(d[role], dtype=np.float32) for d in (self.zero, self.pos, self.neg))
        target = np.where((s >= 0)[..., None], pos, neg)                  # [..., 3]
        return (zero + np.abs(s)[..., None] * (target - zero)).astype(np.float32)


class Pitches:
    """A grid's distance between row centres and between column centres: `pitch`, unless `row_step` or
    `col_step` (a vocabulary axis drawn shorter) says otherwise. Mixed into Block and layout's Slot."""
    pitch: float
    row_step: float
    col_step: float

    @property
    def row_pitch(self) -> float:
        return self.row_step or self.pitch

    @property
    def col_pitch(self) -> float:
        return self.col_step or self.pitch


@dataclass
class Block(Pitches):
    id: str                          # unique, e.g. "h0.attn.q[1]" for head 1 of h0.attn.q
    tensor: str                      # trace tensor name (docs/ARCHITECTURE.md: the contracts)
    index_prefix: tuple[int, ...]    # leading tensor indices selecting this 2D slice (e.g. (head,))
    transpose: bool                  # True: block rows run over the tensor's last axis
    role: str                        # weight | activation | aggregate | residual
    title: dict[str, str]            # friendly name per language, e.g. {"en": "Query", "ko": "쿼리"}
    formal: str                      # formal name, e.g. "h0.attn.q[1]"
    row_axis: str                    # axis name shown along rows, e.g. "C"
    col_axis: str                    # axis name shown along columns, e.g. "T"
    origin: Vec3                     # centre of cell (0, 0)
    pitch: float                     # distance between neighbouring cell centres
    cell: float                      # cell edge (pitch - gap)
    depth: float                     # cell thickness along Y
    scale: float                     # value that maps to full colour (symmetric)
    values: np.ndarray               # float32 [R, K]: the tensor's values as shown
    t_on: np.ndarray                 # float32 [R, K]: frame each cell lights (inf = never)
    chapter: str = ""                # slug of the chapter that computes it ("" for weights)
    preview: list[Interval] = field(default_factory=list)   # whole-block lit intervals (overview)
    visible: list[Interval] = field(default_factory=list)   # shown intervals; empty = always
    axis_range: tuple[int, int] = (0, 0)   # [start, stop) of the tensor's LAST axis shown; (0, 0) = all
                                           # (e.g. one head's query columns of h0.attn.c_attn.weight)
    row_step: float = 0.0            # distance between row centres where not `pitch` (a 50,257-token
    col_step: float = 0.0            # vocabulary drawn shorter: an image, its cells finer than a pixel)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.values.shape)  # type: ignore[return-value]

    @property
    def cell_x(self) -> float:
        """A cell's width: `cell` of `pitch`, as much of its column step (a text model's positions drawn
        wider apart have wider cells, a vocabulary drawn shorter finer ones)."""
        return self.cell * self.col_pitch / self.pitch

    @property
    def cell_z(self) -> float:
        """A cell's height: `cell` of `pitch`, as much of its row step."""
        return self.cell * self.row_pitch / self.pitch

    @functools.cached_property
    def reveal_frames(self) -> np.ndarray:
        """The distinct finite frames at which its cells light, sorted (a weight block's one value is read
        without scanning its broadcast cells: GPT-2's tables hold tens of millions)."""
        t = self.t_on
        if t.size and not any(t.strides):
            t = t.flat[:1]
        t = np.unique(t)
        return t[np.isfinite(t)]

    def lights_between(self, first: float, last: float) -> np.ndarray:
        """Its reveal frames within [first, last], sorted."""
        t = self.reveal_frames
        return t[np.searchsorted(t, first, "left"):np.searchsorted(t, last, "right")]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned (min, max) corners of the block's cells in world space."""
        r, k = self.shape
        o = np.asarray(self.origin, dtype=np.float64)
        hx, hz = self.cell_x / 2, self.cell_z / 2
        lo = np.array([o[0] - hx, o[1] - self.depth / 2, o[2] - (r - 1) * self.row_pitch - hz])
        hi = np.array([o[0] + (k - 1) * self.col_pitch + hx, o[1] + self.depth / 2, o[2] + hz])
        return lo, hi


@dataclass
class Solid:
    """A model drawn to scale without values (scenes/scale.py): one shaded slab per weight matrix, in the
    model's own units (one unit = its width C in cells), placed at `origin` and scaled by `scale` world
    units per unit, so coordinates stay small whatever the model's size."""
    id: str                          # e.g. "scale:gpt3"
    title: dict[str, str]            # e.g. {"en": "GPT-3", "ko": "GPT-3"}
    origin: Vec3                     # world point of the local origin (the model's bottom-left corner)
    scale: float                     # world units per local unit
    boxes: np.ndarray                # float32 [N, 6]: local (x0, y0, z0, x1, y1, z1) of each slab
    colors: np.ndarray               # float32 [N, 3]: each slab's colour (linear RGB)
    visible: list[Interval] = field(default_factory=list)   # shown intervals; empty = always

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned (min, max) corners of all its slabs in world space."""
        o, b = np.asarray(self.origin, dtype=np.float64), np.asarray(self.boxes, dtype=np.float64)
        return o + self.scale * b[:, :3].min(0), o + self.scale * b[:, 3:].max(0)


@dataclass
class Label:
    id: str
    kind: str                        # title | formal | dim | section | value
    text: dict[str, str]
    location: Vec3                   # anchor point (baseline, by `align`)
    size: float                      # text size in world units
    align: str = "left"              # left | center | right
    color: str = "text"              # theme colour name: text | text_dim | accent
    block: str = ""                  # block id it annotates, if any
    visible: list[Interval] = field(default_factory=list)
    rotation: float = 0.0            # degrees counter-clockwise in the wall, as the viewer sees it, about
                                     # `location` (90: a row tag written up a block's left edge)
    # keys (frame, dx, dz, scale): the label moved by (dx, 0, dz) from `location` and scaled about it,
    # linear between keys and held past the ends (sticky titles riding along a pan: scenes/sticky.py);
    # empty: it stays where it is
    slide: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass
class FlowPath:
    id: str
    role: str                        # residual | op
    points: list[Vec3]
    width: float
    grow: Interval                   # frames over which the path draws itself from start to end


@dataclass
class Highlight:
    id: str
    block: str                       # block id
    rows: tuple[int, int]            # [first, last) rows framed
    cols: tuple[int, int]            # [first, last) cols framed
    frames: Interval
    leader: list[Vec3] = field(default_factory=list)   # a line from the frame to what it explains (its number)


@dataclass
class FlyingCell:
    id: str
    value: float
    color: RGB
    start: Vec3
    end: Vec3
    frames: Interval                 # appears at first, arrives at last (eased)
    hold: float = 0.0                # frames it stays at `end` before vanishing


@dataclass
class ValueText:
    id: str
    # language -> the text (at least "en" and "ko"): real values from the trace, e.g. "0.41 × −1.20", with
    # any words in that language ("mean 0.0035" / "평균 0.0035"); placed where every language's text fits
    text: dict[str, str]
    location: Vec3                   # centre of its last line's baseline
    size: float
    frames: Interval
    block: str = ""                  # the block whose cell it reports: a shot frames the two together


@dataclass
class CameraKey:
    frame: float
    location: Vec3
    target: Vec3
    lens: float                      # focal length in mm (sensor width 36 mm)
    # How the add-on keys location, target and lens at this key (f-curve keyframe interpolation and
    # handle type): Bezier with auto-clamped handles eases in and out of every key without overshoot.
    interpolation: str = "BEZIER"
    handles: str = "AUTO_CLAMPED"


@dataclass
class CellLook:
    """How a cell looks over time (the rule: llmreel.scenes.look.cell_look). Per cell, at frame f:
    age = f + preview * preview_offset - clamp(t_on, +-t_on_limit); lit = age > lit_after;
    fade = clamp(age / flash_frames, 0, 1); colour = dim if not lit else mix(flash, settled, fade);
    glow = clamp(lit - fade, 0, 1); emission strength = 1 + glow_gain * glow."""
    dim: RGB                         # a cell before it is computed
    flash: RGB                       # its colour at the moment it is computed
    flash_frames: float              # frames the flash takes to fade into the settled colour (> 0)
    lit_after: float = -1e-4         # a cell is lit once frame - t_on exceeds this
    preview_offset: float = 1e12     # added to the frame during a block preview: every cell long settled
    t_on_limit: float = 1e9          # t_on is stored clamped to +-this (never / always), so previews win
    glow_gain: float = 3.0           # emission above 1 at the flash (the compositor blooms only that)


@dataclass
class HudText:
    """A text on the HUD plane (x right, y up, the frame's centre at 0; world units of that plane)."""
    location: Vec3
    size: float
    align: str = "center"            # left | center | right
    align_y: str = "BOTTOM_BASELINE" # Blender text align_y: BOTTOM_BASELINE | BOTTOM | ...
    wrap: float = 0.0                # wrap width; 0 = no wrapping
    color: str = "text"              # theme colour name
    outline: str = ""                # theme colour name of an outline around the glyphs; "" = none
    outline_width: float = 0.0       # how far the outline reaches beyond the glyphs (units of the plane)
    outline_depth: float = 0.0       # how far behind the text the outline sits


@dataclass
class HudBand:
    """An opaque rectangle on the HUD plane behind a text."""
    location: Vec3                   # centre
    size: tuple[float, float]        # (width, height)
    color: str = "background"        # theme colour name; "" = no band (transparent stills)


@dataclass
class CaptionHud:
    lines: int                       # estimated wrapped line count of the caption in this language
    text: HudText
    band: HudBand


@dataclass
class CardHud:
    band: HudBand
    title: HudText
    subtitle: HudText


@dataclass
class Hud:
    """Captions and title cards, drawn on a plane parented to the camera (llmreel.scenes.hud)."""
    width: float                     # units the frame's long side spans in the HUD plane
    frame: tuple[float, float]       # (width, height) of the frame in the HUD plane
    depth: list[tuple[float, float]] # (frame, z) keys of the plane in camera space (z = -lens / 36 * width),
                                     # keyed like the camera (CameraKey.interpolation / handles)
    clip_start: float                # camera clip start: in front of the plane, far out for depth precision
    captions: list[dict[str, CaptionHud]]   # per SceneSpec.captions[i], per language
    cards: list[CardHud]             # per SceneSpec.title_cards[i] (the same in every language)
    # (frame, m) keys: the plane's depth (in `depth`), its scale and the clip range multiplied by m, so a
    # camera pulling back a thousandfold keeps its clip range's ratio; empty: m = 1 throughout
    scale: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Caption:
    first_frame: int
    last_frame: int
    text: dict[str, str]


@dataclass
class Beat:
    id: str
    first_frame: int
    last_frame: int
    caption: dict[str, str]
    focus: list[str] = field(default_factory=list)   # block ids the shot frames (its subject)
    shot: str = "medium"             # establishing | medium | close-up | insert (scenes/storyboard.py: Shot)
    shows: list[str] = field(default_factory=list)   # block ids the caption talks about (lit by its midpoint)
    arrive: int = 0                  # the frame the camera arrives at its shot (0: its first key in the beat)


@dataclass
class Chapter:
    slug: str                        # as `--chapter` takes it, e.g. "self-attention"
    title: dict[str, str]
    first_frame: int
    last_frame: int
    beats: list[Beat] = field(default_factory=list)
    tensors: list[str] = field(default_factory=list)  # tensors this chapter reveals


@dataclass
class TitleCard:
    chapter: str
    text: dict[str, str]
    subtitle: dict[str, str]
    frames: Interval


@dataclass
class Meta:
    story: str                       # story name
    input: str                       # e.g. "CBABBC"
    output: str                      # e.g. "ABBBCC"
    fps: int
    frame_start: int
    frame_end: int
    aspect: tuple[int, int]          # (16, 9)
    language: str                    # default caption language
    theme: str
    weights: str                     # weights file name
    weights_sha256: str
    config: dict[str, Any]           # GPTConfig as a dict


@dataclass
class SceneSpec:
    meta: Meta
    theme: Theme
    blocks: list[Block]
    labels: list[Label]
    paths: list[FlowPath]
    highlights: list[Highlight]
    flying: list[FlyingCell]
    value_texts: list[ValueText]
    camera: list[CameraKey]
    chapters: list[Chapter]
    captions: list[Caption]
    title_cards: list[TitleCard]
    hud: Hud
    look: CellLook
    solids: list[Solid] = field(default_factory=list)
    version: int = SPEC_VERSION

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    @property
    def beats(self) -> list[Beat]:
        return [b for c in self.chapters for b in c.beats]

    def camera_keys(self, beat: Beat) -> list[CameraKey]:
        """The camera keys of a beat (two; more for a pan that follows what lights or holds on its numbers), in time order."""
        return [k for k in self.camera if beat.first_frame <= k.frame <= beat.last_frame]

    def chapter(self, slug: str) -> Chapter:
        for c in self.chapters:
            if c.slug == slug:
                return c
        raise KeyError(slug)

    # ---- serialisation -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write atomically to `path` (.npz)."""
        arrays: dict[str, np.ndarray] = {}
        doc = encode(self, arrays, "")
        arrays["__spec__"] = np.array(json.dumps(doc, ensure_ascii=False))
        with atomic_output(path) as tmp, open(tmp, "wb") as f:      # a file object: no .npz appended
            np.savez_compressed(f, **arrays)

    def digest(self) -> str:
        """sha256 of the spec's content: its JSON document and every array's dtype, shape and bytes
        (not the .npz file bytes, which carry zip timestamps)."""
        arrays: dict[str, np.ndarray] = {}
        doc = encode(self, arrays, "")
        h = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode())
        for name in sorted(arrays):
            a = np.ascontiguousarray(arrays[name])
            h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SceneSpec":
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            doc = json.loads(str(arrays.pop("__spec__")))
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise InputError(f"{path}: not a llmreel scene spec (.npz with __spec__): {exc}") from None
        version = doc.get("version") if isinstance(doc, dict) else None
        if version != SPEC_VERSION:
            raise InputError(f"{path}: scene spec version {version!r}, this llmreel reads {SPEC_VERSION}")
        try:
            return decode(cls, doc, arrays)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            raise InputError(f"{path}: a damaged llmreel scene spec ({type(exc).__name__}: {exc}); "
                             "accepted: a file written by `llmreel plan --out`") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SceneSpec) and equal(self, other)

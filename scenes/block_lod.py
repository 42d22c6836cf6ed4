"""The one level-of-detail rule for tensor blocks, bpy-free: a block of more than IMAGE_CELLS cells (GPT-2's
embedding, its weight matrices and per-head q/k/v slices, the logits) is drawn as ONE pre-coloured image,
a pixel per cell (an 8-bit palette PNG: a byte a cell, the value over the block's colour scale in 255 steps,
each step's colour that of Theme.cell_colors, in sRGB), over a
stand-in grid of at most STANDIN_CELLS tiles. Each tile pools a rectangle of cells: its colour is their
mean colour (what the image looks like from afar), its reveal the first of theirs. Workbench (which
ignores shaders) draws the tiles' colours and their reveal; EEVEE and Cycles draw the image's pixels
with the tiles' reveal. Pooling runs along rows first, so the token columns of an activation keep their
own reveal as long as the budget allows (a reveal per column and group of rows).

At scale (a plan of more than MERGE_BLOCKS blocks: GPT-2's per-head slices) the cell blocks of one tensor
that share their look's timing (previews, shown intervals) and cell size become ONE object (`merge_groups`):
Blender pays for every animated object on each frame change (~0.1-0.2 ms each), so GPT-2 small's 1,148
time-driven cell blocks cost ~0.3 s a frame as objects and a few dozen objects' worth merged; the image
blocks that keep one look all story long (the weights) share an object per layer (`merge_images`).

    pool_factors(rows, cols, budget) -> (fr, fc);   pooled_image(block, theme, budget) -> PooledImage
    merge_groups(blocks, image_cells, limit) -> [[block index, ...], ...]
    merge_images(blocks, image_cells, limit, meta, look) -> [[block index, ...], ...]
"""
from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from llmreel.scenes.look import settled_throughout

IMAGE_CELLS = 16_384         # a block of more cells is an image (nano-gpt's largest block has 9,216)
STANDIN_CELLS = 1_024        # at most this many stand-in tiles per image block
MERGE_BLOCKS = 500           # above this many blocks, sibling cell blocks merge (nano-gpt's plan has 201)
_CHUNK = 1 << 21             # cells coloured at a time (bounds the working memory, ~50 MB)


def pool_factors(rows: int, cols: int, budget: int = STANDIN_CELLS) -> tuple[int, int]:
    """(fr, fc): rows pooled fr at a time and columns fc at a time, so that ceil(rows/fr)*ceil(cols/fc)
    <= budget; whichever axis has more pooled cells doubles its factor first (ties: rows)."""
    fr = fc = 1
    while math.ceil(rows / fr) * math.ceil(cols / fc) > budget:
        if math.ceil(rows / fr) >= math.ceil(cols / fc):
            fr = min(fr * 2, rows)
        else:
            fc = min(fc * 2, cols)
    return fr, fc


def linear_to_srgb8(rgb: np.ndarray) -> np.ndarray:
    """Linear RGB (0..1) -> 8-bit sRGB, rounded (the IEC 61966-2-1 curve, as Blender's byte images read)."""
    c = np.clip(np.asarray(rgb, np.float32), 0.0, 1.0)
    s = np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.round(s * 255).astype(np.uint8)


def srgb8_to_linear(s: np.ndarray) -> np.ndarray:
    c = np.asarray(s, np.float32) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


LEVELS = 127                 # palette entries per sign: value v -> index round((v/scale) * 127) + 127


@dataclass
class PooledImage:
    png: bytes                  # the image: 8-bit palette PNG, width cols, height rows, its top row block row 0
    rows: int
    cols: int
    fr: int                     # rows per tile
    fc: int                     # columns per tile
    palette: np.ndarray         # float32 [2*LEVELS+1, 3]: each index's colour (linear), Theme.cell_colors
    settled: np.ndarray         # float32 [r, k, 3]: each tile's mean pixel colour (linear)
    values: np.ndarray          # float32 [r, k]: each tile's mean value
    t_on: np.ndarray            # float32 [r, k]: each tile's first reveal


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def palette(block, theme) -> np.ndarray:
    """float32 [2*LEVELS+1, 3]: the colour of each image index, the cell colour of its value."""
    steps = (np.arange(2 * LEVELS + 1, dtype=np.float32) - LEVELS) / LEVELS
    return theme.cell_colors(block.role, steps * np.float32(block.scale or 1.0), block.scale)


def indices(values: np.ndarray, scale: float) -> np.ndarray:
    """uint8 image indices of `values`: the value over the block's scale, clipped to +-1, in 2*LEVELS+1 steps."""
    s = np.asarray(values, np.float32) * np.float32(LEVELS / (scale if scale > 0 else 1.0))
    np.clip(s, -LEVELS, LEVELS, out=s)
    s += LEVELS + 0.5
    return s.astype(np.uint8)


def _pool(a: np.ndarray, fr: int, fc: int, fill) -> np.ndarray:
    """a [n, K] padded with `fill` to whole tiles, as [ceil(n/fr), fr, ceil(K/fc), fc]."""
    n, K = a.shape
    pr, pc = -n % fr, -K % fc
    if pr or pc:
        a = np.pad(a, ((0, pr), (0, pc)), constant_values=fill)
    return a.reshape(a.shape[0] // fr, fr, a.shape[1] // fc, fc)


def _pool_sum(a: np.ndarray, fr: int, fc: int, dtype) -> np.ndarray:
    """Sums of a [n, K] over tiles of fr rows and fc columns (the last ones partial): [ceil(n/fr), ceil(K/fc)]."""
    return _pool(a, fr, fc, 0).sum(axis=(1, 3), dtype=dtype)


def pooled_image(block, theme, budget: int = STANDIN_CELLS) -> PooledImage:
    """The block's image and its stand-in tiles, a few rows at a time (memory stays bounded for a 50,257 x
    768 embedding). The PNG is stored, not deflated: quantised weights barely compress (3%) and deflating
    costs ten times as long. A tile's colour is the mean of its pixels' colours: the palette is linear in
    the index on each side of the middle one, so it follows from the tile's sums of positive and negative
    steps."""
    R, K = block.shape
    fr, fc = pool_factors(R, K, budget)
    r, k = math.ceil(R / fr), math.ceil(K / fc)
    pal = palette(block, theme)
    pos_sum = np.zeros((r, k), np.int64)
    neg_sum = np.zeros((r, k), np.int64)
    val_sum = np.zeros((r, k), np.float64)
    counts = np.outer(np.minimum(fr, R - np.arange(r) * fr), np.minimum(fc, K - np.arange(k) * fc))
    rows_per = max(fr, (_CHUNK // max(K, 1)) // fr * fr)            # whole tiles per chunk
    t_all = np.asarray(block.t_on, np.float32)
    constant_t = t_all.size and all(st == 0 for st in t_all.strides)   # one reveal for the block (weights)
    t_first = np.full((r, k), t_all.flat[0] if constant_t else np.inf, np.float32)
    comp = zlib.compressobj(0)
    body = []
    for r0 in range(0, R, rows_per):                      # a PNG's first row is the image's top: block row 0
        r1 = min(R, r0 + rows_per)
        vals = np.asarray(block.values[r0:r1], np.float32)
        raw = np.zeros((r1 - r0, 1 + K), np.uint8)                                # filter byte 0 per row
        idx = raw[:, 1:]
        idx[:] = indices(vals, block.scale)
        body.append(comp.compress(raw.tobytes()))
        tr = slice(r0 // fr, math.ceil(r1 / fr))
        steps = idx.astype(np.int16) - LEVELS                                     # the signed step
        pos = _pool_sum(np.maximum(steps, 0), fr, fc, np.int32)
        pos_sum[tr] += pos
        neg_sum[tr] += pos - _pool_sum(steps, fr, fc, np.int32)    # sum(max(-s, 0)) = sum(max(s, 0)) - sum(s)
        val_sum[tr] += _pool_sum(vals, fr, fc, np.float64)
        if not constant_t:
            t_first[tr] = np.minimum(t_first[tr], _pool(t_all[r0:r1], fr, fc, np.inf).min(axis=(1, 3)))
    body.append(comp.flush())
    plte = linear_to_srgb8(pal).tobytes()
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", K, R, 8, 3, 0, 0, 0))
           + _png_chunk(b"PLTE", plte) + _png_chunk(b"IDAT", b"".join(body)) + _png_chunk(b"IEND", b""))
    zero, top, bottom = pal[LEVELS], pal[-1], pal[0]
    pos, neg = (pos_sum / counts / LEVELS)[..., None], (neg_sum / counts / LEVELS)[..., None]
    settled = zero + pos * (top - zero) + neg * (bottom - zero)
    return PooledImage(png=png, rows=R, cols=K, fr=fr, fc=fc, palette=pal, settled=settled.astype(np.float32),
                       values=(val_sum / counts).astype(np.float32), t_on=t_first)


def merge_groups(blocks, image_cells: int = IMAGE_CELLS, limit: int = MERGE_BLOCKS) -> list[list[int]]:
    """Indices of the cell blocks (at most `image_cells` cells) drawn as one object each, in plan order:
    one block a group while there are at most `limit` blocks; beyond, the blocks of one tensor with the
    same role, previews, shown intervals, pitch, cell and depth share a group (each keeps its place)."""
    cells = [i for i, b in enumerate(blocks) if b.values.size <= image_cells]
    if len(blocks) <= limit:
        return [[i] for i in cells]
    groups: dict = {}
    for i in cells:
        b = blocks[i]
        key = (b.tensor, b.role, tuple(map(tuple, b.preview)), tuple(map(tuple, b.visible)),
               float(b.row_pitch), float(b.col_pitch), float(b.cell_x), float(b.cell_z), float(b.depth))
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def merge_images(blocks, image_cells: int, limit: int, meta, look) -> list[list[int]]:
    """Indices of the image blocks (more than `image_cells` cells) that share an object, in plan order: none
    while there are at most `limit` blocks; beyond, those that show one look all story long (no preview,
    always shown, look.settled_throughout: the weights), grouped by their tensor's layer (its name's first
    part: `h3`, `wte`), so that a frame change no longer pays for each (GPT-2 small's 471 weight images:
    ~15 ms of each as objects) while a draw still skips the layers out of view."""
    if len(blocks) <= limit:
        return []
    groups: dict = {}
    for i, b in enumerate(blocks):
        if b.values.size > image_cells and not b.preview and not b.visible \
                and settled_throughout(b.t_on, meta, look):
            groups.setdefault(b.tensor.split(".")[0], []).append(i)
    return list(groups.values())

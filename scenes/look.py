"""How a cell looks over time, decided once for every renderer (no bpy).

A cell is dim until its reveal frame `t_on`, flashes for `flash_frames` after it and then settles into its
value's colour; a block preview shows every cell settled. `cell_look` is that rule, with the parameters a
SceneSpec carries (`plan_look` -> spec.look); the Geometry Nodes look group and the image-plane shader in
blender_addon/nodes.py draw it. `static_look`, `block_phases` and `settled_throughout` decide which
blocks need it evaluated per frame at all.
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.spec import CellLook


def flash_frames(theme, fps: int) -> float:
    """How many frames a cell's flash lasts (never zero: the look divides by it)."""
    return max(theme.flash_seconds * fps, 1e-3)


def plan_look(theme, fps: int) -> CellLook:
    """The cell-look parameters of a story in `theme` at `fps`."""
    return CellLook(dim=tuple(theme.dim), flash=tuple(theme.flash), flash_frames=flash_frames(theme, fps))


def cell_look(settled_rgb, t_on, frame: float, look: CellLook, preview=False) -> tuple[np.ndarray, np.ndarray]:
    """(colour [..., 3], glow [...]) of cells with settled colours `settled_rgb` [..., 3] revealed at `t_on`
    [...], at `frame`; `preview` (bool, per block or per cell) shows them as during a block preview.
    float32 throughout, in the order of operations of the node tree Blender draws it with
    (blender_addon/nodes.py: _look_tree):
        age  = frame + preview * preview_offset - clamp(t_on, +-t_on_limit)
        fade = clamp(age / flash_frames, 0, 1);   lit = age > lit_after (1 or 0)
        colour = mix(dim, mix(flash, settled, fade), lit);   glow = clamp(lit - fade, 0, 1)
    where mix(a, b, f) = (1 - f) a + f b."""
    f32 = np.float32
    settled = np.asarray(settled_rgb, dtype=f32)
    limit = f32(look.t_on_limit)
    t = np.clip(np.asarray(t_on, dtype=f32), -limit, limit)
    now = np.asarray(preview, dtype=f32) * f32(look.preview_offset) + f32(frame)
    age = (now - t).astype(f32)
    fade = np.clip(age / f32(look.flash_frames), f32(0), f32(1)).astype(f32)
    lit = (age > f32(look.lit_after)).astype(f32)
    flash, dim = np.asarray(look.flash, dtype=f32), np.asarray(look.dim, dtype=f32)
    lit_col = (f32(1) - fade)[..., None] * flash + fade[..., None] * settled
    col = (f32(1) - lit)[..., None] * dim + lit[..., None] * lit_col
    glow = np.clip(lit - fade, f32(0), f32(1))
    return col.astype(f32), glow.astype(f32)


def static_look(block, frame_start: int, frame_end: int) -> np.ndarray | None:
    """Per-cell 0 (dim) / 1 (settled) when no cell of the block changes look during the story (each is
    revealed at or before the first frame, where the story opens on it settled, e.g. the weights, or
    only after the last one, and no preview toggles it); None when the block needs its time-driven look."""
    if block.preview:
        return None
    t_on = np.asarray(block.t_on, dtype=np.float64).reshape(-1)                          # [N]
    settled = t_on <= frame_start
    if np.all(settled | (t_on > frame_end)):
        return settled.astype(np.float32)
    return None


def block_phases(block, frame_start: int, frame_end: int, flash_frames: float) -> dict[str, np.ndarray]:
    """For a block with a time-driven look, which of three phases each frame of the story is in (bool [F]
    masks that partition the frames), and the block's stored look:
      "hidden": every cell still dim, no preview: the object is hidden (not evaluated; the plates
                behind it show the dim cells);
      "base":   the frames of the longest quiet stretch (no cell lighting or flashing, the same cells lit
                throughout; e.g. between the first pass and the output loop) and previews when that look
                is all-settled: the look modifier is off and the stored colours show;
      "live":   everything else: the look modifier runs (only live blocks evaluate Geometry Nodes on a
                frame change; each costs ~0.1 ms).
    "base_lit" (bool [N]): the cells that are settled in the stored look (the rest are dim)."""
    frames = np.arange(frame_start, frame_end + 1, dtype=np.float64)                       # [F]
    t_on = np.asarray(block.t_on, dtype=np.float64).reshape(-1)                            # [N]
    preview = interval_mask(frames, block.preview)
    # a cell is quiet at f unless -1e-4 < f - t_on < flash (the look tree's lit test and fade)
    edges = np.zeros(len(frames) + 1, np.int64)
    np.add.at(edges, np.searchsorted(frames, t_on - 1e-4, side="right"), 1)
    np.add.at(edges, np.searchsorted(frames, t_on + flash_frames, side="left"), -1)
    busy = np.cumsum(edges)[:-1] > 0                                                       # [F]
    lit_count = np.searchsorted(np.sort(t_on + flash_frames), frames, side="right")         # [F] settled cells
    hidden = (frames <= t_on.min() - 1e-4) & ~preview
    if block.visible:                                 # shown only at times: no backdrop behind it
        hidden[:] = False
    quiet = ~busy & (lit_count > 0)
    run_id = np.cumsum(np.r_[True, (quiet[1:] != quiet[:-1]) | (lit_count[1:] != lit_count[:-1])])
    base = np.zeros_like(quiet)
    base_lit = np.zeros(t_on.shape, bool)
    if quiet.any():
        ids, counts = np.unique(run_id[quiet], return_counts=True)
        base = quiet & (run_id == ids[np.argmax(counts)])
        first = frames[np.argmax(base)]
        base_lit = t_on + flash_frames <= first
    base &= ~preview
    if base_lit.all():
        base |= preview                                # a preview shows every cell settled
    base &= ~hidden
    return {"hidden": hidden, "base": base, "live": ~hidden & ~base, "base_lit": base_lit}


def interval_mask(frames: np.ndarray, intervals) -> np.ndarray:
    mask = np.zeros(frames.shape, bool)
    for a, z in intervals:
        mask |= (frames >= a) & (frames <= z)
    return mask


def settled_throughout(t_on, meta, look) -> bool:
    """Whether cells revealed at `t_on` need no frame in their image material: each is shown settled from
    the first frame (revealed by it, as static_look stores such cells: the weights, revealed at
    the opening) or never lit in the story, and the story's last frame draws exactly that (those lit are
    settled by then, the others still dim). The material's frame is then that last frame; a frame driver
    would cost every frame change (GPT-2 small's 471 weight images: ~15 ms of each)."""
    t = np.asarray(t_on, np.float64)
    lit = t <= meta.frame_start
    return bool(np.all(lit | (t > meta.frame_end)) and np.all(t[lit] <= meta.frame_end - look.flash_frames))

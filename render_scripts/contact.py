"""The contact sheet: one labelled frame per chapter, composed into a grid with numpy and saved through
Blender's image API (labels are Blender's burnt-in stamp note, so no extra imaging library is needed)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from llmreel.core.files import atomic_output

GAP = 12                                   # pixels between tiles and around the sheet


def grid_shape(n: int, columns: int) -> tuple[int, int]:
    """(rows, cols) for n tiles with at most `columns` per row."""
    cols = max(1, min(columns, n))
    return -(-n // cols), cols


def compose(tiles: list[np.ndarray], columns: int, background: tuple[float, float, float]) -> np.ndarray:
    """Tiles float [h, w, 4] (equal sizes, top row first) -> one sheet [H, W, 4] with GAP margins."""
    h, w = tiles[0].shape[:2]
    rows, cols = grid_shape(len(tiles), columns)
    sheet = np.empty((rows * h + (rows + 1) * GAP, cols * w + (cols + 1) * GAP, 4), dtype=np.float32)
    sheet[..., :3] = background
    sheet[..., 3] = 1.0
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        y, x = GAP + r * (h + GAP), GAP + c * (w + GAP)
        sheet[y:y + h, x:x + w] = tile
    return sheet


def srgb(c: float) -> float:
    """Linear -> sRGB display value (the theme's colours are linear)."""
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def label_size(width: int, height: int) -> int:
    """A tile label's font size in pixels: from the tile's short side, so a tall tile's label is as large as
    a wide one's and its one line fits across the tile (by its height, a 480x854 tile's ran over its
    picture in two lines)."""
    return max(12, min(width, height) // 22)


def render_contact_sheet(job, out: Path, *, columns: int = 3, at: float = 0.6) -> int:
    """A story's contact sheet: its scene built for the job's settings, one tile per chapter; -> count."""
    from llmreel.blender_addon.render import prepare_scene

    return contact_sheet(prepare_scene(job.spec, job.settings), job.spec.chapters, job.settings.language,
                         job.spec.theme.background, out, columns=columns, at=at)


def contact_sheet(scene, chapters, lang: str, background, out: Path, *, columns: int = 3,
                  at: float = 0.6) -> int:
    """Render each chapter's frame at `at` of its length, label it 'N  Title' (label_size of the scene's
    resolution), compose on the linear `background` colour, save; -> count."""
    from llmreel.blender_addon.render import label_with_stamp, load_pixels, quiet, render_frame, save_pixels

    label_with_stamp(scene, "", font_size=label_size(scene.render.resolution_x, scene.render.resolution_y))
    tiles = []
    with tempfile.TemporaryDirectory(prefix="llmreel-sheet-") as d:
        for i, ch in enumerate(chapters, 1):
            frame = ch.first_frame + int(round(at * (ch.last_frame - ch.first_frame)))
            scene.render.stamp_note_text = f"{i}  {ch.title.get(lang) or ch.title.get('en') or ch.slug}   (frame {frame})"
            path = Path(d) / f"tile_{i:03d}.png"
            with quiet():
                render_frame(scene, frame, path)
            tiles.append(load_pixels(path))
        label_with_stamp(scene, None)
        sheet = compose(tiles, columns, tuple(srgb(c) for c in background[:3]))
    with atomic_output(out) as tmp, quiet():
        save_pixels(sheet, tmp)
    return len(tiles)

"""Reference frames that pin the picture across refactors: a few frames per chapter of the default story
(English 16:9, Korean 16:9, English 9:16), tiny Workbench renders without anti-aliasing, built only
through the public `plan_scene` and `build_scene`. `python tests/frames_reference.py` rewrites the PNGs in
tests/reference_frames/ (do that only when the picture is meant to change, and say so in the commit)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference_frames"
FPS = 12
# (variant name, language, aspect, resolution, shares of each chapter)
VARIANTS = (("en", "en", "16:9", (240, 136), (0.15, 0.5, 0.85)),
            ("ko", "ko", "16:9", (240, 136), (0.5,)),
            ("en-9x16", "en", "9:16", (136, 240), (0.5,)))


def frame_list(spec, shares) -> list[tuple[str, int]]:
    out = []
    for ch in spec.chapters:
        for s in shares:
            out.append((ch.slug, int(round(ch.first_frame + s * (ch.last_frame - ch.first_frame)))))
    return out


def render_variant(bpy, name: str, language: str, aspect: str, size, shares, folder: Path) -> dict[str, Path]:
    """Plan, build and render one variant's frames into `folder`; {file name: path}."""
    from llmreel.blender_addon.build import build_scene
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(fps=FPS, aspect=aspect, language=language)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    build_scene(spec, scene=scene, language=language, captions=True, glow=False)
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.render_aa = "OFF"
    scene.render.resolution_x, scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.use_compositing = False
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    out = {}
    for slug, frame in frame_list(spec, shares):
        path = folder / f"{name}-{slug}-{frame:05d}.png"
        scene.frame_set(frame)
        scene.render.filepath = str(path)
        bpy.ops.render.render(write_still=True)
        out[path.name] = path
    return out


def load_png(bpy, path: Path) -> np.ndarray:
    img = bpy.data.images.load(str(path), check_existing=False)
    try:
        w, h = img.size
        px = np.empty(w * h * 4, np.float32)
        img.pixels.foreach_get(px)
        return np.round(px.reshape(h, w, 4)[..., :3] * 255).astype(np.uint8)
    finally:
        bpy.data.images.remove(img)


def render_all(folder: Path) -> dict[str, Path]:
    import bpy

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, lang, aspect, size, shares in VARIANTS:
        out.update(render_variant(bpy, name, lang, aspect, size, shares, folder))
    return out


if __name__ == "__main__":
    for p in REFERENCE.glob("*.png"):
        p.unlink()
    written = render_all(REFERENCE)
    print(f"wrote {len(written)} reference frames to {REFERENCE}", file=sys.stderr)

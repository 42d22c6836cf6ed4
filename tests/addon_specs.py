"""Small, real SceneSpecs for the add-on tests (built directly, independent of the scenes planner), and a
helper rendering a few frames of the built scene."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.spec import (Block, CameraKey, Caption, Chapter, FlowPath, FlyingCell, Highlight, Label,
                                 Meta, SceneSpec, TitleCard, ValueText)
from llmreel.scenes.hud import plan_hud
from llmreel.scenes.look import plan_look
from llmreel.scenes.themes import get_theme


def small_spec(seed: int = 0, fps: int = 24, frames: int = 96) -> SceneSpec:
    """Three blocks (a weight, an activation revealed cell by cell, one previewed), labels, a path, focus
    elements, a camera move, captions in en/ko and a title card."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.6, (4, 6)).astype(np.float32)
    a = rng.normal(0, 1.0, (3, 5)).astype(np.float32)
    g = rng.normal(0, 1.0, (2, 4)).astype(np.float32)
    t_w = np.full(w.shape, -np.inf, np.float32)                           # weights: always there
    t_a = (10 + 4 * np.arange(a.size, dtype=np.float32)).reshape(a.shape)  # 10, 14, ... 66
    t_g = np.full(g.shape, np.inf, np.float32)                            # never computed in this story
    pitch, cell, depth = 0.1, 0.085, 0.03

    def block(bid, tensor, values, t_on, role, origin, preview=(), prefix=()):
        return Block(id=bid, tensor=tensor, index_prefix=tuple(prefix), transpose=False, role=role,
                     title={"en": bid, "ko": "블록 " + bid}, formal=bid, row_axis="T", col_axis="C",
                     origin=origin, pitch=pitch, cell=cell, depth=depth, scale=1.0, values=values, t_on=t_on,
                     chapter="" if role == "weight" else "one", preview=list(preview))

    blocks = [block("wte", "wte.weight", w, t_w, "weight", (-0.8, 0.0, 0.4)),
              block("h0.attn.q[1]", "h0.attn.q", a, t_a, "activation", (0.0, 0.0, 0.4), prefix=(1,)),
              block("h0.ln_1.mean", "h0.ln_1.mean", g, t_g, "aggregate", (0.0, 0.0, -0.2),
                    preview=[(5.0, 20.0)])]
    labels = [Label(id="t-wte", kind="title", text={"en": "Token embedding", "ko": "토큰 임베딩"},
                    location=(-0.85, 0.0, 0.5), size=0.06),
              Label(id="t-q", kind="title", text={"en": "Query", "ko": "쿼리"}, location=(-0.05, 0.0, 0.5),
                    size=0.06, color="accent", visible=[(1.0, 60.0)])]
    paths = [FlowPath(id="p0", role="residual", points=[(-0.3, 0.0, 0.3), (-0.1, 0.0, 0.3), (-0.1, 0.0, -0.2)],
                      width=0.02, grow=(5.0, 30.0))]
    highlights = [Highlight(id="hl0", block="h0.attn.q[1]", rows=(1, 2), cols=(0, 5), frames=(20.0, 40.0))]
    flying = [FlyingCell(id="f0", value=float(w[0, 0]), color=(0.2, 0.35, 1.0), start=(-0.8, -0.1, 0.4),
                         end=(0.0, -0.1, 0.4), frames=(30.0, 45.0), hold=5.0)]
    product = f"{a[1, 2]:.2f} × {w[1, 2]:.2f}"
    vtexts = [ValueText(id="v0", text={"en": f"mean {product}", "ko": f"평균 {product}"}, location=(0.2, -0.05, 0.0),
                        size=0.04, frames=(40.0, 60.0))]
    camera = [CameraKey(frame=1, location=(0.0, -3.0, 0.2), target=(0.0, 0.0, 0.15), lens=35.0),
              CameraKey(frame=48, location=(0.1, -2.0, 0.3), target=(0.1, 0.0, 0.2), lens=50.0),
              CameraKey(frame=frames, location=(0.0, -3.0, 0.2), target=(0.0, 0.0, 0.15), lens=35.0)]
    chapters = [Chapter(slug="intro", title={"en": "Intro", "ko": "소개"}, first_frame=1, last_frame=30),
                Chapter(slug="one", title={"en": "Chapter one", "ko": "첫 장"}, first_frame=31, last_frame=frames)]
    captions = [Caption(first_frame=1, last_frame=30, text={"en": "A tiny GPT sorts letters.",
                                                            "ko": "작은 GPT가 글자를 정렬합니다."}),
                Caption(first_frame=31, last_frame=frames, text={"en": "Each query cell lights up.",
                                                                 "ko": "쿼리 셀이 하나씩 켜집니다."})]
    cards = [TitleCard(chapter="one", text={"en": "Chapter one", "ko": "첫 장"},
                       subtitle={"en": "queries", "ko": "쿼리"}, frames=(31.0, 40.0))]
    meta = Meta(story="test", input="CBABBC", output="ABBBCC", fps=fps, frame_start=1, frame_end=frames,
                aspect=(16, 9), language="en", theme="dark", weights="none", weights_sha256="", config={})
    return SceneSpec(meta=meta, theme=get_theme("dark"), blocks=blocks, labels=labels, paths=paths,
                     highlights=highlights, flying=flying, value_texts=vtexts, camera=camera, chapters=chapters,
                     captions=captions, title_cards=cards, hud=plan_hud(camera, meta.aspect, captions, cards),
                     look=plan_look(get_theme("dark"), fps))


def shots(bpy, tmp_path, tag: str, frames) -> list[np.ndarray]:
    """Render `frames` of the context scene as configured (PNG under `tmp_path`), as pixel arrays."""
    from llmreel.blender_addon import render

    sc, out = bpy.context.scene, []
    for f in frames:
        sc.frame_set(int(f))
        sc.render.filepath = str(tmp_path / f"{tag}{f}.png")
        with render.quiet():
            bpy.ops.render.render(write_still=True)
        out.append(render.load_pixels(sc.render.filepath))
    return out


def front_colours(bpy, points: np.ndarray) -> np.ndarray:
    """float32 [P, 3]: the colour the static plates object shows at each world point's (x, z) seen
    head-on (along +Y): the colour of its front-most face there (a dim plate through a stripe's hole, a
    stripe over a gap, or a plate)."""
    from llmreel.blender_addon.animate import is_shown
    from llmreel.blender_addon.attributes import get_attribute

    plates = next(o for o in bpy.data.objects if o.get("llmreel_plates"))
    assert is_shown(plates) and not plates.animation_data and not plates.modifiers
    co = get_attribute(plates.data, "position").reshape(-1, 4, 3) + np.asarray(plates.location, np.float32)
    col = get_attribute(plates.data, "Col").reshape(-1, 4, 4)[:, 0, :3]
    lo, hi = co.min(axis=1), co.max(axis=1)                                               # [F, 3]
    x, z = points[:, None, 0], points[:, None, 2]
    inside = (lo[:, 0] <= x) & (x <= hi[:, 0]) & (lo[:, 2] <= z) & (z <= hi[:, 2])         # [P, F]
    assert inside.any(axis=1).all(), "a point without a plate behind it"
    return col[np.where(inside, co[None, :, 0, 1], np.inf).argmin(axis=1)]

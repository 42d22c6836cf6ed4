"""Large blocks as images (scenes/block_lod.py, blender_addon/blocks.image_block): a tiny GPT-2-family
model (GPT-2's 50,257-token vocabulary) builds with its embedding, head and logits as palette images over
pooled stand-in tiles, and what Workbench draws of a pooled tile is the mean of the image's pixels."""
from __future__ import annotations

import math

import numpy as np

from tiny_gpt2 import write_tiny_gpt2


def test_pool_factors_keep_budget_and_columns():
    from llmreel.scenes.block_lod import pool_factors

    for rows, cols in ((50257, 16), (768, 50257), (64, 768), (3072, 768), (5, 7)):
        fr, fc = pool_factors(rows, cols, 1024)
        assert math.ceil(rows / fr) * math.ceil(cols / fc) <= 1024
    assert pool_factors(50257, 16, 1024)[1] == 1                 # a token column keeps its own reveal
    assert pool_factors(5, 7, 1024) == (1, 1)


def test_png_palette_and_tile_means(bpy_factory):
    """The packed PNG decodes (in Blender) to each value's palette colour; a tile's colour is its pixels' mean."""
    bpy = bpy_factory
    from types import SimpleNamespace

    from llmreel.scenes.block_lod import indices, linear_to_srgb8, pooled_image, srgb8_to_linear
    from llmreel.scenes.themes import get_theme

    theme = get_theme("dark")
    vals = np.random.default_rng(1).standard_normal((70, 50)).astype(np.float32)
    block = SimpleNamespace(shape=vals.shape, values=vals, role="weight", scale=2.0,
                            t_on=np.broadcast_to(np.float32(1.0), vals.shape))
    pi = pooled_image(block, theme, budget=100)
    assert pi.settled.shape[0] * pi.settled.shape[1] <= 100
    img = bpy.data.images.new("check", 1, 1)
    img.pack(data=pi.png, data_len=len(pi.png))
    img.source = "FILE"
    assert tuple(img.size) == (50, 70)
    px = np.array(img.pixels[:], np.float32).reshape(70, 50, 4)[::-1, :, :3]      # row 0 = block row 0
    idx = indices(vals, 2.0)
    want = srgb8_to_linear(linear_to_srgb8(pi.palette))[idx]
    assert np.abs(srgb8_to_linear(np.round(px * 255)) - want).max() < 1e-6
    exact = theme.cell_colors("weight", vals, 2.0)
    assert np.abs(pi.palette[idx] - exact).max() < 0.01                          # the same map, in 255 steps
    tile = pi.palette[idx[:pi.fr, :pi.fc]].reshape(-1, 3).mean(axis=0)
    assert np.allclose(pi.settled[0, 0], tile, atol=1e-5)
    assert np.all(pi.t_on == 1.0)


def test_tiny_gpt2_builds_with_image_blocks(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.scenes.block_lod import IMAGE_CELLS, STANDIN_CELLS
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(weights=str(write_tiny_gpt2(tmp_path / "tiny")), text="The cat sat on the")
    build.build_scene(spec)
    objs = {o.get("llmreel_block"): o for o in bpy.data.objects if o.get("llmreel_block")}
    large = [b for b in spec.blocks if b.values.size > IMAGE_CELLS]
    assert {b.id for b in large} >= {"wte.weight", "lm_head.weight"}
    for b in spec.blocks:
        obj = objs[b.id]
        if b.values.size > IMAGE_CELLS:
            assert obj.get("llmreel_image") and len(obj.data.polygons) <= STANDIN_CELLS
            img = obj.active_material.node_tree.nodes["Image Texture"].image
            assert img.packed_file is not None and tuple(img.size) == (b.shape[1], b.shape[0])
            # the tiles cover the block's box, a vocabulary axis drawn shorter (layout.VOCAB_SPAN) included
            co = np.array([v.co for v in obj.data.vertices]) + np.array(obj.location)
            lo, hi = b.bounds()
            assert np.allclose(co[:, [0, 2]].min(0), lo[[0, 2]], atol=1e-3), b.id
            assert np.allclose(co[:, [0, 2]].max(0), hi[[0, 2]], atol=1e-3), b.id
        else:
            assert not obj.get("llmreel_image") and len(obj.data.polygons) == b.values.size
    build.save_blend(tmp_path / "tiny.blend")
    assert (tmp_path / "tiny.blend").stat().st_size < 20 * 2**20


def test_a_text_models_wide_position_cells_cover_their_blocks(bpy_factory, tmp_path):
    """A 128-wide model (a quarter title over PITCH: layout.TOKEN_STEP) stands its positions 2 units apart:
    its cells are as wide as their step allows (not square), in meshes and images alike, every block's
    geometry exactly its box."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(weights=str(write_tiny_gpt2(tmp_path / "wide", n_layer=1, n_embd=128)),
                      text="The cat sat on the")
    build.build_scene(spec)
    objs = {o.get("llmreel_block"): o for o in bpy.data.objects if o.get("llmreel_block")}
    wide = [b for b in spec.blocks if b.col_pitch > b.pitch]
    assert {"embed.out", "h0.ln_1.weight", "h0.attn.scores[0]", "logits"} <= {b.id for b in wide}
    for b in wide:
        assert np.isclose(b.cell_x, b.cell * b.col_pitch / b.pitch) and b.cell_x > b.cell
        obj = objs[b.id]
        co = np.array([v.co for v in obj.data.vertices]) + np.array(obj.location)
        lo, hi = b.bounds()
        assert np.allclose(co[:, [0, 2]].min(0), lo[[0, 2]], atol=1e-3), b.id
        assert np.allclose(co[:, [0, 2]].max(0), hi[[0, 2]], atol=1e-3), b.id

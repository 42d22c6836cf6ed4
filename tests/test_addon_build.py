"""build_scene on real bpy: objects, attribute values, the reveal look (evaluated and rendered), clearing."""
from __future__ import annotations

import numpy as np
import pytest

from addon_specs import front_colours, small_spec

pytestmark = pytest.mark.bpy


def _blocks(bpy):
    """Block id -> its object (exactly one per block)."""
    objs = [o for o in bpy.data.objects if o.get("llmreel_block") is not None]
    out = {o["llmreel_block"]: o for o in objs}
    assert len(out) == len(objs), "more than one object for a block"
    return out


def _eval_colors(bpy, obj, frame):
    """Per-cell RGB the scene shows at `frame`: the evaluated `Col` point attribute (one per cell) or,
    while the block hides (all its cells dim), what the plates show at its cells seen head-on."""
    from llmreel.blender_addon.animate import is_shown
    from llmreel.blender_addon.attributes import get_attribute
    from llmreel.blender_addon.geometry import cell_centres, verts_per_cell

    bpy.context.scene.frame_set(frame)
    if not is_shown(obj):                   # the plates show it: a dim plate through a stripe's hole per cell
        rows, cols = (int(x) for x in obj["llmreel_shape"])
        return front_colours(bpy, cell_centres(rows, cols, float(obj.data["llmreel_pitch"]))
                             + np.asarray(obj.location, np.float32))
    dg = bpy.context.evaluated_depsgraph_get()
    ev = obj.evaluated_get(dg)
    mesh = ev.to_mesh()
    try:
        col = get_attribute(mesh, "Col")[::verts_per_cell(obj["llmreel_cell_shape"]), :3]
    finally:
        ev.to_mesh_clear()
    return col


def _expected(spec, block, frame, preview=False):
    """The look contract (scenes/look.cell_look): per-cell RGB of `block` at `frame`."""
    from llmreel.scenes.look import cell_look

    settled = spec.theme.cell_colors(block.role, block.values, block.scale).reshape(-1, 3)
    return cell_look(settled, block.t_on.reshape(-1), frame, spec.look, preview)[0]


def test_default_objects_and_attributes(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector, merge

    spec = small_spec()
    root = build.build_scene(spec)
    assert root.name == build.COLLECTION_NAME and root in bpy.context.scene.collection.children[:]
    blocks = _blocks(bpy)
    assert set(blocks) == {b.id for b in spec.blocks}
    for b in spec.blocks:
        obj = blocks[b.id]
        assert np.array_equal(cell_inspector.block_values(obj), b.values)
        assert len(obj.data.polygons) == b.values.size                    # default shape: one tile per cell
        assert tuple(obj.location) == pytest.approx(b.origin)
    items = merge.built_items(bpy.data.objects)
    assert {r["llmreel_label"]: r["body"] for r in items if "llmreel_label" in r} == \
        {l.id: l.text["en"] for l in spec.labels}
    captions = sorted((r for r in items if "llmreel_caption" in r), key=lambda r: r["name"])
    assert [c["body"] for c in captions] == [c.text["en"] for c in spec.captions]
    fonts = [o for o in bpy.data.objects if o.type == "FONT"]            # all text merged but the captions,
    assert fonts and all("llmreel_caption" in o for o in fonts)           # which stay retypable text objects
    sc = bpy.context.scene
    assert sc.camera is not None and sc.camera.name.startswith("LLM Reel Camera")
    assert (sc.frame_start, sc.frame_end, sc.render.fps) == (1, spec.meta.frame_end, spec.meta.fps)
    # every object is in our collection tree and tagged
    ours = {o for c in [root, *root.children_recursive] for o in c.objects}
    assert ours == set(bpy.data.objects) and all(o.get("llmreel") for o in ours)


def test_labels_shown_nowhere_are_not_built(bpy_factory):
    """A label level of detail shows in no frame (its frames past the story's end, or before its start) is
    not built; a label shown in some frame is, however briefly."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, merge

    spec = small_spec()
    end = spec.meta.frame_end
    spec.labels[0].visible = [(float(end + 1), float(end + 1))]              # as plan_lod marks "nowhere"
    spec.labels[1].visible = [(-5.0, 0.0), (float(end), float(end))]         # its last frame only
    build.build_scene(spec)
    built = {r["llmreel_label"] for r in merge.built_items(bpy.data.objects) if "llmreel_label" in r}
    assert built == {spec.labels[1].id}


def test_korean_and_no_captions(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, merge

    spec = small_spec()
    for editable in (False, True):
        build.build_scene(spec, language="ko", captions=False, editable_text=editable)
        items = merge.built_items(bpy.data.objects)
        assert not [r for r in items if "llmreel_caption" in r]
        label = next(r for r in items if r.get("llmreel_label") == "t-wte")
        assert label["body"] == "토큰 임베딩" and "CJK" in label["font"]
        value = next(r for r in items if r.get("llmreel_value") == "v0")     # a value text's words in Korean
        assert value["body"] == spec.value_texts[0].text["ko"] and value["body"].startswith("평균 ")
        assert "CJK" in value["font"]
        assert bool([o for o in bpy.data.objects if o.type == "FONT"]) == editable


def test_stored_t_on_equals_spec(bpy_factory):
    from llmreel.blender_addon import build
    from llmreel.blender_addon.attributes import get_attribute

    spec = small_spec(seed=3)
    build.build_scene(spec)
    for b in spec.blocks:
        obj = _blocks(bpy_factory)[b.id]
        t_on = get_attribute(obj.data, "t_on").reshape(b.values.size, 4)
        want = np.clip(b.t_on.reshape(-1, 1), -1e9, 1e9)                     # never / always: +-1e9
        assert np.array_equal(t_on, np.repeat(want, 4, axis=1))


@pytest.mark.parametrize("seed", [0, 1])
def test_reveal_look_follows_frame(bpy_factory, seed):
    """Dim before t_on, flash at it, settled (theme map within 1/255) after; preview lights whole blocks."""
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec(seed=seed)
    build.build_scene(spec)
    blocks = _blocks(bpy)
    rng = np.random.default_rng(seed)
    frames = sorted({1, 9, 10, 14, 30, 66, 80, spec.meta.frame_end, *rng.integers(1, spec.meta.frame_end, 5)})
    for b in spec.blocks:
        for f in frames:
            preview = any(a <= f <= z for a, z in b.preview)
            got = _eval_colors(bpy, blocks[b.id], int(f))
            want = _expected(spec, b, f, preview)
            assert np.abs(got - want).max() <= 1 / 255, (b.id, f)
    q = spec.block("h0.attn.q[1]")
    assert np.allclose(_eval_colors(bpy, blocks[q.id], 9), spec.theme.dim, atol=1e-6)       # before any reveal
    settled = spec.theme.cell_colors(q.role, q.values, q.scale).reshape(-1, 3)
    assert np.abs(_eval_colors(bpy, blocks[q.id], 90) - settled).max() <= 1 / 255           # all settled


def _srgb8(linear):
    lin = np.clip(np.asarray(linear, np.float64), 0, 1)
    s = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return s * 255


def _render(bpy, path, frame, engine="workbench", size=(320, 180)):
    from llmreel.blender_addon import compat

    sc = bpy.context.scene
    compat.set_engine(sc, engine)
    compat.set_image_output(sc, "PNG", "RGB", "8")
    sc.render.resolution_x, sc.render.resolution_y = size
    sc.render.resolution_percentage = 100
    sc.display.render_aa = "OFF"
    if engine == "cycles":
        sc.cycles.samples = 1
        sc.cycles.use_denoising = False
        sc.cycles.pixel_filter_type = "BOX"
        sc.cycles.filter_width = 0.01
        sc.cycles.seed = 0
        sc.render.use_compositing = False
    sc.frame_set(frame)
    sc.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    img = bpy.data.images.load(str(path))
    px = np.array(img.pixels[:], dtype=np.float32).reshape(img.size[1], img.size[0], 4)[::-1, :, :3]
    bpy.data.images.remove(img)
    return px * 255                                                       # [H, W, 3], row 0 = top


def _cell_pixels(bpy, obj, rows_cols, pitch):
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    sc = bpy.context.scene
    w, h = sc.render.resolution_x, sc.render.resolution_y
    out = []
    for r, c in rows_cols:
        p = obj.location + Vector((c * pitch, -0.02, -r * pitch))        # hidden objects' matrix_world is stale
        v = world_to_camera_view(sc, sc.camera, p)
        out.append((int(round((1 - v.y) * h - 0.5)), int(round(v.x * w - 0.5))))
    return out


def test_workbench_render_matches_theme(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec, glow=False)
    frame = 48                                                            # camera close; q cells 0..9 settled
    px = _render(bpy, tmp_path / "wb.png", frame)
    q = spec.block("h0.attn.q[1]")
    obj = _blocks(bpy)[q.id]
    cells = [(0, 3), (1, 2), (1, 4), (2, 4)]                              # (0, 0): a flying cell sits there
    want = _expected(spec, q, frame).reshape(*q.shape, 3)
    for (r, c), (y, x) in zip(cells, _cell_pixels(bpy, obj, cells, q.pitch)):
        assert np.abs(px[y, x] - _srgb8(want[r, c])).max() <= 1.0 + 1e-6, ((r, c), px[y, x], _srgb8(want[r, c]))
    dim_px = px[_cell_pixels(bpy, obj, [(2, 4)], q.pitch)[0]]
    assert np.abs(dim_px - _srgb8(spec.theme.dim)).max() <= 1.0          # t_on 66: still dim at 48


def test_image_block_renders_values(bpy_factory, tmp_path):
    """Above the threshold a block is an image over stand-in tiles (here one tile per cell: the block is
    under the pooling budget); Cycles shows each cell's value colour from the image, Workbench the same
    colours from the tiles, both dim before the reveal."""
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec, image_threshold=10, glow=False)
    q = spec.block("h0.attn.q[1]")
    obj = _blocks(bpy)[q.id]
    assert obj.get("llmreel_image") and len(obj.data.polygons) == q.values.size
    assert list(obj["llmreel_pool"]) == [1, 1]
    img = obj.active_material.node_tree.nodes["Image Texture"].image
    assert img.packed_file is not None and not img.is_float and tuple(img.size) == (q.shape[1], q.shape[0])
    for light in bpy.data.objects:
        if light.type == "LIGHT":
            light.hide_render = True
    frame = 90                                                             # every q cell settled
    cells = [(r, c) for r in range(3) for c in range(5)]
    want = _expected(spec, q, frame).reshape(*q.shape, 3)
    exp = np.array([_srgb8(want[r, c]) for r, c in cells])
    for engine in ("cycles", "workbench"):
        px = _render(bpy, tmp_path / f"{engine}.png", frame, engine=engine)
        got = np.array([px[y, x] for y, x in _cell_pixels(bpy, obj, cells, q.pitch)])
        assert np.abs(got - exp).max() <= 6.0, (engine, np.abs(got - exp).max())
    w = spec.block("wte")                                                  # t_on = -inf: lit from the start
    wobj = _blocks(bpy)[w.id]
    assert wobj.get("llmreel_image")
    wcells = [(r, c) for r in range(4) for c in range(5)]                  # column 5: the flow path starts there
    wgot = np.array([px[y, x] for y, x in _cell_pixels(bpy, wobj, wcells, w.pitch)])
    wexp = _srgb8(spec.theme.cell_colors(w.role, w.values, w.scale)[:, :5]).reshape(-1, 3)
    assert np.abs(wgot - wexp).max() <= 6.0, (wgot[:4], wexp[:4])
    for engine in ("cycles", "workbench"):                                  # before any reveal: all dim
        px_early = _render(bpy, tmp_path / f"{engine}0.png", 9, engine=engine)
        early = np.array([px_early[y, x] for y, x in _cell_pixels(bpy, obj, cells, q.pitch)])
        assert np.abs(early - _srgb8(spec.theme.dim)).max() <= 6.0, engine


def test_clear_leaves_nothing(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, scene_io

    before = {a: len(getattr(bpy.data, a)) for a in scene_io.ID_COLLECTIONS}
    build.build_scene(small_spec(), image_threshold=10)
    build.clear_scene()
    after = {a: len(getattr(bpy.data, a)) for a in scene_io.ID_COLLECTIONS}
    assert after == before
    assert build.our_collection() is None and not bpy.context.scene.timeline_markers


@pytest.mark.parametrize("shape, faces", [("tile", 1), ("box", 5)])
def test_cell_info(bpy_factory, shape, faces):
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector

    spec = small_spec()
    build.build_scene(spec, cell_shape=shape)
    q = spec.block("h0.attn.q[1]")
    obj = _blocks(bpy)[q.id]
    assert len(obj.data.polygons) == q.values.size * faces
    for r in range(3):
        for c in range(5):
            text = cell_inspector.cell_info(obj, (r * 5 + c) * faces + faces - 1)
            assert text.startswith(f"h0.attn.q[1,{r},{c}] = ") and text.endswith(f"= {q.values[r, c]:.4g}")
    with pytest.raises(ValueError):
        cell_inspector.cell_info(obj, 10_000)
    with pytest.raises(ValueError):
        cell_inspector.cell_info(bpy.context.scene.camera, 0)

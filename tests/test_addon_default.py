"""The real default scene (scenes.plan_scene) built in Blender: every spec element is there, and every
cell's stored value is the trace's value (found in the traced tensor at the block's place)."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.bpy


@pytest.fixture(scope="module")
def default_spec():
    from llmreel.scenes.plan import plan_scene

    return plan_scene()


def _find_sub_block(big: np.ndarray, small: np.ndarray) -> bool:
    """True when `small` equals some contiguous sub-block of `big` (both 2-D)."""
    R, K = small.shape
    for i in range(big.shape[0] - R + 1):
        for j in range(big.shape[1] - K + 1):
            if np.array_equal(big[i:i + R, j:j + K], small):
                return True
    return False


def test_default_scene_objects_and_trace_values(bpy_factory, default_spec):
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector, merge
    from llmreel.blender_addon.labels import never_shown
    from llmreel.model.gpt import sort_letters

    spec = default_spec
    build.build_scene(spec)
    objs = list(bpy.data.objects)
    items = merge.built_items(objs)                             # merged texts, bands and outlines expanded
    rest = {o["llmreel_block"]: o for o in objs if o.get("llmreel_block")}
    assert set(rest) == {b.id for b in spec.blocks}
    assert len([o for o in objs if o.get("llmreel_block")]) == len(spec.blocks)          # one object per block
    shown = {l.id for l in spec.labels if not never_shown(l, spec.meta)}        # level of detail's choice
    assert sorted(r["llmreel_label"] for r in items if r.get("llmreel_label")) == sorted(shown)
    assert len([r for r in items if r.get("llmreel_caption") is not None]) == len(spec.captions)
    assert sum(len(o["llmreel_paths"].split(",")) for o in objs if o.get("llmreel_paths") and "(grown)" not in o.name) \
        == len(spec.paths)
    for prefix, want in (("highlight ", spec.highlights), ("flying ", spec.flying), ("value ", spec.value_texts)):
        assert len([r for r in items if r["name"].startswith(prefix)]) == len(want), prefix
    for prefix in ("title ", "subtitle "):                          # the texts, not the "title band"s
        assert len([r for r in items if r["name"].startswith(prefix) and "body" in r]) == len(spec.title_cards)
    assert bpy.context.scene.camera.get("llmreel")
    assert [m.frame for m in bpy.context.scene.timeline_markers] == [c.first_frame for c in spec.chapters]

    _, traces = sort_letters(spec.meta.input)
    trace = traces[-1]
    checked = 0
    for b in spec.blocks:
        stored = cell_inspector.block_values(rest[b.id])
        assert np.array_equal(stored, b.values), b.id                           # attribute == spec
        if b.tensor not in trace:
            continue
        data = np.asarray(trace[b.tensor], dtype=np.float32)[tuple(b.index_prefix)]
        data = data[None, :] if data.ndim == 1 else data
        shown = data.T if b.transpose else data
        if data.ndim == 2 and b.transpose and shown.shape[0] < stored.shape[0]:
            shown = data                                                         # 1-D tensors shown as a column
        assert _find_sub_block(shown, stored), b.id                             # attribute == trace
        checked += 1
    assert checked >= 0.9 * len(spec.blocks)


def test_inspector_index_points_at_the_trace_value(bpy_factory, default_spec):
    """For sampled cells of every block, the inspector's tensor index holds the cell's value in the trace."""
    bpy = bpy_factory
    from llmreel.blender_addon import build, cell_inspector
    from llmreel.blender_addon.geometry import faces_per_cell
    from llmreel.model.gpt import sort_letters

    spec = default_spec
    build.build_scene(spec)
    trace = sort_letters(spec.meta.input)[1][-1]
    rng = np.random.default_rng(0)
    checked = 0
    for obj in bpy.data.objects:
        if not obj.get("llmreel_block") or obj["llmreel_tensor"] not in trace:
            continue
        stored = cell_inspector.block_values(obj)
        for cell in rng.choice(stored.size, size=min(4, stored.size), replace=False):
            per = faces_per_cell(obj["llmreel_cell_shape"])
            face = int(cell) * per + per - 1                                     # the cell's last face
            index = cell_inspector.cell_index(obj, face)
            want = np.float32(np.asarray(trace[obj["llmreel_tensor"]])[index])
            assert stored.flat[cell] == want, (obj.name, index)
            assert cell_inspector.cell_info(obj, face).startswith(f"{obj['llmreel_tensor']}[")
            checked += 1
    assert checked > 400

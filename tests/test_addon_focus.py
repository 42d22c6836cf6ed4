"""Focus elements in Blender: a highlight's frame around its cells and, when it has one, its leader line to
the number it explains (scenes/beats_findings.py), shown only during the highlight's frames."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from addon_specs import small_spec
from llmreel.scenes.spec import SceneSpec


def test_a_highlight_draws_its_leader_with_its_frame(bpy_factory, tmp_path):
    from llmreel.blender_addon import build
    from llmreel.blender_addon.animate import is_shown
    bpy = bpy_factory
    spec = small_spec()
    hl = spec.highlights[0]
    line = [(0.25, -0.05, 0.3), (0.3, -0.05, 0.3), (0.3, -0.05, 0.1), (0.35, -0.05, 0.1)]
    spec.highlights = [hl, replace(hl, id="hl1", leader=line, frames=(50.0, 60.0))]
    path = tmp_path / "spec.npz"
    spec.save(path)
    assert SceneSpec.load(path) == spec                                  # the leader survives the file
    build.build_scene(spec)
    plain = bpy.data.objects["highlight hl0"].data.splines
    led = bpy.data.objects["highlight hl1"].data.splines
    assert [s.use_cyclic_u for s in plain] == [True] and [s.use_cyclic_u for s in led] == [True, False]
    pts = np.array([p.co[:3] for p in led[1].points])
    assert np.allclose(pts, line, atol=1e-6)
    b = spec.block(hl.block)
    frame = np.array([p.co[:3] for p in led[0].points])                   # the frame around cell (1, 0..5)
    assert np.isclose(frame[:, 0].max(), b.origin[0] + 4.5 * b.pitch) and len(frame) == 4
    obj = bpy.data.objects["highlight hl1"]
    for f, shown in ((45, False), (55, True), (65, False)):
        bpy.context.scene.frame_set(f)
        assert is_shown(obj) == shown, f

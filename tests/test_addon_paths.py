"""Flow paths as Geometry Nodes tubes (blender_addon/paths.py): each path grows with its own timing inside
one object per epoch, keeps its width around corners, and a static grown copy takes over."""
from __future__ import annotations

import numpy as np
import pytest


def test_epochs_end_in_order_and_keep_their_bounds():
    from llmreel.blender_addon.paths import epochs

    rng = np.random.default_rng(0)
    a = rng.uniform(0, 2000, 500)
    grow = np.stack([a, a + rng.choice([9.0, 30.0, 900.0], 500, p=[0.8, 0.19, 0.01])], 1)
    groups = epochs(grow, max_paths=40, max_frames=240)
    assert sorted(np.concatenate(groups).tolist()) == list(range(500))          # each path once
    for g in groups:
        assert len(g) <= 40
        assert len(g) == 1 or grow[g, 1].max() - grow[g, 0].min() <= 240        # a long path stands alone
    ends = [grow[g, 1].max() for g in groups if len(g) > 1]
    assert ends == sorted(ends)


def test_a_corner_widens_the_swept_circle_only_at_the_corner():
    from llmreel.blender_addon.paths import tube_points

    pts, r = tube_points([(0, 0, 0), (1, 0, 0), (1, 0, 1), (1, 0, 1.5)], 0.1)
    assert np.allclose(pts, [(0, 0, 0), (0.95, 0, 0), (1, 0, 0), (1, 0, 0.05), (1, 0, 1), (1, 0, 1.5)])
    assert np.allclose(r, [0.1, 0.1, 0.1 * np.sqrt(2), 0.1, 0.1, 0.1])      # straight on: no corner


def _bounds(obj, bpy):
    """The world bounds of `obj`'s evaluated tubes (it has no transform), or None when it draws nothing."""
    geometry = obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).evaluated_geometry()   # keeps the mesh
    mesh = geometry.mesh
    if mesh is None or not len(mesh.vertices):
        return None, None
    co = np.array([v.co for v in mesh.vertices])
    return co.min(0), co.max(0)


@pytest.mark.bpy
def test_a_path_grows_with_its_frames_and_keeps_its_width(bpy_factory):
    bpy = bpy_factory
    from addon_specs import small_spec

    from llmreel.blender_addon import build
    from llmreel.blender_addon.paths import CORE_WIDTH, HALO_WIDTH

    spec = small_spec()
    (path,) = spec.paths                                  # (-0.3, 0, 0.3) -> (-0.1, 0, 0.3) -> (-0.1, 0, -0.2)
    a, b = path.grow
    build.build_scene(spec)
    (obj,) = [o for o in bpy.data.objects if o.get("llmreel_paths")]
    assert obj["llmreel_paths"] == path.id and obj.animation_data is not None
    assert obj.data.animation_data is None                 # no keys per path: the Scene Time node grows it
    sc = bpy.context.scene
    sc.frame_set(int(a) - 1)
    assert obj.hide_render                                 # not yet: hidden, so never evaluated
    half = HALO_WIDTH * path.width / 2
    length = 0.2 + 0.5
    for f in (a + 5, a + 13, b):
        sc.frame_set(int(f))
        frac = (int(f) - a) / (b - a)
        lo, hi = _bounds(obj, bpy)
        grown = frac * length
        assert lo[0] == pytest.approx(-0.3, abs=1e-4)                            # starts where the path does
        assert hi[2] == pytest.approx(0.3 + half, abs=1e-4)                       # the halo's width
        if grown <= 0.2:                                                          # along the first leg
            assert hi[0] == pytest.approx(-0.3 + grown, abs=0.01)
            assert lo[2] == pytest.approx(0.3 - half, abs=1e-4)
        else:                                                                     # round the corner, down
            assert lo[2] == pytest.approx(0.3 - (grown - 0.2), abs=0.01)
            assert hi[0] == pytest.approx(-0.1 + half, abs=1e-4)                  # as wide round the corner
    sc.frame_set(int(b) + 1)
    assert obj.hide_render
    (done,) = [o for o in bpy.data.objects if o.name.endswith("(grown)")]
    bpy.context.scene.collection.objects.link(done)         # it shows through an instancer: evaluate it here
    assert done.data == obj.data and not done.animation_data                      # the same curves, static
    lo, hi = _bounds(done, bpy)
    assert lo is not None and lo[2] == pytest.approx(-0.2, abs=1e-4)
    assert CORE_WIDTH < HALO_WIDTH

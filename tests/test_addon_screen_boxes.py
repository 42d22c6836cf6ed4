"""The planner's screen boxes are the ones on screen: the default story built in Blender, in English and in
Korean (16:9, and Korean 9:16, where the camera fits its sensor to the frame's height), at sampled frames (close-ups, medium and wide shots, part way through camera moves). Every label
and value text Blender shows there (also at two frames where value texts with words show), and every cell
block, is projected through the real scene camera
(bpy_extras.object_utils.world_to_camera_view on the evaluated objects' bounds) and compared with what
scenes/screen.py and scenes/legibility.py compute from the SceneSpec alone (Cameras, box_screen,
geometry.label_bounds and value_text_bounds in the build's language, block_screen); a value text's box in
the build's language lies inside the box around both languages that placement and the checks use.

Agreement: each edge of a box within TOL of the box's own extent along that axis, the extent counted at
least as MIN_CAP (the smallest text the legibility rule draws): a box smaller than that is a text that is
never drawn or a sliver of a block, where a relative error means nothing and an absolute one of
TOL * MIN_CAP of the short side (1.6 px at 1080p) cannot matter. Sizes are in units of the frame's short
side, as the legibility rules measure them.

Texts are built as real text objects (`editable_text=True`): the default build merges the same text
objects, laid out by the same configure_text, into meshes (merge.py), which moves no vertex.
"""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.bpy

TOL = 0.10
N_FRAMES = 6


def sample_frames(spec) -> list[int]:
    """Two close-ups, two medium and two wide shots, each a quarter of the way into a camera move between
    two keys (where Blender's easing and a straight line part most)."""
    keys = sorted(spec.camera, key=lambda k: k.frame)
    cand = []
    for a, b in zip(keys, keys[1:]):
        if b.frame - a.frame >= 8:
            width = np.linalg.norm(np.subtract(a.target, a.location)) * 36.0 / a.lens   # frame width at target
            cand.append((width, int(round(a.frame + 0.25 * (b.frame - a.frame)))))
    cand.sort()
    idx = np.linspace(0, len(cand) - 1, N_FRAMES).round().astype(int)
    return sorted({cand[i][1] for i in idx})


def _project(scene, cam, points: np.ndarray) -> np.ndarray:
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    return np.array([tuple(world_to_camera_view(scene, cam, Vector(p))) for p in points])


def _real_boxes(bpy, scene, key: str) -> dict:
    """{tag value: [8, 3] world corners} of every evaluated object (or instance) tagged `key` shown at the
    current frame."""
    dg = bpy.context.evaluated_depsgraph_get()
    out: dict = {}
    for inst in dg.object_instances:
        tag = inst.object.original.get(key)
        if tag is None or tag in out:
            continue
        m = np.array(inst.matrix_world)
        local = np.array([tuple(c) for c in inst.object.bound_box])
        out[tag] = local @ m[:3, :3].T + m[:3, 3]
    return out


def _screen_box(uvz: np.ndarray) -> np.ndarray:
    return np.array([uvz[:, 0].min(), uvz[:, 0].max(), uvz[:, 1].min(), uvz[:, 1].max(), uvz[:, 2].min()])


def _faults(name, planned: np.ndarray, real: np.ndarray, sx: float, sy: float, floor: float = 0.0) -> list[str]:
    from llmreel.scenes.legibility import MIN_CAP

    ext = np.array([(real[1] - real[0]) * sx, (real[3] - real[2]) * sy])
    tol = np.maximum(TOL * np.maximum(ext, MIN_CAP), floor)
    err = np.abs(planned[:4] - real[:4]) * np.array([sx, sx, sy, sy])
    if np.all(err <= np.repeat(tol, 2)):
        return []
    return [f"{name}: planned {np.round(planned[:4], 4)} real {np.round(real[:4], 4)} "
            f"error/extent {np.round(err / np.repeat(np.maximum(ext, MIN_CAP), 2), 3)}"]


def planned_label_boxes(spec, corners: np.ndarray, cams, aspect) -> np.ndarray:
    """[K, N, 5] the labels' screen boxes as the planner measures them: where they stand, or for a title
    riding along a pan (Label.slide) where its keys move and scale it (screen.moved_screen)."""
    from llmreel.scenes.screen import CAP, box_screen, moved_screen

    planned = box_screen(corners, cams, aspect)
    moving = [i for i, l in enumerate(spec.labels) if l.slide]
    if moving:
        ls = [spec.labels[i] for i in moving]
        planned[:, moving] = moved_screen(corners[moving], [l.location for l in ls], [CAP * l.size for l in ls],
                                          [l.slide for l in ls], cams, aspect)[0]
    return planned


@pytest.mark.parametrize("language, aspect", [("en", "16:9"), ("ko", "16:9"), ("ko", "9:16")])
def test_planned_boxes_are_the_boxes_on_screen(bpy_factory, language, aspect):
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.scenes.camera import box_corners
    from llmreel.scenes.geometry import label_bounds, value_text_bounds
    from llmreel.scenes.legibility import block_screen, intervals_mask
    from llmreel.scenes.plan import plan_scene
    from llmreel.scenes.screen import Cameras, box_screen, scale

    spec = plan_scene(language=language, aspect=aspect)
    for l in spec.labels:               # every label drawn, whatever level of detail chose: boxes, not choice
        l.visible = []
    build.build_scene(spec, editable_text=True)
    scene, aspect = bpy.context.scene, spec.meta.aspect
    assert scene.render.resolution_x * aspect[1] == scene.render.resolution_y * aspect[0]
    frames = sample_frames(spec)
    assert len(frames) >= N_FRAMES - 1
    # and the middle of the first two value texts with words (their languages' boxes differ)
    worded = [v for v in spec.value_texts if v.text["en"] != v.text["ko"]][:2]
    frames = sorted(set(frames) | {int(round(sum(v.frames) / 2)) for v in worded})
    cams = Cameras(spec.camera, frames)
    corners = np.array([box_corners(*label_bounds(l, language)) for l in spec.labels]).reshape(-1, 8, 3)
    planned = planned_label_boxes(spec, corners, cams, aspect)                    # [K, N, 5]
    # value texts: in the build's language, which the planner's box (around every language's) holds
    vcorners = np.array([box_corners(*value_text_bounds(v, language)) for v in spec.value_texts]).reshape(-1, 8, 3)
    vplanned = box_screen(vcorners, cams, aspect)
    vboth = box_screen(np.array([box_corners(*value_text_bounds(v)) for v in spec.value_texts]), cams, aspect)
    values = {v.id: i for i, v in enumerate(spec.value_texts)}
    bxy, _ = block_screen(spec.blocks, cams, aspect, np.asarray(frames, float))  # [K, B, 5]
    sx, sy = scale(aspect)
    index = {l.id: i for i, l in enumerate(spec.labels)}
    faults, compared = [], {"labels": 0, "turned": 0, "blocks": 0, "values": 0}
    for k, f in enumerate(frames):
        scene.frame_set(f)
        cam = scene.camera
        loc = np.array(cam.matrix_world.translation)
        assert np.allclose(loc, cams.location[k], atol=1e-4 * (1 + np.abs(loc).max())), (f, loc, cams.location[k])
        # labels: the ones Blender shows are the ones the spec shows, at the planned place
        real = _real_boxes(bpy, scene, "llmreel_label")
        want = {l.id for l in spec.labels if intervals_mask(l.visible, np.array([float(f)]))[0]}
        assert set(real) == want, (f, sorted(set(real) ^ want)[:5])
        for lid, pts in real.items():
            uvz = _project(scene, cam, pts)
            if uvz[:, 2].min() <= cam.data.clip_start:
                continue
            rb, pb = _screen_box(uvz), planned[k, index[lid]]
            if rb[1] < 0 or rb[0] > 1 or rb[3] < 0 or rb[2] > 1:
                continue                                                          # off screen: nothing to see
            faults += _faults(f"frame {f} label {lid}", pb, rb, sx, sy)
            compared["labels"] += 1
            compared["turned"] += bool(spec.labels[index[lid]].rotation)
        # value texts Blender shows, in the build's language, at the planned place and inside the planned box
        real = _real_boxes(bpy, scene, "llmreel_value")
        assert set(real) == {v.id for v in spec.value_texts if intervals_mask([v.frames], np.array([float(f)]))[0]}
        for vid, pts in real.items():
            uvz = _project(scene, cam, pts)
            rb, pb, both = _screen_box(uvz), vplanned[k, values[vid]], vboth[k, values[vid]]
            if uvz[:, 2].min() <= cam.data.clip_start or rb[1] < 0 or rb[0] > 1 or rb[3] < 0 or rb[2] > 1:
                continue
            faults += _faults(f"frame {f} value {vid}", pb, rb, sx, sy)
            assert np.all(both[[0, 2]] <= pb[[0, 2]] + 1e-9) and np.all(pb[[1, 3]] <= both[[1, 3]] + 1e-9), vid
            compared["values"] += 1
        # cell blocks Blender draws at this frame (an all-dim block hides: the plates show it dim)
        blocks = {b.id: i for i, b in enumerate(spec.blocks)}
        for bid, pts in _real_boxes(bpy, scene, "llmreel_block").items():
            uvz = _project(scene, cam, pts)
            rb = _screen_box(uvz)
            if uvz[:, 2].min() <= cam.data.clip_start or rb[1] < 0 or rb[0] > 1 or rb[3] < 0 or rb[2] > 1:
                continue
            # a block's planned box holds its cells' depth (slabs in finals); flat tiles are drawn here, and
            # seen from above in a close-up that depth is up to ~1% of the frame on a one-row block
            faults += _faults(f"frame {f} block {bid}", bxy[k, blocks[bid]], rb, sx, sy, floor=0.01)
            compared["blocks"] += 1
    # row tags turned up their blocks' edges (spec.Label.rotation) are among them: the real text object turned
    assert compared["labels"] >= 100 and compared["turned"] >= 5 and compared["blocks"] >= 20, compared
    assert compared["values"] >= 2, compared
    assert not faults, f"{len(faults)} boxes off ({compared}):\n" + "\n".join(faults[:25])


def test_sticky_titles_are_where_the_planner_puts_them(bpy_factory):
    """Titles riding along a pan (9:16, where wide blocks are panned): at frames where their keys have
    moved or shrunk them, the real text objects (keyed location and scale) land on the planned boxes; in the
    default build (texts merged into meshes) they stay objects of their own, keyed."""
    bpy = bpy_factory
    from llmreel.blender_addon import build
    from llmreel.scenes.camera import box_corners
    from llmreel.scenes.geometry import label_bounds
    from llmreel.scenes.plan import plan_scene
    from llmreel.scenes.screen import Cameras, scale, slide_values

    spec = plan_scene(aspect="9:16")
    for l in spec.labels:
        l.visible = []
    build.build_scene(spec)                                         # merged texts: sticky ones stay objects
    real = {o.get("llmreel_label"): o for o in bpy.data.objects if o.get("llmreel_label")}
    moving = [l for l in spec.labels if l.slide]
    assert moving and all(l.id in real and real[l.id].animation_data for l in moving)
    build.build_scene(spec, editable_text=True)
    scene, aspect = bpy.context.scene, spec.meta.aspect
    # frames where a title has moved by more than its own height, or shrunk by a tenth, on screen
    frames = []
    for l in moving:
        f = np.array([k[0] for k in l.slide])
        off, s = slide_values(l.slide, f)
        far = f[(np.abs(off[:, 0]) > l.size) | (s < 0.9)]
        if far.size:
            frames.append(int(far[len(far) // 2]))
    frames = sorted(set(frames))[:: max(1, len(set(frames)) // 6)][:6]
    assert len(frames) >= 3, frames
    cams = Cameras(spec.camera, frames)
    corners = np.array([box_corners(*label_bounds(l, "en")) for l in spec.labels]).reshape(-1, 8, 3)
    planned = planned_label_boxes(spec, corners, cams, aspect)
    index = {l.id: i for i, l in enumerate(spec.labels)}
    ids = {l.id for l in moving}
    sx, sy = scale(aspect)
    faults, compared = [], 0
    for k, f in enumerate(frames):
        scene.frame_set(f)
        for lid, pts in _real_boxes(bpy, scene, "llmreel_label").items():
            if lid not in ids:
                continue
            rb = _screen_box(_project(scene, scene.camera, pts))
            if rb[4] <= scene.camera.data.clip_start or rb[1] < 0 or rb[0] > 1 or rb[3] < 0 or rb[2] > 1:
                continue
            faults += _faults(f"frame {f} label {lid}", planned[k, index[lid]], rb, sx, sy)
            compared += 1
    assert compared >= 3 and not faults, f"{compared} compared:\n" + "\n".join(faults[:25])

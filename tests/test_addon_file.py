"""The saved .blend stands alone (fresh process, auto-exec off, no add-on); rebuilding is safe in a user's file."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from addon_specs import small_spec

pytestmark = pytest.mark.bpy

_REOPEN = textwrap.dedent("""
    import sys
    import bpy
    path, frame, out_wb, out_cy = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)   # auto-exec off
    sc = bpy.context.scene
    sc.frame_set(frame)
    for engine, out in (("BLENDER_WORKBENCH", out_wb), ("CYCLES", out_cy)):
        sc.render.engine = engine
        sc.render.filepath = out
        bpy.ops.render.render(write_still=True)
    bpy.ops.wm.open_mainfile(filepath=path, load_ui=True, use_scripts=False)
    shading = {(sp.shading.type, sp.shading.color_type) for scr in bpy.data.screens for a in scr.areas
               for sp in a.spaces if sp.type == "VIEW_3D"}
    print("SHADING", sorted(shading))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "llmreel" or "llmreel" in m.split(".")[1:2])
    print("MODULES", loaded, "AUTOEXEC_FAIL", bpy.app.autoexec_fail)
""")


def _pixels(bpy, path):
    img = bpy.data.images.load(str(path))
    px = np.array(img.pixels[:], dtype=np.float32)
    bpy.data.images.remove(img)
    return px


def _settings(bpy):
    from llmreel.blender_addon import compat

    sc = bpy.context.scene
    compat.set_image_output(sc, "PNG", "RGB", "8")
    sc.render.resolution_x, sc.render.resolution_y, sc.render.resolution_percentage = 192, 108, 100
    sc.display.render_aa = "OFF"
    sc.cycles.samples, sc.cycles.use_denoising, sc.cycles.seed = 2, False, 0
    sc.cycles.device = "CPU"


def test_saved_file_renders_same_in_fresh_process(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build

    spec = small_spec()
    build.build_scene(spec, image_threshold=20)          # wte (24 cells) becomes an image plane: driver path
    _settings(bpy)
    frame = 50
    sc = bpy.context.scene
    sc.frame_set(frame)
    here = {}
    for engine in ("BLENDER_WORKBENCH", "CYCLES"):
        sc.render.engine = engine
        sc.render.filepath = str(tmp_path / f"here_{engine}.png")
        bpy.ops.render.render(write_still=True)
        here[engine] = _pixels(bpy, sc.render.filepath)
    blend = tmp_path / "scene.blend"
    build.save_blend(blend)
    assert blend.is_file() and not list(tmp_path.glob(".llmreel-*"))
    assert all(f.packed_file is not None for f in bpy.data.fonts if f.get("llmreel") and f.filepath != "<builtin>")
    assert all(i.packed_file is not None for i in bpy.data.images if i.get("llmreel"))

    wb, cy = tmp_path / "there_wb.png", tmp_path / "there_cy.png"
    proc = subprocess.run([sys.executable, "-c", _REOPEN, str(blend), str(frame), str(wb), str(cy)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "MODULES [] " in proc.stdout                  # neither llmreel nor the add-on was loaded
    assert "SHADING [('SOLID', 'VERTEX')]" in proc.stdout  # 3D views show the animated colour attribute
    assert np.array_equal(_pixels(bpy, wb), here["BLENDER_WORKBENCH"])
    assert np.array_equal(_pixels(bpy, cy), here["CYCLES"])
    # the frame is not trivially empty: several distinct colours of cells are visible
    assert len(np.unique(here["BLENDER_WORKBENCH"].reshape(-1, 4)[:, :3], axis=0)) > 20


def _counts(bpy):
    from llmreel.blender_addon import scene_io

    return {a: len(getattr(bpy.data, a)) for a in scene_io.ID_COLLECTIONS}


def test_rebuilds_keep_user_data_and_counts_stable(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import build, scene_io

    sc = bpy.context.scene
    mesh = bpy.data.meshes.new("user mesh")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    user_obj = bpy.data.objects.new("wte", mesh)                        # same name as one of our blocks
    sc.collection.objects.link(user_obj)
    user_mat = bpy.data.materials.new("LLMReel Cell v2")                # same name as our material
    mesh.materials.append(user_mat)
    user_group = bpy.data.node_groups.new("LLMReel Cell Look v1", "GeometryNodeTree")
    user_text = bpy.data.objects.new("note", bpy.data.curves.new("note", "FONT"))
    sc.collection.objects.link(user_text)
    user_world = bpy.data.worlds.new("user world")
    sc.world = user_world
    user_cam = bpy.data.objects.new("user cam", bpy.data.cameras.new("user cam"))
    sc.collection.objects.link(user_cam)
    sc.camera = user_cam
    before = _counts(bpy)

    spec = small_spec()
    build.build_scene(spec, image_threshold=20)
    first = _counts(bpy)
    for i in range(19):
        build.build_scene(small_spec(seed=i % 3), image_threshold=20)
        assert _counts(bpy) == first, i
    assert user_obj.name == "wte" and user_obj.data == mesh and mesh.materials[0] == user_mat
    assert user_mat.name == "LLMReel Cell v2" and not user_mat.get("llmreel")
    assert user_group.name == "LLMReel Cell Look v1" and len(user_group.nodes) == 0
    assert user_text.name in sc.collection.objects and user_obj.name in sc.collection.objects
    assert sc.world.get("llmreel") and sc.camera.get("llmreel")
    build.clear_scene()
    assert _counts(bpy) == before
    assert sc.world == user_world and sc.camera == user_cam
    assert not [i for a in scene_io.ID_COLLECTIONS for i in getattr(bpy.data, a) if i.get("llmreel")]


def test_property_keys_keep_their_saved_names():
    """Saved .blend files are read back through these keys: each is the prefix + its constant's name."""
    from llmreel.blender_addon import keys

    named = {k: v for k, v in vars(keys).items() if k.isupper()}
    assert named.pop("TAG") == "llmreel" and named.pop("PREFIX") == "llmreel_"
    assert len(named) >= 30 and len(set(named.values())) == len(named)
    assert all(v == "llmreel_" + k.lower() for k, v in named.items())

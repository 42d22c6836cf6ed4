"""The scale story in real Blender: each model one object of shaded slabs in its own small units, scaled;
the HUD plane, background and clip range keyed with the pull-back; a tiny frame renders GPT-3 filling it."""
from __future__ import annotations

import json

import numpy as np
from conftest import run_cli

from llmreel.scenes.plan import plan_scene


def test_scale_story_builds_and_renders_a_tiny_frame(bpy_factory, tmp_path):
    bpy = bpy_factory
    from llmreel.blender_addon import build, keys, render
    from llmreel.blender_addon.presets import RenderSettings

    spec = plan_scene("scale", fps=12)
    build.build_scene(spec)
    sc = bpy.context.scene
    bpy.context.view_layer.update()
    objs = {o[keys.SOLID]: o for o in bpy.data.objects if o.get(keys.SOLID)}
    assert sorted(objs) == sorted(s.id for s in spec.solids)
    for s in spec.solids:
        o = objs[s.id]
        co = np.empty(len(o.data.vertices) * 3, np.float32)
        o.data.vertices.foreach_get("co", co)
        assert len(co) == len(s.boxes) * 20 * 3 and np.abs(co).max() < 200          # local units, small
        assert np.allclose(o.scale, (s.scale,) * 3) and np.allclose(o.location, s.origin)
        lo, hi = s.bounds()
        world = np.array(o.matrix_world)
        pts = co.reshape(-1, 3).astype(np.float64) @ world[:3, :3].T + world[:3, 3]
        assert np.allclose(pts.min(0), lo, rtol=1e-5, atol=1e-4 * s.scale)
        assert np.allclose(pts.max(0), hi, rtol=1e-5, atol=1e-4 * s.scale)
    cam = sc.camera.data
    ratios = []
    for f in (spec.meta.frame_start, spec.beats[2].arrive, spec.meta.frame_end):
        sc.frame_set(f)
        ratios.append(cam.clip_end / cam.clip_start)
    assert cam.clip_start > 10 * spec.hud.clip_start                    # keyed out with the camera
    assert max(ratios) / min(ratios) < 20                               # one depth range all the way

    settings = RenderSettings(width=96, height=54, engine="workbench", samples=0, denoise=False, captions=False,
                              language="en", transparent=False, compositor=False)
    render.configure_render(sc, settings)
    out = render.render_frame(sc, spec.meta.frame_end, tmp_path / "end.png")
    px = np.asarray(render.load_pixels(out))[..., :3]
    # the slabs are the weight colour (blue leads); the dark gradient behind them is grey
    blue = (px[..., 2] > 0.3) & (px[..., 2] > px[..., 0] + 0.1)
    rows, cols = np.nonzero(blue)
    h, w = blue.shape
    assert blue.mean() > 0.15, blue.mean()                              # slabs, with gaps between them
    assert (cols.max() - cols.min()) / w > 0.6 and (rows.max() - rows.min()) / h > 0.45   # filling the frame


def test_scale_story_through_the_command_line(tmp_path):
    """`llmreel plan scale --json --check`, `build scale` and `still scale` as a user runs them."""
    p = run_cli("plan", "scale", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [c["name"] for c in doc["chapters"]] == ["scale"]
    assert doc["counts"]["solids"] == 4 and doc["counts"]["blocks"] == 0
    caps = [k["en"] for k in doc["chapters"][0]["captions"]]
    assert "85,728" in caps[0] and "175B" in caps[-1]
    p = run_cli("plan", "scale", "--check", "--aspect", "9:16")
    assert p.returncode == 0 and "frame check: no faults" in p.stdout, p.stdout[-500:]
    p = run_cli("build", "scale", "--out", str(tmp_path / "scale.blend"))
    assert p.returncode == 0 and (tmp_path / "scale.blend").stat().st_size > 0, p.stderr
    p = run_cli("still", "scale", "--frame", "1", "--resolution", "64x36", "--out", str(tmp_path / "s.png"))
    assert p.returncode == 0 and (tmp_path / "s.png").stat().st_size > 0, p.stderr


def test_the_scale_story_takes_any_model(tmp_path):
    """The scale story shows nothing of a model run (story model = "any"): `--model` a GPT-2 folder, with
    or without --text, plans the same film as without it (it was refused as a letters story)."""
    from tiny_gpt2 import write_tiny_gpt2

    folder = write_tiny_gpt2(tmp_path / "tiny-gpt2")
    plain = json.loads(run_cli("plan", "scale", "--json").stdout)
    for extra in ([], ["--text", "The cat"]):
        p = run_cli("plan", "scale", "--model", str(folder), *extra, "--json")
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        assert doc["chapters"] == plain["chapters"] and doc["counts"] == plain["counts"]

"""The round trip: the default scene built, changed with bpy as a user would in Blender, saved, and rendered
headless through `llmreel render FILE.blend` (subprocesses, real bpy, tiny Workbench pictures): the tweaks
show as in Blender's own render, the SRT holds the retyped caption, a rerun resumes, two workers give the
frames of one, and every bad input costs one line and exit status 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from llmreel.blender_addon import frames as fr

pytestmark = [pytest.mark.bpy, pytest.mark.slow]
W, H = 240, 136
FIRST, LAST = 4400, 4405              # mid "transformer": a wide view with weight blocks and a caption
MAGENTA, GREEN = (1.0, 0.0, 1.0), (0.0, 1.0, 0.0)
RETYPED = "Retyped in Blender: the round trip keeps it."


def _open(bpy, path: Path):
    bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False, use_scripts=False)
    return bpy.context.scene


def _small(scene) -> None:
    """What a user sets for a quick look: a tiny picture without anti-aliasing, a few frames."""
    r = scene.render
    r.resolution_x, r.resolution_y, r.resolution_percentage = W, H, 100
    scene.display.render_aa = "OFF"
    scene.frame_start, scene.frame_end = FIRST, LAST


def _tweak_a(bpy, scene) -> str:
    """Camera moved at a key, weight colour changed, the shown caption retyped, an animated magenta cube
    added, a chapter marker added near the end; returns the retyped caption's old text."""
    cam = scene.camera
    scene.frame_set(FIRST + 2)
    cam.location = (cam.location.x * 0.7, cam.location.y * 0.7, cam.location.z * 0.7)    # closer, at a key
    cam.keyframe_insert("location", frame=FIRST + 2)
    for obj in scene.objects:                 # every weight block turns green (weights never change: their
        if obj.get("llmreel_role") == "weight" and obj.type == "MESH":        # cells' colour is `Col` itself)
            for name in ("settled", "Col"):
                data = obj.data.attributes[name].data
                data.foreach_set("color", np.tile([*GREEN, 1.0], len(data)).astype(np.float32))
            obj.data.update()
    captions = [o for o in bpy.data.objects if o.type == "FONT" and "llmreel_caption" in o]
    scene.frame_set(FIRST)
    shown = next(o for o in captions if _caption_shown(o, FIRST))
    old = shown.data.body
    shown.data.body = RETYPED
    mesh = bpy.data.meshes.new("logo cube")
    mesh.from_pydata([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], [],
                     [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])
    col = mesh.color_attributes.new("Col", "FLOAT_COLOR", "POINT")
    col.data.foreach_set("color", np.tile([*MAGENTA, 1.0], 8).astype(np.float32))
    cube = bpy.data.objects.new("logo cube", mesh)
    scene.collection.objects.link(cube)
    target = cam.constraints[0].target.matrix_world.translation
    for f, dx in ((FIRST, -0.2), (LAST, 0.2)):                    # it slides across the camera's target
        scene.frame_set(f)
        size = (cam.matrix_world.translation - target).length * 0.05
        cube.scale = (size, size, size)
        cube.location = target + (cam.matrix_world.to_3x3().col[0] * dx * size * 20)
        cube.keyframe_insert("location", frame=f)
        cube.keyframe_insert("scale", frame=f)
    scene.timeline_markers.new("▸ outro", frame=LAST - 1)
    return old


def _caption_shown(obj, frame: int) -> bool:
    from llmreel.blender_addon.blend_story import shown_mask

    return bool(shown_mask(obj, np.array([frame]))[0])


def _tweak_b(bpy, scene) -> None:
    """The camera re-rigged: parented to a new empty that rises over the frames."""
    cam = scene.camera
    rig = bpy.data.objects.new("camera rig", None)
    scene.collection.objects.link(rig)
    scene.frame_set(LAST)
    rise = (cam.matrix_world.translation - cam.constraints[0].target.matrix_world.translation).length * 0.3
    for f, z in ((FIRST, 0.0), (LAST, rise)):
        rig.location = (0.0, 0.0, z)
        rig.keyframe_insert("location", frame=f)
    cam.parent = rig


def _save(bpy, path: Path) -> Path:
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=True, check_existing=False)
    return path


def _blender_render(bpy, blend: Path, frame: int, out: Path) -> np.ndarray:
    """Blender's own render of `frame` of the saved file (its settings, PNG 8-bit RGB)."""
    from llmreel.blender_addon.render import load_pixels

    scene = _open(bpy, blend)
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.frame_set(frame)
    scene.render.filepath = str(out)
    bpy.ops.render.render(write_still=True)
    return load_pixels(out)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """untouched.blend (the default build, small), a.blend and b.blend (tweaked), and a's old caption."""
    bpy = pytest.importorskip("bpy")
    d = tmp_path_factory.mktemp("roundtrip")
    built = d / "built.blend"
    proc = run_cli("build", "--out", str(built), timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = {}
    scene = _open(bpy, built)
    _small(scene)
    out["untouched"] = _save(bpy, d / "untouched.blend")
    out["old_caption"] = _tweak_a(bpy, scene)
    out["a"] = _save(bpy, d / "a.blend")
    _tweak_b(bpy, _open(bpy, out["untouched"]))
    out["b"] = _save(bpy, d / "b.blend")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return out


def render(blend: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    proc = run_cli("render", str(blend), "--out", str(out), *args, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def frames_of(out: Path, name: str) -> dict[int, Path]:
    return {int(p.stem.split("_")[1]): p for p in (out / f"{name}-frames").glob(fr.FRAME_GLOB)}


def pixels(path: Path) -> np.ndarray:
    from llmreel.blender_addon.render import load_pixels

    return load_pixels(path)[..., :3]


def count(px: np.ndarray, rgb) -> int:
    return int((np.abs(px - np.asarray(rgb)) < 0.1).all(axis=-1).sum())


def test_tweaks_render_headless_as_in_blender(files, tmp_path, bpy_factory):
    bpy = bpy_factory
    out = tmp_path / "out"
    proc = render(files["a"], out)
    assert f"{LAST - FIRST + 1} frames ({FIRST}-{LAST}) at {W}x{H}" in proc.stdout    # the file's own settings
    got = frames_of(out, "a")
    assert sorted(got) == list(range(FIRST, LAST + 1))
    base = tmp_path / "base"
    render(files["untouched"], base)
    before = frames_of(base, "untouched")
    for f in (FIRST, FIRST + 2, LAST):
        a, b = pixels(got[f]), pixels(before[f])
        assert count(a, MAGENTA) > 20 and count(b, MAGENTA) == 0, f                 # the added cube
        assert count(a, GREEN) > count(b, GREEN) + 20, f                            # the weight colour
        assert (np.abs(a - b) > 0.02).any(axis=-1).mean() > 0.03, f                 # the camera moved closer
        want = _blender_render(bpy, files["a"], f, tmp_path / f"blender_{f}.png")[..., :3]
        assert np.array_equal(a, want), (f, int((a != want).any(axis=-1).sum()))
    srt = (out / "a.srt").read_text()
    assert RETYPED in srt and files["old_caption"].strip()[:30] not in srt
    assert srt.startswith("1\n00:00:00,000 --> ")
    chapters = (out / "a.chapters.txt").read_text().splitlines()
    assert chapters[0].startswith("0:00 ") and "outro" not in chapters[0], chapters
    assert chapters[-1].endswith("outro") and len(chapters) == 2
    mp4 = out / "a.mp4"
    assert mp4.stat().st_size > 0

    again = render(files["a"], out)                                              # resume: nothing to do
    assert f"({0} rendered now, {LAST - FIRST + 1} reused)" in again.stdout

    two = tmp_path / "two"
    render(files["a"], two, "--workers", "2")
    for f, p in frames_of(two, "a").items():
        assert np.array_equal(pixels(p), pixels(got[f])), f


def test_recut_camera_and_short_chapter(files, tmp_path, bpy_factory):
    bpy = bpy_factory
    out = tmp_path / "out"
    render(files["b"], out, "--frames", f"{LAST - 1}-{LAST}")
    got = frames_of(out, "b")
    base = tmp_path / "base"
    render(files["untouched"], base, "--frames", f"{LAST}-{LAST}")
    a, b = pixels(got[LAST]), pixels(frames_of(base, "untouched")[LAST])
    assert (np.abs(a - b) > 0.02).any(axis=-1).mean() > 0.03                    # the rig lifted the camera
    want = _blender_render(bpy, files["b"], LAST, tmp_path / "blender.png")[..., :3]
    assert np.array_equal(a, want), int((a != want).any(axis=-1).sum())

    part = tmp_path / "part"
    render(files["a"], part, "--chapter", "outro")                           # the marker added in Blender
    assert sorted(frames_of(part, "a")) == [LAST - 1, LAST]
    assert (part / "a-outro.chapters.txt").read_text() == "0:00 outro\n"


def test_still_and_preset(files, tmp_path):
    still = tmp_path / "s.png"
    proc = run_cli("still", str(files["a"]), "--frame", "3", "--out", str(still), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"frame {FIRST + 2} of a.blend at {W}x{H}" in proc.stdout
    assert count(pixels(still), MAGENTA) > 20
    out = tmp_path / "q"
    proc = render(files["a"], out, "--quality", "draft", "--frames", f"{FIRST}-{FIRST}")
    assert "at 848x480, 30 fps, workbench" in proc.stdout                      # the draft at the file's aspect
    assert (out / "a-draft-f4400-4400.mp4").is_file()


def _no_camera(bpy, path: Path) -> Path:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return _save(bpy, path)


def _newer(bpy, path: Path) -> Path:
    bpy.ops.wm.read_factory_settings(use_empty=False)
    plain = path.with_name("plain.blend")
    bpy.ops.wm.save_as_mainfile(filepath=str(plain), compress=False, check_existing=False)
    data = bytearray(plain.read_bytes())
    v = bytes(f"{bpy.app.version_file[0]:02d}{bpy.app.version_file[1]:02d}", "ascii")
    i = data.index(b"v" + v) + 1                                                # the header's version
    data[i:i + 4] = b"9900"
    path.write_bytes(bytes(data))
    plain.unlink()
    return path


BAD = {
    "not a blend": (lambda bpy, p: p.write_text("this is not a blend file") or p, (), "not a readable .blend"),
    "truncated": (None, (), "truncated or damaged"),
    "newer": (_newer, (), "newer than this Blender"),
    "no camera": (_no_camera, (), "no active camera"),
    "unknown chapter": (None, ("--chapter", "no-such-chapter"), "unknown chapter"),
    "--lang": (None, ("--lang", "ko"), "--lang changes the story"),
    "--input": (None, ("--input", "ABCABC"), "--input changes the story"),
    "--aspect": (None, ("--aspect", "9:16"), "--aspect changes the story"),
    "--model": (None, ("--model", "w.safetensors"), "--model changes the story"),
    "--text": (None, ("--text", "The cat"), "--text changes the story"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_one_line_exit_2_before_any_work(case, files, tmp_path, bpy_factory):
    make, args, words = BAD[case]
    blend = tmp_path / "in" / "x.blend"
    blend.parent.mkdir()
    if case == "truncated":
        data = files["a"].read_bytes()
        blend.write_bytes(data[:len(data) // 2])
    elif make is not None:
        make(bpy_factory, blend)
    else:
        blend = files["a"]
    out = tmp_path / "out"
    proc = run_cli("render", str(blend), "--out", str(out), *args, timeout=300)
    assert_one_line_error(proc)
    assert words in proc.stderr, proc.stderr
    assert not out.exists() or not any(out.iterdir())


_SENT = """
import logging, sys
from distributed import Client, LocalCluster
from llmreel.blender_addon.blend_source import BlendSource, file_sha
from llmreel.render_scripts.distributed import send_file

def where(src):
    from llmreel.blender_addon.blend_file import local_path
    return str(local_path(src))

if __name__ == "__main__":
    path, sha = sys.argv[1], file_sha(sys.argv[1])
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None, silence_logs=logging.CRITICAL)
    client = Client(cluster)
    send_file(client, BlendSource(path, sha, upload="llmreel-sent.blend"))
    elsewhere = BlendSource("/no/such/disk/a.blend", sha, upload="llmreel-sent.blend")
    print("FOUND", client.submit(where, elsewhere).result())
    try:
        client.submit(where, BlendSource("/no/such/disk/a.blend", sha)).result()
    except RuntimeError as exc:
        print("MISSING", exc)
    client.close(); cluster.close()
"""


def test_a_worker_without_the_shared_disk_loads_the_copy_sent_to_it(files, tmp_path):
    script = tmp_path / "sent.py"
    script.write_text(_SENT)
    proc = subprocess.run([sys.executable, str(script), str(files["a"])], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = next(l for l in proc.stdout.splitlines() if l.startswith("FOUND "))[6:]
    assert found.endswith("/llmreel-sent.blend") and found != str(files["a"])
    assert "MISSING /no/such/disk/a.blend: not on this machine" in proc.stdout

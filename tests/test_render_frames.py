"""Real frames from the real scene (plan_scene -> build_scene) on Workbench and Cycles, and an MP4 made
from them by Blender's FFmpeg, read back. One build for the module keeps it to well under a minute."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon import presets

pytestmark = [pytest.mark.bpy, pytest.mark.slow]
SIZE = "160x90"


@pytest.fixture(scope="module")
def spec():
    bpy = pytest.importorskip("bpy")
    from llmreel.scenes.plan import plan_scene

    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield plan_scene(fps=12)
    bpy.ops.wm.read_factory_settings(use_empty=True)


def render(spec, tmp_path, frames, **overrides):
    """Frames through the same worker function the CLI uses; returns {frame: float [H, W, 4]}."""
    from llmreel.blender_addon.render import load_pixels, render_chunk

    s = presets.resolve("draft", resolution=SIZE, **overrides)
    key = fr.render_key(spec.digest(), s)
    out = tmp_path / s.engine
    out.mkdir()
    (out / ".token").write_text("")
    done = render_chunk(spec, s, key, frames, str(out), ".token")
    assert sorted(f for f, _ in done) == sorted(frames)
    for f in frames:
        assert fr.is_valid_frame(fr.frame_path(out, f), key, (s.width, s.height))
    return out, {f: load_pixels(fr.frame_path(out, f)) for f in frames}


def mid_frame(ch, at=0.6):
    return ch.first_frame + int(at * (ch.last_frame - ch.first_frame))


def assert_not_blank(px):
    rgb = px[..., :3]
    assert rgb.std() > 0.02, "frame is (nearly) one flat colour"
    # something besides the background: cells, labels and captions cover some of the picture
    bg = np.median(rgb.reshape(-1, 3), axis=0)
    assert (np.abs(rgb - bg).max(axis=-1) > 0.1).mean() > 0.005


def test_two_chapters_on_workbench_and_one_on_cycles(spec, tmp_path):
    a, b = spec.chapters[1], spec.chapters[3]
    fa, fb = mid_frame(a), mid_frame(b)
    _, wb = render(spec, tmp_path, [fa, fb])
    _, cy = render(spec, tmp_path, [fb], engine="cycles", samples=2)
    images = [wb[fa], wb[fb], cy[fb]]
    for px in images:
        assert px.shape == (90, 160, 4)
        assert_not_blank(px)
    for i in range(3):
        for j in range(i + 1, 3):
            assert np.abs(images[i][..., :3] - images[j][..., :3]).mean() > 0.005, (i, j)


def test_mp4_of_a_few_frames_reads_back(spec, tmp_path):
    import bpy

    from llmreel.blender_addon.render import assemble_mp4

    ch = spec.chapters[2]
    frames = list(range(ch.first_frame, ch.first_frame + 6))
    folder, pixels = render(spec, tmp_path, frames)
    mp4 = assemble_mp4([fr.frame_path(folder, f) for f in frames], 12, (160, 90), tmp_path / "part.mp4")
    data = mp4.read_bytes()
    assert data[4:8] == b"ftyp" and b"avc1" in data          # an MP4 holding H.264
    assert not list(tmp_path.glob(".*.tmp.mp4"))
    clip = bpy.data.movieclips.load(str(mp4))
    assert clip.frame_duration == 6 and tuple(clip.size) == (160, 90)
    img = bpy.data.images.load(str(mp4))                       # first frame, decoded by Blender's FFmpeg
    px = np.empty(160 * 90 * 4, dtype=np.float32)
    img.pixels.foreach_get(px)
    first = px.reshape(90, 160, 4)[::-1, :, :3]
    want = pixels[frames[0]][..., :3]
    assert np.abs(first - want).mean() < 0.015                 # lossy, but the same picture, and the
    assert np.abs(first.mean(axis=(0, 1)) - want.mean(axis=(0, 1))).max() < 0.01    # same colours (no
                                                               # second tone mapping: AgX darkened ~0.03)

    # --audio: a generated tone muxed as AAC next to the same H.264 stream
    import math
    import struct
    import wave

    tone = tmp_path / "tone.wav"
    with wave.open(str(tone), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(22050)))
    with_audio = assemble_mp4([fr.frame_path(folder, f) for f in frames], 12, (160, 90), tmp_path / "a.mp4", tone)
    data = with_audio.read_bytes()
    assert b"avc1" in data and b"mp4a" in data
    assert bpy.data.movieclips.load(str(with_audio)).frame_duration == 6


def test_panel_buttons_render_still_and_animation(spec, tmp_path):
    """The sidebar's Render still / Render animation operators on the built scene (same API as the CLI)."""
    import bpy

    import llmreel.blender_addon as addon
    from llmreel.blender_addon.render import prepare_scene

    scene = prepare_scene(spec, presets.resolve("draft", resolution=SIZE))
    bpy.context.window_manager  # noqa: B018 - present headless too
    addon.register()
    old = scene.frame_start, scene.frame_end, scene.frame_current, scene.render.filepath
    try:
        scene.render.filepath = str(tmp_path) + "/"
        scene.frame_current = spec.chapters[1].first_frame + 10
        assert bpy.ops.llmreel.render_still(quality="draft", resolution=SIZE) == {"FINISHED"}
        (still,) = tmp_path.glob("llmreel_still_*.png")
        info = fr.png_info(still.read_bytes())
        assert info["width"] == 160 and info["key"]                   # sealed like the CLI's stills
        scene.frame_start, scene.frame_end = scene.frame_current, scene.frame_current + 2
        assert bpy.ops.llmreel.render_animation(quality="draft", resolution=SIZE) == {"FINISHED"}
        made = sorted((tmp_path / "llmreel_frames").glob(fr.FRAME_GLOB))
        assert len(made) == 3 and len({fr.png_info(f.read_bytes())["key"] for f in made}) == 1
        assert not list(tmp_path.rglob(".*tmp*"))                      # no temporary left behind
        assert bpy.data.movieclips.load(str(tmp_path / "llmreel.mp4")).frame_duration == 3
    finally:
        scene.frame_start, scene.frame_end, scene.frame_current, scene.render.filepath = old
        addon.unregister()

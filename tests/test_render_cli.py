"""`llmreel render / still / contact-sheet` end to end, as a user runs them (subprocesses, real bpy):
bad input, SIGKILL + resume, stale frames, two local workers, a Dask worker lost mid-chunk, stills, the
contact sheet in Korean. Tiny pictures (160x90, Workbench) keep each render to its scene build."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from llmreel.blender_addon import frames as fr

pytestmark = [pytest.mark.bpy, pytest.mark.slow]
SIZE = ("--resolution", "160x90", "--no-captions")
N_FRAMES = 10
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def part():
    """A 10-frame stretch of the default story (at the draft's 12 fps) as '--frames A-B'."""
    from llmreel.scenes.plan import plan_scene

    ch = plan_scene(fps=12).chapters[2]
    a = ch.first_frame + 5
    return f"{a}-{a + N_FRAMES - 1}", list(range(a, a + N_FRAMES))


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "llmreel.render_scripts.cli", *args]


def frames_dir(out: Path) -> Path:
    (d,) = [p for p in out.iterdir() if p.name.endswith("-frames")]
    return d


def frame_files(out: Path) -> dict[int, Path]:
    return {int(p.stem.split("_")[1]): p for p in frames_dir(out).glob(fr.FRAME_GLOB)}


def wait_for_frames(out: Path, n: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        # the frames folder, not just anything in `out`: the render may write another file there first; and
        # `out` may come and go before that (the render's check that it can write there leaves nothing behind)
        with contextlib.suppress(FileNotFoundError):
            if any(p.name.endswith("-frames") for p in out.iterdir()) and len(frame_files(out)) >= n:
                return
        assert proc.poll() is None, f"render ended early: {proc.returncode}"
        time.sleep(0.05)
    raise AssertionError("no frame landed in time")


def pixels(path: Path) -> np.ndarray:
    pytest.importorskip("bpy")
    from llmreel.blender_addon.render import load_pixels

    return load_pixels(path)


def assert_same_frames(out_a: Path, out_b: Path, frames: list[int]) -> None:
    fa, fb = frame_files(out_a), frame_files(out_b)
    for f in frames:
        assert np.array_equal(pixels(fa[f]), pixels(fb[f])), f"frame {f} differs"


def mp4_of(out: Path) -> Path:
    (mp4,) = list(out.glob("*.mp4"))
    return mp4


def assert_video(out: Path, n: int) -> None:
    import bpy

    clip = bpy.data.movieclips.load(str(mp4_of(out)))
    try:
        assert clip.frame_duration == n and tuple(clip.size) == (160, 90)
    finally:
        bpy.data.movieclips.remove(clip)


# ---- bad input: one line, exit 2, nothing written ----------------------------------------------------
BAD = [
    ("render", "--chapter", "no-such-chapter"),
    ("render", "--resolution", "12x12"),
    ("render", "--resolution", "wide"),
    ("render", "no_such_story"),
    ("render", "--input", "ABCDEFGHIJ"),
    ("render", "--frames", "9-3"),
    ("render", "--frames", "1-999999"),
    ("render", "--lang", "fr"),
    ("render", "--scheduler", "localhost:8786"),
    ("render", "--audio", "/no/such/track.wav"),
    ("render", "--workers", "0"),
    ("render", "--resolution", "161x91"),
    ("still", "--chapter", "no-such-chapter"),
    ("still", "--chapter", "1", "--at", "1.5"),
    ("still", "--time", "-1"),
    ("still", "--time", "100000"),
    ("still", "--chapter", "1", "--time", "2", "--at", "0.5"),
    ("contact-sheet", "--columns", "0"),
    ("still", "--chapter", "1", "--on", "beige"),
    ("still", "--chapter", "1", "--theme", "neon"),
    ("render", "--theme", "neon"),
    ("contact-sheet", "--theme", "neon"),
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_one_line_exit_2_nothing_written(args, tmp_path):
    out = tmp_path / "out"
    dest = ["--out", str(out)] if args[0] == "render" else ["--out", str(out / "x.png")]
    proc = run_cli(*args, *dest, timeout=120)
    assert_one_line_error(proc)
    assert listing(tmp_path) == []


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def wav(path: Path, frames: int) -> Path:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\1" * frames)
    return path


AUDIO = {  # file name -> how to make it (from a folder), words in the refusal
    "text.wav": (lambda d: (d / "text.wav").write_text("narration, but as text\n" * 20), "not audio"),
    "picture.wav": (lambda d: (d / "picture.wav").write_bytes(
        next((Path(__file__).parent / "reference_frames").glob("*.png")).read_bytes()), "not audio"),
    "empty.mp3": (lambda d: (d / "empty.mp3").write_bytes(b""), "is empty"),
    "cut.wav": (lambda d: (d / "cut.wav").write_bytes(wav(d / "whole.wav", 800).read_bytes()[:30]), "not audio"),
    "silent.wav": (lambda d: wav(d / "silent.wav", 0), "no sound"),
    "noise.ogg": (lambda d: (d / "noise.ogg").write_bytes(os.urandom(4000)), "not audio"),
    "song.mid": (lambda d: (d / "song.mid").write_bytes(b"MThd"), "unsupported type"),
}


@pytest.mark.parametrize("name", list(AUDIO))
def test_audio_that_is_not_audio_is_refused_before_planning(name, tmp_path):
    make, words = AUDIO[name]
    src = tmp_path / "in"
    src.mkdir()
    make(src)
    before = listing(tmp_path)
    proc = run_cli("render", "no_such_story", "--audio", str(src / name), "--out", str(tmp_path / "out"),
                   timeout=120)
    assert_one_line_error(proc)
    assert words in proc.stderr and ".wav" in proc.stderr and "no_such_story" not in proc.stderr, proc.stderr
    assert listing(tmp_path) == before


def test_real_audio_passes_the_check(tmp_path):
    proc = run_cli("render", "no_such_story", "--audio", str(wav(tmp_path / "tone.wav", 8000)),
                   "--out", str(tmp_path / "out"), timeout=120)
    assert_one_line_error(proc)
    assert "no_such_story" in proc.stderr and listing(tmp_path) == ["tone.wav"]


def test_bad_input_after_planning_leaves_an_existing_output_folder_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    for args in (("render", "--chapter", "no-such-chapter", "--out", str(out)),
                 ("still", "--chapter", "no-such-chapter", "--out", str(out / "x.png"))):
        assert_one_line_error(run_cli(*args, timeout=120))
        assert listing(tmp_path) == ["out", "out/mine.txt"]


def test_still_with_a_bare_file_name_in_the_working_folder(tmp_path):
    proc = run_cli("still", *SIZE, "--quality", "draft", "--chapter", "1", "--out", "x.png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert listing(tmp_path) == ["x.png"] and fr.png_info((tmp_path / "x.png").read_bytes())["width"] == 160


# ---- resume ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def resumed(part, tmp_path_factory):
    """Render killed with SIGKILL once its first frames land, then rerun: (out folder, kept frames)."""
    spec, frames = part
    out = tmp_path_factory.mktemp("resume")
    args = cli("render", *SIZE, "--frames", spec, "--out", str(out))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_frames(out, 2, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    kept = {f: (p.stat().st_ino, p.stat().st_mtime_ns) for f, p in frame_files(out).items()}
    assert 2 <= len(kept) < N_FRAMES, "the kill should land mid-render"
    rerun = run_cli("render", *SIZE, "--frames", spec, "--out", str(out), timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    return out, kept, rerun.stdout


def test_sigkill_then_rerun_renders_each_frame_once(resumed, part):
    out, kept, stdout = resumed
    _, frames = part
    assert f"{len(kept)} already done" in stdout
    assert f"{N_FRAMES - len(kept)} rendered now" in stdout
    files = frame_files(out)
    assert sorted(files) == frames
    for f, stamp in kept.items():              # the frames that survived the kill were not redone
        assert (files[f].stat().st_ino, files[f].stat().st_mtime_ns) == stamp
    assert not list(frames_dir(out).glob(".*.tmp.png"))
    assert_video(out, N_FRAMES)
    assert (out / mp4_of(out).name.replace(".mp4", ".srt")).exists()
    assert re.match(r"0:00 \S", (out / mp4_of(out).name.replace(".mp4", ".chapters.txt")).read_text())


def test_two_local_workers_equal_one_process_and_the_resumed_run(resumed, part, tmp_path):
    """An uninterrupted render on a local Dask cluster of 2 worker processes gives, pixel for pixel, the
    frames the single-process run made across its SIGKILL and resume."""
    spec, frames = part
    two = tmp_path / "two"
    proc = run_cli("render", *SIZE, "--frames", spec, "--out", str(two), "--workers", "2", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "2 local worker processes" in proc.stdout
    assert "ERROR" not in proc.stderr, proc.stderr       # Dask's recovered hiccups are not the user's errors
    assert_same_frames(two, resumed[0], frames)
    assert_video(two, N_FRAMES)


def test_changed_setting_or_input_re_renders(resumed, part, tmp_path):
    out = tmp_path / "copy"                       # a copy: the other tests compare against the original
    shutil.copytree(resumed[0], out)
    spec, frames = part
    old_key = fr.png_info(frame_files(out)[frames[0]].read_bytes())["key"]
    sub = f"{frames[0]}-{frames[1]}"
    proc = run_cli("render", *SIZE, "--samples", "5", "--frames", sub, "--out", str(out), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "0 already done" in proc.stdout and "2 rendered now" in proc.stdout
    new_key = fr.png_info(frame_files(out)[frames[0]].read_bytes())["key"]
    assert new_key != old_key
    # a changed input gives another scene, so another key for the same frame numbers and settings
    from llmreel.blender_addon.presets import resolve
    from llmreel.scenes.plan import plan_scene

    s = resolve("draft", resolution="160x90", captions=False)
    keys = {fr.render_key(plan_scene(fps=12, input=i).digest(), s) for i in ("CBABBC", "ABCCBA")}
    assert len(keys) == 2


# ---- Dask: a worker lost mid-chunk -----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def test_dask_worker_killed_mid_chunk_still_completes(resumed, part, tmp_path):
    spec, frames = part
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    worker = [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny", "--memory-limit", "0",
              "--no-dashboard"]
    procs = [start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])]
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        first = start(worker)
        procs.append(first)
        out = tmp_path / "dask"
        render = subprocess.Popen(cli("render", *SIZE, "--frames", spec, "--out", str(out), "--scheduler", address),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(render)
        wait_for_frames(out, 1, render)
        first.send_signal(signal.SIGKILL)          # its one chunk has landed a frame, the rest is pending
        first.wait()
        landed = len(frame_files(out))
        assert landed < N_FRAMES, "the worker should die mid-chunk"
        procs.append(start(worker))                # a fresh worker picks the chunk up again
        stdout, stderr = render.communicate(timeout=600)
        assert render.returncode == 0, stderr
        assert_video(out, N_FRAMES)
        assert_same_frames(out, resumed[0], frames)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()


# ---- stills and the contact sheet ------------------------------------------------------------------
def test_still_transparent_has_requested_size_and_alpha(tmp_path):
    out = tmp_path / "still.png"
    proc = run_cli("still", "--chapter", "2", "--at", "0.6", "--resolution", "320x180", "--engine", "workbench",
                   "--transparent", "--out", str(out), timeout=600)
    assert proc.returncode == 0, proc.stderr
    px = pixels(out)
    assert px.shape == (180, 320, 4)
    assert px[0, 0, 3] == 0 and px[0, -1, 3] == 0           # top corners: background, see-through
    assert px[-1, 0, 3] == 0 and px[-1, -1, 3] == 0         # bottom corners too: no caption band
    assert (px[..., 3] == 1).mean() > 0.001                 # blocks are opaque


def test_contact_sheet_in_korean(tmp_path):
    from llmreel.render_scripts.contact import GAP, grid_shape
    from llmreel.scenes.plan import plan_scene

    out = tmp_path / "sheet.png"
    proc = run_cli("contact-sheet", "--lang", "ko", "--resolution", "160x90", "--columns", "3",
                   "--out", str(out), timeout=600)
    assert proc.returncode == 0, proc.stderr
    n = len(plan_scene(fps=12).chapters)
    rows, cols = grid_shape(n, 3)
    px = pixels(out)
    assert px.shape == (rows * 90 + (rows + 1) * GAP, cols * 160 + (cols + 1) * GAP, 4)
    for i in range(n):                                       # every tile holds a picture
        r, c = divmod(i, cols)
        tile = px[GAP + r * (90 + GAP):GAP + r * (90 + GAP) + 90, GAP + c * (160 + GAP):GAP + c * (160 + GAP) + 160]
        assert tile[..., :3].std() > 0.02, f"tile {i} is blank"


# ---- stills for slides: --on, --captions, --theme ---------------------------------------------------
def test_theme_is_accepted_by_every_scene_command():
    from llmreel.render_scripts.cli import build_parser
    from llmreel.render_scripts.cmd_render import plan_job

    parser = build_parser()
    for cmd in ("plan", "build", "render", "still", "contact-sheet"):
        extra = ["--out", "x.blend"] if cmd == "build" else ["--out", "x.png"] if cmd != "plan" else []
        args = parser.parse_args([cmd, "--theme", "light", *extra])
        assert args.theme == "light", cmd
        if cmd in ("render", "still", "contact-sheet"):        # and reaches the plan
            args.quality = "draft"
            job = plan_job(args, on=getattr(args, "on", None))
            assert job.spec.meta.theme == "light" and job.spec.theme.background == (0.92, 0.93, 0.95), cmd
    args = parser.parse_args(["still", "--theme", "light", "--on", "dark", "--out", "x.png"])
    assert args.captions is False                                # stills: captions only when asked
    args.quality = "draft"
    assert plan_job(args, on=args.on).spec.meta.theme == "light-on-dark"
    for cmd in ("render", "contact-sheet"):
        assert parser.parse_args([cmd, "--out", "x.png"]).captions is True


def test_on_and_transparent_are_accepted_by_plan_and_build_as_by_still(tmp_path):
    """`plan --on light --transparent --out spec.npz` saves the still's spec (slide colours, no bands); `build`
    takes the same options, or that spec, and saves a .blend with a transparent film and no band."""
    from llmreel.render_scripts.cli import build_parser
    from llmreel.scenes.spec import SceneSpec
    from llmreel.scenes.themes import SLIDES

    parser = build_parser()
    for cmd in ("plan", "build", "still"):
        extra = ["--out", "x.blend"] if cmd == "build" else ["--out", "x.png"] if cmd == "still" else []
        args = parser.parse_args([cmd, "--on", "light", "--transparent", *extra])
        assert (args.on, args.transparent) == ("light", True), cmd
    spec_file = tmp_path / "slide.npz"
    proc = run_cli("plan", "attention_only", "--theme", "light", "--on", "dark", "--transparent",
                   "--out", str(spec_file), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "theme light-on-dark" in proc.stdout
    spec = SceneSpec.load(spec_file)
    assert spec.meta.theme == "light-on-dark" and spec.theme.text == SLIDES["dark"]["text"]
    bands = [c.band.color for c in spec.hud.cards] + [c.band.color for p in spec.hud.captions for c in p.values()]
    assert bands and not any(bands)
    outs = {"spec": tmp_path / "spec.blend", "planned": tmp_path / "planned.blend"}
    for name, flags in (("spec", ["--spec", str(spec_file)]), ("planned", ["attention_only", "--on", "light"])):
        proc = run_cli("build", *flags, "--transparent", "--out", str(outs[name]), timeout=600)
        assert proc.returncode == 0, proc.stderr
    probe = ("import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[-1]); s = bpy.context.scene; "
             "print('RESULT', s.render.film_transparent, sum('band' in o.name for o in s.objects), "
             "tuple(round(c, 3) for c in s.world.color))")
    for name, world in (("spec", SLIDES["dark"]["background"]), ("planned", SLIDES["light"]["background"])):
        proc = subprocess.run([sys.executable, "-c", probe, str(outs[name])], capture_output=True, text=True,
                              timeout=300)
        line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT"))
        assert line == f"RESULT True 0 {tuple(round(c, 3) for c in world)}", (name, line)


BAD_LOOK = [("plan", "--theme", "neon"), ("build", "--theme", "neon", "--out", "x.blend"),
            ("plan", "--on", "beige"), ("build", "--on", "beige", "--out", "x.blend")]


@pytest.mark.parametrize("args", BAD_LOOK, ids=[" ".join(a) for a in BAD_LOOK])
def test_bad_theme_for_plan_and_build_is_one_line(args, tmp_path):
    assert_one_line_error(run_cli(*args, timeout=120, cwd=tmp_path))
    assert listing(tmp_path) == []


def test_transparent_still_has_no_caption_band_and_captions_only_when_asked(tmp_path):
    """`--captions` on a transparent still draws the caption as outlined text: nothing of the old opaque
    band (the background colour at full alpha) in the band's rectangle, and the caption's words show."""
    from llmreel.blender_addon.presets import size_for_aspect
    from llmreel.render_scripts.contact import srgb
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene(fps=12)                                   # the draft's plan, with its bands
    ch = spec.chapters[1]
    frame = ch.first_frame + int(round(0.6 * (ch.last_frame - ch.first_frame)))
    (i,) = [k for k, c in enumerate(spec.captions) if c.first_frame <= frame <= c.last_frame]
    band = spec.hud.captions[i]["en"].band
    (fw, fh), (w, h) = spec.hud.frame, size_for_aspect(180, (16, 9))
    x0, x1 = (np.array([-0.5, 0.5]) * band.size[0] + band.location[0]) / fw + 0.5
    y0, y1 = 0.5 - (np.array([0.5, -0.5]) * band.size[1] + band.location[1]) / fh
    rows, cols = slice(max(0, int(y0 * h)), int(np.ceil(y1 * h))), slice(max(0, int(x0 * w)), int(np.ceil(x1 * w)))
    old_band = np.array([srgb(c) for c in spec.theme.background])

    px = {}
    for name, flags in (("with", ["--captions"]), ("without", [])):
        out = tmp_path / f"{name}.png"
        proc = run_cli("still", "--quality", "draft", "--resolution", f"{w}x{h}", "--chapter", "2", "--at", "0.6",
                       "--transparent", *flags, "--out", str(out), timeout=600)
        assert proc.returncode == 0, proc.stderr
        px[name] = pixels(out)[rows, cols]
    for p in px.values():
        opaque_band = (np.abs(p[..., :3] - old_band).max(axis=-1) < 2 / 255) & (p[..., 3] == 1)
        assert not opaque_band.any(), int(opaque_band.sum())
    drawn = np.abs(px["with"] - px["without"]).max(axis=-1) > 0.1
    assert drawn.sum() > 50                                      # the caption's words (and their outline)
    text = drawn & (np.abs(px["with"][..., :3] - [srgb(c) for c in spec.theme.text]).max(axis=-1) < 2 / 255)
    outline = drawn & (px["with"][..., :3].max(axis=-1) < 2 / 255) & (px["with"][..., 3] == 1)
    assert text.sum() > 10 and outline.sum() > 10, (int(text.sum()), int(outline.sum()))

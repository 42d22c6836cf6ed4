"""Pure parts of the render pipeline: presets, frame keys and PNG checks, chunking, SRT/chapters text.
No bpy; property-style where a rule covers a whole input space."""
from __future__ import annotations

import struct
import zlib
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon import presets
from llmreel.core import options
from llmreel.core.errors import InputError
from llmreel.core.files import write_bytes_atomic
from llmreel.core.options import parse_resolution
from llmreel.render_scripts import video
from llmreel.render_scripts.cmd_render import check_scheduler, parse_frames
from llmreel.render_scripts.distributed import MIN_CHUNK, make_chunks


def tiny_png(width: int, height: int, extra: bytes = b"") -> bytes:
    """A valid grey RGB PNG built by hand (no imaging library)."""
    def chunk(t: bytes, p: bytes) -> bytes:
        return struct.pack(">I", len(p)) + t + p + struct.pack(">I", zlib.crc32(t + p) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes([128, 64, 32]) * width for _ in range(height))
    return (fr.PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---- presets -------------------------------------------------------------------------------------
@given(st.integers(options.MIN_SIDE, options.MAX_SIDE), st.integers(options.MIN_SIDE, options.MAX_SIDE))
def test_resolution_round_trip(w, h):
    assert parse_resolution(f"{w}x{h}") == (w, h)


@pytest.mark.parametrize("text", ["", "1920", "1920x", "x1080", "axb", "0x0", "8x8", "20000x100", "-5x10", "1920*1080"])
def test_bad_resolution_is_input_error(text):
    with pytest.raises(InputError, match="resolution"):
        parse_resolution(text)


@given(st.sampled_from([240, 360, 480, 720, 1080, 2160]), st.integers(1, 32), st.integers(1, 32))
def test_size_for_aspect_even_and_close_to_ratio(short, aw, ah):
    if max(aw / ah, ah / aw) > 4:
        return
    w, h = presets.size_for_aspect(short, (aw, ah))
    assert min(w, h) == short and w % 2 == 0 and h % 2 == 0
    assert abs(w / h - aw / ah) <= 2.0 / min(w, h) * max(aw / ah, 1)   # off by at most the rounding
    assert (w >= h) == (aw >= ah)


def test_presets_meet_the_brief():
    draft = presets.resolve("draft")
    assert (draft.width, draft.height) == (854, 480) and draft.engine == "workbench"
    assert presets.preset_fps("draft") >= 12
    final = presets.resolve("final")
    assert (final.width, final.height) == (1920, 1080) and final.samples >= 5 and final.compositor   # issue 11
    assert presets.resolve("draft", aspect=(9, 16)).height == 854


@pytest.mark.parametrize("kwargs,match", [({"engine": "povray"}, "engine"), ({"language": "fr"}, "language"),
                                          ({"samples": -1}, "samples")])
def test_bad_overrides(kwargs, match):
    with pytest.raises(InputError, match=match):
        presets.resolve("draft", **kwargs)


def test_unknown_quality():
    with pytest.raises(InputError, match="draft"):
        presets.resolve("ultra")


def test_settings_change_the_key():
    a = presets.resolve("draft")
    b = presets.resolve("draft", samples=8)
    assert fr.render_key("s", a) == fr.render_key("s", presets.resolve("draft"))
    assert fr.render_key("s", a) != fr.render_key("s", b) != fr.render_key("t", b)
    assert fr.render_key("s", a) != fr.render_key("s", a, extra="bpy 5.0.1")


def test_settings_travel_whole():
    """Dask ships RenderSettings to its workers: it pickles to an equal, still frozen value."""
    import dataclasses
    import pickle

    s = presets.resolve("preview", aspect=(9, 16), language="ko")
    back = pickle.loads(pickle.dumps(s))
    assert back == s and type(back) is presets.RenderSettings
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.width = 1


# ---- PNG frames ----------------------------------------------------------------------------------
@given(st.integers(1, 40), st.integers(1, 40), st.text("0123456789abcdef", min_size=1, max_size=40))
@settings(max_examples=40)
def test_key_round_trip(w, h, key):
    data = fr.with_key(tiny_png(w, h), key)
    info = fr.png_info(data)
    assert (info["width"], info["height"], info["key"]) == (w, h, key)
    assert fr.png_info(fr.with_key(data, "other"))["key"] == "other"     # replaced, not duplicated


@given(st.data())
@settings(max_examples=60)
def test_any_truncation_or_bit_flip_is_rejected(data):
    png = fr.with_key(tiny_png(7, 5), "k")
    cut = data.draw(st.integers(0, len(png) - 1))
    with pytest.raises(ValueError):
        fr.png_info(png[:cut])
    i = data.draw(st.integers(len(fr.PNG_SIGNATURE) + 8, len(png) - 1))  # past the first length field
    flipped = bytearray(png)
    flipped[i] ^= 0x01
    with pytest.raises(ValueError):
        fr.png_info(bytes(flipped))


def test_valid_frame_needs_key_and_size(tmp_path):
    p = fr.frame_path(tmp_path, 3)
    assert p.name == "frame_00003.png"
    write_bytes_atomic(p, fr.with_key(tiny_png(8, 6), "k1"))
    assert fr.is_valid_frame(p, "k1", (8, 6))
    assert not fr.is_valid_frame(p, "k2", (8, 6))
    assert not fr.is_valid_frame(p, "k1", (6, 8))
    assert fr.missing_frames(tmp_path, [2, 3, 4], "k1", (8, 6)) == [2, 4]
    assert not list(tmp_path.glob(".*"))                               # no temporaries left


def test_seal_frame_moves_atomically(tmp_path):
    raw = tmp_path / ".frame_00001.r1.tmp.png"
    raw.write_bytes(tiny_png(4, 4))
    final = fr.frame_path(tmp_path, 1)
    fr.seal_frame(raw, final, "key")
    assert not raw.exists() and fr.is_valid_frame(final, "key", (4, 4))
    assert [p.name for p in tmp_path.iterdir()] == ["frame_00001.png"]


# ---- chunks and batches --------------------------------------------------------------------------
@given(st.lists(st.integers(1, 5000), unique=True, max_size=300), st.integers(1, 8))
def test_chunks_cover_frames_in_order(frames, workers):
    frames = sorted(frames)
    chunks = make_chunks(frames, workers)
    assert [f for c in chunks for f in c] == frames
    assert all(chunks)
    if chunks:
        sizes = [len(c) for c in chunks]
        assert max(sizes) - min(sizes) <= 1
        n = len(frames)
        want = 1 if workers == 1 else max(min(workers, n), min(n // MIN_CHUNK, workers * 16))
        assert len(chunks) == want
        if want > workers:
            assert min(sizes) >= MIN_CHUNK


@given(st.lists(st.integers(1, 500), unique=True, max_size=200), st.integers(1, 30))
def test_batches_are_contiguous_runs(frames, size):
    runs = fr.batches(frames, size)
    assert [f for a, b in runs for f in range(a, b + 1)] == sorted(frames)
    assert all(0 <= b - a < size for a, b in runs)


# ---- argument checks -----------------------------------------------------------------------------
def test_parse_frames():
    assert parse_frames("10-50") == (10, 50) and parse_frames("7") == (7, 7)
    for bad in ("", "0-5", "9-3", "a-b", "1-2-3"):
        with pytest.raises(InputError, match="frames"):
            parse_frames(bad)


def test_scheduler_address():
    assert check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    for bad in ("10.0.0.5:8786", "http://x:1", "tcp://host", "tcp://:80"):
        with pytest.raises(InputError, match="scheduler"):
            check_scheduler(bad)


# ---- side files ----------------------------------------------------------------------------------
def test_time_stamps():
    assert video.srt_time(0) == "00:00:00,000"
    assert video.srt_time(3723.5) == "01:02:03,500"
    assert video.chapter_time(0) == "0:00" and video.chapter_time(65.9) == "1:05"
    assert video.chapter_time(3723) == "1:02:03"


def _cap(a, b, en):
    return SimpleNamespace(first_frame=a, last_frame=b, text={"en": en, "ko": en + " (ko)"})


def _ch(slug, a, b):
    return SimpleNamespace(slug=slug, first_frame=a, last_frame=b, title={"en": slug.title(), "ko": slug})


def test_srt_clipped_to_the_part():
    caps = [_cap(1, 24, "one"), _cap(25, 48, "two"), _cap(49, 72, "three")]
    full = video.srt_text(caps, 24, 1, 72)
    assert full.count("-->") == 3 and "00:00:01,000 --> 00:00:02,000\ntwo" in full
    part = video.srt_text(caps, 24, 37, 60, "ko")
    assert part.splitlines()[:3] == ["1", "00:00:00,000 --> 00:00:00,500", "two (ko)"]
    assert "00:00:00,500 --> 00:00:01,000\nthree (ko)" in part and "one" not in part


@given(st.lists(st.integers(1, 400), min_size=1, max_size=12, unique=True), st.sampled_from([12, 24, 30]))
def test_chapters_text_starts_at_zero_and_rises(starts, fps):
    starts = sorted(set([1] + starts))
    chs = [_ch(f"c{i}", a, (starts[i + 1] - 1) if i + 1 < len(starts) else 500) for i, a in enumerate(starts)]
    lines = video.chapters_text(chs, fps, 1, 500).splitlines()
    assert len(lines) == len(chs) and lines[0].startswith("0:00 ")
    secs = [sum(int(x) * 60 ** i for i, x in enumerate(reversed(l.split()[0].split(":")))) for l in lines]
    assert secs == sorted(secs)


def test_render_workers_get_a_record_of_the_spec_file_not_its_bytes(tmp_path):
    """What travels to render workers with each chunk is a small record naming the spec's .npz (a GPT-2
    scene's file is over a gigabyte; each chunk's task carried a copy and the client ran out of memory):
    keyed by the file's sha256 exactly as its bytes were, found on the shared disk, refused when the file
    there no longer holds those bytes; with a scheduler, named for the copy sent to each worker."""
    import pickle

    from llmreel.blender_addon.blend_source import SpecSource, local_path
    from llmreel.blender_addon.presets import resolve
    from llmreel.blender_addon.render import build_id
    from llmreel.render_scripts.cmd_render import spec_source
    from llmreel.scenes.plan import plan_scene

    spec = plan_scene("attention_only")
    src = spec_source(spec, tmp_path, None)
    path = tmp_path / "scene.npz"
    assert isinstance(src, SpecSource) and src.path == str(path.absolute()) and not src.upload
    assert len(pickle.dumps(src)) < 1000 < path.stat().st_size
    settings = resolve("draft")
    assert build_id(src, settings) == build_id(path.read_bytes(), settings)
    assert local_path(src) == path.absolute()
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(RuntimeError, match="same content"):
        local_path(src)
    assert spec_source(spec, tmp_path, "tcp://cluster:8786").upload.endswith(".npz")


@given(w=st.integers(64, 4096), h=st.integers(64, 4096))
def test_a_contact_sheet_label_follows_the_tiles_short_side(w, h):
    """A tile's label is as large in a tall tile as in the wide one turned (it once followed the height,
    and a 480x854 tile's label ran in two lines over its picture), and at most a 22nd of the short side."""
    from llmreel.render_scripts.contact import label_size

    assert label_size(w, h) == label_size(h, w)
    assert label_size(w, h) == 12 or label_size(w, h) <= min(w, h) / 22

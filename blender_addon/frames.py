"""Frame files: names, the render key, PNG checks, sealing, runs of frames (pure Python, no bpy).

Every frame carries the key it was made with in a PNG `tEXt` chunk (keyword `llmreel-key`). The key is
a hash of the SceneSpec's content, the render settings and the add-on's code, so a rerun keeps a frame
only if it is complete (every chunk's CRC checks, IEND present), has the expected size and was made
from exactly the same inputs — an interrupted render resumes, a changed one never reuses stale frames.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

from llmreel.core.files import write_bytes_atomic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEY_WORD = b"llmreel-key"
FRAME_GLOB = "frame_*.png"


# ---- keys ------------------------------------------------------------------------------------------
def code_digest() -> str:
    """sha256 of the Blender-side code that turns a spec into pixels (the add-on package), so frames made
    by an older build of the scene are not reused."""
    h = hashlib.sha256()
    files = sorted(Path(__file__).resolve().parent.glob("*.py"))
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def render_key(spec_sha: str, settings, extra: str = "") -> str:
    """The key frames are stored under: spec content + render settings (a presets.RenderSettings, every
    field of which changes pixels) + add-on code (+ bpy version)."""
    doc = {"spec": spec_sha, "settings": settings.key_fields(), "code": code_digest(), "extra": extra}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


# ---- names and runs --------------------------------------------------------------------------------
def frame_path(frames_dir: str | os.PathLike, frame: int) -> Path:
    return Path(frames_dir) / f"frame_{frame:05d}.png"


def batches(frames: list[int], size: int) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of the sorted `frames`, each at most `size` long."""
    runs: list[tuple[int, int]] = []
    for f in sorted(frames):
        if runs and f == runs[-1][1] + 1 and f - runs[-1][0] < size:
            runs[-1] = (runs[-1][0], f)
        else:
            runs.append((f, f))
    return runs


# ---- PNG checks ------------------------------------------------------------------------------------
def _chunks(data: bytes):
    """Yield (type, payload) for each chunk, raising ValueError on a bad signature, CRC or length."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("truncated chunk header")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        end = pos + 8 + length
        if end + 4 > len(data):
            raise ValueError("truncated chunk")
        payload = data[pos + 8:end]
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(ctype + payload) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in {ctype!r}")
        yield ctype, payload
        pos = end + 4
        if ctype == b"IEND":
            return
    raise ValueError("no IEND")


def png_info(data: bytes) -> dict:
    """{'width', 'height', 'key'} of a complete PNG; ValueError if it is damaged or incomplete."""
    info = {"key": None}
    seen_iend = False
    for ctype, payload in _chunks(data):
        if ctype == b"IHDR":
            info["width"], info["height"] = struct.unpack(">II", payload[:8])
        elif ctype == b"tEXt" and payload.split(b"\0", 1)[0] == KEY_WORD:
            info["key"] = payload.split(b"\0", 1)[1].decode("latin-1")
        elif ctype == b"IEND":
            seen_iend = True
    if not seen_iend or "width" not in info:
        raise ValueError("incomplete PNG")
    return info


def with_key(data: bytes, key: str) -> bytes:
    """The PNG with a `tEXt llmreel-key` chunk inserted right after IHDR (any old key dropped)."""
    out = [PNG_SIGNATURE]
    for ctype, payload in _chunks(data):
        if ctype == b"tEXt" and payload.split(b"\0", 1)[0] == KEY_WORD:
            continue
        out.append(_chunk(ctype, payload))
        if ctype == b"IHDR":
            out.append(_chunk(b"tEXt", KEY_WORD + b"\0" + key.encode("latin-1")))
    return b"".join(out)


def _chunk(ctype: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(ctype + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def is_valid_frame(path: str | os.PathLike, key: str, size: tuple[int, int]) -> bool:
    """True if `path` is a complete PNG of `size` made under `key`."""
    try:
        info = png_info(Path(path).read_bytes())
    except (OSError, ValueError):
        return False
    return info["key"] == key and (info["width"], info["height"]) == tuple(size)


# ---- sealing and resuming ---------------------------------------------------------------------
def seal_frame(rendered: str | os.PathLike, final: str | os.PathLike, key: str) -> bytes:
    """Stamp the key into a freshly rendered PNG and move it atomically to its final name."""
    rendered = Path(rendered)
    data = with_key(rendered.read_bytes(), key)
    write_bytes_atomic(final, data)
    rendered.unlink(missing_ok=True)
    return data


def missing_frames(frames_dir: str | os.PathLike, frames: list[int], key: str,
                   size: tuple[int, int]) -> list[int]:
    """The frames in `frames` that still need rendering (absent, damaged, stale key or wrong size)."""
    return [f for f in frames if not is_valid_frame(frame_path(frames_dir, f), key, size)]


def remove_stale(frames_dir: str | os.PathLike, frames: list[int]) -> None:
    """Delete the named frame files and any leftover temporaries (after `missing_frames` chose them)."""
    d = Path(frames_dir)
    for f in frames:
        frame_path(d, f).unlink(missing_ok=True)
    for tmp in d.glob(".frame_*.tmp.png"):
        tmp.unlink(missing_ok=True)

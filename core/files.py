"""Atomic file writing: readers (and a resumed run) see a whole file or none, never half of one.

    with atomic_output(path) as tmp:      # tmp: a not-yet-existing sibling path with the same suffix
        np.savez(tmp, ...)                # anything that writes a file at a path
    write_bytes_atomic(path, data);  write_text_atomic(path, text)

The temporary file lives in the destination's folder (a rename never crosses file systems), is given the
usual file mode, and is removed when the writer fails or is interrupted.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_sibling(path: str | os.PathLike, tag: str = "") -> Path:
    """A hidden, unique, not-yet-existing path beside `path` that keeps its suffix (tools such as
    np.savez and Blender pick the format from it)."""
    path = Path(path)
    tag = f"{tag}." if tag else ""
    return path.with_name(f".{path.stem}.{tag}{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{path.suffix}")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, tag: str = "") -> Iterator[Path]:
    """Yield a temporary sibling of `path` to write; on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(path, tag)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"nothing was written to {tmp}")
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))

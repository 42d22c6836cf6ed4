"""Atomic file writing: readers (and a resumed run) see a whole file or none, never half of one.

    with atomic_output(path) as tmp:      # tmp: a not-yet-existing sibling path with the same suffix
        np.savez(tmp, ...)                # anything that writes a file at a path
    write_bytes_atomic(path, data);  write_text_atomic(path, text)

The temporary file lives in the destination's folder (a rename never crosses file systems), is given the
usual file mode, and is removed when the writer fails or is interrupted.

Door checks, run by every command before any work (planning, training, building):
    check_output_file(path, "--out", (".png",))     check_output_folder(path, "--out")
    check_input_file(path, "--spec", (".npz",))
They refuse with InputError a destination that cannot be written (leaving nothing behind) or an input that
is not a readable, non-empty regular file.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

from llmreel.core.errors import InputError


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
    """Yield a temporary sibling of `path` to write; on success it replaces `path` in one rename.
    The temporary path is absolute: Blender resolves a bare relative name against no folder."""
    path = Path(os.path.abspath(path))
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


# ---- door checks -----------------------------------------------------------------------------------
def check_input_file(path: str | os.PathLike, what: str, suffixes: tuple[str, ...] = ()) -> Path:
    """`path` as a Path if it is a non-empty regular file that opens for reading; InputError otherwise.
    What is inside is for its reader to check."""
    p = Path(path)
    accepted = f"accepted: a {' or '.join(suffixes)} file" if suffixes else "accepted: a readable file"
    if not p.exists():
        raise InputError(f"{what} {path}: no such file; {accepted}")
    if not p.is_file():
        raise InputError(f"{what} {path}: is {'a folder' if p.is_dir() else 'not a regular file'}; {accepted}")
    if suffixes and p.suffix.lower() not in suffixes:
        raise InputError(f"{what} {path}: unsupported type; {accepted}")
    try:
        with open(p, "rb") as f:
            empty = not f.read(1)
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot be read: {exc.strerror or exc}") from None
    if empty:
        raise InputError(f"{what} {path}: is empty; {accepted}")
    return p


def check_output_file(path: str | os.PathLike, what: str = "--out", suffixes: tuple[str, ...] = ()) -> Path:
    """`path` as a Path if a file can be written there (see `_probe`); InputError naming it otherwise.
    `suffixes`: the accepted endings, e.g. (".png",)."""
    p = Path(path)
    if suffixes and p.suffix not in suffixes:
        raise InputError(f"{what} {path}: expected a file name ending in {' or '.join(suffixes)}")
    if p.exists() and not p.is_file():
        kind = "a folder" if p.is_dir() else "not a regular file"
        raise InputError(f"{what} {path}: is {kind}; expected a file path")
    _probe(p.parent, temp_sibling(p, "probe"), what, path)
    return p


def check_output_folder(path: str | os.PathLike, what: str = "--out") -> Path:
    """`path` as a Path if it is (or can become) a folder to write files in; InputError naming it otherwise."""
    d = Path(path)
    if d.exists() and not d.is_dir():
        raise InputError(f"{what} {path}: is a file; expected a folder")
    _probe(d, d / f".llmreel-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}", what, path)
    return d


def _probe(folder: Path, probe: Path, what: str, shown) -> None:
    """Create the missing part of `folder` and the file `probe` in it, then remove both: permission bits do
    not stop root, but a read-only or pseudo file system (/proc, /sys), a file in the way or a name too
    long does. Whatever happens, nothing created here is left behind."""
    missing = []
    d = folder
    while not (d.exists() or d.is_symlink()) and d != d.parent:
        missing.append(d)
        d = d.parent
    if not d.is_dir():
        raise InputError(f"{what} {shown}: {d} is a file, not a folder")
    created: list[Path] = []
    try:
        for m in reversed(missing):
            m.mkdir()
            created.append(m)
        with open(probe, "xb"):
            created.append(probe)
    except OSError as exc:
        raise InputError(f"{what} {shown}: cannot write in {folder}: {exc.strerror or exc}; "
                         f"accepted: a path in a folder you can write") from None
    finally:
        for c in reversed(created):
            with contextlib.suppress(OSError):
                c.unlink() if c == probe else c.rmdir()

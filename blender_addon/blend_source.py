"""What a render worker needs to find a saved .blend (plain Python, no bpy: Dask unpickles a task's
arguments on its worker's event-loop thread, and bpy must first be imported on the thread that renders).

    BlendSource(path, sha, preset, upload);  file_sha(path)
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class BlendSource:
    path: str               # absolute path where the client read it (a shared disk for workers)
    sha: str                # sha256 of its bytes: the resume key and the check that a worker has the same file
    preset: bool = False    # True: the settings are a preset's (configure_render); False: the file's own
    upload: str = ""        # name of the copy sent to each Dask worker (distributed.send_blend), "" if none


_SHA: dict[tuple, str] = {}


def file_sha(path: str | os.PathLike) -> str:
    """sha256 of the file's bytes (remembered per path, size and modification time)."""
    st = os.stat(path)
    ident = (os.fspath(path), st.st_size, st.st_mtime_ns)
    if ident not in _SHA:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _SHA[ident] = h.hexdigest()
    return _SHA[ident]

"""What a render worker needs to find a saved .blend or a planned scene's .npz (plain Python, no bpy: Dask
unpickles a task's arguments on its worker's event-loop thread, and bpy must first be imported on the thread
that renders). A small record travels with every task, never the file's bytes (a GPT-2 scene's .npz is over a
gigabyte, and each of a run's chunks held a copy in the client).

    BlendSource(path, sha, preset, upload);  SpecSource(path, sha, upload);  file_sha(path);  local_path(source)
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BlendSource:
    path: str               # absolute path where the client read it (a shared disk for workers)
    sha: str                # sha256 of its bytes: the resume key and the check that a worker has the same file
    preset: bool = False    # True: the settings are a preset's (configure_render); False: the file's own
    upload: str = ""        # name of the copy sent to each Dask worker (distributed.send_file), "" if none


@dataclass(frozen=True)
class SpecSource:
    path: str               # absolute path of the SceneSpec's .npz where the client wrote it (a shared disk)
    sha: str                # sha256 of its bytes: what the built scene is keyed by, and the check of a copy
    upload: str = ""        # name of the copy sent to each Dask worker (distributed.send_file), "" if none


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


def local_path(source: BlendSource | SpecSource) -> Path:
    """Where this process finds the source's file: its path on a shared disk, else the copy sent to this Dask
    worker; RuntimeError when neither holds the same bytes."""
    candidates = [Path(source.path)]
    if source.upload:
        try:
            from distributed import get_worker

            candidates.append(Path(get_worker().local_directory) / source.upload)
        except (ImportError, ValueError):
            pass
    for p in candidates:
        if p.is_file() and file_sha(p) == source.sha:
            return p
    raise RuntimeError(f"{source.path}: not on this machine with the same content (sha256 {source.sha[:12]})")

"""Splitting frames into chunks and running them: in this process, or on a Dask cluster (a local one
started here with one single-threaded worker process per `--workers`, or an existing one at `--scheduler`).

Dask reschedules the chunk of a worker that dies; the chunk's frames that already landed in the shared
frames folder are skipped on the retry (see `blender_addon.render.render_chunk`), so the result equals a one-process run.
"""
from __future__ import annotations

import os
import time
import warnings
from typing import Callable

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon.presets import RenderSettings
from llmreel.core.files import write_bytes_atomic


MIN_CHUNK = 24          # frames: one animation job (see blender_addon.render.render_sequence)
NO_WORKER_TIMEOUT = 180.0   # seconds a cluster may have no worker before the run gives up (frames are kept)


def make_chunks(frames: list[int], n_workers: int, per_worker: int = 16) -> list[list[int]]:
    """Contiguous, near-equal chunks covering `frames` in order: one per worker at least, up to
    `per_worker` per worker as long as each keeps MIN_CHUNK frames, handed out as workers free up. Parts of a story
    differ in cost (the output loop shows the whole model), so small chunks keep both workers busy to the
    end, and a slow or lost chunk delays the end less."""
    if not frames:
        return []
    n = 1 if n_workers <= 1 else \
        max(min(n_workers, len(frames)), min(len(frames) // MIN_CHUNK, n_workers * per_worker))
    size, extra = divmod(len(frames), n)
    chunks, i = [], 0
    for k in range(n):
        step = size + (1 if k < extra else 0)
        chunks.append(list(frames[i:i + step]))
        i += step
    return chunks


def threads_per_worker(n_workers: int) -> int:
    """Render threads for each of n local worker processes: the machine's cores divided between them."""
    return max(1, (os.cpu_count() or 1) // max(1, n_workers))


def run_local(spec, settings: RenderSettings, key: str, frames: list[int], frames_dir: str, token: str,
              on_frame: Callable[[int], None]) -> None:
    """Render in this process, one frame after another."""
    from llmreel.blender_addon.render import render_chunk

    render_chunk(spec, settings, key, frames, frames_dir, token, threads=None, on_frame=on_frame)


def _render_chunk(*args):
    """render_chunk, imported where it runs: bpy imported here, in the client, would put Blender's script
    folders on the sys.path that local worker processes inherit, and their own `import bpy` would fail."""
    from llmreel.blender_addon.render import render_chunk

    return render_chunk(*args)


def send_file(client, source) -> None:
    """Send a blend_source.BlendSource's or SpecSource's file once to every worker of `client`, present and
    future (Dask's upload plugin), as `source.upload` in the worker's local directory (blend_source.local_path
    finds it there when the worker does not see the client's disk)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="llmreel-send-") as d:
        link = os.path.join(d, source.upload)
        os.symlink(source.path, link)
        client.upload_file(link, load=False)


class WorkerWatch:
    """Gives up on a cluster left without workers: Dask keeps a lost worker's chunk queued until another
    worker joins, which on a cluster whose workers are all gone (or never came) is forever."""

    def __init__(self, client, timeout: float):
        self.client, self.timeout = client, timeout
        self.every = min(5.0, timeout / 4)              # seconds between questions to the scheduler
        self.last_seen = self.last_asked = time.monotonic()

    def check(self, frames_left: int) -> None:
        now = time.monotonic()
        if now - self.last_asked < self.every:
            return
        self.last_asked = now
        if self.client.nthreads():
            self.last_seen = now
        elif now - self.last_seen > self.timeout:
            raise RuntimeError(f"the Dask cluster at {self.client.scheduler.address} has had no worker for "
                               f"{now - self.last_seen:.0f} s, with {frames_left} frames still to render")


def run_dask(spec_blob, settings: RenderSettings, key: str, frames: list[int], frames_dir: str, token: str,
             on_frame: Callable[[int], None], *, workers: int = 2, scheduler: str | None = None,
             poll: float = 0.5, no_worker_timeout: float = NO_WORKER_TIMEOUT) -> None:
    """Render chunks on Dask: an existing cluster at `scheduler`, else a local cluster of `workers`
    single-threaded processes. `spec_blob`: a blend_source.SpecSource or BlendSource (a small record: the
    file itself is read from a shared disk or sent once, see send_file), or the bytes of a SceneSpec's .npz
    (small scenes only: every chunk's task carries a copy). Frames returned as bytes (no shared disk) are
    written here. Fails (RuntimeError) when the cluster has had no worker for `no_worker_timeout` seconds."""
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="20s")
        n = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        threads = None                       # each remote worker uses its own machine's cores
    else:
        import logging

        # CRITICAL: a worker busy in bpy can miss the scheduler's first gather of a finished chunk, which
        # logs "Couldn't gather keys" and then succeeds on retry; a chunk that truly fails raises from
        # fut.result() below, and a dead worker's chunk is retried, then raised.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL,
                               memory_limit=0)      # 0: no memory monitor polling the bpy process
        client = Client(cluster)
        n, threads = workers, threads_per_worker(workers)
    try:
        if getattr(spec_blob, "upload", ""):
            send_file(client, spec_blob)
        # What names the spec travels inside each task (not scattered): scattered data dies with its worker,
        # and a retried chunk must still find it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")             # "large object in task graph": intended
            chunks = make_chunks(frames, n)
            futures = [client.submit(_render_chunk, spec_blob, settings, key, chunk, frames_dir, token, threads,
                                     key=f"llmreel-chunk-{token.lstrip('.')}-{chunk[0]}-{chunk[-1]}",
                                     pure=False, retries=2)
                       for chunk in chunks]
        cursors = [0] * len(chunks)                    # per chunk: frames seen so far (they land in order)
        pending = dict(zip(futures, range(len(chunks))))
        size = (int(settings.width), int(settings.height))
        watch = WorkerWatch(client, no_worker_timeout)
        while pending:
            for fut in [f for f in pending if f.done()]:
                del pending[fut]
                for f, data in fut.result():          # re-raises a chunk's error here
                    if data is not None:
                        write_bytes_atomic(fr.frame_path(frames_dir, f), data)
            # Progress: frames that have landed in the shared folder (a few stats per chunk per poll).
            for i, chunk in enumerate(chunks):
                while cursors[i] < len(chunk) and fr.frame_path(frames_dir, chunk[cursors[i]]).exists():
                    on_frame(chunk[cursors[i]])
                    cursors[i] += 1
            # A chunk whose frames have all landed, valid, is done whatever becomes of its task: the worker
            # may yet die before its (empty) result reaches the scheduler, and the task would then wait,
            # queued, for a worker that has nothing left to do.
            for fut, i in list(pending.items()):
                if cursors[i] == len(chunks[i]) and not fr.missing_frames(frames_dir, chunks[i], key, size):
                    del pending[fut]
                    fut.cancel()
            if pending:
                watch.check(sum(len(chunks[i]) - cursors[i] for i in pending.values()))
                time.sleep(poll)
        for i, chunk in enumerate(chunks):             # frames returned as bytes, or missed between polls
            for f in chunk[cursors[i]:]:
                on_frame(f)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

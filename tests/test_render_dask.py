"""run_dask against a real Dask scheduler that has no worker: what the client does when its chunks can no
longer run (the worker that took them died, and none is left)."""
from __future__ import annotations

import time

import pytest

from llmreel.blender_addon import frames as fr
from llmreel.blender_addon.presets import resolve
from llmreel.core.files import write_bytes_atomic
from llmreel.render_scripts.distributed import run_dask
from tests.test_render_units import tiny_png

SETTINGS = resolve("draft", resolution="32x16", captions=False)
KEY = "k-dask"


@pytest.fixture
def no_workers():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_chunks_whose_frames_all_landed_are_done_without_their_task(no_workers, tmp_path):
    # A worker can die after its chunk's last frame landed and before the scheduler hears the result: the
    # task is queued again, for a worker that may never come. Its frames are there, valid: the run is done.
    frames = list(range(40, 52))
    for f in frames:
        write_bytes_atomic(fr.frame_path(tmp_path, f), fr.with_key(tiny_png(32, 16), KEY))
    seen = []
    t0 = time.monotonic()
    run_dask(b"never run", SETTINGS, KEY, frames, str(tmp_path), ".token", seen.append,
             scheduler=no_workers, poll=0.05)
    assert sorted(seen) == frames and len(seen) == len(set(seen))
    assert time.monotonic() - t0 < 30


def test_a_frame_of_another_key_does_not_count(no_workers, tmp_path):
    frames = [1, 2]
    write_bytes_atomic(fr.frame_path(tmp_path, 1), fr.with_key(tiny_png(32, 16), KEY))
    write_bytes_atomic(fr.frame_path(tmp_path, 2), fr.with_key(tiny_png(32, 16), "another"))
    with pytest.raises(RuntimeError, match=r"has had no worker for \d+ s, with \d+ frames still to render"):
        run_dask(b"never run", SETTINGS, KEY, frames, str(tmp_path), ".token", lambda f: None,
                 scheduler=no_workers, poll=0.05, no_worker_timeout=1.0)


def test_a_cluster_without_workers_fails_in_time_not_never(no_workers, tmp_path):
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=f"the Dask cluster at {no_workers} has had no worker"):
        run_dask(b"never run", SETTINGS, KEY, [5, 6, 7], str(tmp_path), ".token", lambda f: None,
                 scheduler=no_workers, poll=0.05, no_worker_timeout=2.0)
    assert 2.0 <= time.monotonic() - t0 < 30

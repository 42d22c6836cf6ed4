"""The outline of a frame render, shared by a story (cmd_render.py) and a saved .blend (cmd_blend.py):
the frames folder and side files checked, finished frames kept (their key matches), the rest rendered with
a progress bar (in this process or on Dask), every frame checked, then the outputs written.

    Part(first, last, suffix, name);  run_render(args, part, size, key, engine, fps, render_todo, finish, t0)
"""
from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from llmreel.blender_addon import frames as fr
from llmreel.core.errors import InputError
from llmreel.core.files import check_output_file, check_output_folder

RESUME_HINT = "rerun the same command to resume; finished frames are kept"


@dataclass
class Part:
    first: int
    last: int
    suffix: str             # '-slug' for a chapter, '-fA-B' for frames, '' for the whole
    name: str               # base name of the outputs (the frames folder is NAME-frames)

    @property
    def frames(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def import_bpy():
    """bpy, imported in the command's process so that local Dask workers started later still import it:
    they are spawned with this process's sys.path, and Blender's script folders that `import bpy` puts
    before the wheel would hide it from them ('No module named _bpy'). Those folders go to the end."""
    before = list(sys.path)
    import bpy

    added = [p for p in sys.path if p not in before]
    sys.path[:] = [p for p in sys.path if p not in added] + added
    return bpy


def check_run_outputs(out_dir: Path, part: Part, outputs: dict[str, Path]) -> Path:
    """The frames folder (checked) after every side file the run will write has been checked."""
    frames_dir = check_output_folder(out_dir / f"{part.name}-frames")
    for path in outputs.values():
        check_output_file(path)
    return frames_dir


def failed(what: str, exc: Exception) -> int:
    print(f"{what}: {type(exc).__name__}: {exc}; {RESUME_HINT}", file=sys.stderr)
    return 1


def run_render(args, part: Part, frames_dir: Path, size: tuple[int, int], key: str, engine: str, fps: float,
               render_todo: Callable, finish: Callable[[], list[tuple[str, Path]]], t0: float) -> int:
    """Render the part's missing frames with `render_todo(todo, frames_dir, token, on_frame)`, then (all
    frames valid) `finish()` -> [(label, path)] of the outputs; the run's exit status."""
    frames_dir.mkdir(parents=True, exist_ok=True)
    wanted = part.frames
    todo = fr.missing_frames(frames_dir, wanted, key, size)
    fr.remove_stale(frames_dir, todo)
    token = f".llmreel-run-{uuid.uuid4().hex[:12]}"
    (frames_dir / token).write_text(key)
    mode = (f"Dask at {args.scheduler}" if args.scheduler else
            f"{args.workers} local worker processes" if args.workers > 1 else "this process")
    print(f"llmreel render: {len(wanted)} frames ({part.first}-{part.last}) at {size[0]}x{size[1]}, {fps:g} fps, "
          f"{engine}; {len(wanted) - len(todo)} already done; rendering in {mode}", flush=True)
    rendered = 0
    t_render = time.monotonic()
    try:
        if todo:
            from tqdm import tqdm

            # The bar writes to its own copy of stderr: Blender's chatter on fds 1/2 is silenced mid-render.
            bar_file = os.fdopen(os.dup(sys.stderr.fileno()), "w")
            with bar_file, tqdm(total=len(todo), unit="frame", desc="render", dynamic_ncols=True,
                                file=bar_file) as bar:
                def on_frame(_f: int) -> None:
                    nonlocal rendered
                    rendered += 1
                    bar.update(1)

                render_todo(todo, str(frames_dir), token, on_frame)
    except KeyboardInterrupt:
        print(f"\nllmreel render: interrupted after {rendered} new frames; {RESUME_HINT}", file=sys.stderr)
        return 130
    except InputError:
        raise
    except Exception as exc:        # noqa: BLE001 - a render failure: one line, exit 1, frames kept
        return failed(f"\nllmreel render: failed after {rendered} new frames", exc)
    finally:
        (frames_dir / token).unlink(missing_ok=True)
    render_seconds = time.monotonic() - t_render

    still_missing = fr.missing_frames(frames_dir, wanted, key, size)
    if still_missing:
        print(f"llmreel render: failed: {len(still_missing)} frames missing or invalid "
              f"(first {still_missing[0]}); {RESUME_HINT}", file=sys.stderr)
        return 1
    try:
        outputs = finish()
    except Exception as exc:        # noqa: BLE001 - e.g. the encoder failed; each output is whole or absent
        return failed("llmreel render: failed writing the video and side files", exc)
    wall = time.monotonic() - t0
    per = render_seconds / rendered if rendered else 0.0
    print(f"llmreel render: done: {len(wanted)} frames ({rendered} rendered now, "
          f"{len(wanted) - rendered} reused), wall time {wall:.1f} s, "
          f"{per:.2f} s/frame rendering")
    for label, path in outputs:
        print(f"  {label:9s} {path}")
    return 0


def run_chunks(args, local, remote, settings, key: str, todo: list[int], frames_dir: str, token: str,
               on_frame: Callable[[int], None]) -> None:
    """Render `todo` on Dask with --workers > 1 or --scheduler (from `remote`: what travels to workers), else
    in this process (from `local`)."""
    if args.scheduler or args.workers > 1:
        from llmreel.render_scripts.distributed import run_dask

        run_dask(remote, settings, key, todo, frames_dir, token, on_frame, workers=args.workers,
                 scheduler=args.scheduler)
    else:
        from llmreel.render_scripts.distributed import run_local

        run_local(local, settings, key, todo, frames_dir, token, on_frame)

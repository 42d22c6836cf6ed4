"""Preset benchmark: seconds per frame of each preset at its own size on three representative shots of the
default story (a wide, a medium and a close-up), the machine it ran on, and the ratio final / preview.

    .venv/bin/python bench/bench_presets.py                    # draft, preview, final (~5 min on 2 cores)
    .venv/bin/python bench/bench_presets.py --presets preview  # one preset
    .venv/bin/python bench/bench_presets.py --png DIR          # also keep one frame per preset and shot

The shots are picked from the spec's beats by how many blocks their camera frames: the wide shot is the
beat framing the most blocks, the close-up the first beat framing the fewest, the medium the beat nearest
the median; each at its midpoint. Every preset runs in a fresh interpreter (one bpy session, one scene
build, as a render worker has), renders through the same path a render worker does (`prepare_scene`
with culling, animation jobs): per shot `--run` consecutive frames as one job, and the seconds per frame
are the intervals between written frames after the first of each job (the job's start is reported
apart), with the CPU seconds of all the process's threads per frame (less sensitive to other load
on the machine). The goals of issue 11: final <= 8 s per 1080p frame, preview <= 0.4 s per 720p frame.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import in_fresh_interpreter, machine

GOALS = {"preview": 0.4, "final": 8.0}            # s per frame at the preset's own size
RUNS = {"draft": 4, "preview": 4, "final": 2}      # consecutive frames rendered per shot


def pick_shots(spec) -> dict[str, int]:
    """{'wide': frame, 'medium': frame, 'close': frame}: beat midpoints chosen by how many blocks each
    beat's shot frames (its focus)."""
    beats = [b for ch in spec.chapters for b in ch.beats if b.focus]
    by_size = sorted(beats, key=lambda b: (len(b.focus), b.first_frame))
    wide = max(beats, key=lambda b: (len(b.focus), -b.first_frame))
    close = by_size[0]
    mids = sorted({len(b.focus) for b in beats})
    median = mids[len(mids) // 2]
    medium = min(beats, key=lambda b: (abs(len(b.focus) - median), b.first_frame))
    return {name: (b.first_frame + b.last_frame) // 2 for name, b in
            (("wide", wide), ("medium", medium), ("close", close))}


def run_preset(quality: str, run: int, png_dir: str | None) -> dict:
    """In this interpreter: plan, build, then per shot one animation job of `run` frames."""
    import bpy

    from llmreel.blender_addon import presets
    from llmreel.blender_addon.render import configure_render, prepare_scene, quiet
    from llmreel.scenes.plan import plan_scene

    t0 = time.monotonic()
    spec = plan_scene(fps=presets.preset_fps(quality))
    settings = presets.resolve(quality)
    scene = prepare_scene(spec, settings, cull=True)
    t_build = time.monotonic() - t0
    stamps: list[tuple[int, float]] = []

    def on_write(sc, *_):
        stamps.append((time.monotonic(), time.process_time()))

    shots = pick_shots(spec)
    result = {"quality": quality, "size": f"{settings.width}x{settings.height}", "engine": settings.engine,
              "samples": settings.samples, "build_s": t_build, "shots": {}}
    bpy.app.handlers.render_write.append(on_write)
    try:
        with tempfile.TemporaryDirectory() as d:
            for name, frame in shots.items():
                stamps.clear()
                scene.frame_start, scene.frame_end = frame, frame + run - 1
                scene.render.filepath = f"{d}/{name}_#####.png"
                configure_render(scene, settings)
                t1 = time.monotonic()
                with quiet(), bpy.context.temp_override(scene=scene):
                    bpy.ops.render.render(animation=True, scene=scene.name)
                wall = [b[0] - a[0] for a, b in zip(stamps, stamps[1:])]
                cpu = [b[1] - a[1] for a, b in zip(stamps, stamps[1:])]
                result["shots"][name] = {"frame": frame, "first_s": stamps[0][0] - t1,
                                         "s_per_frame": statistics.mean(wall) if wall else stamps[0][0] - t1,
                                         "cpu_per_frame": statistics.mean(cpu) if cpu else float("nan")}
                if png_dir:
                    Path(png_dir).mkdir(parents=True, exist_ok=True)
                    src = Path(d) / f"{name}_{frame:05d}.png"
                    Path(png_dir, f"{quality}-{name}-{frame}.png").write_bytes(src.read_bytes())
    finally:
        bpy.app.handlers.render_write.remove(on_write)
    for k in ("s_per_frame", "cpu_per_frame"):
        result[k] = statistics.mean(s[k] for s in result["shots"].values())
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="draft,preview,final", help="comma-separated presets to measure")
    ap.add_argument("--png", default=None, help="folder to keep the first frame of each preset and shot in")
    ap.add_argument("--run", type=int, default=None, help="consecutive frames per shot (default per preset)")
    args = ap.parse_args()
    print(f"machine: {machine()}", flush=True)
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(f"warning: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other processes "
              "share the CPU, wall times are inflated (CPU seconds per frame are less affected)", flush=True)
    results = {}
    for quality in args.presets.split(","):
        run = args.run or RUNS.get(quality, 3)
        r = results[quality] = in_fresh_interpreter("bench_presets", f"run_preset({quality!r}, {run}, {args.png!r})",
                                                    quality)
        shots = ", ".join(f"{n} (frame {s['frame']}) {s['s_per_frame']:.2f}" for n, s in r["shots"].items())
        goal = GOALS.get(quality)
        verdict = "" if goal is None else (f"; goal <= {goal:g} s: " + ("met" if r["s_per_frame"] <= goal
                                                                          else "NOT met"))
        print(f"{quality:8s} {r['size']:>9s} {r['engine']:9s} samples {r['samples']:<3d}: "
              f"{r['s_per_frame']:6.2f} s/frame ({shots}); build {r['build_s']:.1f} s, first frame of a job "
              f"{max(s['first_s'] for s in r['shots'].values()):.1f} s; CPU {r['cpu_per_frame']:.2f} s/frame "
              f"(all threads){verdict}", flush=True)
    if "final" in results and "preview" in results:
        print(f"final / preview: {results['final']['s_per_frame'] / results['preview']['s_per_frame']:.1f}x "
              f"per frame")


if __name__ == "__main__":
    main()

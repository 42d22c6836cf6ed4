"""Render benchmark: seconds per frame for each preset, the speed-up of 2 workers over 1, and (with
--demo) the wall time of the whole `make demo` render. Prints the machine it ran on.

    .venv/bin/python bench/bench_render.py            # presets + workers (~15-25 min on 2 cores)
    .venv/bin/python bench/bench_render.py --demo     # also the full draft render of the story
    .venv/bin/python bench/bench_render.py --quick    # fewer sampled frames

Seconds per frame are sampled across the whole story (one frame every story_length/N frames, rendered as
one animation job, so per-frame cost excludes the scene build and first evaluation, reported apart).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import in_fresh_interpreter, machine

ROOT = Path(__file__).resolve().parents[1]


def sample_preset(quality: str, samples: int, fps: int | None = None) -> dict:
    """Build the default story once, then render `samples` frames spread over it as one job."""
    import bpy

    from llmreel.blender_addon import presets
    from llmreel.blender_addon.render import configure_render, prepare_scene, quiet
    from llmreel.scenes.plan import plan_scene

    t0 = time.monotonic()
    spec = plan_scene(fps=fps or presets.preset_fps(quality))
    settings = presets.resolve(quality)
    scene = prepare_scene(spec, settings)
    t_build = time.monotonic() - t0
    stamps: list[float] = []

    def on_write(sc, *_):
        stamps.append(time.monotonic())

    step = max(1, (spec.meta.frame_end - spec.meta.frame_start + 1) // samples)
    with tempfile.TemporaryDirectory() as d:
        scene.frame_start, scene.frame_end, scene.frame_step = spec.meta.frame_start, spec.meta.frame_end, step
        scene.render.filepath = f"{d}/f_#####.png"
        configure_render(scene, settings)
        bpy.app.handlers.render_write.append(on_write)
        t1 = time.monotonic()
        try:
            with quiet(), bpy.context.temp_override(scene=scene):
                bpy.ops.render.render(animation=True, scene=scene.name)
        finally:
            bpy.app.handlers.render_write.remove(on_write)
            scene.frame_step = 1
    first = stamps[0] - t1
    per = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"quality": quality, "size": f"{settings.width}x{settings.height}", "engine": settings.engine,
            "frames": len(stamps), "build_s": t_build, "first_frame_s": first,
            "s_per_frame": sum(per) / len(per) if per else first, "story_frames": spec.meta.frame_end}


def run_render(out: Path, frames: str, workers: int) -> float:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "llmreel.render_scripts.cli", "render", "--frames", frames,
                           "--workers", str(workers), "--out", str(out)], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"render failed: {proc.stderr[-2000:]}")
    return time.monotonic() - t0


def workers_speedup(n_frames: int) -> dict:
    from llmreel.scenes.plan import plan_scene

    ch = plan_scene(fps=12).chapters[1]
    frames = f"{ch.first_frame}-{ch.first_frame + n_frames - 1}"
    with tempfile.TemporaryDirectory() as d:
        one = run_render(Path(d) / "one", frames, 1)
        two = run_render(Path(d) / "two", frames, 2)
    return {"frames": n_frames, "one_worker_s": one, "two_workers_s": two, "speedup": one / two}


def demo_time() -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.monotonic()
        subprocess.run(["make", "-C", str(ROOT), "demo", f"DEMO_OUT={d}"], check=True)
        return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demo", action="store_true", help="also time the full `make demo` render")
    ap.add_argument("--quick", action="store_true", help="fewer sampled frames")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    plan = {"draft": 24, "preview": 12, "final": 3} if not args.quick else {"draft": 8, "preview": 4, "final": 2}
    for quality, n in plan.items():
        # each preset in a fresh interpreter: one bpy session, one build
        r = in_fresh_interpreter("bench_render", f"sample_preset({quality!r}, {n})", quality)
        total = r["s_per_frame"] * r["story_frames"]
        print(f"{quality:8s} {r['size']:>9s} {r['engine']:9s}: {r['s_per_frame']:6.2f} s/frame over {r['frames']} "
              f"sampled frames; build {r['build_s']:.1f} s, first frame {r['first_frame_s']:.1f} s; whole story "
              f"({r['story_frames']} frames) ~{total / 60:.0f} min in one process", flush=True)
    s = workers_speedup(24 if args.quick else 48)
    print(f"workers: {s['frames']} draft frames: 1 worker {s['one_worker_s']:.1f} s, 2 workers "
          f"{s['two_workers_s']:.1f} s (wall, including each process's scene build): speed-up {s['speedup']:.2f}x",
          flush=True)
    if args.demo:
        print(f"make demo: {demo_time() / 60:.1f} min wall")


if __name__ == "__main__":
    main()

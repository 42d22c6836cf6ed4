"""Scale-story benchmark: plan and build of `llmreel render scale` (nano-gpt, GPT-2 small, GPT-2 XL and
GPT-3 to scale, the camera pulling back from nano-gpt to GPT-3), each in a fresh interpreter, three runs;
plus `frame_set` across the pull-back and one draft frame.

Run: .venv/bin/python bench/bench_scale.py   (prints a table; ~1 min on 2 cores)"""
from __future__ import annotations

import statistics
import sys
import time

from common import in_fresh_interpreter, machine

RUNS = 3


def run() -> dict:
    """One process: import, plan, build, frame_set over the timeline, a draft frame (times in seconds)."""
    t0 = time.perf_counter()
    from llmreel.scenes.plan import plan_scene
    t1 = time.perf_counter()
    spec = plan_scene("scale")
    t2 = time.perf_counter()
    import bpy

    from llmreel.blender_addon import build, render
    from llmreel.blender_addon.presets import resolve
    t3 = time.perf_counter()
    build.build_scene(spec)
    t4 = time.perf_counter()
    sc = bpy.context.scene
    costs = []
    for f in range(spec.meta.frame_start, spec.meta.frame_end + 1, max(1, spec.meta.frame_end // 48)):
        a = time.perf_counter()
        sc.frame_set(f)
        costs.append(time.perf_counter() - a)
    render.configure_render(sc, resolve("draft"))
    a = time.perf_counter()
    render.render_frame(sc, spec.meta.frame_end, "/tmp/llmreel_bench_scale.png")
    frame = time.perf_counter() - a
    return {"import_scenes": t1 - t0, "plan": t2 - t1, "import_bpy": t3 - t2, "build": t4 - t3,
            "frame_set_ms": 1000 * statistics.median(costs), "draft_frame": frame,
            "solids": len(spec.solids), "slabs": int(sum(len(s.boxes) for s in spec.solids)),
            "frames": spec.meta.frame_end}


def main() -> None:
    print(machine())
    rows = [in_fresh_interpreter("bench_scale", "run()", "the scale story") for _ in range(RUNS)]
    print(f"{rows[0]['solids']} models, {rows[0]['slabs']} slabs, {rows[0]['frames']} frames")
    for key in ("plan", "build", "frame_set_ms", "draft_frame"):
        v = [r[key] for r in rows]
        print(f"{key:14s} median {statistics.median(v):7.3f}  range {min(v):.3f}-{max(v):.3f}")
    total = [r["plan"] + r["build"] for r in rows]
    print(f"{'plan + build':14s} median {statistics.median(total):7.3f}  range {min(total):.3f}-{max(total):.3f}  "
          f"(goal <= 10 s)")
    sys.exit(0 if statistics.median(total) <= 10 else 1)


if __name__ == "__main__":
    main()

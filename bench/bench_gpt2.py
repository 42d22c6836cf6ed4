"""GPT-2 small at its real shapes (seeded random weights), a 16-token prompt, in ONE process as `llmreel
build` runs it: plan (a text model plans the text story), build, save the .blend, then scrub (frame_set)
and render one draft frame. Each phase's time and peak resident memory (VmHWM, reset between phases
through /proc/self/clear_refs), the .blend's size, and the targets of issue 13 beside them. Prints the
machine it ran on, its load, and each phase's CPU time beside its wall time (on the shared 2-core machine
the wall time grows with the load; the CPU time much less).

    .venv/bin/python bench/bench_gpt2.py                 # GPT-2 small, 12 layers (~2-3 min on 2 cores)
    .venv/bin/python bench/bench_gpt2.py --layers 2      # GPT-2's width, fewer layers (to find the costs)
    .venv/bin/python bench/bench_gpt2.py --config gpt2-medium --no-render   # the largest that fits
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import machine

PROMPT = "The quick brown fox jumps over the lazy dog, and then the cat sat on"     # 16 GPT-2 tokens
TARGETS = {"plan_s": 20, "build_s": 15, "save_s": 20, "peak_gb": 3, "build_peak_all_gb": 3, "blend_mb": 600,
           "frame_set_ms": 30,
           "draft_s": 1}


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Start a new peak: VmHWM falls back to the current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _phase(results: dict, name: str, fn):
    _reset_peak()
    t, cpu = time.perf_counter(), time.process_time()
    out = fn()
    results[name + "_s"] = time.perf_counter() - t
    results[name + "_cpu_s"] = time.process_time() - cpu
    results[name + "_peak_gb"] = _status_kb("VmHWM") / 2**20
    return out


def run(config: str, layers: int | None, text: str, render: bool, folder: Path) -> dict:
    from llmreel.model.config import get_config
    from llmreel.scenes.plan import plan_run

    cfg = get_config(config)
    if layers is not None:
        cfg = dataclasses.replace(cfg, n_layer=layers)
    res: dict = {"config": config, "layers": cfg.n_layer}
    spec, run_ = _phase(res, "plan", lambda: plan_run(config=cfg, text=text))
    res["tokens"] = len(run_.ids)
    res["blocks"] = len(spec.blocks)
    res["cells"] = int(sum(b.values.size for b in spec.blocks))
    res["frames"] = spec.meta.frame_end - spec.meta.frame_start + 1

    import bpy

    from llmreel.blender_addon import build, presets
    from llmreel.blender_addon.render import configure_render, quiet, render_frame

    bpy.ops.wm.read_factory_settings(use_empty=True)
    _phase(res, "build", lambda: build.build_scene(spec))
    images = [o for o in bpy.data.objects if o.get("llmreel_image")]
    res["images"] = sum(len(o["llmreel_block"].split(",")) for o in images)
    res["image_objects"] = len(images)
    res["mesh_cells"] = sum(len(o.data.polygons) for o in bpy.data.objects
                            if o.type == "MESH" and o.get("llmreel_block") and not o.get("llmreel_image"))
    blend = folder / "gpt2.blend"
    _phase(res, "save", lambda: build.save_blend(blend))
    res["blend_mb"] = blend.stat().st_size / 2**20
    res["build_peak_all_gb"] = max(res[k] for k in ("plan_peak_gb", "build_peak_gb", "save_peak_gb"))
    aspect = tuple(spec.meta.aspect)
    del spec, run_                   # scrubbing and drawing need only the scene, as a render worker has it
    gc.collect()
    sc = bpy.context.scene
    frames = [int(f) for f in range(sc.frame_start, sc.frame_end + 1, max(1, res["frames"] // 40))]

    def scrub():
        sc.frame_set(frames[0])                                         # first evaluation, not counted
        ms, cpu = [], []
        for f in frames[1:]:
            t, c = time.perf_counter(), time.process_time()
            sc.frame_set(f)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        res["frame_set_cpu_ms"] = statistics.median(cpu)
        return ms

    ms = _phase(res, "scrub", scrub)
    res["frame_set_ms"] = statistics.median(ms)
    res["frame_set_p90_ms"] = sorted(ms)[int(0.9 * (len(ms) - 1))]
    if render:
        settings = presets.resolve("draft", aspect=aspect)
        with quiet():
            configure_render(sc, settings)
        mid = (sc.frame_start + sc.frame_end) // 2
        with quiet():
            render_frame(sc, sc.frame_start, folder / "warm.png")           # shader compiles, first draw
        with _draft_steps(res):
            _phase(res, "draft", lambda: render_frame(sc, mid, folder / "draft.png"))
        res["draft_size"] = f"{settings.width}x{settings.height}"
    res["peak_gb"] = max(v for k, v in res.items() if k.endswith("_peak_gb"))
    return res


class _draft_steps:
    """Splits a draft frame's CPU time by Blender's handlers (in the order they fire for one F12 render):
    the scene's frame change, the render's own dependency graph built and evaluated (render_pre to its
    frame_change_post), the draw (to render_post: batches made for every shown object, then software GL),
    and what follows (the render graph freed, the scene's frame restored)."""

    NAMES = ("render_pre", "frame_change_post", "render_post")

    def __init__(self, res: dict):
        self.res, self.events = res, []

    def _handler(self, name):
        def on(*_args):
            self.events.append((name, time.process_time()))
        return on

    def __enter__(self):
        import bpy
        self.handlers = [(getattr(bpy.app.handlers, n), self._handler(n)) for n in self.NAMES]
        for where, fn in self.handlers:
            where.append(fn)
        self.start = time.process_time()
        return self

    def __exit__(self, *exc):
        end = time.process_time()
        for where, fn in self.handlers:
            where.remove(fn)
        names = [n for n, _ in self.events]
        if exc[0] is None and "render_pre" in names and "render_post" in names:
            pre = names.index("render_pre")
            graph = next((i for i in range(pre + 1, len(names)) if names[i] == "frame_change_post"), None)
            post = names.index("render_post")
            if graph is not None and graph < post:
                t = [c for _, c in self.events]
                self.res["draft_steps"] = (f"CPU: frame change {t[pre] - self.start:.2f} s, render graph "
                                           f"{t[graph] - t[pre]:.2f} s, draw {t[post] - t[graph]:.2f} s, "
                                           f"after {end - t[post]:.2f} s")
        return False


def report(r: dict) -> None:
    print(f"machine: {machine()}, load avg {os.getloadavg()[0]:.1f}")
    print(f"{r['config']} with {r['layers']} layers, seeded random weights, {r['tokens']}-token prompt: "
          f"{r['blocks']} blocks, {r['cells']:,} cells ({r['images']} image blocks in {r['image_objects']} objects, "
          f"{r['mesh_cells']:,} mesh cells), {r['frames']} frames")
    rows = [("plan", "plan_s", "s"), ("build", "build_s", "s"), ("save .blend", "save_s", "s"),
            ("peak plan..save", "build_peak_all_gb", "GB"), ("peak, all phases", "peak_gb", "GB"),
            (".blend size", "blend_mb", "MB"),
            ("frame_set median", "frame_set_ms", "ms"), ("draft frame", "draft_s", "s")]
    for name, key, unit in rows:
        if key not in r:
            continue
        ok = "ok" if r[key] <= TARGETS[key] else "OVER"
        extra = ""
        if key.endswith("_s") and key.replace("_s", "_peak_gb") in r:
            extra = (f"   (CPU {r[key.replace('_s', '_cpu_s')]:.1f} s; peak during it "
                     f"{r[key.replace('_s', '_peak_gb')]:.2f} GB)")
        if key == "frame_set_ms":
            extra = f"   (p90 {r['frame_set_p90_ms']:.1f} ms; CPU median {r['frame_set_cpu_ms']:.1f} ms)"
        if key == "draft_s":
            extra += f" at {r['draft_size']}" + (f"\n{'':21}{r['draft_steps']}" if "draft_steps" in r else "")
        print(f"  {name:<17} {r[key]:8.2f} {unit:<3} target <= {TARGETS[key]:<4} {ok}{extra}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="gpt2", help="a preset of model/config.py (default gpt2)")
    ap.add_argument("--layers", type=int, default=None, help="fewer (or more) layers than the preset")
    ap.add_argument("--text", default=PROMPT, help="the prompt (default: 16 GPT-2 tokens)")
    ap.add_argument("--no-render", action="store_true", help="skip the draft frame")
    ap.add_argument("--keep", default=None, help="folder to keep the .blend and frames in")
    a = ap.parse_args()
    if a.keep:
        Path(a.keep).mkdir(parents=True, exist_ok=True)
        r = run(a.config, a.layers, a.text, not a.no_render, Path(a.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="llmreel-bench-") as d:
            r = run(a.config, a.layers, a.text, not a.no_render, Path(d))
    report(r)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())

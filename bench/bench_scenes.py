"""Benchmark: planning scenes (trace + layout + storyboard).

1. The default story on nano-gpt (goal: <= 1 s).
2. A GPT-2-small config (12 layers, 768 wide, 50,257 vocab) with random weights at T = 32:
   time (untraced) and peak memory (a second, traced run: tracemalloc sees numpy's allocations; plus the
   process's max RSS).
Run: .venv/bin/python bench/bench_scenes.py
"""
from __future__ import annotations

import os
import platform
import resource
import time
import tracemalloc


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    from llmreel.scenes.plan import plan_scene

    print(f"machine: {_machine()}")
    plan_scene()                                                   # warm imports and caches
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        spec = plan_scene()
        runs.append(time.perf_counter() - t0)
    cells = sum(b.values.size for b in spec.blocks)
    best = min(runs)
    print(f"default story (nano, T={spec.blocks[0].values.shape and len(spec.block('embed.out').values[0])}): "
          f"best {best:.3f} s of {len(runs)} (goal <= 1 s: {'ok' if best <= 1.0 else 'MISSED'}); "
          f"{len(spec.blocks)} blocks, {cells:,} cells, {spec.meta.frame_end} frames")

    from llmreel.model.config import get_config
    from llmreel.model.weights import init_params

    cfg = get_config("gpt2")
    params = init_params(cfg, 0)                                   # not timed: weights exist before planning
    tokens = [i % 3 for i in range(27)]                            # 27 prompt tokens + 6 passes -> T = 32
    t0 = time.perf_counter()
    big = plan_scene(input=tokens, weights=(cfg, params))
    dt = time.perf_counter() - t0
    tracemalloc.start()                                            # a second run for memory: tracing slows it
    plan_scene(input=tokens, weights=(cfg, params))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cells = sum(b.values.size for b in big.blocks)
    T = big.block("embed.out").values.shape[1]
    print(f"gpt2-small config, random weights, T={T}: {dt:.2f} s, peak traced {peak / 2**20:.0f} MiB "
          f"(max RSS of the process incl. the 0.5 GB weights: {rss:.0f} MiB); {len(big.blocks)} blocks, "
          f"{cells:,} cells, {big.meta.frame_end} frames")


if __name__ == "__main__":
    main()

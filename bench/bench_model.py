"""Benchmark of the numpy nano-gpt: one sort with traces (6 forward passes) and training to 729/729.

Printed, not asserted. Goals: sort <= 3 ms on one core, training <= 30 s. Run: python bench/bench_model.py
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # one core, before numpy loads
    os.environ[var] = "1"

import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    import numpy as np

    from llmreel.model.gpt import sort_letters
    from llmreel.model.train import train
    from llmreel.model.weights import load_weights

    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python {platform.python_version()}, "
          f"numpy {np.__version__}, BLAS threads=1")
    weights = load_weights()
    sort_letters("CBABBC", weights)                           # warm caches
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(50):
            out, traces = sort_letters("CBABBC", weights)
        runs.append((time.perf_counter() - t0) / 50 * 1e3)
    assert out == "ABBBCC" and len(traces) == 6
    print(f"sort CBABBC with 6 traced forward passes: median {statistics.median(runs):.2f} ms, "
          f"best {min(runs):.2f} ms (goal <= 3 ms, one core; {len(traces[0])}..{len(traces[-1])} tensors per trace)")

    res = train(seed=0, progress=False)
    print(f"train from scratch (seed 0): {res.accuracy[0]}/{res.accuracy[1]} sorted after {res.steps} steps in "
          f"{res.seconds:.1f} s (goal <= 30 s)")
    return 0 if res.all_sorted else 1


if __name__ == "__main__":
    sys.exit(main())

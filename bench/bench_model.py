"""Benchmark of the numpy nano-gpt: one sort with traces (6 step traces) and training to 729/729.

Printed, not asserted. Goals: sort <= 3 ms on one core, training <= 30 s.
Run: python bench/bench_model.py [--no-train]   (pin a core with `taskset -c 0` for steadier figures)

The sort drafts the sorted input and verifies it with one traced pass over 11 tokens (see
llmreel.model.gpt.generate); the plain loop of 6 traced passes is timed beside it for comparison.
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


def timed_ms(fn, runs: int = 15, reps: int = 100) -> tuple[float, float]:
    """(median, best) over `runs` of the mean time of `reps` calls, in ms."""
    fn()                                                        # warm caches
    per = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        per.append((time.perf_counter() - t0) / reps * 1e3)
    return statistics.median(per), min(per)


def main(argv: list[str]) -> int:
    import numpy as np

    from llmreel.model.gpt import forward, generate, sort_letters
    from llmreel.model.tokenizer import encode
    from llmreel.model.train import train
    from llmreel.model.weights import load_weights

    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python {platform.python_version()}, "
          f"numpy {np.__version__}, BLAS threads=1, allowed cores {cores}, "
          f"load average {os.getloadavg()[0]:.2f} (other work on the box slows every figure)")
    weights = load_weights()
    config, params = weights
    out, traces = sort_letters("CBABBC", weights)
    assert out == "ABBBCC" and len(traces) == 6
    med, best = timed_ms(lambda: sort_letters("CBABBC", weights))
    print(f"sort CBABBC with 6 step traces (draft verified by 1 traced pass over 11 tokens): median {med:.2f} ms, "
          f"best {best:.2f} ms (goal <= 3 ms, one core; {len(traces[0])} tensors per trace)")
    ids = encode("CBABBC")
    med, best = timed_ms(lambda: generate(params, config, ids, 6), reps=30)
    print(f"  plain loop, 6 traced forward passes (generate without draft): median {med:.2f} ms, best {best:.2f} ms")
    med, best = timed_ms(lambda: forward(params, config, ids + [0, 1, 1, 1, 2]))
    print(f"  one traced forward pass over 11 tokens: median {med:.3f} ms, best {best:.3f} ms")

    if "--no-train" in argv:
        return 0
    res = train(seed=0, progress=False)
    print(f"train from scratch (seed 0): {res.accuracy[0]}/{res.accuracy[1]} sorted after {res.steps} steps in "
          f"{res.seconds:.1f} s (goal <= 30 s)")
    return 0 if res.all_sorted else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

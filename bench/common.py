"""What the benchmarks share: the machine they ran on, and a measurement run in a fresh interpreter (one bpy
session and one scene build, as a render worker has)."""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """CPU model, cores, RAM, OS and architecture, Python and bpy versions."""
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    import importlib.metadata as md

    try:
        bpy_version = md.version("bpy")
    except md.PackageNotFoundError:
        bpy_version = "?"
    return (f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()} {platform.machine()}, "
            f"Python {platform.python_version()}, bpy {bpy_version}")


def in_fresh_interpreter(module: str, call: str, what: str) -> dict:
    """The JSON result of `module.call` (Python source, e.g. "run_preset('draft', 4, None)") evaluated in a
    new interpreter with bench/ on its path; exits naming `what` with the tail of its stderr if it fails."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import {module} as b; "
            f"print('RESULT', json.dumps(b.{call}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"{what} failed: {proc.stderr[-2000:]}")
    return json.loads(line[len("RESULT "):])

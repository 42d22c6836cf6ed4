"""Shared pytest fixtures. bpy tests use the real `bpy` wheel and start from Blender's factory scene."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bpy_factory():
    """Reset Blender to an empty factory scene before the test; yields the bpy module."""
    bpy = pytest.importorskip("bpy")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield bpy
    bpy.ops.wm.read_factory_settings(use_empty=True)


def run_cli(*args: str, timeout: float = 600, cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """Run `llmreel ARGS...` in a fresh interpreter, as a user would, capturing text output."""
    return subprocess.run([sys.executable, "-m", "llmreel.render_scripts.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    """Bad input: exit 2, exactly one line on stderr, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def assert_each_one_line_error(cases, workers: int = 2, timeout: float = 300) -> None:
    """Run `llmreel ARGS...` for every tuple in `cases` (a few at once); each must be one line, exit 2."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        procs = list(pool.map(lambda args: run_cli(*args, timeout=timeout), cases))
    for args, proc in zip(cases, procs):
        try:
            assert_one_line_error(proc)
        except AssertionError as exc:
            raise AssertionError(f"llmreel {' '.join(args)}: {exc}") from None

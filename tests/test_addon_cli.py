"""`llmreel build`: saves a .blend headless; bad input is one line, exit 2, nothing written."""
from __future__ import annotations

import pytest

from conftest import assert_one_line_error, run_cli

pytestmark = pytest.mark.bpy


def test_build_writes_blend_from_saved_spec(tmp_path):
    pytest.importorskip("bpy")
    from addon_specs import small_spec

    spec_path = tmp_path / "small.npz"
    small_spec().save(spec_path)
    out = tmp_path / "sub" / "scene.blend"
    proc = run_cli("build", "--spec", str(spec_path), "--lang", "ko", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and out.stat().st_size > 10_000 and "3 blocks" in proc.stdout
    assert sorted(p.name for p in out.parent.iterdir()) == ["scene.blend"]   # no temp or .blend1 left


@pytest.mark.parametrize("args, words", [
    (["--out", "x.txt"], ".blend"),
    (["--lang", "fr"], "en, ko"),
    (["--input", "XYZ"], "XYZ"),
    (["--theme", "neon"], "neon"),
    (["--spec", "missing.npz"], "missing.npz"),
    (["--spec", "/dev/null"], "not a regular file"),
    (["--image-threshold", "0"], "positive"),
    (["--aspect", "wide"], "aspect"),
])
def test_build_bad_input_one_line(tmp_path, args, words):
    out = tmp_path / "scene.blend"
    if "--out" not in args:
        args = [*args, "--out", str(out)]
    proc = run_cli("build", *args, cwd=tmp_path)
    assert_one_line_error(proc)
    assert words.lower() in proc.stderr.lower()
    assert not out.exists() and not list(tmp_path.glob("*.blend*"))

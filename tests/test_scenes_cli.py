"""`llmreel plan`: the table, --json schema, --out, and one-line errors."""
from __future__ import annotations

import json

from conftest import assert_one_line_error, run_cli

from llmreel.scenes.spec import SceneSpec


def test_plan_table():
    p = run_cli("plan")
    assert p.returncode == 0, p.stderr
    for slug in ("introduction", "self-attention", "output", "total"):
        assert slug in p.stdout
    assert "blocks" in p.stdout and "captions" in p.stdout


def test_plan_json_schema_and_out(tmp_path):
    out = tmp_path / "spec.npz"
    p = run_cli("plan", "--input", "AACBBA", "--fps", "24", "--aspect", "9:16", "--json", "--out", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert set(doc) == {"model", "tokens", "fps", "frame_start", "frame_end", "chapters", "counts"}
    assert doc["model"]["name"] == "nano_sort.safetensors" and doc["model"]["parameters"] == 85_728
    assert doc["tokens"] == [{"id": i, "text": "ABC"[i]} for i in (0, 0, 2, 1, 1, 0)]
    assert doc["fps"] == 24 and doc["frame_start"] == 1 and doc["frame_end"] > 24 * 60
    assert set(doc["counts"]) == {"blocks", "cells", "labels", "captions", "solids", "slabs"}
    n_caps = 0
    for c in doc["chapters"]:
        assert set(c) == {"name", "title", "first_frame", "last_frame", "captions"}
        assert set(c["title"]) == {"en", "ko"}
        for k in c["captions"]:
            assert set(k) == {"first_frame", "last_frame", "en", "ko"}
            assert c["first_frame"] <= k["first_frame"] <= k["last_frame"] <= c["last_frame"]
            assert "CBABBC" not in k["en"] + k["ko"]
            n_caps += 1
    assert n_caps == doc["counts"]["captions"]
    assert any("AACBBA" in k["en"] for c in doc["chapters"] for k in c["captions"])
    spec = SceneSpec.load(out)
    assert spec.meta.input == "AACBBA" and spec.meta.aspect == (9, 16) and spec.meta.fps == 24
    assert len(spec.blocks) == doc["counts"]["blocks"]


def test_plan_bad_input_is_one_line(tmp_path):
    for args in (["--input", "CBABBZ"], ["no_such_story"], ["--aspect", "wide"], ["--fps", "0"],
                 ["--out", str(tmp_path / "spec.txt")]):
        p = run_cli("plan", *args)
        assert_one_line_error(p)
    assert not list(tmp_path.iterdir())


# A story whose softmax shot is told to frame its subject at a quarter of the frame, whole: too small to
# fill the frame or read its titles (the frame check's fill and essential rules), whatever the camera does
FAR = """name = "far"

[[chapter]]
slug = "self-attention"
beats = ["scores", "softmax"]

[chapter.beat.softmax]
shot = { fill = 0.25, framing = "whole" }
"""


def test_plan_check_reports_the_frame_check_and_fails_on_faults(tmp_path):
    story = tmp_path / "far.toml"
    story.write_text(FAR, encoding="utf-8")
    p = run_cli("plan", str(story), "--check")
    assert p.returncode == 1, p.stderr                       # what is not yet right is reported, as a linter
    line = next(l for l in p.stdout.splitlines() if l.startswith("frame check:"))
    assert "essential" in line and "fill" in line and "small" in line     # its numbers drawn too small, too
    assert any("self-attention.softmax" in l and "fill" in l for l in p.stdout.splitlines())
    assert any(l.startswith("cover (") for l in p.stdout.splitlines())     # what blocks cover of the picture
    p = run_cli("plan", str(story), "--check", "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and doc["frame_check"]["essential"] >= 1 and doc["frame_check"]["fill"] >= 1
    # what blocks cover of the picture, per beat (one per caption), each a share
    assert len(doc["cover"]) == sum(len(c["captions"]) for c in doc["chapters"])
    assert all(0 <= v <= 1 for v in doc["cover"].values())



def test_a_fault_s_time_shows_the_same_frame_in_a_still(tmp_path):
    """`plan --check` names each fault's moment in seconds (`[--time T]`); `still --time T` (any preset:
    a still is planned at the story's fps, not the video's) renders that very frame."""
    import re

    story = tmp_path / "far.toml"
    story.write_text(FAR, encoding="utf-8")
    p = run_cli("plan", str(story), "--check")
    moments = [(int(m[1]), m[2]) for m in re.finditer(r"frame +(\d+) .*\[--time ([\d.]+)\]", p.stdout)]
    assert moments, p.stdout[-800:]
    frame, t = moments[len(moments) // 2]
    q = run_cli("still", str(story), "--quality", "draft", "--resolution", "64x36", "--time", t,
                "--out", str(tmp_path / "s.png"))
    assert q.returncode == 0, q.stderr
    assert f"frame {frame} " in q.stdout and (tmp_path / "s.png").is_file(), q.stdout

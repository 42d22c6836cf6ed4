"""Text models on the command line, as a user runs them: `--model DIR --text "..."` on generate, trace, plan
and build, `plan --json`'s model and tokens, and one line + exit 2 for every bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_each_one_line_error, assert_one_line_error, run_cli
from llmreel.model.checkpoint import load_model
from tiny_gpt2 import reference_logits, write_tiny_gpt2


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_gpt2(tmp_path_factory.mktemp("text-cli") / "tiny-gpt2")


def test_generate_prints_each_step_with_its_top5_and_the_continuation(tiny):
    proc = run_cli("generate", "--model", str(tiny), "--text", " The cat sat on the mat", "--generate", "3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 6 and lines[0].startswith("model tiny-gpt2: 811,728 parameters; prompt 6 tokens: 383 ' The'")
    ids = [383, 3797, 3332, 319, 262, 2603]
    tok = load_model(tiny).tokenizer()
    for step, line in enumerate(lines[1:4], 1):
        head, top = line.split("   top-5: ")
        new = int(head.split()[2])
        logits = reference_logits(tiny, ids)[-1]
        assert new == int(logits.argmax()) and head.startswith(f"step {step}: {new} ")
        p = np.exp(logits - logits.max())
        p /= p.sum()
        entries = top.split("   ")
        assert len(entries) == 5 and entries[0] == f"{new} {tok.token_text(new)!r} {p[new]:.4f}"
        assert [int(e.split()[0]) for e in entries] == list(np.argsort(-p, kind="stable")[:5])
        ids.append(new)
    assert lines[4] == f"continuation: {tok.decode(ids[6:])!r}"
    assert lines[5] == tok.decode(ids)
    assert run_cli("generate", "--weights", str(tiny / "model.safetensors"), "--config", "gpt2").returncode == 2


def test_plan_json_names_the_model_and_the_prompts_tokens(tiny, tmp_path):
    proc = run_cli("plan", "--model", str(tiny), "--text", "Hello world<|endoftext|>", "--generate", "2", "--json",
                   "--out", str(tmp_path / "spec.npz"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["model"] == {"name": "tiny-gpt2", "parameters": 811_728, "config": {
        "n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 50257, "block_size": 64}}
    assert doc["tokens"] == [{"id": 15496, "text": "Hello"}, {"id": 995, "text": " world"},
                             {"id": 50256, "text": "<|endoftext|>"}]
    assert doc["chapters"] and doc["counts"]["blocks"] > 0
    from llmreel.scenes.spec import SceneSpec
    spec = SceneSpec.load(tmp_path / "spec.npz")
    assert spec.meta.input == "Hello world<|endoftext|>" and spec.meta.weights == "tiny-gpt2"
    assert spec.block("embed.out").shape[1] == 3 + 2 - 1                # the last of two greedy passes
    sort = json.loads(run_cli("plan", "--json").stdout)               # the sort model: its letters
    assert sort["model"]["parameters"] == 85_728 and [t["text"] for t in sort["tokens"]] == list("CBABBC")


def test_trace_reads_text_with_a_text_model(tiny, tmp_path):
    proc = run_cli("trace", "--model", str(tiny), "--text", "Hello world", "--out", str(tmp_path / "t.npz"))
    assert proc.returncode == 0, proc.stderr
    nxt = int(reference_logits(tiny, [15496, 995])[-1].argmax())
    assert f"(id {nxt})" in proc.stdout and (tmp_path / "t.npz").is_file()


def test_every_bad_model_or_prompt_is_one_line_exit_2(tiny, tmp_path):
    no_embd = write_tiny_gpt2(tmp_path / "no-embd", n_embd=None)
    no_weights = write_tiny_gpt2(tmp_path / "no-weights")
    (no_weights / "model.safetensors").unlink()
    no_config = write_tiny_gpt2(tmp_path / "no-config")
    (no_config / "config.json").unlink()
    wider = write_tiny_gpt2(tmp_path / "wider")                            # config says 32 wide, weights are 16
    (wider / "config.json").write_text((wider / "config.json").read_text().replace('"n_embd": 16', '"n_embd": 32'))
    small_vocab = write_tiny_gpt2(tmp_path / "small-vocab", vocab_size=1000)   # GPT-2's tokenizer has 50,257
    t, out = str(tiny), str(tmp_path / "x.npz")
    videos = iter(str(tmp_path / f"video{i}") for i in range(100))    # one folder a render: they run two at once
    cases = [
        ("render", "--model", str(no_config), "--text", "Hi", "--out", next(videos)),
        ("render", "--model", str(no_weights), "--text", "Hi", "--out", next(videos)),
        ("render", "--model", str(wider), "--text", "Hi", "--out", next(videos)),
        ("render", "--model", str(small_vocab), "--text", "Hi", "--out", next(videos)),
        ("render", "--model", t, "--text", "", "--out", next(videos)),
        ("render", "--model", t, "--text", "Hi", "--generate", "65", "--out", next(videos)),
        ("render", "--model", t, "--input", "CBABBC", "--out", next(videos)),
        ("render", "sort_explainer", "--model", t, "--text", "Hi", "--out", next(videos)),   # names gpt2_text
        ("still", "attention_only", "--model", t, "--text", "Hi", "--frame", "1", "--out", str(tmp_path / "x.png")),
        ("plan", "gpt2_text"),                                                 # the text story, the letter model
        ("render", "--config", "gpt9", "--text", "Hi", "--out", next(videos)),
        ("plan", "--model", str(tmp_path / "missing")),
        ("plan", "--model", str(no_embd), "--text", "Hi"),
        ("plan", "--text", "Hello"),                                           # the letter model
        ("plan", "--config", "gpt5"), ("generate", "--config", "gpt5", "--text", "Hi"),
        ("plan", "--config", "gpt3", "--text", "Hi"),                          # structure only
        ("plan", "--model", t, "--input", "CBABBC"),
        ("plan", "--model", t),                                                # no prompt
        ("plan", "--model", t, "--text", "   "),
        ("plan", "--model", t, "--text", "Hi", "--generate", "65"),            # 1 + 65 - 1 fed > 64
        ("plan", "--model", t, "--text", " x" * 65),                           # 65 tokens
        ("plan", "--model", t, "--text", "Hi", "--generate", "0"),
        ("plan", "--input", "CBABBC", "--generate", "3"),
        ("plan", "--model", t, "--config", "gpt2", "--text", "Hi"),
        ("generate", "--model", t),
        ("generate", "--text", "Hello"),
        ("sort", "CBABBC", "--model", t),
        ("eval", "--model", t),
        ("trace", "ABC", "--model", t, "--out", out),
        ("trace", "--text", "Hi", "--out", out),
        ("build", "--model", t, "--spec", out, "--out", str(tmp_path / "x.blend")),
        ("still", "--model", str(no_embd), "--text", "Hi", "--frame", "1", "--out", str(tmp_path / "x.png")),
        ("render", "--text", "Hi", "--out", next(videos)),
    ]
    assert_each_one_line_error(cases, workers=2, timeout=300)
    made = [p.name for p in (tmp_path / "x.npz", tmp_path / "x.blend", tmp_path / "x.png", *tmp_path.glob("video*"))
            if p.exists()]
    assert not made, made
    story = run_cli("render", "sort_explainer", "--model", t, "--text", "Hi", "--out", next(videos))
    assert "story sort_explainer is written for the letter-sorting model; for this text model use story gpt2_text" \
        in story.stderr


@pytest.mark.bpy
@pytest.mark.slow
def test_build_a_tiny_text_model(tiny, tmp_path):
    out = tmp_path / "tiny.blend"
    proc = run_cli("build", "--model", str(tiny), "--text", "Hello world", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and out.stat().st_size > 1_000_000 and "blocks, frames 1-" in proc.stdout


@pytest.mark.bpy
@pytest.mark.slow
def test_a_still_of_the_text_story_on_a_tiny_text_model(tiny, tmp_path):
    """As a user runs it: the text story chosen for the model, the output chapter's still written whole."""
    out = tmp_path / "out.png"
    proc = run_cli("still", "--model", str(tiny), "--text", "The cat sat on the", "--generate", "2",
                   "--chapter", "output", "--at", "0.6", "--quality", "draft", "--captions", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert "frame " in proc.stdout and "854x480" in proc.stdout

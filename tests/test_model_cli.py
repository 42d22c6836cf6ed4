"""`llmreel sort | eval | trace | train` as a user runs them, shipped weights included."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from conftest import assert_each_one_line_error, assert_one_line_error, run_cli
from llmreel.model.gpt import sort_letters
from llmreel.model.train import all_inputs, sort_accuracy
from llmreel.model.tokenizer import decode
from llmreel.model.weights import DEFAULT_WEIGHTS, load_weights, read_metadata, save_weights


def test_shipped_weights_exist_with_metadata():
    assert DEFAULT_WEIGHTS.is_file() and DEFAULT_WEIGHTS.suffix == ".safetensors"
    meta = read_metadata(DEFAULT_WEIGHTS)
    assert meta["n_head"] == "3" and meta["accuracy"] == "729/729" and meta["command"].startswith("llmreel train")
    cfg, params = load_weights()
    assert all(v.dtype == np.float32 for v in params.values())


def test_shipped_weights_sort_all_729_batched_and_traced():
    cfg, params = load_weights()
    assert sort_accuracy(params, cfg) == (729, 729)
    rng = np.random.default_rng(0)
    for row in all_inputs()[rng.choice(729, 60, replace=False)]:     # the traced path too (sample)
        text = decode(row)
        out, traces = sort_letters(text)
        assert out == "".join(sorted(text)) and len(traces) == 6


def test_sort_prints_probabilities_then_the_answer():
    for arg in ("CBABBC", "c b a b b c"):
        proc = run_cli("sort", arg)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.strip().splitlines()
        assert lines[-1] == "ABBBCC"
        assert len(lines) == 7 and all("top:" in l for l in lines[:-1])


def test_eval_counts_and_exit_status(tmp_path):
    proc = run_cli("eval")
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == "729/729 sorted"
    cfg, params = load_weights()
    broken = dict(params, **{"lm_head.weight": np.zeros_like(params["lm_head.weight"])})
    path = tmp_path / "zero_head.safetensors"
    save_weights(path, broken, cfg)
    proc = run_cli("eval", "--weights", str(path))
    assert proc.returncode == 1
    ok, total = map(int, proc.stdout.strip().split()[0].split("/"))
    assert total == 729 and ok < 729


def test_trace_writes_every_contract_tensor(tmp_path):
    out = tmp_path / "t.npz"
    proc = run_cli("trace", "CBA BBC", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "h0.attn.probs" in proc.stdout and str(out) in proc.stdout
    with np.load(out, allow_pickle=False) as z:
        man = json.loads(str(z["__manifest__"][()]))
        names = [e["name"] for e in man["tensors"]]
        assert man["tokens"] == [2, 1, 0, 1, 1, 2]
        assert z["h2.attn.scores"].shape == (3, 6, 6) and z["probs"].shape == (6, 3)
        assert z["h0.attn.c_attn.weight"].shape == (48, 144)
        assert {"embed.tok", "ln_f.rstd", "logits.expsum", "h1.mlp.gelu"} <= set(names)
        roles = {e["name"]: e["role"] for e in man["tensors"]}
        assert roles["h0.ln_1.mean"] == "aggregate" and roles["wte.weight"] == "weight"


def test_train_writes_weights_that_sort_all_729(tmp_path):
    out = tmp_path / "trained.safetensors"
    proc = run_cli("train", "--seed", "0", "--quiet", "--out", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-2] == "729/729 sorted"
    cfg, params = load_weights(out)
    assert sort_accuracy(params, cfg) == (729, 729)
    assert read_metadata(out)["seed"] == "0"


def test_train_that_cannot_sort_writes_nothing_and_exits_1(tmp_path):
    out = tmp_path / "never.safetensors"
    proc = run_cli("train", "--steps", "2", "--quiet", "--hold-out", "0.2", "--out", str(out))
    assert proc.returncode == 1
    assert "held-out inputs sorted:" in proc.stdout and "sorted" in proc.stdout.splitlines()[-1]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _bad_files(tmp: Path) -> dict[str, Path]:
    good = DEFAULT_WEIGHTS.read_bytes()
    files = {"garbage": tmp / "garbage.safetensors", "truncated": tmp / "trunc.safetensors",
             "nan": tmp / "nan.safetensors", "missing_tensor": tmp / "missing.safetensors",
             "no_meta_odd": tmp / "odd.safetensors"}
    files["garbage"].write_bytes(b"\x00not safetensors" * 40)
    files["truncated"].write_bytes(good[: len(good) - 1000])
    cfg, params = load_weights()
    nan = dict(params, **{"h0.ln_1.weight": np.full(48, np.nan, np.float32)})
    save_weights(files["nan"], nan, cfg)
    save_file({"transformer.wte.weight": params["wte.weight"]}, str(files["missing_tensor"]), metadata={"n_head": "3"})
    save_file({"wte.weight": np.zeros((5, 8), np.float32), "wpe.weight": np.zeros((4, 8), np.float32)},
              str(files["no_meta_odd"]))
    return files


def test_every_bad_input_is_one_line_exit_2(tmp_path):
    f = _bad_files(tmp_path)
    w = str(DEFAULT_WEIGHTS)
    cases = [
        ("sort", "CBAD"), ("sort", ""), ("sort", "CBA"), ("sort", "ABCABCA"), ("sort", "CB1BBC"),
        ("eval", "--weights", str(tmp_path / "missing.safetensors")),
        ("eval", "--weights", str(f["garbage"])), ("eval", "--weights", str(f["truncated"])),
        ("eval", "--weights", str(f["nan"])), ("eval", "--weights", str(f["missing_tensor"])),
        ("eval", "--weights", str(f["no_meta_odd"])),
        ("eval", "--weights", w, "--config", "gpt2"),                      # shape mismatch
        ("eval", "--weights", w, "--config", "gpt5"),                      # unknown preset
        ("sort", "CBABBC", "--weights", str(tmp_path / "w.pt")),
        ("trace", "ABCABCABCABC", "--out", str(tmp_path / "t.npz")),       # 12 letters
        ("trace", "ABD", "--out", str(tmp_path / "t.npz")),
        ("trace", "ABC", "--out", str(tmp_path / "t.txt")),
        ("trace", "ABC", "--config", "gpt5", "--out", str(tmp_path / "t.npz")),
        ("trace", "ABC"),                                                 # --out missing
        ("train", "--hold-out", "1.5", "--out", str(tmp_path / "x.safetensors")),
        ("train", "--steps", "0", "--out", str(tmp_path / "x.safetensors")),
        ("train", "--out", str(tmp_path / "x.pt")),
        ("train", "--seed", "abc", "--out", str(tmp_path / "x.safetensors")),
    ]
    assert_each_one_line_error(cases, workers=4, timeout=120)
    assert not (tmp_path / "t.npz").exists() and not (tmp_path / "x.safetensors").exists()

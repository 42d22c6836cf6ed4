"""Weights I/O: round trips in both file formats and both naming schemes, and every bad file -> InputError."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from safetensors.numpy import save_file

from llmreel.model.config import PRESETS, GPTConfig, get_config, n_params
from llmreel.core.errors import InputError
from llmreel.model.gpt import forward
from llmreel.model.weights import init_params, load_weights, param_spec, read_metadata, save_weights, weights_sha256

NANO = PRESETS["nano-sort"]
ODD = GPTConfig(n_layer=2, n_head=4, n_embd=16, vocab_size=5, block_size=9)      # matches no preset


def _params(cfg=NANO, seed=0):
    rng = np.random.default_rng(seed)
    return {k: (v + rng.normal(0, 0.1, v.shape)).astype(np.float32) for k, v in init_params(cfg, seed).items()}


def _logits(cfg, params, tokens=(2, 1, 0, 1, 1, 2)):
    return forward(params, cfg, list(tokens))["logits"]


def test_presets_and_parameter_count():
    assert n_params(NANO) == 85_728 == sum(v.size for v in init_params(NANO).values())
    assert (NANO.n_layer, NANO.n_head, NANO.n_embd, NANO.vocab_size, NANO.block_size) == (3, 3, 48, 3, 11)
    assert NANO.head_dim == 16 and get_config("gpt2").n_embd == 768 and get_config("gpt2-xl").n_layer == 48
    with pytest.raises(InputError, match="accepted: nano-sort"):
        get_config("gpt5")


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("scheme", ["mingpt", "hf"])
@pytest.mark.parametrize("cfg", [NANO, ODD])
def test_round_trip_exact(tmp_path, suffix, scheme, cfg):
    params = _params(cfg, 1)
    path = tmp_path / f"w{suffix}"
    save_weights(path, params, cfg, metadata={"seed": 7}, scheme=scheme)
    got_cfg, got = load_weights(path)                 # config from the file's metadata, even for ODD
    assert got_cfg == cfg
    assert list(got) == list(param_spec(cfg))
    for k in params:
        assert got[k].dtype == np.float32
        np.testing.assert_array_equal(got[k], params[k], err_msg=k)
    meta = read_metadata(path)
    assert meta["n_head"] == str(cfg.n_head) and meta["seed"] == "7"


def test_hugging_face_gpt2_file_written_by_hand(tmp_path):
    """Conv1D [in, out] names h.{i}..., lm_head tied to wte, mask buffers present, no metadata."""
    params = _params(NANO, 2)
    params["lm_head.weight"] = params["wte.weight"].T.copy()                    # tied, as in GPT-2
    hf = {}
    for name, arr in params.items():
        if name == "lm_head.weight":
            continue
        hf_name = name if not name.startswith("h") else "h." + name[1:].split(".", 1)[0] + "." + name.split(".", 1)[1]
        hf[hf_name] = np.ascontiguousarray(arr)                                 # our orientation is Conv1D's
    for i in range(NANO.n_layer):
        hf[f"h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 11, 11), np.float32))
        hf[f"h.{i}.attn.masked_bias"] = np.array(-1e4, np.float32)
    assert "h.0.attn.c_attn.weight" in hf and hf["h.0.attn.c_attn.weight"].shape == (48, 144)
    path = tmp_path / "model.safetensors"
    save_file(hf, str(path))
    cfg, got = load_weights(path)
    assert cfg == NANO                                                          # n_head from the matching preset
    np.testing.assert_array_equal(_logits(cfg, got), _logits(NANO, params))


def test_mingpt_state_dict_written_by_hand(tmp_path):
    """nn.Linear [out, in], transformer. and _orig_mod. prefixes, lm_head [V, C], mask buffers."""
    params = _params(NANO, 3)
    sd = {}
    for name, arr in params.items():
        if name == "lm_head.weight":
            sd["_orig_mod.lm_head.weight"] = np.ascontiguousarray(arr.T)
            continue
        torch_name = name if not name.startswith("h") else "h." + name[1:].split(".", 1)[0] + "." + name.split(".", 1)[1]
        is_matrix = arr.ndim == 2 and name.startswith("h")
        sd["_orig_mod.transformer." + torch_name] = np.ascontiguousarray(arr.T if is_matrix else arr)
    for i in range(NANO.n_layer):
        sd[f"_orig_mod.transformer.h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 11, 11), np.float32))
    assert sd["_orig_mod.transformer.h.0.attn.c_attn.weight"].shape == (144, 48)
    path = tmp_path / "ckpt.npz"
    np.savez(path, **sd)
    cfg, got = load_weights(path)
    np.testing.assert_array_equal(_logits(cfg, got), _logits(NANO, params))


def test_unknown_size_without_metadata_asks_for_config(tmp_path):
    params = _params(ODD, 4)
    path = tmp_path / "odd.safetensors"
    save_file({("h." + k[1:] if k.startswith("h") else k): v for k, v in params.items()
               if k != "lm_head.weight"} | {"lm_head.weight": np.ascontiguousarray(params["lm_head.weight"].T)},
              str(path))
    with pytest.raises(InputError, match="--config"):
        load_weights(path)
    cfg, got = load_weights(path, ODD)
    np.testing.assert_array_equal(got["h1.mlp.c_fc.weight"], params["h1.mlp.c_fc.weight"])


@pytest.mark.parametrize("case,match", [
    ("missing", "not found"),
    ("suffix", "accepted: .safetensors, .npz"),
    ("garbage", "not a readable safetensors"),
    ("truncated", "not a readable safetensors"),
    ("nan", "NaN"),
    ("shape", "has shape"),
    ("missing_tensor", "missing tensor"),
    ("unexpected", "unexpected tensor"),
    ("pickle", "not a readable npz"),
    ("config_mismatch", "has shape"),
    ("int_dtype", "dtype"),
])
def test_bad_weight_files_raise_input_error(tmp_path, case, match):
    params = _params(NANO, 5)
    good = tmp_path / "good.safetensors"
    save_weights(good, params, NANO)
    config = None
    if case == "missing":
        path = tmp_path / "nope.safetensors"
    elif case == "suffix":
        path = tmp_path / "w.pt"
        path.write_bytes(good.read_bytes())
    elif case == "garbage":
        path = tmp_path / "g.safetensors"
        path.write_bytes(b"this is not a safetensors file at all" * 10)
    elif case == "truncated":
        path = tmp_path / "t.safetensors"
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "nan":
        bad = dict(params)
        bad["h1.ln_2.bias"] = bad["h1.ln_2.bias"].copy()
        bad["h1.ln_2.bias"][3] = np.nan
        path = tmp_path / "nan.safetensors"
        save_weights(path, bad, NANO)
    elif case in ("shape", "missing_tensor", "unexpected", "int_dtype"):
        sd = {("transformer.h." + k[1:] if k.startswith("h") else ("transformer." + k if k != "lm_head.weight" else k)): v
              for k, v in params.items()}
        sd = {k: np.ascontiguousarray(v.T if v.ndim == 2 and ".h." in k else v) for k, v in sd.items()}
        sd["lm_head.weight"] = np.ascontiguousarray(params["lm_head.weight"].T)
        if case == "shape":
            sd["transformer.h.1.mlp.c_fc.bias"] = np.zeros(100, np.float32)
        elif case == "missing_tensor":
            del sd["transformer.h.2.ln_1.weight"]
        elif case == "unexpected":
            sd["transformer.h.0.mlp.extra"] = np.zeros(3, np.float32)
        else:
            sd["transformer.wpe.weight"] = np.zeros((11, 48), np.int32)
        path = tmp_path / f"{case}.safetensors"
        save_file(sd, str(path), metadata={"n_head": "3"})
    elif case == "pickle":
        path = tmp_path / "p.npz"
        np.savez(path, **{"wte.weight": np.array([object()], dtype=object)})
    elif case == "config_mismatch":
        path, config = good, "gpt2"
    with pytest.raises(InputError, match=match) as info:
        load_weights(path, config)
    assert "\n" not in str(info.value)


def test_sha256(tmp_path):
    path = tmp_path / "w.npz"
    save_weights(path, _params(), NANO)
    assert weights_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()

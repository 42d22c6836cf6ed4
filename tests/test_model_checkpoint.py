"""Any GPT-2-family checkpoint (model/checkpoint.py): a Hugging Face folder, a weights file, a preset; the
numpy model against an independent float64 GPT-2; parameter counts; bad checkpoints are one InputError."""
from __future__ import annotations

import json

import numpy as np
import pytest

from llmreel.core.errors import InputError
from llmreel.model.checkpoint import load_model, random_model
from llmreel.model.config import PRESETS, get_config, n_params
from llmreel.model.gpt import forward, generate
from llmreel.model.weights import DEFAULT_WEIGHTS, save_weights
from tiny_gpt2 import TINY, reference_logits, write_byte_bpe, write_tiny_gpt2


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_gpt2(tmp_path_factory.mktemp("tiny") / "tiny-gpt2")


def test_parameter_counts_tie_the_head_as_gpt2_does():
    assert n_params(get_config("gpt2")) == 124_439_808 == n_params(get_config("gpt2"), tied=True)
    assert n_params(get_config("gpt2"), tied=False) == 124_439_808 + 768 * 50257
    assert n_params(get_config("nano-sort")) == 85_728                       # the sort model learns its own head
    assert n_params(get_config("gpt2-xl")) == 1_557_611_200
    g3 = get_config("gpt3")
    assert (g3.n_layer, g3.n_head, g3.n_embd, g3.block_size, g3.vocab_size) == (96, 96, 12288, 2048, 50257)
    assert 174e9 < n_params(g3) < 176e9


def test_hugging_face_folder_loads_with_its_config_and_matches_float64_gpt2(tiny):
    m = load_model(tiny)
    assert m.config.to_dict() == {"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 50257, "block_size": 64}
    assert m.name == "tiny-gpt2" and len(m.sha256) == 64 and m.tied and not m.is_letters
    assert m.n_params == n_params(m.config, tied=True) == sum(v.size for k, v in m.params.items() if k != "lm_head.weight")
    ids = m.tokenizer().encode(" The cat sat on the mat")
    assert ids == [383, 3797, 3332, 319, 262, 2603]
    got = forward(m.params, m.config, ids)["logits"]
    want = reference_logits(tiny, ids)
    assert np.abs(got - want).max() < 1e-3 * np.abs(want).max()
    seq, traces = generate(m.params, m.config, ids, 3)
    assert len(traces) == 3 and seq[:6] == ids
    for j, tr in enumerate(traces):                      # the greedy loop: each new token is the argmax
        assert seq[6 + j] == int(reference_logits(tiny, seq[:6 + j])[-1].argmax())
    assert m.summary() == {"name": "tiny-gpt2", "config": m.config.to_dict(), "parameters": m.n_params}
    f = load_model(tiny / "model.safetensors")                     # the file alone: config.json beside it
    assert f.config == m.config and f.name == "model.safetensors" and f.tokenizer() is m.tokenizer()


def test_a_weights_file_with_metadata_or_config(tmp_path):
    cfg = get_config("nano-sort")
    m = load_model(DEFAULT_WEIGHTS)
    assert m.is_letters and not m.tied and m.n_params == 85_728 and m.name == DEFAULT_WEIGHTS.name
    assert load_model(None).name == DEFAULT_WEIGHTS.name == load_model(None, "nano-sort").name
    path = tmp_path / "w.npz"
    save_weights(path, m.params, cfg)
    assert load_model(path).config == cfg
    r = random_model(cfg.__class__(2, 2, 8, 50257, 16))
    assert r.name == "random-init:seed0:custom" and not r.is_letters and not r.tied


def test_gpt3_is_structure_only_and_unknown_presets_are_named():
    with pytest.raises(InputError, match="structure-only"):
        load_model(None, "gpt3")
    with pytest.raises(InputError, match="accepted: nano-sort"):
        load_model(None, "gpt5")


def test_a_folders_tokenizer_must_fit_the_embedding(tmp_path):
    folder = write_tiny_gpt2(tmp_path / "small-vocab", vocab_size=300)
    write_byte_bpe(folder, [("H", "e"), ("He", "l")])
    m = load_model(folder)
    assert m.tokenizer().encode("Hel") == [256 + 1] and m.token_text(257) == "Hel"
    write_byte_bpe(folder, [("H", "e")], extra_ids=100)               # <|endoftext|> at id 357 > 299
    with pytest.raises(InputError, match="vocabulary is 300"):
        load_model(folder).tokenizer()


def _bad_folder(tmp_path, name, **config):
    return write_tiny_gpt2(tmp_path / name, **config)


def test_bad_checkpoints_are_one_input_error_each(tmp_path, tiny):
    cases = {}
    cases["missing"] = (tmp_path / "nowhere", "not found")
    (tmp_path / "empty").mkdir()
    cases["no config.json"] = (tmp_path / "empty", "no config.json")
    cases["no n_embd"] = (_bad_folder(tmp_path, "no_embd", n_embd=None), "lacks n_embd")
    relu = _bad_folder(tmp_path, "relu")
    (relu / "config.json").write_text(json.dumps({**json.loads((relu / "config.json").read_text()),
                                                  "activation_function": "relu"}))
    cases["relu"] = (relu, "activation_function 'relu'")
    shapes = _bad_folder(tmp_path, "shapes")
    (shapes / "config.json").write_text(json.dumps({**TINY, "n_embd": 32}))
    cases["shapes"] = (shapes, "has shape")
    nowts = _bad_folder(tmp_path, "pickle")
    (nowts / "model.safetensors").rename(nowts / "pytorch_model.bin")
    cases["pickle"] = (nowts, "pytorch_model.bin is a pickle")
    for label, (path, message) in cases.items():
        with pytest.raises(InputError, match=message):
            load_model(path)
    with pytest.raises(InputError, match="drop --config"):
        load_model(tiny, "gpt2")
    assert set(PRESETS) >= {"nano-sort", "gpt2", "gpt3"}


def test_a_random_gpt2_head_is_its_token_table_seen_transposed():
    from dataclasses import replace

    from llmreel.model.checkpoint import Model
    m = random_model("gpt2")
    head, wte = m.params["lm_head.weight"], m.params["wte.weight"]
    assert np.shares_memory(head, wte) and head.shape == wte.shape[::-1] and m.tied      # no copy
    assert replace(m, params={**m.params, "lm_head.weight": head.copy()}).tied           # equal numbers
    other = head.copy()
    other[3, 5] += 1
    assert not Model(m.config, {**m.params, "lm_head.weight": other}, "x").tied

"""A tiny GPT-2-family checkpoint written the way Hugging Face saves one (config.json + model.safetensors,
Conv1D [in, out] matrices, h.{i}. names, mask buffers, no lm_head: tied to wte), GPT-2's full vocabulary,
seeded random weights; and a float64 forward pass written from GPT-2's equations, independent of
llmreel.model, to check the numpy model against."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

TINY = {"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 50257, "n_positions": 64}


def write_tiny_gpt2(folder: Path, seed: int = 0, **config) -> Path:
    """config.json + model.safetensors in `folder`; config keys override TINY (e.g. drop one with None)."""
    cfg = {**TINY, **config}
    L, C, V, P = cfg["n_layer"] or 2, cfg["n_embd"] or 16, cfg["vocab_size"], cfg["n_positions"]
    rng = np.random.default_rng(seed)

    def rand(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    t = {"wte.weight": rand(V, C), "wpe.weight": rand(P, C), "ln_f.weight": 1 + rand(C, scale=0.1),
         "ln_f.bias": rand(C, scale=0.1)}
    for i in range(L):
        h = f"h.{i}."
        t.update({h + "ln_1.weight": 1 + rand(C, scale=0.1), h + "ln_1.bias": rand(C, scale=0.1),
                  h + "attn.c_attn.weight": rand(C, 3 * C), h + "attn.c_attn.bias": rand(3 * C),
                  h + "attn.c_proj.weight": rand(C, C), h + "attn.c_proj.bias": rand(C),
                  h + "ln_2.weight": 1 + rand(C, scale=0.1), h + "ln_2.bias": rand(C, scale=0.1),
                  h + "mlp.c_fc.weight": rand(C, 4 * C), h + "mlp.c_fc.bias": rand(4 * C),
                  h + "mlp.c_proj.weight": rand(4 * C, C), h + "mlp.c_proj.bias": rand(C),
                  h + "attn.bias": np.tril(np.ones((1, 1, P, P), np.float32))})
    folder.mkdir(parents=True, exist_ok=True)
    save_file(t, str(folder / "model.safetensors"), metadata={"format": "pt"})
    doc = {"model_type": "gpt2", "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
           **{k: v for k, v in cfg.items() if v is not None}}
    (folder / "config.json").write_text(json.dumps(doc))
    return folder


def reference_logits(folder: Path, ids: list[int]) -> np.ndarray:
    """[T, V] logits of the checkpoint in `folder`, float64, straight from GPT-2's definition."""
    from safetensors.numpy import load_file

    w = {k: v.astype(np.float64) for k, v in load_file(str(folder / "model.safetensors")).items()}
    cfg = json.loads((folder / "config.json").read_text())
    H, T = cfg["n_head"], len(ids)

    def norm(x, g, b):
        mu = x.mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * g + b

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))

    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        q, k, v = np.split(norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"]) @ w[p + "attn.c_attn.weight"]
                           + w[p + "attn.c_attn.bias"], 3, axis=-1)
        heads = []
        for hq, hk, hv in zip(np.split(q, H, -1), np.split(k, H, -1), np.split(v, H, -1)):
            s = hq @ hk.T / np.sqrt(hq.shape[-1])
            s[np.triu_indices(T, 1)] = -np.inf
            e = np.exp(s - s.max(-1, keepdims=True))
            heads.append((e / e.sum(-1, keepdims=True)) @ hv)
        x = x + np.concatenate(heads, -1) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = gelu(norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"]) @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    return norm(x, w["ln_f.weight"], w["ln_f.bias"]) @ w["wte.weight"].T


def write_byte_bpe(folder: Path, merges: list[tuple[str, str]], extra_ids: int = 0, as_tokenizer_json: bool = False):
    """A small byte-level BPE of our own in `folder`: the 256 byte symbols (ids 0..255), then one symbol per
    merge, then <|endoftext|>; as vocab.json + merges.txt or as a Hugging Face tokenizer.json."""
    from llmreel.model.bpe import END_OF_TEXT, byte_chars

    vocab = {c: i for i, c in enumerate(byte_chars())}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab[END_OF_TEXT] = len(vocab) + extra_ids
    if as_tokenizer_json:
        doc = {"model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
               "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
               "added_tokens": [{"id": vocab[END_OF_TEXT], "content": END_OF_TEXT, "special": True}]}
        (folder / "tokenizer.json").write_text(json.dumps(doc))
    else:
        (folder / "vocab.json").write_text(json.dumps(vocab))
        (folder / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return vocab


_TINY_MODEL = []


def tiny_model():
    """A tiny GPT-2-family Model (TINY, seed 0), written once per test process to a temporary folder."""
    if not _TINY_MODEL:
        import tempfile

        from llmreel.model.checkpoint import load_model

        folder = write_tiny_gpt2(Path(tempfile.mkdtemp(prefix="tiny-gpt2-")) / "tiny-gpt2")
        _TINY_MODEL.append(load_model(folder))
    return _TINY_MODEL[0]


def story_kwargs(story, letters: str = "CBABBC") -> dict:
    """plan_timeline / plan_scene keywords that run `story` on a model of its kind: the sort model on
    `letters`, or a story written for a text model on the tiny GPT-2 with `letters` as its text."""
    from llmreel.scenes.story import load_story

    if load_story(story).model == "text":
        return {"weights": tiny_model(), "text": letters}
    return {"input": letters}

"""The traced forward pass of a GPT-2 style model in numpy, greedy generation and sorting.

`forward` records every tensor of the DESIGN.md contract plus the weights into a Trace; each tensor
carries the Op that made it (kinds and dependency rules: llmreel.model.opgraph).
"""
from __future__ import annotations

import math

import numpy as np

from llmreel.model import functional as F
from llmreel.model.config import GPTConfig
from llmreel.model.errors import InputError
from llmreel.model.tokenizer import decode, encode
from llmreel.model.trace import Op, Trace
from llmreel.model.weights import param_spec, resolve_weights

SORT_LENGTH = 6


def _check_tokens(config: GPTConfig, tokens) -> np.ndarray:
    idx = np.asarray(tokens, dtype=np.int64).reshape(-1)    # [T]
    if idx.size == 0 or idx.size > config.block_size:
        raise InputError(f"sequence of {idx.size} tokens; this model accepts 1..{config.block_size}")
    if idx.min() < 0 or idx.max() >= config.vocab_size:
        raise InputError(f"token ids must lie in 0..{config.vocab_size - 1}")
    return idx


def _layernorm(tr: Trace, name: str, x_name: str, x: np.ndarray, w_prefix: str) -> np.ndarray:
    mean, rstd = F.layernorm_stats(x)                                                       # [T], [T]
    tr.add(f"{name}.mean", "aggregate", ("T",), Op("layernorm_mean", (x_name,)), mean)
    tr.add(f"{name}.rstd", "aggregate", ("T",), Op("layernorm_rstd", (x_name, f"{name}.mean")), rstd)
    w, b = f"{w_prefix}.weight", f"{w_prefix}.bias"
    y = F.layernorm_apply(x, mean, rstd, tr[w], tr[b])                                      # [T, C]
    return tr.add(name, "activation", ("T", "C"),
                  Op("layernorm", (x_name, f"{name}.mean", f"{name}.rstd", w, b), {"eps": F.LN_EPS}), y)


def _linear(tr: Trace, name: str, axes, x_name: str, x: np.ndarray, w: str, b: str | None) -> np.ndarray:
    y = x @ tr[w]                                                                           # [T, out]
    if b is not None:
        y += tr[b]
    return tr.add(name, "activation", axes, Op("linear", (x_name, w) if b is None else (x_name, w, b)), y)


def _softmax(tr: Trace, name: str, axes, x_name: str, x: np.ndarray, causal: bool,
             probs_name: str, probs_axes) -> np.ndarray:
    """max / expsum aggregates over the last axis, then probs; masked (-inf) entries give probs 0."""
    p = {"causal": causal}
    mx = tr.add(f"{name}.max", "aggregate", axes[:-1], Op("softmax_max", (x_name,), p), x.max(-1))
    e = np.exp(x - mx[..., None])                                                           # [..., K]
    es = tr.add(f"{name}.expsum", "aggregate", axes[:-1],
                Op("softmax_expsum", (x_name, f"{name}.max"), p), e.sum(-1))
    return tr.add(probs_name, "activation", probs_axes,
                  Op("softmax", (x_name, f"{name}.max", f"{name}.expsum"), p), e / es[..., None])


def _block(tr: Trace, i: int, x_name: str, x: np.ndarray, config: GPTConfig, mask: np.ndarray) -> tuple[str, np.ndarray]:
    h, C, H, A = f"h{i}", config.n_embd, config.n_head, config.head_dim
    T = x.shape[0]
    ln1 = _layernorm(tr, f"{h}.ln_1", x_name, x, f"{h}.ln_1")                                # [T, C]
    qkv = _linear(tr, f"{h}.attn.qkv", ("T", "3C"), f"{h}.ln_1", ln1,
                  f"{h}.attn.c_attn.weight", f"{h}.attn.c_attn.bias")                       # [T, 3C]
    heads = {}
    for j, part in enumerate("qkv"):
        hx = np.ascontiguousarray(qkv[:, j * C:(j + 1) * C].reshape(T, H, A).transpose(1, 0, 2))   # [H, T, A]
        heads[part] = tr.add(f"{h}.attn.{part}", "activation", ("H", "T" if part == "q" else "Tk", "A"),
                             Op("split_heads", (f"{h}.attn.qkv",), {"offset": j * C, "n_head": H}), hx)
    # k and v rows are key positions: axes ("H", "Tk", "A") say so.
    scale = 1.0 / math.sqrt(A)
    att = heads["q"] @ heads["k"].transpose(0, 2, 1)                                        # [H, T, Tk]
    att *= att.dtype.type(scale)
    att[:, ~mask] = -np.inf                                                                 # causal mask
    tr.add(f"{h}.attn.scores", "activation", ("H", "T", "Tk"),
           Op("attn_scores", (f"{h}.attn.q", f"{h}.attn.k"), {"scale": scale, "causal": True}), att)
    probs = _softmax(tr, f"{h}.attn", ("H", "T", "Tk"), f"{h}.attn.scores", att, True,
                     f"{h}.attn.probs", ("H", "T", "Tk"))                                    # [H, T, Tk]
    y = (probs @ heads["v"]).transpose(1, 0, 2).reshape(T, C)                                # [T, C] heads side by side
    tr.add(f"{h}.attn.y", "activation", ("T", "C"),
           Op("attn_apply", (f"{h}.attn.probs", f"{h}.attn.v"), {"n_head": H}), y)
    proj = _linear(tr, f"{h}.attn.proj", ("T", "C"), f"{h}.attn.y", y,
                   f"{h}.attn.c_proj.weight", f"{h}.attn.c_proj.bias")                       # [T, C]
    x = tr.add(f"{h}.attn.resid", "activation", ("T", "C"), Op("add", (x_name, f"{h}.attn.proj")), x + proj)
    ln2 = _layernorm(tr, f"{h}.ln_2", f"{h}.attn.resid", x, f"{h}.ln_2")                     # [T, C]
    fc = _linear(tr, f"{h}.mlp.fc", ("T", "4C"), f"{h}.ln_2", ln2,
                 f"{h}.mlp.c_fc.weight", f"{h}.mlp.c_fc.bias")                               # [T, 4C]
    g = tr.add(f"{h}.mlp.gelu", "activation", ("T", "4C"), Op("gelu", (f"{h}.mlp.fc",)), F.gelu(fc))
    mp = _linear(tr, f"{h}.mlp.proj", ("T", "C"), f"{h}.mlp.gelu", g,
                 f"{h}.mlp.c_proj.weight", f"{h}.mlp.c_proj.bias")                           # [T, C]
    x = tr.add(f"{h}.mlp.resid", "activation", ("T", "C"), Op("add", (f"{h}.attn.resid", f"{h}.mlp.proj")), x + mp)
    return f"{h}.mlp.resid", x


def forward(params: dict[str, np.ndarray], config: GPTConfig, tokens) -> Trace:
    """One float32 forward pass over one sequence, recording every weight and intermediate tensor."""
    idx = _check_tokens(config, tokens)                                                     # [T]
    T = idx.size
    tr = Trace(config, idx.tolist())
    for name, (_, axes) in param_spec(config).items():
        tr.add(name, "weight", axes, None, params[name])
    tok = tr.add("embed.tok", "activation", ("T", "C"),
                 Op("gather", ("wte.weight",), {"index": idx.tolist()}), tr["wte.weight"][idx])   # [T, C]
    pos = tr.add("embed.pos", "activation", ("T", "C"),
                 Op("gather", ("wpe.weight",), {"index": list(range(T))}), tr["wpe.weight"][:T])  # [T, C]
    x = tr.add("embed.out", "activation", ("T", "C"), Op("add", ("embed.tok", "embed.pos")), tok + pos)
    x_name, mask = "embed.out", F.causal_mask(T)
    for i in range(config.n_layer):
        x_name, x = _block(tr, i, x_name, x, config, mask)
    lnf = _layernorm(tr, "ln_f", x_name, x, "ln_f")                                          # [T, C]
    logits = _linear(tr, "logits", ("T", "V"), "ln_f", lnf, "lm_head.weight", None)          # [T, V]
    _softmax(tr, "logits", ("T", "V"), "logits", logits, False, "probs", ("T", "V"))         # [T, V]
    return tr


def generate(params, config: GPTConfig, tokens, n_new: int) -> tuple[list[int], list[Trace]]:
    """Greedy decoding: append argmax of the last position's logits n_new times; one trace per step."""
    seq = _check_tokens(config, tokens).tolist()
    if len(seq) + n_new - 1 > config.block_size:
        raise InputError(f"{len(seq)} tokens + {n_new} new exceed the model's block size {config.block_size}")
    traces = []
    for _ in range(n_new):
        tr = forward(params, config, seq)
        traces.append(tr)
        seq.append(int(np.argmax(tr["logits"][-1])))
    return seq, traces


def sort_letters(text: str, weights=None) -> tuple[str, list[Trace]]:
    """"CBABBC" -> ("ABBBCC", six traces). `weights`: None (shipped), a path, or (config, params)."""
    idx = encode(text, length=SORT_LENGTH)
    config, params = resolve_weights(weights)
    if config.vocab_size != 3 or config.block_size < 2 * SORT_LENGTH - 1:
        raise InputError(f"sorting needs a 3-letter vocabulary and block size >= {2 * SORT_LENGTH - 1}; "
                         f"these weights have vocab {config.vocab_size}, block {config.block_size}")
    seq, traces = generate(params, config, idx, SORT_LENGTH)
    return decode(seq[SORT_LENGTH:]), traces

"""The traced forward pass of a GPT-2 style model in numpy, greedy generation and sorting.

`graph(config, T)` describes every tensor a forward pass over T tokens records (name, role, axis names,
the Op that makes it; op kinds and dependency rules: llmreel.model.opgraph). `forward` computes the
numbers and files each array under its graph entry, so a Trace always matches the graph.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from llmreel.model import functional as F
from llmreel.model.config import GPTConfig
from llmreel.model.errors import InputError
from llmreel.model.tokenizer import decode, encode
from llmreel.model.trace import Op, Tensor, Trace
from llmreel.model.weights import param_spec, resolve_weights

SORT_LENGTH = 6
Entry = tuple[str, tuple[str, ...], "Op | None"]     # role, axes, op


@functools.lru_cache(maxsize=64)
def graph(config: GPTConfig, T: int) -> dict[str, Entry]:
    """Every tensor of a forward pass over T tokens, in trace order: name -> (role, axes, op).

    embed.tok's gather index is the token ids, so its Op here has index None (forward fills it in)."""
    C, H = config.n_embd, config.n_head
    g: dict[str, Entry] = {name: ("weight", axes, None) for name, (_, axes) in param_spec(config).items()}

    def act(name, axes, kind, inputs, **params):
        g[name] = ("activation", axes, Op(kind, tuple(inputs), params))

    def agg(name, axes, kind, inputs, **params):
        g[name] = ("aggregate", axes, Op(kind, tuple(inputs), params))

    def layernorm(name, x, w):
        agg(f"{name}.mean", ("T",), "layernorm_mean", [x])
        agg(f"{name}.rstd", ("T",), "layernorm_rstd", [x, f"{name}.mean"])
        act(name, ("T", "C"), "layernorm", [x, f"{name}.mean", f"{name}.rstd", f"{w}.weight", f"{w}.bias"],
            eps=F.LN_EPS)

    def softmax(prefix, axes, x, probs, causal):
        agg(f"{prefix}.max", axes[:-1], "softmax_max", [x], causal=causal)
        agg(f"{prefix}.expsum", axes[:-1], "softmax_expsum", [x, f"{prefix}.max"], causal=causal)
        act(probs, axes, "softmax", [x, f"{prefix}.max", f"{prefix}.expsum"], causal=causal)

    act("embed.tok", ("T", "C"), "gather", ["wte.weight"], index=None)
    act("embed.pos", ("T", "C"), "gather", ["wpe.weight"], index=list(range(T)))
    act("embed.out", ("T", "C"), "add", ["embed.tok", "embed.pos"])
    x = "embed.out"
    for i in range(config.n_layer):
        h = f"h{i}"
        layernorm(f"{h}.ln_1", x, f"{h}.ln_1")
        act(f"{h}.attn.qkv", ("T", "3C"), "linear", [f"{h}.ln_1", f"{h}.attn.c_attn.weight", f"{h}.attn.c_attn.bias"])
        for j, part in enumerate("qkv"):   # k and v rows are key positions: axis "Tk"
            act(f"{h}.attn.{part}", ("H", "T" if part == "q" else "Tk", "A"), "split_heads", [f"{h}.attn.qkv"],
                offset=j * C, n_head=H)
        act(f"{h}.attn.scores", ("H", "T", "Tk"), "attn_scores", [f"{h}.attn.q", f"{h}.attn.k"],
            scale=1.0 / math.sqrt(config.head_dim), causal=True)
        softmax(f"{h}.attn", ("H", "T", "Tk"), f"{h}.attn.scores", f"{h}.attn.probs", True)
        act(f"{h}.attn.y", ("T", "C"), "attn_apply", [f"{h}.attn.probs", f"{h}.attn.v"], n_head=H)
        act(f"{h}.attn.proj", ("T", "C"), "linear", [f"{h}.attn.y", f"{h}.attn.c_proj.weight", f"{h}.attn.c_proj.bias"])
        act(f"{h}.attn.resid", ("T", "C"), "add", [x, f"{h}.attn.proj"])
        layernorm(f"{h}.ln_2", f"{h}.attn.resid", f"{h}.ln_2")
        act(f"{h}.mlp.fc", ("T", "4C"), "linear", [f"{h}.ln_2", f"{h}.mlp.c_fc.weight", f"{h}.mlp.c_fc.bias"])
        act(f"{h}.mlp.gelu", ("T", "4C"), "gelu", [f"{h}.mlp.fc"])
        act(f"{h}.mlp.proj", ("T", "C"), "linear", [f"{h}.mlp.gelu", f"{h}.mlp.c_proj.weight", f"{h}.mlp.c_proj.bias"])
        act(f"{h}.mlp.resid", ("T", "C"), "add", [f"{h}.attn.resid", f"{h}.mlp.proj"])
        x = f"{h}.mlp.resid"
    layernorm("ln_f", x, "ln_f")
    act("logits", ("T", "V"), "linear", ["ln_f", "lm_head.weight"])
    softmax("logits", ("T", "V"), "logits", "probs", False)
    return g


def _check_tokens(config: GPTConfig, tokens) -> np.ndarray:
    idx = np.asarray(tokens, dtype=np.int64).reshape(-1)    # [T]
    if idx.size == 0 or idx.size > config.block_size:
        raise InputError(f"sequence of {idx.size} tokens; this model accepts 1..{config.block_size}")
    if idx.min() < 0 or idx.max() >= config.vocab_size:
        raise InputError(f"token ids must lie in 0..{config.vocab_size - 1}")
    return idx


def forward(params: dict[str, np.ndarray], config: GPTConfig, tokens) -> Trace:
    """One float32 forward pass over one sequence, recording every weight and intermediate tensor."""
    idx = _check_tokens(config, tokens)                                              # [T]
    T, C, H, A = idx.size, config.n_embd, config.n_head, config.head_dim
    g = graph(config, T)
    tensors: dict[str, Tensor] = {}

    def rec(name, data):
        role, axes, op = g[name]
        tensors[name] = Tensor(name, role, axes, op, data)
        return data

    def layernorm(name, x, w):
        mean, rstd, xc = F.layernorm_parts(x)                                        # [T], [T], [T, C]
        rec(f"{name}.mean", mean)
        rec(f"{name}.rstd", rstd)
        return rec(name, F.layernorm_apply_centred(xc, rstd, params[f"{w}.weight"], params[f"{w}.bias"]))

    def linear(name, x, w, b=None):
        y = x @ params[w]                                                            # [T, out]
        if b is not None:
            y += params[b]
        return rec(name, y)

    def softmax(prefix, x, probs):
        mx = rec(f"{prefix}.max", x.max(-1))                                         # [...]
        e = x - mx[..., None]                                                        # [..., K]
        np.exp(e, out=e)                                                             # masked: exp(-inf) = 0
        es = rec(f"{prefix}.expsum", np.add.reduce(e, -1))                           # [...]
        e /= es[..., None]
        return rec(probs, e)                                                         # [..., K]

    for name in param_spec(config):
        rec(name, params[name])
    tok = params["wte.weight"][idx]                                                  # [T, C]
    tensors["embed.tok"] = Tensor("embed.tok", "activation", ("T", "C"),
                                  Op("gather", ("wte.weight",), {"index": idx.tolist()}), tok)
    x = rec("embed.out", tok + rec("embed.pos", params["wpe.weight"][:T]))           # [T, C]
    mask_bias = F.causal_bias(T, x.dtype.type)                                       # [T, Tk] 0 / -inf
    scale = x.dtype.type(1.0 / math.sqrt(A))
    for i in range(config.n_layer):
        h = f"h{i}"
        qkv = linear(f"{h}.attn.qkv", layernorm(f"{h}.ln_1", x, f"{h}.ln_1"),
                     f"{h}.attn.c_attn.weight", f"{h}.attn.c_attn.bias")             # [T, 3C]
        heads = qkv.reshape(T, 3, H, A).transpose(1, 2, 0, 3)                        # [3, H, T, A] view
        q, k, v = (rec(f"{h}.attn.{p}", heads[j]) for j, p in enumerate("qkv"))      # [H, T, A] each
        att = q @ k.transpose(0, 2, 1)                                               # [H, T, Tk]
        att *= scale
        att += mask_bias                                                             # causal mask: -inf
        rec(f"{h}.attn.scores", att)
        probs = softmax(f"{h}.attn", att, f"{h}.attn.probs")                         # [H, T, Tk]
        y = rec(f"{h}.attn.y", (probs @ v).transpose(1, 0, 2).reshape(T, C))         # [T, C] heads side by side
        x = rec(f"{h}.attn.resid", x + linear(f"{h}.attn.proj", y, f"{h}.attn.c_proj.weight",
                                               f"{h}.attn.c_proj.bias"))             # [T, C]
        fc = linear(f"{h}.mlp.fc", layernorm(f"{h}.ln_2", x, f"{h}.ln_2"),
                    f"{h}.mlp.c_fc.weight", f"{h}.mlp.c_fc.bias")                     # [T, 4C]
        mp = linear(f"{h}.mlp.proj", rec(f"{h}.mlp.gelu", F.gelu(fc)),
                    f"{h}.mlp.c_proj.weight", f"{h}.mlp.c_proj.bias")                 # [T, C]
        x = rec(f"{h}.mlp.resid", x + mp)                                            # [T, C]
    logits = linear("logits", layernorm("ln_f", x, "ln_f"), "lm_head.weight")        # [T, V]
    softmax("logits", logits, "probs")                                               # [T, V]
    assert len(tensors) == len(g)          # recorded in graph order: weights, then compute order
    return Trace(config, idx.tolist(), tensors)


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
